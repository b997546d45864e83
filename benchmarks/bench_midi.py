"""MIDI read and write speed: tunesmith.io (symusic underneath) against pretty_midi, same files, same run.

Two sets of files are generated into a temporary folder first:
  nottingham  every tune of the bundled Nottingham ABC set as a MIDI file (1,034 small melodies)
  dense       synthetic 8-track files of 100,000 notes each (seeded)

For each set it times, best of --repeat runs:
  read    tunesmith.io.load(path) (file -> Score)    vs  pretty_midi.PrettyMIDI(path)
  write   tunesmith.io.save(score, path) (atomic)     vs  PrettyMIDI.write(path)
and, for reference, symusic's bare parse without building a Score.

Run:  .venv/bin/python benchmarks/bench_midi.py [--repeat 3] [--dense 5]
Writes benchmarks/results/midi_io.json and benchmarks/results/midi_io.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
NOTTINGHAM = Path(__file__).resolve().parent.parent / "src" / "tunesmith" / "data" / "nottingham"


def make_files(folder: Path, dense: int) -> dict[str, list[Path]]:
    from tunesmith.io import save
    from tunesmith.io.abc import read_abc
    from tunesmith.score import Note, Score, TempoChange, TimeSignature, Track

    sets: dict[str, list[Path]] = {"nottingham": [], "dense": []}
    (folder / "nottingham").mkdir()
    (folder / "dense").mkdir()
    for abc in sorted(NOTTINGHAM.glob("*.abc")):
        for i, score in enumerate(read_abc(abc)):
            path = folder / "nottingham" / f"{abc.stem}-{i}.mid"
            save(score, path)
            sets["nottingham"].append(path)
    rng = random.Random(0)
    for f in range(dense):
        tracks = []
        for t in range(8):
            notes = []
            tick = 0
            for _ in range(100_000 // 8):
                tick += rng.choice((0, 60, 120, 240, 480))
                length = rng.choice((60, 120, 240, 480, 960))
                notes.append(Note(rng.randint(30, 96), tick, length, rng.randint(30, 120)))
            tracks.append(Track(f"track {t}", (t * 8) % 128, t == 7, notes))
        score = Score(tracks=tracks, tempos=[TempoChange(0, 120.0)], time_signatures=[TimeSignature(0, 4, 4)])
        path = folder / "dense" / f"dense-{f}.mid"
        save(score, path)
        sets["dense"].append(path)
    return sets


def best_of(repeat: int, job: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_set(paths: list[Path], out: Path, repeat: int) -> dict[str, float]:
    import pretty_midi
    import symusic

    from tunesmith.io import load_one, save

    scores = [load_one(p) for p in paths]
    pms = [pretty_midi.PrettyMIDI(str(p)) for p in paths]
    datas = [p.read_bytes() for p in paths]
    out.mkdir(exist_ok=True)
    targets = [out / f"{i}.mid" for i in range(len(paths))]
    notes = sum(len(t.notes) for s in scores for t in s.tracks)

    def write_tunesmith() -> None:
        for s, p in zip(scores, targets, strict=True):
            save(s, p)

    def write_pretty() -> None:
        for pm, p in zip(pms, targets, strict=True):
            pm.write(str(p))

    result = {
        "files": len(paths),
        "notes": notes,
        "bytes": sum(len(d) for d in datas),
        "read_tunesmith_s": best_of(repeat, lambda: [load_one(p) for p in paths] and None),
        "read_pretty_midi_s": best_of(
            repeat, lambda: [pretty_midi.PrettyMIDI(str(p)) for p in paths] and None
        ),
        "read_symusic_bare_s": best_of(repeat, lambda: [symusic.Score.from_midi(d) for d in datas] and None),
        "write_tunesmith_s": best_of(repeat, write_tunesmith),
        "write_pretty_midi_s": best_of(repeat, write_pretty),
    }
    result["read_speedup"] = result["read_pretty_midi_s"] / result["read_tunesmith_s"]
    result["write_speedup"] = result["write_pretty_midi_s"] / result["write_tunesmith_s"]
    return result


def machine() -> dict[str, str]:
    import pretty_midi
    import symusic

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "load_average_1min_at_start": f"{load[0]:.1f}",
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "symusic": getattr(symusic, "__version__", "?"),
        "pretty_midi": pretty_midi.__version__,
    }


def write_report(results: dict[str, dict[str, float]], info: dict[str, str], command: str) -> None:
    RESULTS.mkdir(exist_ok=True)
    report = {"machine": info, "command": command, "results": results}
    (RESULTS / "midi_io.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        "# MIDI read/write speed: tunesmith.io vs pretty_midi",
        "",
        f"Command: `{command}` (best of the repeats; same files, same run).",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores (shared with other jobs; 1-min load average"
        f" {info['load_average_1min_at_start']} at start), Python {info['python']},"
        f" symusic {info['symusic']}, pretty_midi {info['pretty_midi']}.",
        "",
        "| set | files | notes | read tunesmith | read pretty_midi | read speed-up | symusic bare read |"
        " write tunesmith | write pretty_midi | write speed-up |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {int(r['files'])} | {int(r['notes']):,} | {r['read_tunesmith_s']:.3f} s"
            f" | {r['read_pretty_midi_s']:.3f} s | {r['read_speedup']:.1f}×"
            f" | {r['read_symusic_bare_s']:.3f} s | {r['write_tunesmith_s']:.3f} s"
            f" | {r['write_pretty_midi_s']:.3f} s | {r['write_speedup']:.1f}× |"
        )
    lines += [
        "",
        "tunesmith's read includes building the Score (Python objects for every note, markers decoded);",
        "its write includes the atomic temp-file-and-rename. \"symusic bare read\" is the C++ parse alone.",
        "",
    ]
    (RESULTS / "midi_io.md").write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dense", type=int, default=5, help="number of 100,000-note synthetic files")
    args = parser.parse_args()
    command = "python benchmarks/bench_midi.py " + " ".join(sys.argv[1:])
    info = machine()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sets = make_files(folder, args.dense)
        results = {
            name: bench_set(paths, folder / f"out-{name}", args.repeat) for name, paths in sets.items()
        }
    write_report(results, info, command.strip())
    print((RESULTS / "midi_io.md").read_text())


if __name__ == "__main__":
    main()
