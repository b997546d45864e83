"""Splicing a revision's changed bars into the parent's audio: outside them the parent's samples
stay as they were, inside them the audio sounds like a full render of the new version."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tunesmith.cocreate import Step, load_version, read_piece_json, revise, revise_to_files
from tunesmith.cocreate.splice import changed_bars, splice_audio
from tunesmith.render.piece import mix_plan


def _read(path: Path) -> np.ndarray:
    from pedalboard.io import AudioFile

    with AudioFile(str(path)) as f:
        return np.asarray(f.read(f.frames))


def _envelope_db(x: np.ndarray, window: int = 2205) -> np.ndarray:
    m = x.shape[1] // window
    return np.asarray(
        10 * np.log10((x[:, : m * window].reshape(2, m, window) ** 2).mean(axis=(0, 2)) + 1e-10)
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short piece with its audio and render report (rules melody: quick to compose and render)."""
    from tunesmith.compose.api import compose
    from tunesmith.compose.request import ComposeRequest
    from tunesmith.render.piece import write_files

    out = tmp_path_factory.mktemp("splice")
    piece = compose(ComposeRequest(style="folk", bars=8, form="AB", model="rules", seed=5, candidates=1))
    return write_files(piece, out, formats=["wav", "json"], record=False)["json"]


def test_the_splice_keeps_the_rest_and_sounds_like_a_full_render(rendered: Path, tmp_path: Path) -> None:
    parent = load_version(read_piece_json(rendered))
    child = revise(parent, Step("melody", 9, bars="3-4"))
    bar = child.plan.bar_ticks
    bars, _, _ = changed_bars(parent.score, child.score, bar)
    assert bars and min(bars) >= 2 and max(bars) <= 3
    found = splice_audio(rendered.with_suffix(".wav"), parent.score, child.score,
                         mix_plan(child.plan, child.score), None)  # fmt: skip
    assert found is not None
    spliced, info = found
    before = _read(rendered.with_suffix(".wav"))
    assert spliced.shape == before.shape
    sr = info["sample_rate"]
    a, e = (round(t * sr) for t in info["seconds"])
    fade = round(0.03 * sr)
    first, stop = info["samples"]
    ms = round(0.001 * sr)  # the seconds are rounded to milliseconds
    assert abs(first - (a - fade)) <= ms and abs(stop - e) <= ms
    assert np.array_equal(spliced[:, :first], before[:, :first])  # untouched before the change
    assert np.array_equal(spliced[:, stop:], before[:, stop:])  # and after its tail
    # Inside: the loudness contour of a full render of the new version, within a fraction of a dB.
    full = _read(revise_to_files(rendered, Step("melody", 9, bars="3-4"), tmp_path / "full",
                                 formats=["wav"], record=False)[1]["wav"])  # fmt: skip
    ours, theirs = _envelope_db(spliced[:, a:e]), _envelope_db(full[:, a:e])
    loud = theirs > -50
    assert np.median(np.abs(ours - theirs)[loud]) < 0.5
    # The parent's audio lay beside its JSON, so revise_to_files spliced too and said so.
    report = json.loads(next((tmp_path / "full").glob("*.master.json")).read_text())
    assert report["splice"]["bars"] == [min(bars) + 1, max(bars) + 1]


def test_no_splice_without_levels_or_when_the_change_is_most_of_the_piece(rendered: Path) -> None:
    parent = load_version(read_piece_json(rendered))
    child = revise(parent, Step("all", 2, bars="1-8"))
    wav, mix = rendered.with_suffix(".wav"), mix_plan(child.plan, child.score)
    assert splice_audio(wav, parent.score, child.score, mix, None) is None  # most of the piece changed
    small = revise(parent, Step("melody", 9, bars="3-4"))
    report = json.loads(rendered.with_suffix(".master.json").read_text())
    del report["stem_levels"]  # a render from before levels were kept
    assert splice_audio(wav, parent.score, small.score, mix, None, report) is None
