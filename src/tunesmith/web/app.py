"""The FastAPI app: REST API under /api (OpenAPI at /openapi.json) and the page at /.

Errors: a bad control is 422 with ``{"detail": "<field>: <problem>; allowed: ...", "field": ...}``
(ControlError and pydantic's own checks alike); unknown things are 404; a missing or expired
sign-in is 401; a full compose queue 503; an upload of the wrong kind 415, too large 413.
Writes to the store go through one lock, so SQLite (WAL, busy timeout) never sees two writers.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import event, func, or_, select

from tunesmith.errors import (
    ControlError,
    InputFileError,
    NotFoundError,
    StoreError,
    TunesmithError,
    UnsupportedFormatError,
)
from tunesmith.store.models import Piece, Rating, Tag, User, utcnow
from tunesmith.web import auth
from tunesmith.web.jobs import JobManager, QueueFullError
from tunesmith.web.schemas import (
    ComposeBody,
    Credentials,
    JobCreated,
    JobStatus,
    PieceList,
    PieceOut,
    RatingBody,
    RatingOut,
    Recommendation,
    SignedIn,
)
from tunesmith.web.service import KINDS, Files, compose_pieces
from tunesmith.web.settings import ALL_OUTPUTS, WebSettings

STATIC = Path(__file__).resolve().parent / "static"


def _allowed(field: str) -> str:
    """What a control allows, for pydantic's type errors (ComposeRequest says it for range errors)."""
    from tunesmith.compose import request as r

    table = {
        "tempo": f"{r.TEMPO_RANGE[0]:g} to {r.TEMPO_RANGE[1]:g} bpm",
        "bars": f"a whole number {r.BARS_RANGE[0]}-{r.BARS_RANGE[1]}",
        "seconds": f"{r.SECONDS_RANGE[0]:g} to {r.SECONDS_RANGE[1]:g} seconds",
        "temperature": f"{r.TEMPERATURE_RANGE[0]:g} to {r.TEMPERATURE_RANGE[1]:g}",
        "candidates": f"a whole number {r.CANDIDATES_RANGE[0]}-{r.CANDIDATES_RANGE[1]}",
        "seed": f"a whole number 0-{r.MAX_SEED}",
        "valence": "-1.0 to 1.0",
        "arousal": "-1.0 to 1.0",
        "stars": "a whole number 1-5",
        "primer_piece": "the id of one of your uploads",
        "outputs": ", ".join(ALL_OUTPUTS),
    }
    return table.get(field, "see /openapi.json")


