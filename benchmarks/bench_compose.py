# ruff: noqa: E501  (the report rows are long Markdown table lines; splitting them hurts reading)
"""Compose benchmarks: are the controls obeyed, and how fast and lean is composing?

(a) Control obedience on 100 seeded pieces (10 styles x 10): the detected key (theory.keydetect)
    equals the requested one; tempo and time signature are exact; a given progression is present
    bar for bar; styles differ (instruments, note density, meter); raising valence / arousal moves
    mode, register, tempo, density and loudness the expected way.
    -> benchmarks/results/compose_controls.md
(b) Speed and memory: a 32-bar piece with >= 4 tracks composed symbolically (models loaded);
    compose + render + master to WAV against the piece's duration, next to the bare FluidSynth
    command line on the same MIDI; peak memory of `tunesmith compose` (/usr/bin/time -v).
    -> benchmarks/results/compose_speed.md

Run:  .venv/bin/python benchmarks/bench_compose.py [--controls] [--speed] [--model rnn|rules]
The store and caches go to a temporary TUNESMITH_HOME so the user's library is untouched.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
STYLES = (
    "folk",
    "celtic",
    "chorale",
    "pop",
    "ballad",
    "waltz",
    "march",
    "lullaby",
    "ambient",
    "chinese-folk",
)
KEYS = ("C", "G", "D", "A", "E", "F", "Bb", "Eb", "F#", "B")
# Progressions in the requested mode (a minor progression in a major key would rightly sound minor).
PROGRESSIONS = {
    "major": ("I vi IV V", "C Am F G", "I IV | V I", "G Em C D", "I V vi IV"),
    "minor": ("i iv V i", "Am F C G", "i VI | iv V", "Em C D B7", "i VII VI V"),
}


def _body_chords(piece) -> list[list[str]]:
    """Chord figures per body bar: the one sounding at the bar line, then the changes inside it."""
    bar = piece.plan.bar_ticks
    first, last = piece.plan.intro_bars, piece.plan.intro_bars + piece.plan.body_bars
    changes = sorted((c.tick, c.figure) for c in piece.score.chords)
    out = []
    for b in range(first, last):
        start, end = b * bar, (b + 1) * bar
        sounding = [f for t, f in changes if t <= start][-1:]
        out.append(sounding + [f for t, f in changes if start < t < end])
    return out


def _progression_present(piece, text: str) -> bool:
    from tunesmith.compose.harmony import chord_from_token
    from tunesmith.compose.request import parse_progression
    from tunesmith.theory.chord import parse_chord

    want = [[chord_from_token(t, piece.plan.key)[0] for t in bar] for bar in parse_progression(text)]
    got = _body_chords(piece)
    return all([parse_chord(f) for f in bar] == want[i % len(want)] for i, bar in enumerate(got))


def controls(model: str | None) -> str:
    from tunesmith.compose.api import compose
    from tunesmith.compose.request import ComposeRequest
    from tunesmith.compose.styles import load_style
    from tunesmith.theory.key import Key
    from tunesmith.theory.keydetect import detect_key

    rows = []
    misses = []
    t0 = time.perf_counter()
    for i in range(100):
        style = STYLES[i % 10]
        st = load_style(style)
        meter = st.meters[(i // 10) % len(st.meters)]
        key = KEYS[(i * 7) % 10]
        minor = (i // 10) % 2 == 1
        mode = (
            (st.minor_mode if minor else st.default_mode)
            if style == "chinese-folk"
            else ("minor" if minor else "major")
        )
        prog = PROGRESSIONS["minor" if minor else "major"][(i // 10) % 5] if i % 4 == 0 else None
        if prog and not prog.startswith(("I", "i")):
            key = None  # chord symbols imply their key
        tempo = float(st.tempo[0] + (i * 3) % (st.tempo[1] - st.tempo[0] + 1))
        req = ComposeRequest(
            style=style,
            key=key,
            mode=mode if key else None,
            tempo=tempo,
            meter=meter,
            chords=prog,
            seed=1000 + i,
            candidates=1,
            model=model,
        )
        piece = compose(req)
        want = piece.plan.key if key is None else Key.parse(f"{key} {mode}")
        got = detect_key(piece.score)
        key_ok = got.tonic == want.tonic and got.is_minor == want.is_minor
        if not key_ok:
            misses.append(f"{style} {want.name} (seed {1000 + i}) detected {got.name}")
        pitched = [t for t in piece.score.tracks if not t.is_drum]
        rows.append(
            {
                "style": style,
                "key_ok": key_ok,
                "tempo_ok": piece.score.tempos[0].bpm == tempo,
                "meter_ok": [str(ts) for ts in piece.score.time_signatures] == [meter],
                "prog": prog,
                "prog_ok": _progression_present(piece, prog) if prog else None,
                "programs": tuple(sorted({t.program for t in piece.score.tracks if not t.is_drum})),
                "drums": any(t.is_drum for t in piece.score.tracks),
                "density": len({n.start // 120 for t in pitched for n in t.notes}) / piece.plan.total_bars,
                "meter": meter,
                "source": piece.candidates[0].melody_source,
            }
        )
    elapsed = time.perf_counter() - t0
    n = len(rows)
    key_rate = sum(r["key_ok"] for r in rows) / n
    prog_rows = [r for r in rows if r["prog"]]
    lines = [
        "# Compose: control obedience on 100 seeded pieces",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_compose.py --controls{' --model ' + model if model else ''}`  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs (shared); Python {platform.python_version()}; "
        f"{elapsed:.1f} s for the 100 pieces; melody generator(s): {', '.join(sorted({r['source'] for r in rows}))}.",
        "",
        "Each piece: style cycles through the 10 styles; key, mode (major/minor, gong/yu for chinese-folk), tempo "
        "(inside the style's range) and meter (the style's meters in turn) are requested explicitly; every 4th "
        "piece also gives a progression (Roman numerals, or chord symbols that imply the key).",
        "",
        "| check | result | goal |",
        "|---|---|---|",
        f"| detected key (theory.keydetect) = requested | {key_rate:.0%} ({sum(r['key_ok'] for r in rows)}/{n}) | >= 95% |",
        f"| tempo exact | {sum(r['tempo_ok'] for r in rows)}/{n} | all |",
        f"| time signature exact | {sum(r['meter_ok'] for r in rows)}/{n} | all |",
        f"| progression present bar for bar | {sum(bool(r['prog_ok']) for r in prog_rows)}/{len(prog_rows)} | all |",
        "",
    ]
    if misses:
        lines += ["Key misses: " + "; ".join(misses), ""]
    lines += [
        "## Styles differ",
        "",
        "| style | meters | instruments (GM programs) | drums | sounding 16ths per bar (all pitched tracks) |",
        "|---|---|---|---|---|",
    ]
    for style in STYLES:
        sel = [r for r in rows if r["style"] == style]
        progs = sorted({p for r in sel for p in r["programs"]})
        lines.append(
            f"| {style} | {', '.join(sorted({r['meter'] for r in sel}))} | {progs} | "
            f"{'yes' if sel[0]['drums'] else 'no'} | {statistics.mean(r['density'] for r in sel):.1f} |"
        )
    distinct = len(
        {tuple(sorted({p for r in rows if r["style"] == s for p in r["programs"]})) for s in STYLES}
    )
    lines += ["", f"Distinct instrument sets: {distinct} of {len(STYLES)} styles.", ""]
    lines += directions(model)
    return "\n".join(lines) + "\n"


def directions(model: str | None) -> list[str]:
    from tunesmith.compose.api import compose
    from tunesmith.compose.request import ComposeRequest
    from tunesmith.theory.keydetect import detect_key

    def stats(valence: float, arousal: float) -> dict[str, float]:
        out: dict[str, list[float]] = {
            k: [] for k in ("minor", "detected_minor", "pitch", "tempo", "density", "velocity")
        }
        for j in range(10):
            style = STYLES[j]
            p = compose(
                ComposeRequest(
                    style=style, valence=valence, arousal=arousal, seed=500 + j, candidates=1, model=model
                )
            )
            mel = p.score.tracks[0].notes
            out["minor"].append(float(p.plan.key.is_minor))
            out["detected_minor"].append(float(detect_key(p.score).is_minor))
            out["pitch"].append(statistics.mean(n.pitch for n in mel))
            out["tempo"].append(p.score.tempos[0].bpm)
            out["density"].append(len(mel) / p.plan.body_bars)
            out["velocity"].append(statistics.mean(n.velocity for n in mel))
        return {k: statistics.mean(v) for k, v in out.items()}

    neg, pos = stats(-0.8, 0.0), stats(0.8, 0.0)
    calm, excited = stats(0.2, -0.8), stats(0.2, 0.8)
    ok = lambda b: "yes" if b else "NO"  # noqa: E731
    return [
        "## Mood directions (10 pieces each, one per style, same seeds)",
        "",
        "| change | measure | low | high | moves the expected way |",
        "|---|---|---|---|---|",
        f"| valence -0.8 -> +0.8 | minor-mode share (plan) | {neg['minor']:.0%} | {pos['minor']:.0%} | {ok(pos['minor'] < neg['minor'])} |",
        f"| valence -0.8 -> +0.8 | minor share (detected) | {neg['detected_minor']:.0%} | {pos['detected_minor']:.0%} | "
        f"{ok(pos['detected_minor'] < neg['detected_minor'])} |",
        f"| valence -0.8 -> +0.8 | mean melody pitch (MIDI) | {neg['pitch']:.1f} | {pos['pitch']:.1f} | {ok(pos['pitch'] > neg['pitch'])} |",
        f"| arousal -0.8 -> +0.8 | tempo (bpm) | {calm['tempo']:.1f} | {excited['tempo']:.1f} | {ok(excited['tempo'] > calm['tempo'])} |",
        f"| arousal -0.8 -> +0.8 | melody notes per bar | {calm['density']:.2f} | {excited['density']:.2f} | "
        f"{ok(excited['density'] > calm['density'])} |",
        f"| arousal -0.8 -> +0.8 | mean melody velocity | {calm['velocity']:.1f} | {excited['velocity']:.1f} | "
        f"{ok(excited['velocity'] > calm['velocity'])} |",
        "",
    ]


def speed(model: str | None) -> str:
    import resource

    from tunesmith.compose.api import compose
    from tunesmith.compose.request import ComposeRequest
    from tunesmith.io import save
    from tunesmith.render.piece import write_files
    from tunesmith.render.soundfont import find_soundfont

    req = lambda seed, c=1: ComposeRequest(style="pop", bars=32, seed=seed, candidates=c, model=model)  # noqa: E731
    compose(req(1))  # load the models and warm the caches
    times, cpu = [], []
    for seed in range(2, 7):
        t, c = time.perf_counter(), time.process_time()
        piece = compose(req(seed))
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    times3, cpu3 = [], []
    for seed in range(7, 10):
        t, c = time.perf_counter(), time.process_time()
        compose(req(seed, 3))
        times3.append(time.perf_counter() - t)
        cpu3.append(time.process_time() - c)
    tracks = len(piece.score.tracks)
    bars = piece.plan.total_bars
    work = Path(tempfile.mkdtemp())
    e2e, e2e_cpu, synth_rt = [], [], []
    sf2 = find_soundfont(None)
    for seed in (11, 12, 13):
        out = work / f"p{seed}"
        t, c = time.perf_counter(), time.process_time()
        p = compose(req(seed))
        paths = write_files(p, out, formats=("wav",), record=False)
        wall = time.perf_counter() - t
        e2e.append(p.score.duration_seconds() / wall)
        e2e_cpu.append(p.score.duration_seconds() / (time.process_time() - c))
        midi = out / "bare.mid"
        save(p.score, midi)
        t = time.perf_counter()
        subprocess.run(
            ["fluidsynth", "-ni", "-q", "-r", "44100", "-F", str(out / "bare.wav"), str(sf2), str(midi)],
            check=True,
            capture_output=True,
        )
        synth_rt.append(p.score.duration_seconds() / (time.perf_counter() - t))
        assert paths["wav"].is_file()
    # Peak memory of the whole command, as a user runs it (models, render, master, files).
    cmd = [
        str(ROOT / ".venv/bin/tunesmith"),
        "compose",
        "-o",
        str(work / "cli"),
        "--seed",
        "5",
        "--no-record",
    ]
    if model:
        cmd += ["--model", model]
    res = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, check=True)
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", res.stderr).group(1))
    cli_wall = re.search(r"Elapsed \(wall clock\) time.*: (.+)", res.stderr).group(1)
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shutil.rmtree(work, ignore_errors=True)
    lines = [
        "# Compose: speed and memory",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_compose.py --speed{' --model ' + model if model else ''}`  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs shared with other jobs; Python {platform.python_version()}; "
        f"melody generator: {piece.candidates[0].melody_source}, harmony: {piece.harmony_source}.",
        "",
        "| measure | result | goal |",
        "|---|---|---|",
        f"| 32-bar pop piece ({bars} bars with intro and ending, {tracks} tracks), symbolic, 1 candidate, models loaded "
        f"(median of 5) | {statistics.median(times):.3f} s wall, {statistics.median(cpu):.3f} s CPU | < 1 s |",
        f"| same with 3 candidates ranked (median of 3) | {statistics.median(times3):.3f} s wall, "
        f"{statistics.median(cpu3):.3f} s CPU | |",
        f"| compose + render + mix + master to WAV, real-time factor (median of 3, {piece.score.duration_seconds():.0f} s "
        f"pieces) | {statistics.median(e2e):.1f}x by wall clock, {statistics.median(e2e_cpu):.1f}x by CPU time | >= 30x |",
        f"| bare `fluidsynth -ni -F` on the same MIDI, real-time factor (median of 3) | {statistics.median(synth_rt):.1f}x | |",
        f"| peak RSS of `tunesmith compose -o DIR --seed 5` (/usr/bin/time -v; wall {cli_wall}) | {rss_kb / 1024:.0f} MB "
        f"| < 1 GB |",
        f"| peak RSS of this benchmark process | {self_peak:.0f} MB | |",
        "",
        "The CLI figure includes Python start-up, torch import and model loading, and writes wav, mid, musicxml, "
        "png and json. Wall-clock figures depend on what else runs on the shared 2-core machine (its load average "
        f"was {os.getloadavg()[0]:.1f} at the end of this run); CPU time is this process's own.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--controls", action="store_true")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--model", default=None, help="rnn or rules (default: what a user gets)")
    args = parser.parse_args()
    both = not args.controls and not args.speed
    os.environ["TUNESMITH_HOME"] = tempfile.mkdtemp(prefix="tunesmith-bench-")
    RESULTS.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "src"))
    if args.controls or both:
        text = controls(args.model)
        (RESULTS / "compose_controls.md").write_text(text, encoding="utf-8")
        print(text)
    if args.speed or both:
        text = speed(args.model)
        (RESULTS / "compose_speed.md").write_text(text, encoding="utf-8")
        print(text)


if __name__ == "__main__":
    main()
