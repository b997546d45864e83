"""`tunesmith worker` and the queue settings: registered, bad URLs refused in one line, settings
carried to other web processes unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tunesmith.cli.main import COMMAND_MODULES, _build
from tunesmith.web.settings import WebSettings, settings_from_json, settings_to_json


def test_registered() -> None:
    assert "tunesmith.cli.worker" in COMMAND_MODULES
    assert "worker" in {c.name for c in _build().registered_commands}


def test_bad_queue_url_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tunesmith", "worker", "--db", f"sqlite:///{tmp_path / 'a.db'}",
         "--files", str(tmp_path), "--queue", "amqp://elsewhere/"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1  # a configuration (input) error, not a usage error
    assert done.stderr.strip().splitlines() == [
        "error: job queue 'amqp://elsewhere/': not a queue URL; allowed: sqlite:///path/queue.db, "
        "redis://host:port/0"
    ]


def test_settings_survive_the_environment(tmp_path: Path) -> None:
    settings = WebSettings(
        db_url="sqlite:///x.db", files_dir=tmp_path, queue_url="redis://h:1/0", workers=0,
        corpus_collections=("a", "b"), job_stale_s=7.5, default_outputs=("mid",),
    )  # fmt: skip
    assert settings_from_json(settings_to_json(settings)) == settings