def _sqlite_tuning(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Context:
    """Everything the routes share: settings, the store, jobs, files, the learned preferences."""

    def __init__(self, settings: WebSettings) -> None:
        from tunesmith.store import open_store

        self.settings = settings
        self.store = open_store(settings.db_url)
        if self.store.engine.dialect.name == "sqlite":
            event.listen(self.store.engine, "connect", _sqlite_tuning)
            self.store.engine.dispose()  # reconnect with the pragmas
        self.write_lock = threading.Lock()
        self.jobs = JobManager(settings.workers, settings.max_queued_jobs)
        self.files = Files(settings)
        self.prefs: Any = None
        self.prefs_stale = True
        self.prefs_lock = threading.Lock()
        self.corpus_ready = threading.Event()

    def preferences(self) -> Any:
        """The fitted preference models, refitted when ratings changed since the last fit."""
        from tunesmith.feedback.preference import Preferences, learn_from_store

        with self.prefs_lock:
            if self.prefs_stale or self.prefs is None:
                with self.write_lock:  # fitting caches features on the pieces (a write)
                    try:
                        self.prefs = learn_from_store(self.store, self.settings.resolved_preference_dir())
                    except TunesmithError:
                        self.prefs = Preferences(None, None)
                self.prefs_stale = False
            return self.prefs

    def register_corpus(self) -> None:
        """Give the configured corpus collections store rows, so they can be listed and rated."""
        try:
            from tunesmith.corpus import load_corpus
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
        from tunesmith.feedback.features import stored_features

        with self.store.session() as s:
            todo = list(s.scalars(select(Piece.id).where(Piece.source == "corpus", Piece.features.is_(None))))
        for start in range(0, len(todo), batch):
            with self.write_lock, self.store.session() as s:
                for piece_id in todo[start : start + batch]:
                    piece = s.get(Piece, piece_id)
                    if piece is not None:
                        stored_features(s, piece)


def token_of(request: Request) -> str | None:
    """The sign-in token: ``Authorization: Bearer`` first, else the page's cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(auth.COOKIE)


def current_user(request: Request) -> User:
    ctx: Context = request.app.state.ctx
    token = token_of(request)
    if not token:
        raise auth.AuthError("not signed in: POST /api/auth/login (or /api/auth/local on loopback)")
    with ctx.store.session() as s:
        user = auth.user_for_token(s, token)
        s.expunge(user)
    return user


Me = Annotated[User, Depends(current_user)]


def create_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings()
    ctx = Context(settings)
    app = FastAPI(
        title="tunesmith",
        description="Compose, play, rate and discover music. Compose runs as a job: POST /api/compose, "
        "then poll GET /api/jobs/{id}.",
        version=_version(),
        # The interactive docs pages load their scripts from a CDN; nothing here may come from the
        # internet, so only the schema itself is served (/openapi.json).
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = ctx
    threading.Thread(target=ctx.register_corpus, name="corpus-register", daemon=True).start()

    # ----- errors -------------------------------------------------------------------------------
    @app.exception_handler(ControlError)
    async def _control(_: Request, err: ControlError) -> JSONResponse:
        return JSONResponse({"detail": str(err), "field": err.field}, status_code=422)

    @app.exception_handler(UnsupportedFormatError)
    async def _unsupported(_: Request, err: UnsupportedFormatError) -> JSONResponse:
        return JSONResponse({"detail": str(err), "field": "file"}, status_code=415)

    @app.exception_handler(InputFileError)
    async def _input(_: Request, err: InputFileError) -> JSONResponse:
        return JSONResponse({"detail": str(err), "field": "file"}, status_code=422)

    @app.exception_handler(NotFoundError)
    async def _missing(_: Request, err: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=404)

    @app.exception_handler(StoreError)
    async def _store(_: Request, err: StoreError) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=503)

    @app.exception_handler(TunesmithError)
    async def _other(_: Request, err: TunesmithError) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=400)

    @app.exception_handler(auth.AuthError)
    async def _auth(_: Request, err: auth.AuthError) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=401)

    @app.exception_handler(QueueFullError)
    async def _full(_: Request, err: QueueFullError) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, err: RequestValidationError) -> JSONResponse:
        first = err.errors()[0] if err.errors() else {"loc": ("body",), "msg": "invalid request"}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "form")]
        field = loc[0] if loc else "request"
        message = f"{'.'.join(loc) or field}: {first.get('msg', 'invalid')}; allowed: {_allowed(field)}"
        return JSONResponse({"detail": message, "field": field}, status_code=422)

    def signed_in(response: Response, user: User, local: bool) -> SignedIn:
        with ctx.write_lock, ctx.store.session() as s:
            token = auth.new_session(s, user, settings.session_hours)
        response.set_cookie(
            auth.COOKIE, token, httponly=True, samesite="strict", max_age=int(settings.session_hours * 3600)
        )
        return SignedIn(user=user.name, token=token, local=local)

    # ----- accounts -----------------------------------------------------------------------------
    @app.post("/api/auth/register", response_model=SignedIn, status_code=201, tags=["accounts"])
    def register(body: Credentials, response: Response) -> SignedIn:
        """Create an account (password stored as an argon2id hash) and sign in."""
        with ctx.write_lock, ctx.store.session() as s:
            user = auth.register(s, body.name, body.password)
            s.expunge(user)
        return signed_in(response, user, False)

    @app.post("/api/auth/login", response_model=SignedIn, tags=["accounts"])
    def login(body: Credentials, response: Response) -> SignedIn:
        with ctx.store.session() as s:
            user = auth.authenticate(s, body.name, body.password)
            s.expunge(user)
        return signed_in(response, user, False)

    @app.post("/api/auth/local", response_model=SignedIn, tags=["accounts"])
    def local_login(response: Response) -> SignedIn:
        """Sign in the default local user without a password: only when served on loopback."""
        if not settings.local_sign_in:
            raise HTTPException(403, "password-less sign-in is off: this server is not on loopback")
        with ctx.write_lock, ctx.store.session() as s:
            user = auth.local_user(s, settings.local_user)
            s.expunge(user)
        return signed_in(response, user, True)

    @app.post("/api/auth/logout", status_code=204, tags=["accounts"])
    def logout(request: Request, response: Response) -> Response:
        token = token_of(request)
        if token:
            with ctx.write_lock, ctx.store.session() as s:
                auth.end_session(s, token)
        response.delete_cookie(auth.COOKIE)
        response.status_code = 204
        return response

    @app.get("/api/me", tags=["accounts"])
    def me(user: Me) -> dict[str, Any]:
        return {"name": user.name, "local": user.password_hash is None}

    @app.get("/api/config", tags=["compose"])
    def config() -> dict[str, Any]:
        """The choices the page offers: styles, moods, meters, modes, models, ranges, outputs."""
        from tunesmith.compose import request as r
        from tunesmith.compose.styles import available_styles

        return {
            "local_sign_in": settings.local_sign_in,
            "styles": available_styles(settings.extra_styles_path),
            "moods": {k: list(v) for k, v in r.MOODS.items()},
            "meters": list(r.METERS),
            "modes": list(r.MODES),
            "models": list(r.MODELS),
            "keys": list(r.KEY_NAMES),
            "forms": list(r.FORMS),
            "ranges": {
                "tempo": r.TEMPO_RANGE,
                "bars": r.BARS_RANGE,
                "seconds": r.SECONDS_RANGE,
                "temperature": r.TEMPERATURE_RANGE,
                "candidates": r.CANDIDATES_RANGE,
            },
            "outputs": list(ALL_OUTPUTS),
            "default_outputs": list(settings.default_outputs),
            "max_upload_bytes": settings.max_upload_bytes,
        }

    # ----- compose ------------------------------------------------------------------------------
    @app.post("/api/compose", response_model=JobCreated, status_code=202, tags=["compose"])
    def compose(body: ComposeBody, user: Me) -> JobCreated:
        """Start composing; poll the returned status URL for progress and the result."""
        from tunesmith.compose.request import ComposeRequest

        controls = body.model_dump(exclude={"primer_piece", "outputs", "steer"})
        outputs = [o.strip().lower() for o in (body.outputs or list(settings.default_outputs))]
        bad = [o for o in outputs if o not in ALL_OUTPUTS]
        if bad or not outputs:
            raise ControlError(
                "outputs", f"{', '.join(bad) or 'none'} not allowed; allowed: {', '.join(ALL_OUTPUTS)}"
            )
        if body.primer_piece is not None:
            controls["primer"] = str(primer_file(body.primer_piece, user))
        request = ComposeRequest.from_dict(controls)
        request.validate()
        steer = body.steer

        def work(job: Any, progress: Any) -> list[dict[str, Any]]:
            req = request
            scorer = None
            if steer:
                from tunesmith.feedback.steer import preference_scorer, steer_request

                prefs = ctx.preferences()
                req = steer_request(req, prefs, user.name)
                scorer = preference_scorer(prefs, user.name)
                job.request = req.to_dict()
            return compose_pieces(
                ctx.store, ctx.files, user.id, req, outputs, job.id, progress, scorer, ctx.write_lock
            )

        job = ctx.jobs.submit(user.id, request.to_dict(), work)
        return JobCreated(job_id=job.id, status_url=f"/api/jobs/{job.id}")

    def primer_file(piece_id: int, user: User) -> Path:
        with ctx.store.session() as s:
            piece = s.get(Piece, piece_id)
            if piece is None or piece.owner_id != user.id or not piece.file_data:
                raise ControlError(
                    "primer_piece",
                    f"{piece_id} is not one of your uploads; allowed: the id of one of your uploads",
                )
            folder = ctx.files.root / "primers" / str(int(piece.id))
            folder.mkdir(parents=True, exist_ok=True)
            suffix = piece.format if piece.format in (".mid", ".musicxml", ".abc") else ".mid"
            path = folder / f"primer{suffix}"
            if not path.is_file():
                from tunesmith.fileutil import write_bytes_atomic

                write_bytes_atomic(path, piece.file_data)
            return path

    @app.get("/api/jobs/{job_id}", response_model=JobStatus, tags=["compose"])
    def job_status(job_id: str, user: Me) -> JobStatus:
        job = ctx.jobs.get(job_id)
        if job is None or job.owner_id != user.id:
            raise NotFoundError(f"no compose job {job_id!r}")
        return JobStatus(
            id=job.id,
            status=job.status,
            stage=job.stage,
            progress=job.progress,
            error=job.error,
            field=job.error_field,
            pieces=job.pieces,
            request=job.request,
        )

    @app.get("/api/jobs", response_model=list[JobStatus], tags=["compose"])
    def my_jobs(user: Me) -> list[JobStatus]:
        return [
            JobStatus(
                id=j.id,
                status=j.status,
                stage=j.stage,
                progress=j.progress,
                error=j.error,
                field=j.error_field,
                pieces=j.pieces,
                request=j.request,
            )
            for j in ctx.jobs.owned_by(user.id)
        ]

    # ----- pieces -------------------------------------------------------------------------------
    def visible(piece: Piece | None, user: User) -> Piece:
        if piece is None or (piece.owner_id not in (None, user.id) and piece.source != "generated"):
            raise NotFoundError("no such piece")
        return piece

    def rating_facts(
        s: Any, ids: list[int], user: User
    ) -> tuple[dict[int, int], dict[int, tuple[float, int]]]:
        """Your stars and everyone's (mean, count) for ``ids``, in two queries for a whole page."""
        mine = dict(
            s.execute(
                select(Rating.piece_id, Rating.stars).where(
                    Rating.piece_id.in_(ids), Rating.user_id == user.id
                )
            ).all()
        )
        stats = {
            pid: (float(mean), int(n))
            for pid, mean, n in s.execute(
                select(Rating.piece_id, func.avg(Rating.stars), func.count(Rating.id))
                .where(Rating.piece_id.in_(ids))
                .group_by(Rating.piece_id)
            ).all()
        }
        return mine, stats

    def piece_out(
        s: Any,
        piece: Piece,
        user: User,
        detail: bool = False,
        facts: tuple[dict[int, int], dict[int, tuple[float, int]]] | None = None,
    ) -> PieceOut:
        my_stars, stats = facts if facts is not None else rating_facts(s, [piece.id], user)
        mine = my_stars.get(piece.id)
        mean, count = stats.get(piece.id, (None, 0))
        web_files = (piece.controls or {}).get("web_files", {})
        kinds = (
            [k for k in KINDS if k in web_files]
            if web_files
            else ["mid", "musicxml", "png", "wav", "flac", "mp3"]
        )
        if web_files:  # converted on demand beyond what the job wrote
            kinds += [k for k in KINDS if k not in kinds]
        controls = None
        if detail and piece.controls:
            controls = {k: v for k, v in piece.controls.items() if k != "web_files"}
        return PieceOut(
            id=piece.id,
            title=piece.title,
            source=piece.source,
            collection=piece.collection,
            key=piece.key,
            meter=piece.meter,
            tempo=piece.tempo,
            bars=piece.bars,
            seconds=piece.seconds,
            tags=piece.tag_names,
            mine=piece.owner_id == user.id,
            my_rating=mine,
            mean_rating=round(mean, 2) if mean is not None else None,
            ratings=count,
            files={k: f"/api/pieces/{piece.id}/files/{k}" for k in kinds},
            controls=controls,
        )

    @app.get("/api/pieces", response_model=PieceList, tags=["pieces"])
    def list_pieces(  # noqa: PLR0917 (FastAPI query parameters)
        user: Me,
        q: Annotated[str | None, Query(max_length=200, description="words in the title")] = None,
        tag: Annotated[list[str] | None, Query(description="only pieces with all these tags")] = None,
        source: Annotated[str | None, Query(pattern="^(corpus|library|generated|mine)$")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> PieceList:
        """Search and filter the pieces you can see: the corpus, generated pieces, your uploads."""
        query = select(Piece).where(
            or_(Piece.owner_id.is_(None), Piece.owner_id == user.id, Piece.source == "generated")
        )
        if source == "mine":
            query = query.where(Piece.owner_id == user.id)
        elif source:
            query = query.where(Piece.source == source)
        for word in (q or "").split():
            query = query.where(Piece.title.ilike(f"%{word.replace('%', '').replace('_', '')}%"))
        for t in tag or []:
            query = query.where(Piece.tags.any(Tag.name == t.strip().lower()))
        with ctx.store.session() as s:
            total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = s.scalars(query.order_by(Piece.id.desc()).offset(offset).limit(limit)).all()
            facts = rating_facts(s, [p.id for p in rows], user)
            return PieceList(total=total, pieces=[piece_out(s, p, user, facts=facts) for p in rows])

    @app.get("/api/pieces/{piece_id}", response_model=PieceOut, tags=["pieces"])
    def get_piece(piece_id: int, user: Me) -> PieceOut:
        with ctx.store.session() as s:
            return piece_out(s, visible(s.get(Piece, piece_id), user), user, detail=True)

    @app.get("/api/tags", tags=["pieces"])
    def tags(user: Me) -> list[dict[str, Any]]:
        """Tags with the number of pieces carrying them, most used first."""
        del user  # signed-in only
        with ctx.store.session() as s:
            rows = s.execute(
                select(Tag.name, func.count(Piece.id))
                .join(Tag.pieces)
                .group_by(Tag.name)
                .order_by(func.count(Piece.id).desc(), Tag.name)
                .limit(200)
            )
            return [{"name": n, "count": c} for n, c in rows]

    @app.get(
        "/api/pieces/{piece_id}/files/{kind}",
        tags=["pieces"],
        responses={200: {"content": {v[0]: {} for v in KINDS.values()}}},
    )
    def piece_file(piece_id: int, kind: str, user: Me) -> FileResponse:
        """A piece's file: mid, musicxml, wav, flac, mp3 or png (made on first request if needed)."""
        if kind not in KINDS:
            raise NotFoundError(f"no file kind {kind!r}; allowed: {', '.join(KINDS)}")
        with ctx.store.session() as s:
            piece = visible(s.get(Piece, piece_id), user)
            s.expunge(piece)
        path = ctx.files.path(piece, kind)
        return FileResponse(path, media_type=KINDS[kind][0], filename=f"piece-{piece_id}{KINDS[kind][1]}")

    # ----- ratings ------------------------------------------------------------------------------
    @app.put("/api/pieces/{piece_id}/rating", response_model=RatingOut, tags=["ratings"])
    def rate(piece_id: int, body: RatingBody, user: Me) -> RatingOut:
        """Rate a piece 1-5 stars (rating again replaces your earlier rating)."""
        if not 1 <= body.stars <= 5:
            raise ControlError("stars", f"{body.stars} is out of range; allowed: a whole number 1-5")
        with ctx.write_lock, ctx.store.session() as s:
            piece = visible(s.get(Piece, piece_id), user)
            rating = s.scalar(select(Rating).where(Rating.piece_id == piece.id, Rating.user_id == user.id))
            if rating is None:
                rating = Rating(user_id=user.id, piece_id=piece.id, stars=body.stars, comment=body.comment)
                s.add(rating)
            else:
                rating.stars, rating.comment, rating.updated_at = body.stars, body.comment, utcnow()
            s.flush()
            out = RatingOut(
                piece_id=piece.id,
                title=piece.title,
                stars=rating.stars,
                comment=rating.comment,
                updated=(rating.updated_at or rating.created_at).isoformat(),
            )
        ctx.prefs_stale = True
        return out

    @app.delete("/api/pieces/{piece_id}/rating", status_code=204, tags=["ratings"])
    def unrate(piece_id: int, user: Me) -> Response:
        with ctx.write_lock, ctx.store.session() as s:
            rating = s.scalar(select(Rating).where(Rating.piece_id == piece_id, Rating.user_id == user.id))
            if rating is None:
                raise NotFoundError(f"you have not rated piece {piece_id}")
            s.delete(rating)
        ctx.prefs_stale = True
        return Response(status_code=204)

    @app.get("/api/ratings", response_model=list[RatingOut], tags=["ratings"])
    def my_ratings(user: Me) -> list[RatingOut]:
        """Your ratings, newest first (nobody else's)."""
        with ctx.store.session() as s:
            rows = s.scalars(select(Rating).where(Rating.user_id == user.id).order_by(Rating.id.desc()))
            return [
                RatingOut(
                    piece_id=r.piece_id,
                    title=r.piece.title,
                    stars=r.stars,
                    comment=r.comment,
                    updated=(r.updated_at or r.created_at).isoformat(),
                )
                for r in rows
            ]

    # ----- uploads ------------------------------------------------------------------------------
    @app.post("/api/uploads", response_model=list[PieceOut], status_code=201, tags=["uploads"])
    async def upload(
        user: Me, file: Annotated[UploadFile, File()], tags: Annotated[str, Form(max_length=500)] = ""
    ) -> list[PieceOut]:
        """Add MIDI, MusicXML or ABC to your library (type checked by content; size-limited)."""
        data = await file.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise HTTPException(
                413,
                f"file: larger than {settings.max_upload_bytes} bytes; allowed: up to "
                f"{settings.max_upload_bytes // 1024} KiB",
            )
        if not data.strip():
            raise UnsupportedFormatError("upload", "the file is empty")
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(store_upload, data, tags, user)

    def store_upload(data: bytes, tag_text: str, user: User) -> list[PieceOut]:
        from tunesmith.io import loads
        from tunesmith.store.pieces import add_piece, content_hash, find_by_hash
        from tunesmith.web.uploads import sniff

        suffix = sniff(data)
        scores = loads(data, suffix, "upload")[:50]
        clean_tags = [t for t in (p.strip() for p in tag_text.split(",")) if t][:10]
        out = []
        with ctx.write_lock, ctx.store.session() as s:
            for score in scores:
                existing = find_by_hash(s, content_hash(score))
                if existing is not None and existing.owner_id not in (None, user.id):
                    raise HTTPException(409, "upload: this music is already someone else's upload")
                piece, created = add_piece(
                    s,
                    score,
                    source="library",
                    tags=["upload", *clean_tags],
                    fmt=suffix,
                    file_data=data if len(scores) == 1 else None,
                )
                if created:
                    piece.owner_id = user.id
                    if len(scores) > 1:  # one tune of many: keep it as MIDI of its own
                        piece.file_data, piece.format = _midi_bytes(score), ".mid"
                out.append(piece)
            s.flush()
            return [piece_out(s, p, user) for p in out]

    @app.get("/api/uploads", response_model=list[PieceOut], tags=["uploads"])
    def my_uploads(user: Me) -> list[PieceOut]:
        with ctx.store.session() as s:
            rows = s.scalars(
                select(Piece)
                .where(Piece.owner_id == user.id, Piece.source == "library")
                .order_by(Piece.id.desc())
            )
            return [piece_out(s, p, user) for p in rows]

    @app.delete("/api/uploads/{piece_id}", status_code=204, tags=["uploads"])
    def delete_upload(piece_id: int, user: Me) -> Response:
        with ctx.write_lock, ctx.store.session() as s:
            piece = s.get(Piece, piece_id)
            if piece is None or piece.owner_id != user.id or piece.source != "library":
                raise NotFoundError(f"piece {piece_id} is not one of your uploads")
            s.delete(piece)
        return Response(status_code=204)

    # ----- recommendations ----------------------------------------------------------------------
    @app.get("/api/recommendations", response_model=list[Recommendation], tags=["recommendations"])
    def recommendations(user: Me, limit: Annotated[int, Query(ge=1, le=50)] = 10) -> list[Recommendation]:
        """Pieces for you: like what you rated highly, and what listeners like you liked."""
        from tunesmith.recommend.store import recommend_for

        with ctx.write_lock, ctx.store.session() as s:  # features are cached on first use (a write)
            found = recommend_for(s, user.name, limit, features_of=features_now)
            return [
                Recommendation(piece=piece_out(s, p, user), score=sc.score, reason=sc.reason)
                for p, sc in found
            ]

    # ----- the page -----------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def features_now(session: Any, piece: Piece) -> dict[str, float] | None:
    """Features for a recommendation request: cached ones, and computed ones only for the few
    pieces that are not corpus pieces (the corpus is done in the background at start-up)."""
    from tunesmith.feedback.features import stored_features

    if piece.source == "corpus" and not piece.features:
        return None
    return stored_features(session, piece)


def _midi_bytes(score: Any) -> bytes:
    import tempfile

    from tunesmith.io import save

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tune.mid"
        save(score, path)
        return path.read_bytes()


def _version() -> str:
    import tunesmith

    return str(getattr(tunesmith, "__version__", "0"))
