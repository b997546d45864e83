"""Regenerate the io fixtures in tests/data: `.venv/bin/python tests/data/make_fixtures.py`.

MIDI fixtures are written with mido (not with tunesmith's writer) and the MusicXML fixture with
music21's own exporter, so the readers are checked against independent writers. The expected
contents are restated in tests/io/test_formats.py; change both together.
"""

from __future__ import annotations

from pathlib import Path

import mido

HERE = Path(__file__).parent


def _track(name: str, channel: int, program: int, notes: list[tuple[int, int, int, int]],
           meta: list[tuple[int, mido.MetaMessage]] | None = None) -> mido.MidiTrack:
    """notes: (pitch, start, duration, velocity) in ticks; meta: (tick, message)."""
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [
        (0, 0, mido.MetaMessage("track_name", name=name))
    ]
    if channel != 9:
        events.append((0, 1, mido.Message("program_change", channel=channel, program=program)))
    for tick, msg in meta or []:
        events.append((tick, 1, msg))
    for pitch, start, dur, vel in notes:
        events.append((start + dur, 2, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))
        events.append((start, 3, mido.Message("note_on", channel=channel, note=pitch, velocity=vel)))
    events.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack()
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def melody_chords() -> None:
    """G major 4/4 at 100 bpm, a melody with chord and section markers and a title."""
    q = 480
    pitches = [67, 71, 74, 71, 72, 76, 74, 72, 71, 74, 67, 71, 69, 66, 67, 67]
    notes = [(p, i * q, q, 90) for i, p in enumerate(pitches)]
    meta = [
        (0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(100))),
        (0, mido.MetaMessage("time_signature", numerator=4, denominator=4)),
        (0, mido.MetaMessage("key_signature", key="G")),
        (0, mido.MetaMessage("marker", text="title:Little Tune")),
        (0, mido.MetaMessage("marker", text="composer:Fixture Maker")),
        (0, mido.MetaMessage("marker", text="section:A")),
        (0, mido.MetaMessage("marker", text="chord:G")),
        (4 * q, mido.MetaMessage("marker", text="chord:C")),
        (8 * q, mido.MetaMessage("marker", text="chord:Em/B")),
        (8 * q, mido.MetaMessage("marker", text="section-end:A")),
        (8 * q, mido.MetaMessage("marker", text="section:B")),
        (12 * q, mido.MetaMessage("marker", text="chord:D7")),
        (14 * q, mido.MetaMessage("marker", text="chord:G")),
        (16 * q, mido.MetaMessage("marker", text="section-end:B")),
    ]
    mid = mido.MidiFile(ticks_per_beat=q)
    mid.tracks.append(_track("Flute", 0, 73, notes, meta))
    mid.save(HERE / "melody_chords.mid")


def changes() -> None:
    """Tempo, meter and key changes: 4/4 C major 120 bpm, then 3/4 Eb minor 90, then 6/8 D major 140."""
    q = 480
    notes = [(60 + i % 12, i * q, q, 80) for i in range(8)]  # two bars of 4/4
    notes += [(63 + i % 7, 8 * q + i * q, q, 80) for i in range(6)]  # two bars of 3/4
    notes += [(62 + i % 5, 14 * q + i * q // 2, q // 2, 80) for i in range(12)]  # two bars of 6/8
    meta = [
        (0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(120))),
        (0, mido.MetaMessage("time_signature", numerator=4, denominator=4)),
        (0, mido.MetaMessage("key_signature", key="C")),
        (8 * q, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(90))),
        (8 * q, mido.MetaMessage("time_signature", numerator=3, denominator=4)),
        (8 * q, mido.MetaMessage("key_signature", key="Ebm")),
        (14 * q, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(140))),
        (14 * q, mido.MetaMessage("time_signature", numerator=6, denominator=8)),
        (14 * q, mido.MetaMessage("key_signature", key="D")),
    ]
    mid = mido.MidiFile(ticks_per_beat=q)
    mid.tracks.append(_track("Piano", 0, 0, notes, meta))
    mid.save(HERE / "changes.mid")


