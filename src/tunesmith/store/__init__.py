"""The store: pieces (corpus, library, generated), tags, users, ratings and fingerprints in a
SQLAlchemy database (SQLite in the user's data dir by default). sqlalchemy is imported only when
``open_store`` runs, so importing this package is instant."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tunesmith.store.db import Store


def open_store(url: str | None = None) -> Store:
    """Open and migrate the store (see tunesmith.store.db.open_store)."""
    from tunesmith.store.db import open_store as _open

    return _open(url)


__all__ = ["open_store"]
