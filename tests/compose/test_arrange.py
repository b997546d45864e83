from __future__ import annotations

import statistics

import pytest

from tunesmith.compose.api import compose
from tunesmith.compose.instruments import lookup, program_range
from tunesmith.compose.request import ComposeRequest
from tunesmith.compose.styles import available_styles


@pytest.mark.parametrize(
    "style",
    ["folk", "celtic", "chorale", "pop", "ballad", "waltz", "march", "lullaby", "ambient", "chinese-folk"],
)
def test_every_note_within_its_instrument_and_drums_on_channel_10(style: str) -> None:
    piece = compose(ComposeRequest(style=style, model="rules", seed=21, candidates=1))
    assert style in available_styles()
    for track in piece.score.tracks:
        assert track.notes, f"{track.name} is silent"
        if track.is_drum:
            assert track.name == "drums"
            assert all(35 <= n.pitch <= 81 for n in track.notes)  # General MIDI percussion keys
            continue
        low, high = program_range(track.program)
        assert all(low <= n.pitch <= high for n in track.notes), track.name
    assert sum(t.is_drum for t in piece.score.tracks) == (0 if piece.plan.style.drums == "none" else 1)


def _onset_offsets(piece, name: str, skip_phrase_ends: bool = False) -> set[int]:
    track = next(t for t in piece.score.tracks if t.name.startswith(name))
    bar = piece.plan.bar_ticks
    section = piece.plan.sections[0]
    first = section.start_bar * bar
    # The first section plays the style's own patterns (a contrasting section takes another one).
    last = first + section.bars * bar
    ends = {section.start_bar + sum(section.phrases[: k + 1]) - 1 for k in range(len(section.phrases))}
    grid = [round(n.start / 120) * 120 for n in track.notes]  # undo the humanised timing
    return {t % bar for t in grid if first <= t < last and not (skip_phrase_ends and t // bar in ends)}


def test_styles_differ_in_instruments_rhythm_and_meter() -> None:
    waltz = compose(ComposeRequest(style="waltz", model="rules", seed=5, candidates=1))
    march = compose(ComposeRequest(style="march", model="rules", seed=5, candidates=1))
    folk = compose(ComposeRequest(style="folk", model="rules", seed=5, candidates=1))
    assert {str(p.score.time_signatures[0]) for p in (waltz, march, folk)} == {"3/4", "2/4", "6/8"}
    programs = [{t.program for t in p.score.tracks} for p in (waltz, march, folk)]
    assert programs[0] != programs[1] != programs[2]
    # Oom-pah-pah: bass on one, the piano on two and three; march: chords on the off-beats.
    assert _onset_offsets(waltz, "bass") == {0}
    assert _onset_offsets(waltz, "accompaniment") == {480, 960}
    assert _onset_offsets(march, "accompaniment", skip_phrase_ends=True) <= {240, 720}
    assert {0, 360, 480} <= _onset_offsets(march, "accompaniment")  # the fanfare at a phrase end
    assert any(t.is_drum for t in march.score.tracks) and not any(t.is_drum for t in waltz.score.tracks)


def test_instruments_control_sets_the_ensemble() -> None:
    piece = compose(
        ComposeRequest(
            style="folk",
            instruments=["flute", "acoustic guitar", "cello"],
            model="rules",
            seed=3,
            candidates=1,
        )
    )
    pitched = [t for t in piece.score.tracks if not t.is_drum]
    assert [t.program for t in pitched] == [
        lookup("flute").program,
        lookup("acoustic guitar").program,
        lookup("cello").program,
    ]
    assert pitched[0].name.startswith("melody") and pitched[2].name.startswith("bass")


def test_accompaniment_sits_under_the_melody() -> None:
    piece = compose(ComposeRequest(style="ballad", model="rules", seed=8, candidates=1))
    melody = piece.score.tracks[0].notes
    acc = next(t for t in piece.score.tracks if t.name.startswith("accompaniment")).notes
    assert statistics.mean(n.pitch for n in acc) < statistics.mean(n.pitch for n in melody) - 5
