"""Standard MIDI files (.mid, .midi) read and written with symusic.

Scores are kept at 480 ticks per quarter; files at other resolutions are rescaled on reading.
What MIDI has no event for travels as marker meta events (type 0x06), all at their tick:

    chord:<figure>        a chord symbol, figure exactly as in the Score ("chord:Am7", "chord:C/e")
    section:<label>       a section starts             section-end:<label>   it ends
    title:<text>  composer:<text>  licence:<text>  mood:<text>  tags:<a,b,c>   metadata, at tick 0

Markers without one of these prefixes (written by other programs) are read as section starts;
without a title marker, the name of a note-less first (conductor) track is taken as the title.
Pitch bends (a part's pitch-wheel events, 4096 per semitone at the General MIDI range of +-2)
travel as they are; a part whose last bend leaves the pitch bent gets a reset where its last note
ends, so the next piece on the channel is in tune. Tempos are read rounded to 0.01 bpm (MIDI
stores whole microseconds per quarter), key signatures keep fifths and major/minor, drum tracks
are those on channel 10.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tunesmith.errors import CorruptFileError
from tunesmith.fileutil import write_bytes_atomic
from tunesmith.score import (
    BEND_MAX,
    BEND_MIN,
    DEFAULT_BPM,
    TICKS_PER_QUARTER,
    ChordSymbol,
    KeySignature,
    Metadata,
    Note,
    PitchBend,
    Score,
    Section,
    TempoChange,
    TimeSignature,
    Track,
)

_META_FIELDS = ("title", "composer", "licence", "mood")


def read_midi(path: str | Path) -> Score:
    """Read a MIDI file; raises CorruptFileError when it is not a valid Standard MIDI File."""
    data = Path(path).read_bytes()
    return midi_bytes_to_score(data, path)


def midi_bytes_to_score(data: bytes, path: str | Path = "<bytes>") -> Score:
    import symusic

    if not data.startswith(b"MThd"):
        raise CorruptFileError(path, "not a MIDI file (no MThd header)")
    try:
        raw: Any = symusic.Score.from_midi(data)
        if raw.ticks_per_quarter <= 0:
            raise CorruptFileError(path, f"invalid MIDI resolution {raw.ticks_per_quarter} ticks per quarter")
        if raw.ticks_per_quarter != TICKS_PER_QUARTER:
            raw = raw.resample(TICKS_PER_QUARTER, min_dur=1)
        score = _from_symusic(raw, str(path))
        if not score.metadata.title:
            name = _conductor_track_name(data)
            if name and name not in {t.name for t in score.tracks}:
                score.metadata.title = name  # the usual home of a song title in format-1 files
        return score
    except CorruptFileError:
        raise
    except Exception as err:  # symusic reports every malformation as RuntimeError (some as others)
        message = str(err).split("\n")[0].removeprefix("MiniMidi: ").removesuffix(": iostream error")
        raise CorruptFileError(path, f"corrupt MIDI file ({message or type(err).__name__})") from err


def _conductor_track_name(data: bytes) -> str:
    """Track name at the start of a format-1 file's first track (a note-less conductor track
    is dropped by symusic, and with it the title other programs keep there)."""
    if data[8:10] != b"\x00\x01":
        return ""
    pos = 8 + int.from_bytes(data[4:8], "big")
    if data[pos : pos + 4] != b"MTrk":
        return ""
    body = data[pos + 8 : pos + 8 + int.from_bytes(data[pos + 4 : pos + 8], "big")]
    i = 0
    while i + 3 < len(body) and body[i] == 0 and body[i + 1] == 0xFF:  # meta events at tick 0
        kind, j, length = body[i + 2], i + 3, 0
        while j < len(body) and j < i + 7:  # variable-length quantity, at most 4 bytes
            length = (length << 7) | (body[j] & 0x7F)
            j += 1
            if not body[j - 1] & 0x80:
                break
        if kind == 0x03:
            return body[j : j + length].decode("utf-8", errors="replace").strip()
        i = j + length
    return ""


def _from_symusic(raw: Any, source: str) -> Score:
    score = Score(metadata=Metadata(source=source))
    for t in raw.tracks:
        bends = [PitchBend(int(b.time), int(b.value)) for b in t.pitch_bends
                 if b.time >= 0 and BEND_MIN <= b.value <= BEND_MAX]
        score.tracks.append(Track(str(t.name), int(t.program) if 0 <= t.program <= 127 else 0,
                                  bool(t.is_drum), _notes(t.notes.numpy()),
                                  sorted(bends, key=lambda b: b.tick)))
    tempos: dict[int, float] = {}
    for tempo in raw.tempos:
        bpm = round(float(tempo.qpm), 2)
        if 1.0 <= bpm <= 1000.0 and tempo.time >= 0:
            tempos[int(tempo.time)] = bpm  # a later event at the same tick wins, as in a player
    score.tempos = [TempoChange(t, b) for t, b in sorted(tempos.items())] or [TempoChange(0, DEFAULT_BPM)]
    times: dict[int, TimeSignature] = {}
    for ts in raw.time_signatures:
        if ts.numerator > 0 and ts.denominator in (1, 2, 4, 8, 16, 32) and ts.time >= 0:
            times[int(ts.time)] = TimeSignature(int(ts.time), int(ts.numerator), int(ts.denominator))
    score.time_signatures = [times[t] for t in sorted(times)]
    keys: dict[int, KeySignature] = {}
    for ks in raw.key_signatures:
        if -7 <= ks.key <= 7 and ks.tonality in (0, 1) and ks.time >= 0:
            keys[int(ks.time)] = KeySignature(int(ks.time), int(ks.key), "minor" if ks.tonality else "major")
    score.key_signatures = [keys[t] for t in sorted(keys)]
    _read_markers(score, [(int(m.time), str(m.text)) for m in raw.markers])
    return score


def _notes(arrays: dict[str, Any]) -> list[Note]:
    """Notes from symusic's column arrays, sorted by (start, pitch, duration); filtering and
    sorting happen in numpy because this is the hot loop of reading big files."""
    import numpy as np

    start, duration = arrays["time"].astype(np.int64), arrays["duration"].astype(np.int64)
    pitch, velocity = arrays["pitch"].astype(np.int64), arrays["velocity"].astype(np.int64)
    keep = (pitch >= 0) & (pitch <= 127) & (velocity >= 1) & (velocity <= 127) & (start >= 0)
    start, duration, pitch, velocity = start[keep], np.maximum(duration[keep], 1), pitch[keep], velocity[keep]
    order = np.lexsort((duration, pitch, start))
    return [
        Note(p, s, d, v)
        for s, d, p, v in zip(
            start[order].tolist(), duration[order].tolist(), pitch[order].tolist(), velocity[order].tolist(),
            strict=True,
        )
    ]


def _read_markers(score: Score, markers: list[tuple[int, str]]) -> None:
    open_sections: list[tuple[int, str]] = []
    closed: list[Section] = []
    for tick, text in sorted(markers, key=lambda m: m[0]):
        kind, sep, value = text.partition(":")
        if sep and kind == "chord":
            if value:
                score.chords.append(ChordSymbol(tick, value))
        elif sep and kind == "section":
            open_sections.append((tick, value))
        elif sep and kind == "section-end":
            for i, (start, label) in enumerate(open_sections):
                if label == value:
                    closed.append(Section(start, max(start, tick), label))
                    del open_sections[i]
                    break
        elif sep and kind in _META_FIELDS:
            setattr(score.metadata, kind, value)
        elif sep and kind == "tags":
            score.metadata.style_tags = [tag for tag in value.split(",") if tag]
        elif text.strip():
            open_sections.append((tick, text.strip()))
    # sections without an end marker run to the next section or to the end of the music
    starts = sorted({s for s, _ in open_sections} | {s.start for s in closed})
    end = score.end_tick() if open_sections else 0
    for start, label in open_sections:
        later = [s for s in starts if s > start]
        closed.append(Section(start, later[0] if later else max(end, start), label))
    score.sections = sorted(closed, key=lambda s: s.start)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
DRUM_CHANNEL = 9
"""Channel 10 (index 9): General MIDI's percussion channel."""


