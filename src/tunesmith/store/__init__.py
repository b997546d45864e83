"""The store: pieces (corpus, library, generated), tags, users, ratings and fingerprints in a
SQLAlchemy database (SQLite in the user's data dir by default)."""

from __future__ import annotations

from tunesmith.store.db import Store, open_store

__all__ = ["Store", "open_store"]
