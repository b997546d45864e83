"""Make a session's files (audio, MIDI, JSON with the report, report plot) and record it in the
store as a generated piece, so it can be rated like any other and steer the next session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tunesmith.compose.styles import available_styles
from tunesmith.errors import ControlError, TunesmithError
from tunesmith.feedback.preference import learn_from_store
from tunesmith.fileutil import write_text_atomic
from tunesmith.io import save
from tunesmith.render.export import render_audio, write_audio
from tunesmith.score import Score
from tunesmith.store.db import open_store
from tunesmith.store.pieces import add_piece
from tunesmith.store.ratings import get_or_create_user
from tunesmith.therapy.report import plot_report, session_report
from tunesmith.therapy.session import DISCLAIMER, Progress, make_session
from tunesmith.therapy.trajectory import Trajectory

AUDIO_FORMATS = ("wav", "flac", "mp3")


def _preferences(db: str | None) -> Any:
    try:
        with open_store(db) as store:
            return learn_from_store(store)
    except TunesmithError:
        return None


def write_session(
    path: Trajectory,
    minutes: float,
    output: str | Path,
    *,
    styles: tuple[str, ...] = (),
    style: str | None = None,
    key: str = "C",
    seed: int | None = None,
    user: str | None = None,
    audio_format: str = "wav",
    db: str | None = None,
    record: bool = True,
    preferences: Any = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Compose, render, report and write a session into ``output``, and (``record``) record it as
    a generated piece in the store ``db`` names. The returned dict is what session.json holds,
    plus ``score``, ``paths`` (and ``piece_id`` when recorded) for callers that record it themselves."""
    if audio_format not in AUDIO_FORMATS:
        raise ControlError("format", f"{audio_format!r}; allowed: {', '.join(AUDIO_FORMATS)}")
    if style is not None and style not in available_styles():
        raise ControlError("style", f"unknown style {style!r}; allowed: {', '.join(available_styles())}")
    prefs = preferences
    if prefs is None and user and not style:
        prefs = _preferences(db)
    session = make_session(
        path,
        minutes,
        style=style,
        styles=styles,
        key=key,
        seed=seed,
        user=user,
        preferences=prefs,
        progress=progress,
    )
    if progress:
        progress("render", 0.0)
    rendered = render_audio(session.score)
    report = session_report(session, rendered.audio, rendered.sample_rate)
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "audio": write_audio(out / f"session.{audio_format}", rendered.audio, rendered.sample_rate),
        "midi": out / "session.mid",
        "json": out / "session.json",
        "plot": plot_report(report, out / "report.png"),
    }
    save(session.score, files["midi"])
    data: dict[str, Any] = {
        "session": session.to_dict(),
        "report": report,
        "master": rendered.report.to_dict(),
        "disclaimer": DISCLAIMER,
        "files": {k: str(v) for k, v in files.items()},
    }
    write_text_atomic(files["json"], json.dumps(data, indent=1) + "\n")
    if record:
        with open_store(db) as store, store.session() as s:
            owner = get_or_create_user(s, user).id if user else None
            data["piece_id"] = record_session(s, session.score, data["session"], files, owner)
    return {**data, "score": session.score, "paths": files}


def record_session(
    s: Any, score: Score, session: dict[str, Any], files: dict[str, Path], owner_id: int | None
) -> int:
    """Store the session as a generated piece (in the caller's transaction); returns its id."""
    piece, _ = add_piece(
        s,
        score,
        source="generated",
        tags=["session", str(session["style"])],
        title=score.metadata.title,
        path=str(files["midi"]),
        fmt=".mid",
        file_data=files["midi"].read_bytes(),
        controls={"session": session},
    )
    piece.owner_id = owner_id
    s.flush()
    return int(piece.id)
