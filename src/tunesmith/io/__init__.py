"""Read and write music files through one Score type; the format follows the file's suffix.

    .mid .midi            read and write (io.midi, symusic)
    .musicxml .xml .mxl   read and write (io.musicxml, music21)
    .abc                  read only; one Score per tune (io.abc); a tune that cannot be read is
                          skipped with a warning on the "tunesmith.io" logger naming tune and line

Every failure is an InputFileError subclass (or OutputError when writing) with a one-line
message naming the file. The format modules (~0.1 s to import, then symusic or music21 when they
run) are imported inside the functions, so `import tunesmith` and `tunesmith --help` stay quick.
"""

from __future__ import annotations

import logging
from pathlib import Path

from tunesmith.errors import (
    CorruptFileError,
    InputFileError,
    OutputError,
    TunesmithError,
    UnsupportedFormatError,
)
from tunesmith.limits import DEFAULT_LIMITS, check_score
from tunesmith.score import Score, validate

READ_SUFFIXES = (".mid", ".midi", ".musicxml", ".xml", ".mxl", ".abc")
WRITE_SUFFIXES = (".mid", ".midi", ".musicxml", ".xml", ".mxl")
MAX_TICKS = 480 * 2 * 3600 * 24
"""Longest piece accepted: a day of music at 120 bpm. Longer means a corrupt length field, and
would make bar-by-bar work on the score (info, tokenising) run for hours."""
_FORMAT_NAMES = {".mid": "MIDI", ".midi": "MIDI", ".musicxml": "MusicXML", ".xml": "MusicXML",
                 ".mxl": "MusicXML", ".abc": "ABC"}


def _suffix(path: Path, allowed: tuple[str, ...], verb: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in allowed:
        shown = f"'{suffix}'" if suffix else "(none)"
        raise UnsupportedFormatError(path, f"cannot {verb} files with suffix {shown}; "
                                           f"tunesmith {verb}s {', '.join(allowed)}")
    return suffix


def load(path: str | Path) -> list[Score]:
    """Every piece in the file: one for MIDI and MusicXML, one per tune for ABC."""
    p = Path(path)
    if not p.exists():
        raise InputFileError(p, "no such file")
    if p.is_dir():
        raise InputFileError(p, "is a folder, not a music file")
    suffix = _suffix(p, READ_SUFFIXES, "read")
    try:
        data = p.read_bytes()
    except OSError as err:
        raise InputFileError(p, f"cannot read ({err.strerror or err})") from err
    return loads(data, suffix, p)


def loads(data: bytes, suffix: str, path: str | Path = "<data>") -> list[Score]:
    """Parse file content ``data`` as the format named by ``suffix`` (".mid", ".abc", ...)."""
    if not data.strip():
        raise CorruptFileError(path, "file is empty")
    scores = _parse(data, suffix, path)
    for score in scores:
        if score.end_tick() > MAX_TICKS:
            hours = score.end_tick() / (480 * 2 * 3600)
            problem = f"implausibly long ({hours:,.0f} hours at 120 bpm): a corrupt length field"
            raise CorruptFileError(path, problem)
        check_score(score, DEFAULT_LIMITS, path)
    return scores


def _parse(data: bytes, suffix: str, path: str | Path) -> list[Score]:
    try:
        if suffix in (".mid", ".midi"):
            from tunesmith.io.midi import midi_bytes_to_score

            return [midi_bytes_to_score(data, path)]
        if suffix in (".musicxml", ".xml", ".mxl"):
            from tunesmith.io.musicxml import musicxml_bytes_to_score

            return [musicxml_bytes_to_score(data, path, compressed=suffix == ".mxl")]
        if suffix == ".abc":
            from tunesmith.io.abc import parse_abc

            return parse_abc(data.decode("utf-8", errors="replace"), path)
    except TunesmithError:
        raise
    except RecursionError as err:
        raise CorruptFileError(path, f"{_FORMAT_NAMES[suffix]} structure nested too deeply") from err
    except Exception as err:  # last line of defence: a reader bug must still name the file
        detail = str(err).split("\n")[0][:200] or type(err).__name__
        raise CorruptFileError(path, f"cannot read {_FORMAT_NAMES[suffix]} ({detail})") from err
    raise UnsupportedFormatError(path, f"cannot read files with suffix '{suffix}'")


def load_one(path: str | Path) -> Score:
    """The first piece in the file."""
    return load(path)[0]


def save(score: Score, path: str | Path) -> int:
    """Write ``score`` atomically in the format named by the suffix of ``path``; returns how many
    notes the file holds. MIDI holds every note; notation cannot show one pitch struck twice at
    the same written onset in a part, so MusicXML may hold fewer, and says so in a warning on the
    "tunesmith.io" logger."""
    p = Path(path)
    suffix = _suffix(p, WRITE_SUFFIXES, "write")
    problems = validate(score)
    if problems:  # the writers would wrap out-of-range bytes silently into a different piece
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise OutputError(f"{p}: cannot write an invalid score: {problems[0]}{more}")
    if suffix in (".mid", ".midi"):
        from tunesmith.io.midi import write_midi

        write_midi(score, p)
        return sum(len(t.notes) for t in score.tracks)
    from tunesmith.io.musicxml import write_musicxml

    written, merged = write_musicxml(score, p)
    if merged:
        logging.getLogger("tunesmith.io").warning(
            "%s: %d of %d notes merged into another (the same pitch struck again at the same "
            "written onset of a part, which notation cannot show)", p, merged, written + merged)
    return written