def drums_bass() -> None:
    """Three tracks: piano chords (overlapping notes), fingered bass (program 33), drums on channel 10."""
    q = 480
    chords = []
    for bar, root in enumerate([60, 65, 67, 60]):
        for p in (root, root + 4, root + 7):
            chords.append((p, bar * 4 * q, 4 * q, 70))
        chords.append((root + 14, bar * 4 * q + 2 * q, 3 * q, 75))  # overlaps into the next bar
    bass = [(root - 24, bar * 4 * q + beat * q, q, 100) for bar, root in enumerate([60, 65, 67, 60])
            for beat in range(4)]
    drums = []
    for beat in range(16):
        drums.append((42, beat * q, q // 4, 90))
        drums.append((36 if beat % 2 == 0 else 38, beat * q, q // 4, 110))
    meta = [
        (0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(128))),
        (0, mido.MetaMessage("time_signature", numerator=4, denominator=4)),
        (0, mido.MetaMessage("key_signature", key="C")),
    ]
    mid = mido.MidiFile(ticks_per_beat=q)
    mid.tracks.append(_track("Piano", 0, 0, chords, meta))
    mid.tracks.append(_track("Bass", 1, 33, bass))
    mid.tracks.append(_track("Drums", 9, 0, drums))
    mid.save(HERE / "drums_bass.mid")


def waltz_96ppq() -> None:
    """A 3/4 waltz at 96 ticks per quarter (read back at 480: every tick x5), A minor, 150 bpm."""
    q = 96
    pitches = [69, 72, 76, 74, 72, 71, 69, 64, 69]
    notes = [(p, i * q, q, 85) for i, p in enumerate(pitches)]
    meta = [
        (0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(150))),
        (0, mido.MetaMessage("time_signature", numerator=3, denominator=4)),
        (0, mido.MetaMessage("key_signature", key="Am")),
        (0, mido.MetaMessage("marker", text="chord:Am")),
        (6 * q, mido.MetaMessage("marker", text="chord:E7")),
    ]
    mid = mido.MidiFile(ticks_per_beat=q)
    mid.tracks.append(_track("Accordion", 0, 21, notes, meta))
    mid.save(HERE / "waltz_96ppq.mid")


def two_parts_musicxml() -> None:
    """6/8 in F major at 84 bpm, violin + cello, chord symbols, a tie across the bar line."""
    from music21 import harmony, instrument, key, metadata, meter, note, stream, tempo

    score = stream.Score()
    score.metadata = metadata.Metadata(title="Two Parts", composer="Fixture Maker")
    top = stream.Part()
    top.insert(0, instrument.Violin())
    top.append(tempo.MetronomeMark(number=84))
    top.append(key.Key("F"))
    top.append(meter.TimeSignature("6/8"))
    top.append(harmony.ChordSymbol("F"))
    for p in ("F5", "A5", "C6"):
        top.append(note.Note(p, quarterLength=1.0))
    top.append(harmony.ChordSymbol("C7"))
    tied = note.Note("B-5", quarterLength=3.0)  # crosses into bar 2: music21 splits and ties it
    top.append(tied)
    top.append(harmony.ChordSymbol("Dm"))
    for p in ("A5", "G5"):
        top.append(note.Note(p, quarterLength=1.0))
    top.append(note.Note("F5", quarterLength=3.0))
    bottom = stream.Part()
    bottom.insert(0, instrument.Violoncello())
    bottom.append(key.Key("F"))
    bottom.append(meter.TimeSignature("6/8"))
    for p in ("F2", "C3", "D3", "F2"):
        bottom.append(note.Note(p, quarterLength=3.0))
    score.insert(0, top)
    score.insert(0, bottom)
    score.write("musicxml", fp=HERE / "two_parts.musicxml")


def malformed() -> None:
    (HERE / "empty.mid").write_bytes(b"")
    (HERE / "not-midi.mid").write_bytes(b"This is a text file with a .mid suffix.\n")
    whole = (HERE / "melody_chords.mid").read_bytes()
    (HERE / "truncated.mid").write_bytes(whole[: len(whole) // 2])
    bad = bytearray(whole)
    bad[18:22] = b"\xff\xff\xff\x00"  # track chunk length far beyond the file's end
    (HERE / "bad-chunk-length.mid").write_bytes(bytes(bad))
    xml = (HERE / "two_parts.musicxml").read_bytes()
    (HERE / "truncated.musicxml").write_bytes(xml[: len(xml) // 3])
    (HERE / "not-a-score.xml").write_text('<?xml version="1.0"?>\n<html><body>hello</body></html>\n')
    (HERE / "empty.abc").write_text("")
    (HERE / "bad-header.abc").write_text("X: 1\nT:Music Before The Key\nM:4/4\nCDEF|GABc|\nK:C\n")
    (HERE / "unterminated-chord-symbol.abc").write_text('X: 1\nT:Open Quote\nK:G\n"G GABc|d4|\n')


if __name__ == "__main__":
    melody_chords()
    changes()
    drums_bass()
    waltz_96ppq()
    two_parts_musicxml()
    malformed()
