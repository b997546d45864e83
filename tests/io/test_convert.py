"""`tunesmith convert` MIDI -> MusicXML: valid XML whatever the names hold, and the printed note
count is the count the written file holds (a merge named in a warning)."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import mido
import pytest
from typer.testing import CliRunner

from tunesmith.errors import OutputError
from tunesmith.io.musicxml import score_to_musicxml_bytes
from tunesmith.score import Note, Score, Track


def _midi_with_a_nul_name_and_a_double_strike() -> bytes:
    mid = mido.MidiFile(type=1, ticks_per_beat=480)
    track = mido.MidiTrack([mido.MetaMessage("track_name", name="Pia\x00no", time=0)])
    events = [(0, 60, 90), (0, 60, 80)] + [(480 * i, 64, 70) for i in range(1, 8)]  # C struck twice at once
    timeline = sorted(
        [(t, "on", p, v) for t, p, v in events] + [(t + 400, "off", p, 0) for t, p, _ in events]
    )
    now = 0
    for tick, kind, pitch, velocity in timeline:
        track.append(
            mido.Message(
                "note_on" if kind == "on" else "note_off", note=pitch, velocity=velocity, time=tick - now
            )
        )
        now = tick
    mid.tracks.append(track)
    buffer = io.BytesIO()
    mid.save(file=buffer)
    return buffer.getvalue()


def test_convert_prints_the_written_count_and_names_the_merge(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tunesmith.cli.main import _build

    source = tmp_path / "in.mid"
    source.write_bytes(_midi_with_a_nul_name_and_a_double_strike())
    target = tmp_path / "out.musicxml"
    result = CliRunner().invoke(_build(), ["convert", str(source), str(target)])
    assert result.exit_code == 0, result.output
    root = ET.fromstring(target.read_bytes())  # valid XML although the track name held a NUL
    assert root.findtext(".//part-name") == "Piano"
    in_file = sum(
        1
        for n in root.iter("note")
        if n.find("rest") is None and not any(t.get("type") == "stop" for t in n.findall("tie"))
    )
    assert in_file == 8
    assert re.search(r"\b8 notes\b", result.output)
    assert any("1 of 9 notes merged" in r.getMessage() for r in caplog.records)


def test_writing_notation_has_a_time_limit_that_stops_the_work() -> None:
    notes = [Note(40 + i % 60, i * 120, 120) for i in range(20_000)]
    with pytest.raises(OutputError, match="took too long"):
        from tunesmith.io.musicxml import write_report

        write_report(Score(tracks=[Track("long", 0, False, notes)]), time_limit_s=0.0)
    assert score_to_musicxml_bytes(Score(tracks=[Track("short", 0, False, notes[:50])]))
