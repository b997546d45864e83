"""MIDI reading and writing: resolution, drums, marker conventions, corrupt files."""

from __future__ import annotations

import io
from pathlib import Path

import mido
import pytest

from tunesmith.errors import CorruptFileError
from tunesmith.io.midi import midi_bytes_to_score, read_midi, score_to_midi_bytes, write_midi
from tunesmith.score import ChordSymbol, KeySignature, Metadata, Note, Score, Section, TempoChange, Track

DATA = Path(__file__).resolve().parent.parent / "data"


def test_other_resolutions_are_rescaled_to_480() -> None:
    score = read_midi(DATA / "waltz_96ppq.mid")
    assert [(n.start, n.duration) for n in score.tracks[0].notes][:3] == [(0, 480), (480, 480), (960, 480)]
    assert [(c.tick, c.figure) for c in score.chords] == [(0, "Am"), (2880, "E7")]
    assert score.tempos == [TempoChange(0, 150.0)]
    assert score.key_signatures == [KeySignature(0, 0, "minor")]


def test_tracks_programs_and_channel_10_drums() -> None:
    score = read_midi(DATA / "drums_bass.mid")
    assert [(t.name, t.program, t.is_drum, len(t.notes)) for t in score.tracks] == [
        ("Piano", 0, False, 16), ("Bass", 33, False, 16), ("Drums", 0, True, 32)]


def test_written_file_is_standard_midi_readable_by_mido(tmp_path: Path) -> None:
    score = read_midi(DATA / "drums_bass.mid")
    write_midi(score, tmp_path / "x.mid")
    mid = mido.MidiFile(tmp_path / "x.mid")
    assert mid.ticks_per_beat == 480
    drum_notes = [m for t in mid.tracks for m in t if m.type == "note_on" and m.channel == 9 and m.velocity]
    assert len(drum_notes) == 32


def test_marker_convention_for_chords_sections_and_metadata() -> None:
    score = Score(
        tracks=[Track("Lead", 0, False, [Note(60, 0, 1920)])],
        chords=[ChordSymbol(0, "C/e"), ChordSymbol(960, "Fmaj7")],
        sections=[Section(0, 1920, "intro")],
        metadata=Metadata(title="T", composer="C"),
    )
    mid = mido.MidiFile(file=io.BytesIO(score_to_midi_bytes(score)))
    markers = [m.text for t in mid.tracks for m in t if m.type == "marker"]
    expected = {"title:T", "composer:C", "chord:C/e", "chord:Fmaj7", "section:intro", "section-end:intro"}
    assert expected <= set(markers)


def test_foreign_markers_become_sections() -> None:
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    track += [mido.MetaMessage("marker", text="Verse", time=0), mido.Message("note_on", note=60, time=0),
              mido.Message("note_off", note=60, time=960), mido.MetaMessage("marker", text="Chorus", time=0),
              mido.Message("note_on", note=62, time=0), mido.Message("note_off", note=62, time=960)]
    mid.tracks.append(track)
    buffer = io.BytesIO()
    mid.save(file=buffer)
    score = midi_bytes_to_score(buffer.getvalue())
    assert score.sections == [Section(0, 960, "Verse"), Section(960, 1920, "Chorus")]
    assert score.tempos == [TempoChange(0, 120.0)]  # no tempo event: the MIDI default


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"RIFF....WAVEfmt ", "not a MIDI file"),
        (b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01", "corrupt MIDI"),
        (b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0MTrk\x00\x00\x01\x00\x00\x90", "corrupt MIDI"),
    ],
)
def test_corrupt_bytes(data: bytes, problem: str) -> None:
    with pytest.raises(CorruptFileError, match=problem) as info:
        midi_bytes_to_score(data, "x.mid")
    assert "\n" not in str(info.value)


def test_many_notes_round_trip_exactly() -> None:
    notes = [Note(40 + i % 50, i * 37, 10 + i % 200, 1 + i % 127) for i in range(20000)]
    score = Score(tracks=[Track("Dense", 5, False, notes)])
    again = midi_bytes_to_score(score_to_midi_bytes(score))
    key = sorted((n.start, n.pitch, n.duration, n.velocity) for n in notes)
    assert sorted((n.start, n.pitch, n.duration, n.velocity) for n in again.tracks[0].notes) == key


def test_title_from_a_conductor_track_name() -> None:
    mid = mido.MidiFile(type=1, ticks_per_beat=480)
    conductor = mido.MidiTrack([mido.MetaMessage("track_name", name="Song Title", time=0),
                                mido.MetaMessage("set_tempo", tempo=500000, time=0)])
    piano = mido.MidiTrack([mido.MetaMessage("track_name", name="Piano", time=0),
                            mido.Message("note_on", note=60, time=0),
                            mido.Message("note_off", note=60, time=480)])
    mid.tracks += [conductor, piano]
    buffer = io.BytesIO()
    mid.save(file=buffer)
    score = midi_bytes_to_score(buffer.getvalue())
    assert score.metadata.title == "Song Title"
    assert [t.name for t in score.tracks] == ["Piano"]
    assert read_midi(DATA / "melody_chords.mid").metadata.title == "Little Tune"  # the marker wins


def test_pitch_bends_round_trip_and_a_bent_part_is_reset() -> None:
    from tunesmith.score import PitchBend

    bends = [PitchBend(0, -8192), PitchBend(60, -4096), PitchBend(120, 0), PitchBend(700, 8191),
             PitchBend(900, 1)]
    score = Score(tracks=[Track("erhu", 40, notes=[Note(62, 0, 960, 90)], bends=bends)])
    back = midi_bytes_to_score(score_to_midi_bytes(score))
    # The last bend left the pitch bent: the writer resets it where the last note ends.
    assert back.tracks[0].bends == [*bends, PitchBend(960, 0)]
    messages = [m for m in mido.MidiFile(file=io.BytesIO(score_to_midi_bytes(score))).tracks[1]
                if m.type in ("pitchwheel", "note_on")]
    assert messages[0].type == "pitchwheel" and messages[1].type == "note_on"  # bent before it sounds


def test_invalid_pitch_bends_are_reported() -> None:
    from tunesmith.score import PitchBend, validate

    score = Score(tracks=[Track("erhu", 40, bends=[PitchBend(0, 9000), PitchBend(-5, 0)])])
    assert len(validate(score)) == 2
