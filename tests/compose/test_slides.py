"""Chinese-folk slides (huá yīn) played as pitch bends on the erhu- and dizi-like parts."""

from __future__ import annotations

import symusic

from tunesmith.compose.api import compose
from tunesmith.compose.request import ComposeRequest
from tunesmith.io.midi import score_to_midi_bytes
from tunesmith.score import BEND_PER_SEMITONE, validate


def _bend_at(bends: list[tuple[int, int]], tick: int) -> int:
    """The bend in force just after the events at ``tick`` (0 before the first)."""
    value = 0
    for t, v in bends:
        if t > tick:
            break
        value = v
    return value


def test_chinese_folk_slides_are_bends_that_come_back_to_zero() -> None:
    score = compose(ComposeRequest(style="chinese-folk", seed=7, bars=16)).score
    assert not validate(score)
    raw = symusic.Score.from_midi(score_to_midi_bytes(score))
    soloists = [t for t in raw.tracks if t.name.startswith(("melody", "counter"))]
    bent = [t for t in soloists if len(t.pitch_bends)]
    assert bent, "no part slides"
    for track in bent:
        bends = [(int(b.time), int(b.value)) for b in track.pitch_bends]
        assert bends[-1][1] == 0  # the part ends in tune
        assert all(abs(v) <= 2 * BEND_PER_SEMITONE for _, v in bends)
        for note in track.notes:
            if _bend_at(bends, int(note.time)):
                # Bent at its onset only when it slides in from there (a slide out of the note
                # before is over), and in tune within the note (it may fall off again at its end).
                assert any(t == note.time for t, _ in bends)
                inside = [v for t, v in bends if note.time <= t < note.time + note.duration]
                assert 0 in inside


def test_other_styles_do_not_bend() -> None:
    score = compose(ComposeRequest(style="folk", seed=7, bars=8)).score
    assert all(not t.bends for t in score.tracks)
