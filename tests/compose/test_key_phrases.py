"""Chorale phrases that close in a related key are in that key throughout (style key_phrases):
the chord model writes their bars there and the melody takes the key's accidentals."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tunesmith.compose.harmony import Harmony, make_harmony
from tunesmith.compose.melody import in_local_keys, make_melody
from tunesmith.compose.plan import make_plan
from tunesmith.compose.request import ComposeRequest
from tunesmith.compose.styles import load_style
from tunesmith.errors import ControlError
from tunesmith.score import Note
from tunesmith.theory.key import Key


def chorale_with(tmp_path: Path, old: str, new: str) -> str:
    text = Path(load_style("chorale").source).read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "chorale.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return str(tmp_path)


@pytest.mark.parametrize(("key", "close", "local"), [("C", "dominant", Key(7, "major")),
                                                    ("C", "relative", Key(9, "minor")),
                                                    ("A minor", "relative", Key(0, "major"))])  # fmt: skip
def test_a_phrase_closing_in_a_related_key_is_in_it_throughout(tmp_path: Path, key: str, close: str,
                                                               local: Key) -> None:  # fmt: skip
    line = "inner_cadences = { tonic = 0.4, half = 0.2, dominant = 0.2, relative = 0.2 }"
    folder = chorale_with(tmp_path, line, f"inner_cadences = {{ {close} = 1.0 }}")
    for seed in range(3):
        plan = make_plan(ComposeRequest(style="chorale", form="AB", key=key, seed=seed, styles_path=folder))
        harmony = make_harmony(plan)
        a, b = plan.sections
        # the piece's first phrase stays at home; the second section's first phrase leaves it
        assert all(not a.start_bar <= i < a.start_bar + a.bars for i in harmony.keys)
        keyed = sorted(harmony.keys)
        assert keyed == list(range(b.start_bar, b.start_bar + b.phrases[0] - 1)), seed
        assert set(harmony.keys.values()) == {local}
        scale = set(Key(local.tonic, "harmonic_minor" if local.is_minor else "major").scale_pcs())
        leading = (local.tonic + 11) % 12
        pcs = {pc for i in keyed for span in harmony.bars[i] for pc in span.chord.pitch_classes()}
        assert leading in pcs, seed  # the new key's leading tone sounds
        melody = make_melody(plan, harmony, plan.seed).notes
        bar = plan.bar_ticks
        sung = [n.pitch % 12 for n in melody if n.start // bar in harmony.keys]
        if local.is_minor:  # melodic minor: the natural seventh where it does not rise to the tonic
            scale |= {(local.tonic + 10) % 12, (local.tonic + 9) % 12}
        assert sung and set(sung) <= scale, seed


def test_without_key_phrases_only_the_close_leaves_the_key(tmp_path: Path) -> None:
    folder = chorale_with(tmp_path, "key_phrases = true", "key_phrases = false")
    for seed in range(3):
        plan = make_plan(ComposeRequest(style="chorale", form="AB", key="C", seed=seed, styles_path=folder))
        assert make_harmony(plan).keys == {}
    bad = chorale_with(tmp_path, "key_phrases = true", "key_phrases = 1")
    with pytest.raises(ControlError, match=r"chorale\.toml: harmony\.key_phrases"):
        load_style("chorale", bad)


def test_notes_take_the_accidentals_of_their_phrase_key() -> None:
    plan = make_plan(ComposeRequest(style="chorale", key="G", seed=1))
    bar = plan.bar_ticks
    harmony = Harmony(make_harmony(plan).bars, "model", {1: Key(2, "major"), 2: Key(4, "minor")})
    notes = [Note(72, 0, 480), Note(72, bar, 480), Note(74, 2 * bar, 480), Note(76, 2 * bar + 480, 480)]
    # home bar keeps its C; in D major C becomes C#; in E minor D rising to E becomes D#
    assert [n.pitch for n in in_local_keys(notes, plan, harmony)] == [72, 73, 75, 76]
    # no augmented second in E minor: C-D-C keeps D natural; C-D-E rises as C#-D#-E
    third = 2 * bar
    turn = [Note(72, third, 240), Note(74, third + 240, 240), Note(72, third + 480, 240)]
    assert [n.pitch for n in in_local_keys(turn, plan, harmony)] == [72, 74, 72]
    rise = [Note(72, third, 240), Note(74, third + 240, 240), Note(76, third + 480, 240)]
    assert [n.pitch for n in in_local_keys(rise, plan, harmony)] == [73, 75, 76]
    minor = make_plan(ComposeRequest(style="chorale", key="G minor", seed=1))
    flat = Harmony(make_harmony(minor).bars, "model", {0: Key(10, "major")})
    assert [n.pitch for n in in_local_keys([Note(66, 0, 480), Note(64, 480, 480)], minor, flat)] == [65, 63]


def test_a_chorale_soprano_breathes_only_between_phrases() -> None:
    from tunesmith.compose.melody import fill_rests

    plan = make_plan(ComposeRequest(style="chorale", key="G", seed=1))
    assert plan.style.fill_rests
    bar = plan.bar_ticks
    assert plan.sections[0].start_bar == 0 and plan.sections[0].phrases[0] == 4  # bars 0-3
    notes = [Note(67, 0, 480), Note(69, 960, 3 * bar - 960),  # a rest inside the phrase: filled
             Note(71, 3 * bar, 480), Note(72, 3 * bar + 960, 480),  # its last bar keeps its breath
             Note(74, 4 * bar, 960)]  # fmt: skip
    out = fill_rests(notes, plan)
    assert out[0] == Note(67, 0, 960) and out[1:] == notes[1:]
    for seed in range(6):
        piece = make_plan(ComposeRequest(style="chorale", seed=seed))
        line = sorted(make_melody(piece, make_harmony(piece), piece.seed).notes, key=lambda n: n.start)
        ends = set()
        for s in piece.sections:
            at = s.start_bar
            for length in s.phrases:
                at += length
                ends.add(at - 1)
        for a, b in itertools.pairwise(line):
            if b.start > a.end:  # a rest: only in a phrase's last bar
                here = piece.bar_ticks
                assert a.start // here in ends or a.end // here in ends, (seed, a, b)


def test_a_minor_chorale_sings_no_augmented_second(tmp_path: Path) -> None:
    """Third musician review: F4-G#4 in an A minor chorale. With melodic_minor the home key is read
    as the related keys are: F#-G#-A rising, F-G-F elsewhere; without it the line is left alone."""
    from tunesmith.compose.melody import _melodic_minor

    plan = make_plan(ComposeRequest(style="chorale", key="A minor", seed=1))
    assert plan.style.melodic_minor
    harmony = Harmony(make_harmony(plan).bars, "model", {})
    turn = [Note(65, 0, 480), Note(68, 480, 480), Note(65, 960, 480)]
    rise = [Note(65, 0, 480), Note(68, 480, 480), Note(69, 960, 480)]
    assert [n.pitch for n in _melodic_minor(turn, plan, harmony)] == [65, 67, 65]
    assert [n.pitch for n in _melodic_minor(rise, plan, harmony)] == [66, 68, 69]
    folder = chorale_with(tmp_path, "melodic_minor = true", "melodic_minor = false")
    plain = make_plan(ComposeRequest(style="chorale", key="A minor", seed=1, styles_path=folder))
    assert [n.pitch for n in _melodic_minor(turn, plain, harmony)] == [65, 68, 65]
    bad = chorale_with(tmp_path, "melodic_minor = true", 'melodic_minor = "yes"')
    with pytest.raises(ControlError, match=r"chorale\.toml: .*melodic_minor"):
        load_style("chorale", bad)
