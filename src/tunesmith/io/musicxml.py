"""MusicXML (.musicxml, .xml, and compressed .mxl): read through music21, written by
io.musicxml_writer (engraving-ready notation, see io.engrave; drums as unpitched percussion,
read back to their General MIDI keys).

Chord symbols are written as <harmony> elements whose <kind text="..."> holds the figure's
kind as written ("m7", "d" for a Nottingham "Cd"), so notation programs show them as in the
source and reading gives the same figure back (a Nottingham lower-case bass, "C/e", is kept
in the kind text rather than as <bass>; an optional chord "(E7)" is written as E7). Performance
timing is written on the notation grid (io.engrave); MIDI keeps it.
"""

from __future__ import annotations

import io
import warnings
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

from tunesmith.errors import CorruptFileError
from tunesmith.fileutil import write_bytes_atomic
from tunesmith.io.m21 import score_from_m21
from tunesmith.io.musicxml_writer import score_to_musicxml
from tunesmith.score import Score

MAX_UNZIPPED_BYTES = 200_000_000
"""An .mxl whose score unpacks to more than this is refused (a zip bomb, not a score)."""

_LIMITS: dict[str, tuple[float, float]] = {
    # music21 builds a list as long as <beats> (2**31 beats -> MemoryError); others keep the
    # music inside what a score can mean, so a corrupt number fails here with a clear message
    "beats": (1, 64), "beat-type": (1, 64), "divisions": (1, 1_000_000),
    "duration": (0, 100_000_000), "octave": (-1, 10), "alter": (-3, 3), "fifths": (-14, 14),
    "staves": (1, 16), "lines": (0, 16), "multiple-rest": (1, 10_000),
    "actual-notes": (1, 1000), "normal-notes": (1, 1000), "per-minute": (0, 10_000),
}

def read_musicxml(path: str | Path) -> Score:
    p = Path(path)
    return musicxml_bytes_to_score(p.read_bytes(), p, compressed=p.suffix.lower() == ".mxl")


