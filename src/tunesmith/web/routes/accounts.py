"""Sign-up, sign-in (password or loopback-only local user), sign-out, who am I."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from tunesmith.store.models import User
from tunesmith.web import auth
from tunesmith.web.context import Context, Ctx, Me, token_of
from tunesmith.web.openapi import errors
from tunesmith.web.schemas import Credentials, Registered, SignedIn
from tunesmith.web.schemas import Me as MeOut
from tunesmith.web.settings import is_loopback

router = APIRouter(prefix="/api", tags=["accounts"])


def _signed_in(ctx: Context, response: Response, user: User, local: bool) -> SignedIn:
    hours = ctx.settings.session_hours
    with ctx.write_lock, ctx.store.session() as s:
        token = auth.new_session(s, user, hours)
    response.set_cookie(auth.COOKIE, token, httponly=True, samesite="strict", max_age=int(hours * 3600))
    return SignedIn(user=user.name, token=token, local=local)


@router.post("/auth/register", response_model=Registered, status_code=202, responses=errors(422, 429))
def register(body: Credentials, request: Request, ctx: Ctx) -> Registered:
    """Ask for an account (password stored as an argon2id hash), then sign in with /api/auth/login.

    The answer is the same whether or not the name was free, so it tells nobody which names exist;
    if signing in then fails, the name was taken."""
    attempts = ctx.settings.login_attempts
    ctx.logins.hit(f"register:{_client(request)}", attempts[1], "sign-up attempts from this address")
    with ctx.write_lock, ctx.store.session() as s:
        auth.register(s, body.name, body.password)
    return Registered(
        user=body.name.strip(),
        detail="if the name was free, the account exists now: sign in with POST /api/auth/login "
        "(if signing in fails, the name was taken: choose another)",
    )


@router.post("/auth/login", response_model=SignedIn, responses=errors(401, 422, 429))
def login(body: Credentials, request: Request, response: Response, ctx: Ctx) -> SignedIn:
    """Sign in with a name and password (limited per name and per address: HTTP 429 and
    Retry-After when there were too many attempts)."""
    per_name, per_address, _ = ctx.settings.login_attempts
    ctx.logins.hit(f"address:{_client(request)}", per_address, "sign-in attempts from this address")
    name = body.name.strip()
    ctx.logins.hit(f"name:{name.lower()}", per_name, f"sign-in attempts for {name!r}")
    with ctx.store.session() as s:
        user = auth.authenticate(s, body.name, body.password)
        s.expunge(user)
    return _signed_in(ctx, response, user, False)


@router.post("/auth/local", response_model=SignedIn, responses=errors(403))
def local_login(request: Request, response: Response, ctx: Ctx) -> SignedIn:
    """Sign in the default local user without a password: only when served on loopback, and only
    for a request addressed to a loopback name (a DNS-rebinding page sends its own host name)."""
    if not ctx.settings.local_sign_in:
        raise HTTPException(403, "password-less sign-in is off: this server is not on loopback")
    host = _host_name(request.headers.get("host", ""))
    if not is_loopback(host):
        raise HTTPException(
            403,
            "password-less sign-in: the request's Host is not a loopback name; allowed: "
            "localhost, 127.0.0.1, [::1]",
        )
    with ctx.write_lock, ctx.store.session() as s:
        user = auth.local_user(s, ctx.settings.local_user)
        s.expunge(user)
    return _signed_in(ctx, response, user, True)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _host_name(header: str) -> str:
    """The host name of a Host header, without the port ('[::1]:8000' -> '::1')."""
    text = header.strip().lower()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


@router.post("/auth/logout", status_code=204)
def logout(request: Request, response: Response, ctx: Ctx) -> Response:
    token = token_of(request)
    if token:
        with ctx.write_lock, ctx.store.session() as s:
            auth.end_session(s, token)
    response.delete_cookie(auth.COOKIE)
    response.status_code = 204
    return response


@router.get("/me", response_model=MeOut, responses=errors(401))
def me(user: Me) -> MeOut:
    return MeOut(name=user.name, local=user.password_hash is None)
