"""Mood reaches the arrangement, sections develop, the counter-line answers, jazz swings."""

from __future__ import annotations

import itertools
import json
import statistics

import pytest

from tunesmith.compose.api import compose
from tunesmith.compose.arrange import answer_gaps, section_textures
from tunesmith.compose.harmony import make_harmony
from tunesmith.compose.plan import make_plan
from tunesmith.compose.request import ComposeRequest
from tunesmith.compose.styles import SHIPPED_STYLES, load_style
from tunesmith.errors import ControlError
from tunesmith.score import Note


def _piece(style: str, mood: str | None, seed: int = 7, bars: int | None = 16, key: str | None = None):
    return compose(
        ComposeRequest(style=style, mood=mood, model="rules", seed=seed, candidates=1, bars=bars, key=key)
    )


def _track(piece, prefix: str):
    return next(t for t in piece.score.tracks if t.name.startswith(prefix))


def test_mood_changes_patterns_drums_density_and_register_in_the_expected_direction() -> None:
    neutral, calm, tense, joyful, sad = (
        _piece("pop", m, key="E") for m in (None, "calm", "tense", "joyful", "sad")
    )
    patterns = {p.plan.parts["accompaniment"].pattern for p in (neutral, calm, tense, joyful)}
    assert len(patterns) >= 3  # not note-for-note the same comping
    assert calm.plan.drums != neutral.plan.drums != tense.plan.drums
    assert tense.plan.parts["accompaniment"].pattern == "ostinato"
    # Arousal: density and tempo.
    n_acc = {
        name: len(_track(p, "accompaniment").notes) / p.plan.total_bars
        for name, p in (("calm", calm), ("neutral", neutral), ("joyful", joyful))
    }
    assert n_acc["calm"] < n_acc["neutral"] <= n_acc["joyful"]
    assert sad.plan.tempo < neutral.plan.tempo < joyful.plan.tempo
    # Valence: register; tension: low accompaniment and bass, minor.
    mel = {
        name: statistics.mean(n.pitch for n in _track(p, "melody").notes)
        for name, p in (("sad", sad), ("joyful", joyful))
    }
    assert mel["sad"] < mel["joyful"]
    # (over several pieces: the tense bass pulses on the lowest root with octave leaps, a neutral one
    # alternates root and fifth near the bottom too, so one piece's mean can go either way)
    for role in ("bass", "accompaniment"):
        low = {
            name: statistics.mean(
                statistics.mean(n.pitch for n in _track(_piece("pop", mood, seed=s, key="E"), role).notes)
                for s in range(1, 9)
            )
            for name, mood in (("tense", "tense"), ("neutral", None))
        }
        assert low["tense"] < low["neutral"], role
    assert tense.plan.key.is_minor and sad.plan.key.is_minor
    # Tense is not sad played faster: different comping, drums and harmonic colour.
    assert tense.plan.parts["accompaniment"].pattern != sad.plan.parts["accompaniment"].pattern
    assert tense.plan.mood.colour == "tense" and sad.plan.mood.colour == "dark"


def test_mood_may_leave_the_style_tempo_range_and_the_json_says_so() -> None:
    sad = _piece("pop", "sad")
    low, _high = sad.plan.style.tempo
    assert sad.plan.tempo < low
    summary = json.loads(sad.to_json())["summary"]
    assert summary["tempo_outside_style"] is True and summary["style_tempo"] == [low, _high]
    assert summary["mood_arrangement"]["drums"] == sad.plan.drums


def test_sections_differ_in_texture_and_on_the_notes() -> None:
    piece = _piece("pop", None, bars=None)
    textures = section_textures(piece.plan)
    sigs = [t.signature() for t in textures]
    assert all(a != b for a, b in itertools.pairwise(sigs))
    bar = piece.plan.bar_ticks
    verse, chorus = piece.plan.sections[0], piece.plan.sections[1]
    acc = _track(piece, "accompaniment").notes

    def figure(section) -> tuple[set[int], float]:
        lo, hi = section.start_bar * bar, (section.start_bar + section.bars - 1) * bar
        notes = [n for n in acc if lo <= n.start < hi]
        onsets = {round(n.start / 120) * 120 for n in notes}
        return {t % bar for t in onsets}, round(len(notes) / len(onsets), 1)

    assert figure(verse) != figure(chorus)  # another comping pattern in the chorus
    pad = _track(piece, "pad").notes
    # (humanised onsets may sit a few ticks before the chorus's downbeat: those belong to the chorus)
    verse_end = (verse.start_bar + verse.bars) * bar - 60
    first_verse = [n for n in pad if verse.start_bar * bar <= n.start < verse_end]
    assert not first_verse and pad  # the pad enters after the first verse


