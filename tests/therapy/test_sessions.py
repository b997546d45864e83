"""Listening sessions: trajectories, seamless assembly, the report, personalisation, bad input."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from tunesmith.errors import ControlError
from tunesmith.therapy.session import DISCLAIMER, choose_style, make_session
from tunesmith.therapy.trajectory import Point, parse_point, targets, trajectory


def test_points_states_and_presets() -> None:
    assert parse_point("anxious").arousal > 0.5
    assert parse_point("-0.5, 0.25") == Point(-0.5, 0.25)
    assert parse_point("tender") == Point(0.5, -0.5)  # the composer's moods work too
    path, styles = trajectory(None, None, "sleep")
    assert path.at(0).arousal > path.at(1).arousal and "lullaby" in styles
    for bad in ("happyish", "2,0", ""):
        with pytest.raises(ControlError):
            parse_point(bad)
    with pytest.raises(ControlError, match="preset"):
        trajectory(None, None, "nap")
    with pytest.raises(ControlError, match="--from"):
        trajectory("calm", None, None)


def test_trajectory_moves_smoothly_from_start_to_end() -> None:
    path, _ = trajectory("anxious", "calm", None, via=["relaxed"])
    values = [path.at(i / 100) for i in range(101)]
    assert values[0] == parse_point("anxious") and values[-1] == parse_point("calm")
    assert max(abs(b.arousal - a.arousal) for a, b in itertools.pairwise(values)) < 0.05
    assert targets(parse_point("anxious")).tempo_bpm > targets(parse_point("calm")).tempo_bpm


def test_session_is_one_seamless_piece_following_the_path() -> None:
    path, _ = trajectory("anxious", "sleepy", None)
    session = make_session(path, 1.5, style="ambient", seed=4)
    score = session.score
    assert len(session.segments) == 3
    bpms = [t.bpm for t in score.tempos]
    assert bpms[0] > bpms[-1] + 20  # slows down along the way
    assert max(abs(b - a) for a, b in itertools.pairwise(bpms)) <= 2.0  # no tempo jumps
    starts = [s.start_tick for s in session.segments]
    ends = [s.end_tick for s in session.segments]
    assert starts[1:] == ends[:-1]  # segments abut: no gaps, no overlaps
    first, last = session.segments[0], session.segments[-1]
    loud = {
        seg.index: [
            n.velocity for t in score.tracks for n in t.notes if seg.start_tick <= n.start < seg.end_tick
        ]
        for seg in session.segments
    }
    assert sum(loud[first.index]) / len(loud[first.index]) > sum(loud[last.index]) / len(loud[last.index])
    assert all(1 <= n.velocity <= 127 for t in score.tracks for n in t.notes)
    assert session.to_dict()["disclaimer"] == DISCLAIMER


def test_bad_lengths_are_refused() -> None:
    path, _ = trajectory("sad", "happy", None)
    for minutes in (0, -1, 61):
        with pytest.raises(ControlError, match="minutes"):
            make_session(path, minutes, style="ambient")


def test_ratings_pick_the_style(monkeypatch: pytest.MonkeyPatch) -> None:
    from tunesmith.therapy import session

    # A listener whose model likes drums: the preview of the style that has them wins.
    def likes_drums(prefs: object, user: str | None) -> object:
        return lambda score: float(any(t.is_drum for t in score.tracks))

    monkeypatch.setattr(session, "preference_scorer", likes_drums)
    chosen = choose_style(("lullaby", "pop"), Point(0.5, 0.5), "C", 1, user="ann", preferences=object())
    assert chosen == "pop"
    assert choose_style(("lullaby", "pop"), Point(0.5, 0.5), "C", 1, user=None, preferences=None) == "lullaby"


def test_cli_writes_audio_report_and_plot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer
    from typer.testing import CliRunner

    from tunesmith.cli.therapy import register

    monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TUNESMITH_DB_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    out = tmp_path / "s"
    result = CliRunner().invoke(
        app,
        [
            "session",
            "--from",
            "stressed",
            "--to",
            "calm",
            "--minutes",
            "1",
            "--style",
            "ambient",
            "--seed",
            "3",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "session.json").read_text())
    assert set(data["report"]["correlation"]) >= {"tempo_bpm", "loudness", "density"}
    assert data["report"]["seams"]["tempo_max_step_bpm"] < abs(
        data["report"]["seams"]["tempo_total_change_bpm"]
    )
    assert (out / "session.wav").stat().st_size > 100_000 and (out / "report.png").is_file()
    assert "not a medical device" in data["disclaimer"]
