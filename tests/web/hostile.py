"""Hostile inputs of issue 12, made on the fly (nothing large is committed)."""

from __future__ import annotations

import struct


def _chunk(kind: bytes, data: bytes) -> bytes:
    return kind + struct.pack(">I", len(data)) + data


MIDI_HEADER = _chunk(b"MThd", struct.pack(">HHH", 1, 1, 480))


def many_notes_midi(count: int = 100_000, step: int = 60) -> bytes:
    """``count`` sixteenth-note-spaced notes: 800 KB and 1.7 hours of music for 100,000 notes."""
    from tunesmith.io.midi import score_to_midi_bytes
    from tunesmith.score import Note, Score, TempoChange, Track

    notes = [Note(36 + i % 60, i * step, step, 80) for i in range(count)]
    return score_to_midi_bytes(Score(tracks=[Track("p", 0, False, notes)], tempos=[TempoChange(0, 120)]))


def header_only_midi() -> bytes:
    return MIDI_HEADER


def unended_notes_midi() -> bytes:
    """Eight note-ons and no note-off: no note ever ends."""
    events = b"".join(b"\x00\x90" + bytes([60 + i, 100]) for i in range(8)) + b"\x83\x60\xff\x2f\x00"
    return MIDI_HEADER + _chunk(b"MTrk", events)


def repeat_bomb_abc(bars: int = 20_000) -> bytes:
    """``::`` between every bar: 120 KB of text that plays 40,000 bars (22 hours)."""
    return ("X:1\nT:bomb\nM:4/4\nL:1/4\nK:C\n|:" + "CDEF::" * bars + "CDEF:|\n").encode()


def nested_repeats_abc(blocks: int = 200) -> bytes:
    """~200 KB of repeated sections with endings, each with 1,000 notes: 400,000 played notes."""
    body = "|:" + "c" * 1000 + "|[1 " + "d" * 10 + ":|[2 e|]"
    return ("X:1\nT:nested\nM:4/4\nL:1/16\nK:C\n" + body * blocks + "\n").encode()