def _unzip(data: bytes, path: str | Path) -> bytes:
    """The score document inside an .mxl archive (named by META-INF/container.xml)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = [n for n in archive.namelist() if not n.startswith("META-INF/")]
        target = None
        if "META-INF/container.xml" in archive.namelist():
            container = ET.fromstring(archive.read("META-INF/container.xml"))
            roots = [el.get("full-path") for el in container.iter() if el.tag.endswith("rootfile")]
            target = next((r for r in roots if r), None)
        if target is None:
            target = next((n for n in names if n.lower().endswith((".xml", ".musicxml"))), None)
        if target is None:
            raise CorruptFileError(path, "the .mxl archive holds no MusicXML score")
        if archive.getinfo(target).file_size > MAX_UNZIPPED_BYTES:
            raise CorruptFileError(path, "the .mxl archive's score is implausibly large")
        return archive.read(target)
    except (zipfile.BadZipFile, KeyError, ET.ParseError, EOFError, ValueError) as err:
        raise CorruptFileError(path, f"not a valid .mxl archive ({err})") from err


def musicxml_bytes_to_score(data: bytes, path: str | Path = "<musicxml>", compressed: bool = False) -> Score:
    """Parse MusicXML; raises CorruptFileError for anything that is not a readable score."""
    if compressed or data.startswith(b"PK\x03\x04"):
        data = _unzip(data, path)
    head = data[:4096]
    if b"<score-partwise" not in data and b"<score-timewise" not in data:
        kind = "an XML file, but not a MusicXML score" if b"<" in head else "not a MusicXML file"
        raise CorruptFileError(path, kind)
    try:
        root = ET.fromstring(data)  # a clear message for broken XML before music21 sees it
    except ET.ParseError as err:
        raise CorruptFileError(path, f"malformed XML ({err})") from err
    _check_limits(root, path)
    if b"<unpitched" in data:
        data = _pitch_unpitched(root)
    from music21 import converter

    try:
        utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
        text = data.decode("utf-16" if utf16 else "utf-8", errors="replace")
        with warnings.catch_warnings():  # music21 warns about every oddity it repairs; not ours to show
            warnings.simplefilter("ignore")
            stream = converter.parseData(text, format="musicxml")
        score = score_from_m21(stream, str(path))
    except CorruptFileError:
        raise
    except Exception as err:  # music21 raises a wide variety of types for invalid scores
        detail = str(err).split("\n")[0][:200] or type(err).__name__
        raise CorruptFileError(path, f"invalid MusicXML score ({detail})") from err
    return score


def _pitch_unpitched(root: Any) -> bytes:
    """The document with each unpitched note that names its instrument given that instrument's
    General MIDI key as pitch (music21 keeps only a staff position, which several drums share)."""
    keys: dict[str, int] = {}
    for inst in root.iter("midi-instrument"):
        unpitched = inst.find("midi-unpitched")
        if unpitched is not None and (unpitched.text or "").strip().isdigit():
            keys[inst.get("id", "")] = int((unpitched.text or "").strip()) - 1
    names = ("C", "C", "D", "D", "E", "F", "F", "G", "G", "A", "A", "B")
    for note in root.iter("note"):
        unpitched, inst = note.find("unpitched"), note.find("instrument")
        key = keys.get(inst.get("id", "")) if inst is not None else None
        if unpitched is None or key is None or not 0 <= key <= 127:
            continue
        index = list(note).index(unpitched)
        note.remove(unpitched)
        pitch = ET.Element("pitch")
        ET.SubElement(pitch, "step").text = names[key % 12]
        if names[key % 12] == names[(key - 1) % 12] and key % 12:
            ET.SubElement(pitch, "alter").text = "1"
        ET.SubElement(pitch, "octave").text = str(key // 12 - 1)
        note.insert(index, pitch)
    data: bytes = ET.tostring(root, encoding="utf-8")
    return data


def _check_limits(root: Any, path: str | Path) -> None:
    for el in root.iter():
        limits = _LIMITS.get(el.tag)
        if limits is None:
            continue
        text = (el.text or "").strip()
        try:
            value = sum(float(part) for part in text.split("+")) if text else 0.0
        except ValueError:
            if el.tag == "per-minute":
                continue  # free text such as "c. 60" is allowed there
            raise CorruptFileError(path, f"<{el.tag}> holds '{text[:20]}', not a number") from None
        if not limits[0] <= value <= limits[1]:
            raise CorruptFileError(path, f"<{el.tag}> value {text[:20]} is out of range")


TIME_LIMIT_S = 60.0
"""Writing stops with OutputError after this long (a hostile score must not hold a worker)."""


def score_to_musicxml_bytes(score: Score, time_limit_s: float = TIME_LIMIT_S) -> bytes:
    return write_report(score, time_limit_s)[0]


def write_report(score: Score, time_limit_s: float = TIME_LIMIT_S) -> tuple[bytes, int, int]:
    """(document, notes written, notes merged into another note) of ``score`` as MusicXML."""
    return score_to_musicxml(score, time_limit_s)


def _zip(document: bytes) -> bytes:
    container = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<container><rootfiles>'
        b'<rootfile full-path="score.musicxml" media-type="application/vnd.recordare.musicxml+xml"/>'
        b"</rootfiles></container>\n"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        mimetype = b"application/vnd.recordare.musicxml"
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, zipfile.ZIP_STORED)
        archive.writestr("META-INF/container.xml", container)
        archive.writestr("score.musicxml", document)
    return buffer.getvalue()


def write_musicxml(score: Score, path: str | Path) -> tuple[int, int]:
    """Write .musicxml/.xml (plain) or .mxl (compressed), atomically; returns (notes written,
    notes merged into another because notation cannot show them apart)."""
    p = Path(path)
    data, written, merged = write_report(score)
    write_bytes_atomic(p, _zip(data) if p.suffix.lower() == ".mxl" else data)
    return written, merged


