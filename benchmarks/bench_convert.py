"""MIDI -> MusicXML conversion over real MIDI files: time per file, notes kept, valid XML.

Usage:
    .venv/bin/python benchmarks/bench_convert.py FOLDER [--baseline-limit 20] [--write OUT.md]

For every .mid/.midi file under FOLDER (files from other projects' test suites: symusic, MidiTok,
pretty_midi), the file is read with tunesmith's MIDI reader and written as MusicXML with the
current writer (io.musicxml_writer). Checked per file: the document parses as XML; the notes it
holds, counted independently from the XML (a note is a pitched or unpitched <note> that is not a
tie's continuation), equal the count the writer reports; written + merged equals the notes read
(merged = same pitch struck again at the same written onset, which the writer reports and the
CLI names in a warning). The baseline is the previous writer (music21's exporter over
io.m21.score_to_m21, the path issue 12 measured), run in a child process that is killed after
--baseline-limit seconds so a slow file really stops.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tunesmith.errors import TunesmithError  # noqa: E402
from tunesmith.io import load_one  # noqa: E402
from tunesmith.io.musicxml import write_report  # noqa: E402

_TIE_STOP = re.compile(rb'<tie type="stop"/>')


def counted_notes(document: bytes) -> int:
    """Notes in a MusicXML document: pitched or unpitched <note>s that do not continue a tie."""
    root = ET.fromstring(document)
    count = 0
    for note in root.iter("note"):
        if note.find("rest") is not None:
            continue
        if any(t.get("type") == "stop" for t in note.findall("tie")):
            continue
        count += 1
    return count


def _baseline(path: str, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    from tunesmith.io.m21 import score_to_m21

    score = load_one(path)
    start = time.perf_counter()
    GeneralObjectExporter(score_to_m21(score, 10)).parse()
    queue.put(time.perf_counter() - start)


def baseline_seconds(path: Path, limit: float) -> float | None:
    """Seconds the old music21 path took, None when it ran past ``limit`` (then it is killed)."""
    queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    child = mp.Process(target=_baseline, args=(str(path), queue))
    child.start()
    child.join(limit)
    if child.is_alive():
        child.kill()
        child.join()
        return None
    return queue.get() if not queue.empty() else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--baseline-limit", type=float, default=20.0)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    files = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in (".mid", ".midi"))
    rows = []
    for path in files:
        try:
            score = load_one(path)
        except TunesmithError as err:
            rows.append((path.name, "unreadable", str(err)[:80]))
            continue
        notes_in = sum(len(t.notes) for t in score.tracks)
        start = time.perf_counter()
        try:
            data, written, merged = write_report(score)
            seconds = time.perf_counter() - start
            counted = counted_notes(data)
            ok = counted == written and written + merged == notes_in
            result = (seconds, notes_in, written, merged, counted, ok)
        except TunesmithError as err:
            result = (time.perf_counter() - start, notes_in, 0, 0, 0, False)
            print(f"{path.name}: {err}", file=sys.stderr)
        base = None if args.no_baseline else baseline_seconds(path, args.baseline_limit)
        rows.append((path.name, result, base))
        print(path.name, result, base, flush=True)
    report = render(rows, args)
    print(report)
    if args.write:
        args.write.write_text(report)


def render(rows: list, args: argparse.Namespace) -> str:  # type: ignore[type-arg]
    done = [r for r in rows if r[1] != "unreadable"]
    times = [r[1][0] for r in done]
    lines = [
        "# MIDI -> MusicXML conversion",
        "",
        f"Command: `nice -n 10 .venv/bin/python benchmarks/bench_convert.py {args.folder}"
        + (" --no-baseline" if args.no_baseline else f" --baseline-limit {args.baseline_limit:g}")
        + (f" --write {args.write}`" if args.write else "`"),
        "",
        f"{len(rows)} files, {len(done)} readable. Writer: io.musicxml_writer; baseline: music21's exporter "
        "over io.m21.score_to_m21 (the writer before this change), killed after "
        f"{args.baseline_limit:g} s.",
        "",
        f"- new writer: median {statistics.median(times):.3f} s, max {max(times):.2f} s, "
        f"files over 5 s: {sum(t > 5 for t in times)}",
        f"- every document valid XML and written count = count in the XML = notes read - merged: "
        f"{sum(r[1][5] for r in done)} of {len(done)}",
        f"- notes read {sum(r[1][1] for r in done)}, written {sum(r[1][2] for r in done)}, "
        f"merged (named in a warning) {sum(r[1][3] for r in done)}",
    ]
    if not args.no_baseline:
        base = [r[2] for r in done]
        finished = [b for b in base if b is not None]
        lines.append(
            f"- baseline: median {statistics.median(finished) if finished else float('nan'):.2f} s of the "
            f"{len(finished)} that finished; over 5 s: {sum(b is None or b > 5 for b in base)}; "
            f"killed at the {args.baseline_limit:g} s limit: {sum(b is None for b in base)}"
        )
    lines += [
        "",
        "| file | notes read | written | merged | in XML | new s | baseline s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r[1] == "unreadable":
            lines.append(f"| {r[0]} | unreadable: {r[2]} | | | | | |")
            continue
        seconds, notes_in, written, merged, counted, _ = r[1]
        base = "" if args.no_baseline else ("> limit" if r[2] is None else f"{r[2]:.2f}")
        lines.append(f"| {r[0]} | {notes_in} | {written} | {merged} | {counted} | {seconds:.3f} | {base} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
