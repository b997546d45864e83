"""What a musician's review of the gallery found: band chords split among players, march fanfares,
lullaby dissonances resolved, the pad kept off the comping's pitches, legato and staccato played."""

from __future__ import annotations

import itertools

from tunesmith.compose.api import compose
from tunesmith.compose.arrange import split_among_players
from tunesmith.compose.instruments import role_of
from tunesmith.compose.request import ComposeRequest
from tunesmith.score import Note, Track
from tunesmith.theory.chord import parse_chord


def _max_sounding(notes: list[Note]) -> int:
    events = sorted([(n.start, 1) for n in notes] + [(n.end, -1) for n in notes])
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def test_chords_for_one_note_instruments_are_dealt_to_players() -> None:
    horns = Track("accompaniment (French Horn)", 60, notes=[
        Note(p, t, 400) for t in (0, 480, 960) for p in (53, 57, 60)
    ] + [Note(55, 1440, 400)])
    players = split_among_players(horns)
    assert [t.name for t in players] == [f"accompaniment {k} (French Horn)" for k in (1, 2, 3)]
    assert all(_max_sounding(t.notes) == 1 for t in players)
    assert [n.pitch for n in players[0].notes] == [60, 60, 60, 55]
    assert role_of(players[1].name) == "accompaniment"
    piano = Track("accompaniment (Piano)", 0, notes=list(horns.notes))
    assert split_among_players(piano) == [piano]


def test_march_horns_play_one_line_each_and_dotted_fanfares() -> None:
    score = compose(ComposeRequest(style="march", seed=7, mood="joyful")).score
    horns = [t for t in score.tracks if t.program == 60]
    assert len(horns) >= 2 and all(_max_sounding(t.notes) == 1 for t in horns)
    onsets = sorted({round(n.start / 40) * 40 for n in horns[0].notes})
    figures = sum(
        1 for a, b, c in zip(onsets, onsets[1:], onsets[2:], strict=False)
        if abs(b - a - 360) <= 40 and abs(c - b - 120) <= 40
    )
    assert figures >= 3


def test_lullaby_strong_beat_dissonances_resolve_by_step() -> None:
    composition = compose(ComposeRequest(style="lullaby", seed=7))
    score, plan = composition.score, composition.plan
    melody = sorted(score.tracks[0].notes, key=lambda n: n.start)
    chords = sorted(score.chords, key=lambda c: c.tick)

    def tones(tick: int) -> set[int]:
        return set(parse_chord([c for c in chords if c.tick <= tick + 30][-1].figure).pitch_classes())

    bar, strong = plan.bar_ticks, set(plan.meter.strong_beats())
    for a, b in itertools.pairwise(melody):
        q = round(a.start / 120) * 120
        if q % bar in strong and a.pitch % 12 not in tones(q):
            assert 1 <= abs(b.pitch - a.pitch) <= 2 and b.pitch % 12 in tones(round(b.start / 120) * 120)


def test_the_pad_never_doubles_the_comping() -> None:
    for style, mood in (("pop", "sad"), ("lullaby", None), ("ambient", None)):
        score = compose(ComposeRequest(style=style, seed=7, mood=mood)).score
        pad = next(t for t in score.tracks if t.name.startswith("pad"))
        comping = [n for t in score.tracks if t.name.startswith("accompaniment") for n in t.notes]
        for n in pad.notes:
            assert not any(
                a.pitch == n.pitch and a.start < n.end - 60 and n.start < a.end - 60 for a in comping
            ), (style, n)
