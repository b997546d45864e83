"""Sign-up, sign-in (password or loopback-only local user), sign-out, who am I."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from tunesmith.store.models import User
from tunesmith.web import auth
from tunesmith.web.context import Context, Ctx, Me, token_of
from tunesmith.web.openapi import errors
from tunesmith.web.schemas import Credentials, SignedIn
from tunesmith.web.schemas import Me as MeOut

router = APIRouter(prefix="/api", tags=["accounts"])


def _signed_in(ctx: Context, response: Response, user: User, local: bool) -> SignedIn:
    hours = ctx.settings.session_hours
    with ctx.write_lock, ctx.store.session() as s:
        token = auth.new_session(s, user, hours)
    response.set_cookie(auth.COOKIE, token, httponly=True, samesite="strict", max_age=int(hours * 3600))
    return SignedIn(user=user.name, token=token, local=local)


@router.post("/auth/register", response_model=SignedIn, status_code=201, responses=errors(422))
def register(body: Credentials, response: Response, ctx: Ctx) -> SignedIn:
    """Create an account (password stored as an argon2id hash) and sign in."""
    with ctx.write_lock, ctx.store.session() as s:
        user = auth.register(s, body.name, body.password)
        s.expunge(user)
    return _signed_in(ctx, response, user, False)


@router.post("/auth/login", response_model=SignedIn, responses=errors(401, 422))
def login(body: Credentials, response: Response, ctx: Ctx) -> SignedIn:
    with ctx.store.session() as s:
        user = auth.authenticate(s, body.name, body.password)
        s.expunge(user)
    return _signed_in(ctx, response, user, False)


@router.post("/auth/local", response_model=SignedIn, responses=errors(403))
def local_login(response: Response, ctx: Ctx) -> SignedIn:
    """Sign in the default local user without a password: only when served on loopback."""
    if not ctx.settings.local_sign_in:
        raise HTTPException(403, "password-less sign-in is off: this server is not on loopback")
    with ctx.write_lock, ctx.store.session() as s:
        user = auth.local_user(s, ctx.settings.local_user)
        s.expunge(user)
    return _signed_in(ctx, response, user, True)


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