def clean_text(text: str) -> str:
    """``text`` without control characters (a NUL in a track name breaks XML and some DAWs)."""
    return _CONTROL.sub("", text)


def _vlq(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _meta(kind: int, payload: bytes) -> bytes:
    return bytes((0xFF, kind)) + _vlq(len(payload)) + payload


def _chunk(events: list[tuple[int, int, bytes]]) -> bytes:
    """An MTrk chunk from (tick, order, event bytes), sorted; order breaks ties (note-offs
    before note-ons at the same tick, so a repeated pitch is not cut short)."""
    body = bytearray()
    now = 0
    for tick, _order, data in sorted(events, key=lambda e: (e[0], e[1])):
        body += _vlq(tick - now) + data
        now = tick
    body += b"\x00\xff\x2f\x00"
    return b"MTrk" + len(body).to_bytes(4, "big") + bytes(body)


def _conductor(score: Score) -> bytes:
    """Track 1 as DAWs expect it: title, then tempo, meter, key and the marker convention."""
    events: list[tuple[int, int, bytes]] = []
    if score.metadata.title:
        events.append((0, 0, _meta(0x03, clean_text(score.metadata.title).encode())))
    for ts in score.time_signatures:
        denominator_power = max(0, ts.denominator.bit_length() - 1)
        payload = bytes((ts.numerator & 0xFF, denominator_power, 24, 8))
        events.append((ts.tick, 1, _meta(0x58, payload)))
    for ks in score.key_signatures:
        payload = bytes((ks.fifths & 0xFF, 1 if ks.mode == "minor" else 0))
        events.append((ks.tick, 1, _meta(0x59, payload)))
    for tc in score.tempos or [TempoChange(0, DEFAULT_BPM)]:
        micros = max(1, min(0xFFFFFF, round(60_000_000 / tc.bpm)))
        events.append((tc.tick, 1, _meta(0x51, micros.to_bytes(3, "big"))))
    markers = [(0, f"{name}:{getattr(score.metadata, name)}") for name in _META_FIELDS]
    markers = [m for m in markers if not m[1].endswith(":")]
    if score.metadata.style_tags:
        markers.append((0, "tags:" + ",".join(score.metadata.style_tags)))
    markers += [(c.tick, f"chord:{c.figure}") for c in score.chords]
    for s in score.sections:
        markers += [(s.start, f"section:{s.label}"), (s.end, f"section-end:{s.label}")]
    for i, (tick, text) in enumerate(sorted(markers, key=lambda m: m[0])):
        events.append((tick, 2 + i, _meta(0x06, clean_text(text).encode())))
    return _chunk(events)


def track_channels(tracks: list[Track]) -> list[int]:
    """Drums on channel 10; other parts on 1-9, 11-16 in turn (shared past 15 parts)."""
    melodic = [c for c in range(16) if c != DRUM_CHANNEL]
    channels, i = [], 0
    for track in tracks:
        if track.is_drum:
            channels.append(DRUM_CHANNEL)
        else:
            channels.append(melodic[i % len(melodic)])
            i += 1
    return channels


def _part(track: Track, channel: int) -> bytes:
    events: list[tuple[int, int, bytes]] = [(0, -2, _meta(0x03, clean_text(track.name).encode()))]
    events.append((0, -1, bytes((0xC0 | channel, track.program & 0x7F))))  # on 10: the drum kit
    for n in track.notes:
        events.append((n.start, 2, bytes((0x90 | channel, n.pitch & 0x7F, n.velocity & 0x7F))))
        events.append((n.end, 0, bytes((0x80 | channel, n.pitch & 0x7F, 0))))
    bends = sorted(track.bends, key=lambda b: b.tick)
    if bends and bends[-1].value != 0:
        end = max((n.end for n in track.notes), default=bends[-1].tick)
        bends.append(PitchBend(max(end, bends[-1].tick), 0))
    for b in bends:  # after the note-offs and before the note-ons of its tick
        raw = max(0, min(16383, b.value + 8192))
        events.append((b.tick, 1, bytes((0xE0 | channel, raw & 0x7F, raw >> 7))))
    return _chunk(events)


def score_to_midi_bytes(score: Score) -> bytes:
    """A format-1 file laid out as DAWs expect: a conductor track first (title, tempo, meter,
    key, markers), then one track per part with its name and program; drums on channel 10."""
    tracks = [_conductor(score)]
    tracks += [_part(t, c) for t, c in zip(score.tracks, track_channels(score.tracks), strict=True)]
    header = b"MThd" + (6).to_bytes(4, "big") + (1).to_bytes(2, "big")
    header += len(tracks).to_bytes(2, "big") + TICKS_PER_QUARTER.to_bytes(2, "big")
    return header + b"".join(tracks)


def write_midi(score: Score, path: str | Path) -> None:
    write_bytes_atomic(path, score_to_midi_bytes(score))
