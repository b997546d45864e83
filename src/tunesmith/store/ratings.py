"""Read and write users and their ratings (one current rating per user and piece)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tunesmith.errors import ControlError, NotFoundError
from tunesmith.store.models import Rating, User, utcnow
from tunesmith.store.pieces import get_piece


def get_user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFoundError(f"no user named {name!r} in the store")
    return user


def get_or_create_user(session: Session, name: str, password_hash: str | None = None) -> User:
    clean = name.strip()
    if not clean or len(clean) > 100:
        raise ControlError("user", f"{name!r} is empty or longer than 100 characters")
    user = session.scalar(select(User).where(User.name == clean))
    if user is None:
        user = User(name=clean, password_hash=password_hash)
        session.add(user)
        session.flush()
    return user


def rate(session: Session, user_name: str, piece_id: int, stars: int, comment: str = "") -> Rating:
    """Record ``user_name``'s rating of a piece; rating the same piece again replaces the old one."""
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ControlError("stars", f"{stars!r} is not a whole number from 1 to 5")
    piece = get_piece(session, piece_id)
    user = get_or_create_user(session, user_name)
    rating = session.scalar(select(Rating).where(Rating.user_id == user.id, Rating.piece_id == piece.id))
    if rating is None:
        rating = Rating(user=user, piece=piece, stars=stars, comment=comment)
        session.add(rating)
    else:
        rating.stars = stars
        rating.comment = comment
        rating.updated_at = utcnow()
    session.flush()
    return rating


def ratings_for_piece(session: Session, piece_id: int) -> list[Rating]:
    return list(session.scalars(select(Rating).where(Rating.piece_id == piece_id).order_by(Rating.id)))


def ratings_by_user(session: Session, user_name: str) -> list[Rating]:
    user = get_user(session, user_name)
    return list(session.scalars(select(Rating).where(Rating.user_id == user.id).order_by(Rating.id)))


def average_stars(session: Session, piece_id: int) -> float | None:
    """Mean stars of a piece, None when nobody rated it."""
    value = session.scalar(select(func.avg(Rating.stars)).where(Rating.piece_id == piece_id))
    return float(value) if value is not None else None