def test_counter_line_answers_in_the_melody_gaps() -> None:
    plan = make_plan(ComposeRequest(style="folk", model="rules", seed=3, meter="4/4", bars=16))
    harmony = make_harmony(plan)
    bar = plan.bar_ticks
    s0 = plan.sections[0].start_bar * bar
    # A bar of quarters, a whole note held, a bar of quarters, a bar of rest.
    melody = [Note(74, s0 + i * 480, 480) for i in range(4)] + [Note(76, s0 + bar, bar)]
    melody += [Note(74, s0 + 2 * bar + i * 480, 480) for i in range(4)]
    part = plan.parts["counter"]
    notes = answer_gaps(
        plan, harmony, part, melody, first=plan.sections[0].start_bar, last=plan.sections[0].start_bar + 4
    )
    assert notes
    for n in notes:
        held = s0 + bar + 480 <= n.start < s0 + 2 * bar
        rest = s0 + 3 * bar <= n.start < s0 + 4 * bar
        assert held or rest, n
        assert part.low <= n.pitch <= part.high
    assert any(s0 + 3 * bar <= n.start for n in notes)


def test_jazz_swings_with_seventh_chords_and_a_walking_bass() -> None:
    piece = _piece("jazz", None, seed=8, bars=None)
    figures = [c.figure for c in piece.score.chords]
    assert sum(any(x in f for x in ("7", "9", "6")) for f in figures) / len(figures) >= 0.8
    starts = sorted(n.start for n in _track(piece, "melody").notes)
    ratios = []
    for s in starts:
        on = round(s / 480) * 480
        off = [t for t in starts if on + 180 <= t < on + 440]
        if abs(s - on) < 60 and off:
            ratios.append((off[0] - s) / (on + 480 - off[0]))
    assert ratios and 1.5 <= statistics.median(ratios) <= 2.6
    plan = piece.plan
    bass = _track(piece, "bass").notes
    body = [
        n
        for n in bass
        if plan.intro_bars * plan.bar_ticks <= n.start < (plan.intro_bars + plan.body_bars) * plan.bar_ticks
    ]
    assert len(body) == pytest.approx(plan.body_bars * 4, rel=0.1)  # a note a beat
    drums = next(t for t in piece.score.tracks if t.is_drum).notes
    hats = {round(n.start / 120) * 120 % plan.bar_ticks for n in drums if n.pitch == 44}
    assert hats == {480, 1440}  # hi-hat foot on 2 and 4


def test_style_habits_celtic_cuts_chinese_graces_march_trio_and_dots() -> None:
    celtic = _piece("celtic", None, seed=4)
    folk = _piece("folk", None, seed=4)
    graces = [n for n in _track(celtic, "melody").notes if n.duration < 60]
    assert graces and not [n for n in _track(folk, "melody").notes if n.duration < 60]
    assert str(celtic.score.time_signatures[0]) != str(folk.score.time_signatures[0])
    assert celtic.plan.drums == "bodhran" != folk.plan.drums
    chinese = _piece("chinese-folk", None, seed=4)
    assert [n for n in _track(chinese, "melody").notes if n.duration <= 100]
    march = _piece("march", None, seed=4, bars=None)
    keys = march.score.key_signatures
    assert len(keys) == 3 and keys[1].fifths == keys[0].fifths - 1 and keys[2] == keys[0].__class__(
        keys[2].tick, keys[0].fifths, keys[0].mode
    )  # the trio in the subdominant, then da capo


def test_a_style_may_name_its_contrasting_figure_and_a_bad_one_is_refused(tmp_path) -> None:
    plan = make_plan(ComposeRequest(style="chinese-folk", seed=3, form="AB", candidates=1))
    textures = section_textures(plan)
    assert [t.accompaniment for t in textures] == ["broken", "arpeggio"]  # rolled, not struck eighths
    text = (SHIPPED_STYLES / "chinese-folk.toml").read_text(encoding="utf-8")
    (tmp_path / "chinese-folk.toml").write_text(text.replace('alternate = "arpeggio"', 'alternate = "waltz"'))
    with pytest.raises(ControlError, match=r"chinese-folk\.toml: accompaniment alternate pattern 'waltz'"):
        load_style("chinese-folk", str(tmp_path))
