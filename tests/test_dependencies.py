"""Dependencies say what the code uses: no unused alembic, test-only packages in the test extra, an
optional PostgreSQL driver."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _names(pins: list[str]) -> set[str]:
    return {re.split(r"[\[=<>!~ ]", p, maxsplit=1)[0].lower().replace("_", "-") for p in pins}


def _imported_in_src(module: str) -> list[str]:
    pattern = re.compile(rf"^\s*(import|from)\s+{module}\b", re.M)
    return [str(p) for p in (ROOT / "src").rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]


def test_every_pin_is_exact() -> None:
    extras = [p for extra in PROJECT["optional-dependencies"].values() for p in extra]
    for pin in PROJECT["dependencies"] + extras:
        assert "==" in pin, pin


def test_alembic_is_gone_and_migrations_say_why() -> None:
    assert "alembic" not in _names(PROJECT["dependencies"])
    assert _imported_in_src("alembic") == []
    from tunesmith.store import migrations

    assert "Why not alembic" in (migrations.__doc__ or "")


@pytest.mark.parametrize("module", ["mido", "pretty_midi", "jsonschema", "pytest", "hypothesis"])
def test_test_only_packages_live_in_the_test_extra(module: str) -> None:
    name = module.replace("_", "-")
    assert _imported_in_src(module) == [], f"{module} is imported by src: it is a runtime dependency"
    assert name not in _names(PROJECT["dependencies"])
    assert name in _names(PROJECT["optional-dependencies"]["test"])


def test_postgres_extra_pins_a_driver_sqlalchemy_can_use() -> None:
    extra = PROJECT["optional-dependencies"]["postgres"]
    assert any(re.fullmatch(r"psycopg\[binary\]==3\.\d+\.\d+", p) for p in extra), extra
    pytest.importorskip("psycopg", reason="the optional postgres extra is not installed here")
    from sqlalchemy import create_engine

    engine = create_engine("postgresql+psycopg://user@localhost/tunesmith")  # no connection is made
    assert engine.dialect.driver == "psycopg"
