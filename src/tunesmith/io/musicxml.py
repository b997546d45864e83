"""MusicXML (.musicxml, .xml, and compressed .mxl) read and written through music21.

Chord symbols are written as <harmony> elements whose <kind text="..."> holds the figure's
kind as written ("m7", "d" for a Nottingham "Cd"), so notation programs show them as in the
source and reading gives the same figure back (a Nottingham lower-case bass, "C/e", is kept
in the kind text rather than as <bass>; an optional chord "(E7)" is written as E7). Notes
whose timing notation cannot express (performance MIDI) are snapped to a fine grid on writing.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path
from typing import Any

from tunesmith.errors import CorruptFileError, OutputError
from tunesmith.fileutil import write_bytes_atomic
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

_GRIDS = (1, 10, 40)
"""Snapping grids (ticks) tried in turn when notation cannot express the exact timing."""


def read_musicxml(path: str | Path) -> Score:
    p = Path(path)
    return musicxml_bytes_to_score(p.read_bytes(), p, compressed=p.suffix.lower() == ".mxl")


def _unzip(data: bytes, path: str | Path) -> bytes:
    """The score document inside an .mxl archive (named by META-INF/container.xml)."""
    import xml.etree.ElementTree as ET

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
    import xml.etree.ElementTree as ET

    from tunesmith.io.m21 import score_from_m21

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


def score_to_musicxml_bytes(score: Score) -> bytes:
    from music21.musicxml.m21ToXml import GeneralObjectExporter
    from music21.musicxml.xmlObjects import MusicXMLExportException

    from tunesmith.io.m21 import score_to_m21

    last: Exception | None = None
    for grid in _GRIDS:
        try:
            data: bytes = GeneralObjectExporter(score_to_m21(score, grid)).parse()
            return data
        except MusicXMLExportException as err:
            last = err
    raise OutputError(f"cannot express this score in MusicXML ({last})")


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


def write_musicxml(score: Score, path: str | Path) -> None:
    """Write .musicxml/.xml (plain) or .mxl (compressed), atomically."""
    p = Path(path)
    data = score_to_musicxml_bytes(score)
    write_bytes_atomic(p, _zip(data) if p.suffix.lower() == ".mxl" else data)


