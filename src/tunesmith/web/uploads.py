"""Uploads: the format is decided by the bytes, never by the file name the client sent.

MIDI starts with ``MThd``; MusicXML is XML whose root element is ``score-partwise`` or
``score-timewise``; ABC is text with an ``X:`` and a ``K:`` header line. Anything else is refused
before any parser sees it. The upload is parsed from memory (tunesmith.io.loads) with the suffix
chosen here, so no client-given name or path reaches the file system.
"""

from __future__ import annotations

import re

from tunesmith.errors import UnsupportedFormatError

_XML_ROOT = re.compile(rb"<(score-partwise|score-timewise)[\s>]")
_ABC_X = re.compile(r"^X:\s*\d+", re.MULTILINE)
_ABC_K = re.compile(r"^K:", re.MULTILINE)


def sniff(data: bytes) -> str:
    """The suffix for ``data`` ('.mid', '.musicxml', '.abc'); UnsupportedFormatError otherwise."""
    if data[:4] == b"MThd":
        return ".mid"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        # The root element, after any <?xml ...?>, comments and <!DOCTYPE ...>.
        if _XML_ROOT.search(data[:65536]):
            return ".musicxml"
        raise UnsupportedFormatError("upload", "XML but not MusicXML (root must be score-partwise)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsupportedFormatError(
            "upload", "not MIDI, MusicXML or ABC (binary data without a MIDI header)"
        ) from None
    if _ABC_X.search(text) and _ABC_K.search(text):
        return ".abc"
    raise UnsupportedFormatError("upload", "not MIDI, MusicXML or ABC (text without X: and K: lines)")
