"""What every route shares: the Context (settings, store, jobs, files, preferences) and the
dependencies that hand it and the signed-in user to a route."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import event, func, select

from tunesmith.errors import TunesmithError
from tunesmith.store import open_store
from tunesmith.store.models import Piece, PieceVersion, Rating, User
from tunesmith.web import auth
from tunesmith.web.jobs import JobQueue
from tunesmith.web.ratelimit import RateLimiter
from tunesmith.web.service import Files
from tunesmith.web.settings import WebSettings


def _sqlite_tuning(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Context:
    """Everything the routes share: settings, the store, jobs, files, the learned preferences."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self.store = open_store(settings.db_url)
        if self.store.engine.dialect.name == "sqlite":
            event.listen(self.store.engine, "connect", _sqlite_tuning)
            self.store.engine.dispose()  # reconnect with the pragmas
        self.write_lock = threading.Lock()
        self.files = Files(settings)
        self.prefs: Any = None
        self.prefs_stale = True
        self.prefs_version: tuple[Any, ...] = ()
        self.prefs_lock = threading.Lock()
        self.corpus_ready = threading.Event()
        self.jobs = JobQueue(self, settings.workers)
        self.logins = RateLimiter(settings.login_attempts[2])

    def preferences(self) -> Any:
        """The fitted preference models, refitted when ratings changed since the last fit."""
        from tunesmith.feedback.preference import Preferences, learn_from_store  # numpy: on first use

        with self.prefs_lock:
            version = self.ratings_version()
            if self.prefs_stale or self.prefs is None or version != self.prefs_version:
                with self.write_lock:  # fitting caches features on the pieces (a write)
                    try:
                        self.prefs = learn_from_store(self.store, self.settings.resolved_preference_dir())
                    except TunesmithError:
                        self.prefs = Preferences(None, None)
                self.prefs_stale = False
                self.prefs_version = version
            return self.prefs

    def ratings_version(self) -> tuple[Any, ...]:
        """Changes whenever a rating is added, changed or removed, by this process or any other
        (web processes and workers share the store, not their memory)."""
        with self.store.session() as s:
            row = s.execute(
                select(func.count(Rating.id), func.max(Rating.created_at), func.max(Rating.updated_at))
            ).one()
            revisions = s.scalar(select(func.max(PieceVersion.id)))  # keeps and redos teach it too
        return (*tuple(row), revisions)

    def register_corpus(self) -> None:
        """Give the configured corpus collections store rows, so they can be listed and rated."""
        try:
            from tunesmith.corpus import load_corpus  # numpy: after start-up, in the background
            from tunesmith.corpus.library import store_corpus_piece

            for name in self.settings.corpus_collections:
                try:
                    corpus = load_corpus([name])
                except TunesmithError:
                    continue
                count = (
                    len(corpus)
                    if self.settings.corpus_limit is None
                    else min(len(corpus), self.settings.corpus_limit)
                )
                for start in range(0, count, 100):
                    with self.write_lock, self.store.session() as s:
                        for i in range(start, min(count, start + 100)):
                            store_corpus_piece(s, corpus, i)
            self.cache_corpus_features()
        finally:
            self.corpus_ready.set()

    def cache_corpus_features(self, batch: int = 25) -> None:
        """Compute the corpus pieces' features now, a batch per write, so recommendations never
        stall on them (they skip corpus pieces whose features are not cached yet)."""
        from tunesmith.feedback.features import stored_features  # numpy: after start-up

        with self.store.session() as s:
            todo = list(s.scalars(select(Piece.id).where(Piece.source == "corpus", Piece.features.is_(None))))
        for start in range(0, len(todo), batch):
            with self.write_lock, self.store.session() as s:
                for piece_id in todo[start : start + batch]:
                    piece = s.get(Piece, piece_id)
                    if piece is not None:
                        stored_features(s, piece)


def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


Ctx = Annotated[Context, Depends(get_context)]


# Declared as security schemes so the OpenAPI schema says how to sign in (either one will do);
# auto_error=False because current_user gives the one 401 message itself.
cookie_scheme = APIKeyCookie(
    name=auth.COOKIE, auto_error=False, scheme_name="session_cookie",
    description="Set by POST /api/auth/login, /register or /local (HttpOnly, SameSite=Strict).",
)  # fmt: skip
bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="bearer_token",
    description="The `token` of POST /api/auth/login, /register or /local.",
)  # fmt: skip


def token_of(request: Request) -> str | None:
    """The sign-in token: ``Authorization: Bearer`` first, else the page's cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(auth.COOKIE)


def current_user(
    request: Request,
    _cookie: Annotated[str | None, Security(cookie_scheme)] = None,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)] = None,
) -> User:
    ctx: Context = request.app.state.ctx
    token = token_of(request)
    if not token:
        raise auth.AuthError("not signed in: POST /api/auth/login (or /api/auth/local on loopback)")
    with ctx.store.session() as s:
        user = auth.user_for_token(s, token)
        s.expunge(user)
    return user


Me = Annotated[User, Depends(current_user)]
