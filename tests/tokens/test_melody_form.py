"""Form conditions of the melody tokens: bar in the strain, lookbacks, and the round trip with them."""

from __future__ import annotations

import numpy as np

from tunesmith.score import Note
from tunesmith.theory.key import Key
from tunesmith.tokens import melody as mt


def _tune(pickup: int = 0) -> list[Note]:
    """Two bars of 4/4 eighth notes, played three times, after an optional pickup of ``pickup`` ticks."""
    bar = [Note(60 + i, i * 240, 240) for i in range(8)] + [
        Note(67 - i, 1920 + i * 240, 240) for i in range(8)
    ]
    notes = [Note(59, 0, pickup)] if pickup else []
    for rep in range(3):
        notes += [Note(n.pitch, pickup + rep * 3840 + n.start, n.duration) for n in bar]
    return notes


def test_round_trip_is_exact_and_form_conditions_line_up() -> None:
    notes = _tune(pickup=480)
    enc = mt.encode_melody(notes, [], Key.parse("C"), "4/4", "celtic", bar_origin=480)
    assert mt.decode(enc) == notes
    form = mt.form_conditions(enc)
    assert set(form) == {"phrase", *(mt.lookback_name(k) for k in mt.LOOKBACK_BARS)}
    assert all(len(v) == len(enc.events) for v in form.values())
    # The 4-step pickup is the strain's last bar; then bars 0, 1, 2 ... of the strain.
    assert form["phrase"][:4].tolist() == [7] * 4
    assert form["phrase"][4:20].tolist() == [0] * 16 and form["phrase"][20] == 1
    # Two bars back, the tune repeats itself exactly (after the pickup and the first two bars).
    back2 = form["back2"]
    assert (back2[:32] == mt.PAD).all()
    assert np.array_equal(back2[36:], enc.events[4:-32])
    assert (back2[36:] == enc.events[36:]).all()  # what the model learns to copy


def test_lookback_is_pad_before_the_start_and_follows_the_meter() -> None:
    events = np.arange(4, 40, dtype=np.int64)
    back = mt.lookback(events, "6/8", 1)  # 12 steps a bar
    assert (back[:12] == mt.PAD).all() and back[12:].tolist() == events[:-12].tolist()
    assert (mt.lookback(events, "4/4", 8) == mt.PAD).all()


def test_cut_time_reads_as_four_four_and_german_songs_have_their_own_style() -> None:
    from tunesmith.score import Metadata, Score, TimeSignature, Track

    score = Score(tracks=[Track("melody", 0, False, _tune())], time_signatures=[TimeSignature(0, 2, 2)])
    assert mt.score_meter(score) == "4/4"
    assert mt.style_of(Metadata(style_tags=["folk", "european", "german"])) == "song"
    assert mt.style_of(Metadata(style_tags=["folk", "irish"])) == "celtic"
