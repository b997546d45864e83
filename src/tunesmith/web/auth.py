"""Accounts and sign-in tokens.

Passwords are stored as argon2id hashes (argon2-cffi). A sign-in creates a random 256-bit token;
the client keeps the token, the store keeps only its sha256 and an expiry, so reading the database
signs nobody in. Tokens arrive as ``Authorization: Bearer <token>`` or in the HttpOnly cookie the
page gets (which <audio> and download links send by themselves).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tunesmith.errors import ControlError
from tunesmith.store.models import SessionToken, User, utcnow

COOKIE = "tunesmith_session"
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
"""Longer passwords are refused before hashing (argon2 of megabytes is a denial of service)."""
NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


class AuthError(Exception):
    """Wrong name or password, or a missing/expired token (HTTP 401)."""


def _hasher() -> Any:
    return PasswordHasher()


def hash_password(password: str) -> str:
    return str(_hasher().hash(password))


def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return bool(_hasher().verify(stored, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_name(name: str) -> str:
    clean = name.strip()
    if not 2 <= len(clean) <= 40 or not set(clean) <= NAME_CHARS:
        raise ControlError("name", f"{name!r} is not allowed; allowed: 2-40 letters, digits, '.', '_' or '-'")
    return clean


def register(session: Session, name: str, password: str) -> User | None:
    """Create an account, or None when the name is taken. The caller answers both cases alike, and
    the password is hashed first either way, so neither the answer nor its timing tells whether a
    name exists."""
    clean = check_name(name)
    if len(password) < MIN_PASSWORD:
        raise ControlError("password", f"too short; allowed: at least {MIN_PASSWORD} characters")
    hashed = hash_password(password)
    if session.scalar(select(User).where(User.name == clean)) is not None:
        return None
    user = User(name=clean, password_hash=hashed)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, name: str, password: str) -> User:
    user = session.scalar(select(User).where(User.name == name.strip()))
    # Verify against a dummy hash when the user is unknown so timing does not reveal names.
    stored = user.password_hash if user is not None else _DUMMY_HASH.get()
    if not verify_password(stored, password) or user is None:
        raise AuthError("wrong name or password")
    return user


class _Dummy:
    value: str | None = None

    def get(self) -> str:
        if self.value is None:
            self.value = hash_password(secrets.token_hex(8))
        return self.value


_DUMMY_HASH = _Dummy()


def local_user(session: Session, name: str) -> User:
    """The password-less default user of a loopback server (created on first use)."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        user = User(name=name, password_hash=None)
        session.add(user)
        session.flush()
    return user


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_session(session: Session, user: User, hours: float) -> str:
    """Start a sign-in for ``user``; returns the token (shown once, stored hashed)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        SessionToken(
            user_id=user.id,
            token_hash=token_digest(token),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    session.execute(delete(SessionToken).where(SessionToken.expires_at < now))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User:
    row = session.scalar(select(SessionToken).where(SessionToken.token_hash == token_digest(token)))
    if row is None or row.expires_at < utcnow():
        raise AuthError("not signed in or the session expired")
    user = session.get(User, row.user_id)
    if user is None:
        raise AuthError("not signed in or the session expired")
    return user


def end_session(session: Session, token: str) -> None:
    session.execute(delete(SessionToken).where(SessionToken.token_hash == token_digest(token)))
