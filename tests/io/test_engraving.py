"""Files other tools read right: a composed piece of every style engraved by MuseScore and read
back, and our MusicXML and MIDI read by music21 with the right meter, key and note count."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tunesmith.compose.api import compose
from tunesmith.compose.request import ComposeRequest
from tunesmith.compose.styles import available_styles
from tunesmith.io import load_one
from tunesmith.render.piece import write_files
from tunesmith.score import Score

STYLES = available_styles()


@pytest.fixture(scope="module")
def pieces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Score, Path, Path]]:
    """style -> (composed score, its MusicXML, its MIDI), one short rules-model piece each."""
    out = tmp_path_factory.mktemp("styles")
    found = {}
    for style in STYLES:
        request = ComposeRequest(style=style, model="rules", seed=5, candidates=1, bars=8)
        composition = compose(request)
        paths = write_files(composition, out / style, formats=["mid", "musicxml"], record=False)
        found[style] = (composition.score, paths["musicxml"], paths["mid"])
    return found


def test_every_style_is_composed() -> None:
    assert len(STYLES) >= 10


@pytest.mark.skipif(shutil.which("mscore3") is None, reason="MuseScore 3 is not installed")
def test_musescore_engraves_every_style_and_reads_back_the_same_notes(
    pieces: dict[str, tuple[Score, Path, Path]], tmp_path: Path
) -> None:
    jobs = []
    for style, (_, xml, _) in pieces.items():
        jobs.append(
            {"in": str(xml), "out": [str(tmp_path / f"{style}.png"), str(tmp_path / f"{style}.musicxml")]}
        )
    (tmp_path / "job.json").write_text(json.dumps(jobs))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run = subprocess.run(
        ["mscore3", "-j", str(tmp_path / "job.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    for style, (_, xml, _) in pieces.items():
        assert (tmp_path / f"{style}-1.png").stat().st_size > 10_000, style
        ours, theirs = load_one(xml), load_one(tmp_path / f"{style}.musicxml")
        assert [(t.is_drum, len(t.notes)) for t in theirs.tracks] == [
            (t.is_drum, len(t.notes)) for t in ours.tracks
        ]
        for a, b in zip(ours.tracks, theirs.tracks, strict=True):
            assert sorted((n.pitch, n.start) for n in a.notes) == sorted(
                (n.pitch, n.start) for n in b.notes
            ), style
        assert theirs.time_signatures[:1] == ours.time_signatures[:1]
        assert [(k.fifths, k.mode) for k in theirs.key_signatures[:1]] == [
            (k.fifths, k.mode) for k in ours.key_signatures[:1]
        ]


def _m21_counts(part: object) -> tuple[int, str | None, int | None]:
    """(notes, first meter, first key's sharps) of a music21 part, a tied note counted once."""
    from music21 import chord, harmony, key, meter, note

    notes = 0
    for el in part.flatten().notes:  # type: ignore[attr-defined]
        if isinstance(el, harmony.ChordSymbol):
            continue
        members = list(el.notes) if isinstance(el, chord.ChordBase) else [el]
        for m in members:
            tie = m.tie if isinstance(m, note.NotRest) else None
            if tie is None or tie.type == "start":
                notes += 1
    meters = list(part.flatten().getElementsByClass(meter.TimeSignature))  # type: ignore[attr-defined]
    keys = list(part.flatten().getElementsByClass(key.KeySignature))  # type: ignore[attr-defined]
    return notes, meters[0].ratioString if meters else None, keys[0].sharps if keys else None


def test_music21_reads_every_part_of_our_musicxml_and_midi_with_meter_key_and_notes(
    pieces: dict[str, tuple[Score, Path, Path]],
) -> None:
    from music21 import converter

    for style, (score, xml, mid) in pieces.items():
        meter = str(score.time_signature_at(0))
        fifths = score.key_signatures[0].fifths
        written = load_one(xml)
        # at concert pitch, and a grand staff's two staves counted as the one part they are
        groups: dict[str, list[object]] = {}
        for part in converter.parse(str(xml)).toSoundingPitch().parts:
            groups.setdefault(str(part.id).rsplit("-Staff", 1)[0], []).append(part)
        assert len(groups) == len(score.tracks), style
        for staves, track in zip(groups.values(), written.tracks, strict=True):
            counts = [_m21_counts(part) for part in staves]
            notes, m, k = sum(c[0] for c in counts), counts[0][1], counts[0][2]
            assert (notes, m) == (len(track.notes), meter), (style, track.name)
            assert k == (None if track.is_drum else fifths), (style, track.name)
        midi_parts = converter.parse(str(mid), quantizePost=False).parts
        assert len(midi_parts) == len(score.tracks), style
        for part, track in zip(midi_parts, score.tracks, strict=True):
            notes, m, k = _m21_counts(part)
            assert (notes, m, k) == (len(track.notes), meter, fifths), (style, track.name)
