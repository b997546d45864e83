"""Start-up cost of the light paths (tests/test_imports.py LIGHT_PATHS): `tunesmith --help`, the web
app's start-up and composing with rules only, for this tree and a baseline commit in the same run.

Usage:
    .venv/bin/python benchmarks/bench_startup.py --baseline COMMIT [--repeats 10] [--write FILE]

Each case runs in a fresh interpreter (`python -c ...` with PYTHONPATH set to the tree's src/),
baseline and this tree alternating so a change in the machine's load hits both. Reported: the median
wall-clock time and the median CPU time of the child (user + sys, less sensitive to other jobs on
shared cores), and which heavy libraries the case left imported. Goal: `tunesmith --help` < 1 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "numpy", "scipy", "music21", "matplotlib", "sqlalchemy", "fastapi")
CASES = {
    "tunesmith --help": "import sys; sys.argv = ['tunesmith', '--help']\n"
    "from tunesmith.cli.main import main\ntry:\n    main()\nexcept SystemExit:\n    pass",
    "import tunesmith": "import tunesmith",
    "web app start-up (import tunesmith.web.app)": "import tunesmith.web.app",
    "compose with rules only (import tunesmith.compose.api)": "import tunesmith.compose.api",
}
REPORT = "\nimport sys\nprint(','.join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)"


def run(src: Path, code: str) -> tuple[float, float, str]:
    """(wall s, CPU s, heavy modules loaded) of one fresh interpreter running ``code``."""
    env = {**os.environ, "PYTHONPATH": str(src), "TUNESMITH_HOME": tempfile.gettempdir() + "/bench-startup"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code + REPORT.format(heavy=HEAVY)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", required=True, help="git commit to compare with")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(  # the code only: importing needs none of the shipped data
            ["git", "-C", str(ROOT), "archive", args.baseline, "src", ":(exclude)src/tunesmith/data"],
            capture_output=True, check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        trees = {f"baseline {args.baseline[:7]}": Path(tmp) / "src", "this tree": ROOT / "src"}
        rows = []
        for case, code in CASES.items():
            results: dict[str, list[tuple[float, float, str]]] = {name: [] for name in trees}
            for _ in range(args.repeats):
                for name, src in trees.items():
                    results[name].append(run(src, code))
            for name, runs in results.items():
                wall = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[1] for r in runs)
                rows.append(f"| {case} | {name} | {wall:.3f} | {cpu:.3f} | {runs[-1][2] or '-'} |")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    text = "\n".join([
        "# Start-up of the light paths",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_startup.py --baseline {args.baseline} "
        f"--repeats {args.repeats}{f' --write {args.write}' if args.write else ''}`",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, load average at the end {load} "
        "(the 2 cores are shared with other jobs: the CPU column is the steadier one).",
        "",
        "| case | tree | median wall s | median CPU s | heavy libraries loaded |",
        "|---|---|---|---|---|",
        *rows,
        "",
        f"{args.repeats} fresh interpreters per case and tree, alternating. Goal: `tunesmith --help` < 1 s.",
        "",
    ])  # fmt: skip
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
