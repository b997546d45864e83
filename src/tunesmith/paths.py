"""Where tunesmith keeps its files: the user data dir, the database URL, the shipped data."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

PACKAGE_DATA = Path(__file__).resolve().parent / "data"
"""Files shipped inside the package: checkpoints, styles, the bundled corpora and their cache."""


def data_dir() -> Path:
    """The user's data dir: $TUNESMITH_HOME, else the platform's user data dir."""
    env = os.environ.get("TUNESMITH_HOME")
    path = Path(env).expanduser() if env else Path(user_data_dir("tunesmith", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url(override: str | None = None) -> str:
    """SQLAlchemy URL of the store: the option, else $TUNESMITH_DB_URL, else SQLite in data_dir()."""
    if override:
        return override
    env = os.environ.get("TUNESMITH_DB_URL")
    if env:
        return env
    return f"sqlite:///{data_dir() / 'tunesmith.db'}"
