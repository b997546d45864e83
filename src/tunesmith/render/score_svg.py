"""Engraved score pages as SVG, drawn by Verovio from our MusicXML (nothing from the internet).

Verovio's C++ work cannot be interrupted inside this process, so it runs in a child process that
is killed when it passes the time limit: a hostile or huge score stops, it does not hold a worker.
The document size and the number of pages are bounded too; each limit gives a clear OutputError.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tunesmith.errors import OutputError

MAX_MUSICXML_BYTES = 4_000_000
"""Larger MusicXML is not engraved on the page (a few hundred bars of a full arrangement fit)."""
MAX_PAGES = 40
TIME_LIMIT_S = 30.0

_CHILD = r"""
import json, sys
import verovio
verovio.enableLog(verovio.LOG_OFF)
tk = verovio.toolkit()
tk.setOptions({"pageWidth": int(sys.argv[1]), "adjustPageHeight": True, "scale": int(sys.argv[2]),
               "breaks": "auto", "footer": "none", "header": "encoded", "svgViewBox": True})
if not tk.loadData(sys.stdin.read()):
    sys.exit(3)
pages = min(tk.getPageCount(), int(sys.argv[3]))
json.dump({"total": tk.getPageCount(), "pages": [tk.renderToSVG(p) for p in range(1, pages + 1)]}, sys.stdout)
"""


def score_pages(
    musicxml: Path, *, width: int = 2100, scale: int = 40, time_limit_s: float = TIME_LIMIT_S
) -> tuple[list[str], int]:
    """(SVG of each page, up to MAX_PAGES, and the score's full page count) for a MusicXML file."""
    size = musicxml.stat().st_size
    if size > MAX_MUSICXML_BYTES:
        raise OutputError(
            f"the score is too large to engrave on the page ({size // 1000:,} KB of "
            f"MusicXML; at most {MAX_MUSICXML_BYTES // 1000:,} KB): download the MusicXML"
        )
    try:
        run = subprocess.run(
            [sys.executable, "-c", _CHILD, str(width), str(scale), str(MAX_PAGES)],
            input=musicxml.read_text(encoding="utf-8", errors="replace"),
            capture_output=True,
            text=True,
            timeout=time_limit_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise OutputError(f"engraving the score took longer than {time_limit_s:g} s; stopped") from None
    if run.returncode != 0:
        raise OutputError("Verovio could not engrave this score")
    result = json.loads(run.stdout)
    return list(result["pages"]), int(result["total"])
