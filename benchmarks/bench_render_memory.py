"""Peak memory of rendering a piece to WAV, by length and tracks (why audio has a length limit).

    .venv/bin/python benchmarks/bench_render_memory.py SECONDS TRACKS

Renders a synthetic piece (quarter notes at 120 bpm on TRACKS pitched tracks plus a drum track)
with the web app's own conversion function and prints the time and the process's peak RSS.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from tunesmith.score import Note, Score, TempoChange, Track
from tunesmith.web.service import make_file


def main() -> None:
    seconds, count = float(sys.argv[1]), int(sys.argv[2])
    quarters = int(seconds * 2)
    programs = [0, 32, 40, 48, 73, 24, 56, 65][:count]
    tracks = [
        Track(f"t{k}", p, False, [Note(40 + 8 * k + i % 12, i * 480, 480, 80) for i in range(quarters)])
        for k, p in enumerate(programs)
    ]
    tracks.append(
        Track("drums", 0, True, [Note(36 + (i % 3) * 2, i * 240, 120, 90) for i in range(2 * quarters)])
    )
    score = Score(tracks=tracks, tempos=[TempoChange(0, 120)])
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        make_file(score, str(Path(tmp) / "piece.wav"), "wav", None)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    took = time.perf_counter() - started
    print(f"{seconds:g} s, {count} tracks + drums: {took:.1f} s, peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
