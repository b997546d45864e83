"""Listening sessions: do they follow their trajectories, without seams, fast enough?

20 seeded sessions (the four presets and free paths, five seeds each): per feature, the correlation
between intended and measured values across segments (mean over sessions; a feature a session
holds constant has no correlation and is left out of that session's mean); the largest step
between adjacent seconds in short-term loudness and in tempo against the session's whole change;
and the render speed (audio seconds per wall second) next to an ordinary composed piece rendered in
the same run as the baseline.

Usage: .venv/bin/python benchmarks/bench_sessions.py [--minutes 3]
    [--write benchmarks/results/sessions.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from tunesmith.render.export import render_audio
from tunesmith.therapy.report import FEATURES, session_report
from tunesmith.therapy.session import make_session
from tunesmith.therapy.trajectory import trajectory

PATHS = [
    ("relax", None, None, "relax"),
    ("sleep", None, None, "sleep"),
    ("focus", None, None, "focus"),
    ("energise", None, None, "energise"),
    ("sad to content", "sad", "content", None),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    from tunesmith.compose.api import compose
    from tunesmith.compose.request import ComposeRequest

    load_before = os.getloadavg()[0]
    base = compose(ComposeRequest(style="pop", bars=32, seed=1, candidates=1)).score
    t0 = time.perf_counter()
    render_audio(base)
    base_speed = base.duration_seconds() / (time.perf_counter() - t0)
    rows = []
    for name, start, end, preset in PATHS:
        for seed in range(args.seeds):
            path, styles = trajectory(start, end, preset)
            t0 = time.perf_counter()
            session = make_session(path, args.minutes, styles=styles, seed=100 + seed)
            t1 = time.perf_counter()
            rendered = render_audio(session.score)
            t2 = time.perf_counter()
            report = session_report(session, rendered.audio, rendered.sample_rate)
            audio_seconds = rendered.audio.shape[1] / rendered.sample_rate
            rows.append(
                {
                    "path": name,
                    "seed": 100 + seed,
                    "style": session.style,
                    "compose_s": t1 - t0,
                    "render_speed": audio_seconds / (t2 - t1),
                    "audio_s": audio_seconds,
                    "corr": report["correlation"],
                    "seams": report["seams"],
                }
            )
            print(
                name,
                seed,
                session.style,
                f"{audio_seconds / (t2 - t1):.1f}x",
                report["correlation"],
                report["seams"],
                flush=True,
            )
    load_after = os.getloadavg()[0]

    def mean_corr(feature: str) -> tuple[str, int]:
        values = [r["corr"][feature] for r in rows if r["corr"][feature] is not None]
        return (f"{statistics.mean(values):+.2f}" if values else "n/a"), len(values)

    lines = [
        "# Listening sessions: trajectory, seams, speed",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_sessions.py --minutes {args.minutes:g} "
        f"--seeds {args.seeds} "
        "--write benchmarks/results/sessions.md`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
        "load average "
        f"{load_before:.1f} at the start, {load_after:.1f} at the end "
        "(the machine is shared: speeds are lower bounds).",
        "",
        f"{len(rows)} sessions of {args.minutes:g} minutes "
        f"({sum(r['audio_s'] for r in rows) / 60:.0f} minutes of audio).",
        "",
        "## Intended versus measured, per feature",
        "",
        "Correlation across a session's segments between the intended value and the measured one "
        "(tempo, density, register, mode and tension measured on the notes; "
        "loudness and brightness on the audio).",
        "",
        "| feature | mean r | sessions where it moves |",
        "|---|---|---|",
        *[f"| {f} | {mean_corr(f)[0]} | {mean_corr(f)[1]} |" for f in FEATURES],
        "",
        "## Seams: largest step between adjacent seconds",
        "",
        "| path | seed | style | loudness step (dB, 3 s) | loudness change (dB) | tempo step (bpm) | "
        "tempo change (bpm) | render speed |",
        "|---|---|---|---|---|---|---|---|",
        *[
            f"| {r['path']} | {r['seed']} | {r['style']} | {r['seams']['loudness_max_step_db']} | "
            f"{r['seams']['loudness_total_change_db']} | {r['seams']['tempo_max_step_bpm']} | "
            f"{r['seams']['tempo_total_change_bpm']} | {r['render_speed']:.1f}x |"
            for r in rows
        ],
        "",
        "## Speed",
        "",
        "- session render (synth, mix, master): median "
        f"{statistics.median(r['render_speed'] for r in rows):.1f}x "
        f"real time (min {min(r['render_speed'] for r in rows):.1f}x)",
        f"- baseline in the same run, a 32-bar pop piece: {base_speed:.1f}x real time",
        f"- composing a session: median {statistics.median(r['compose_s'] for r in rows):.1f} s "
        f"for {args.minutes:g} minutes",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text)


if __name__ == "__main__":
    main()
