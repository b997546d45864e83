"""Render + mix + master speed (× real time) next to the bare FluidSynth command on the same MIDI.

Usage:
    .venv/bin/python benchmarks/bench_render.py [--midi FILE] [--repeats 3] [--write FILE.md]

Without --midi the piece is a fixed 32-bar, 5-track arrangement (melody, bass, piano chords, string
pad, drums; 4/4 at 110 bpm, ~70 s) built here, so the numbers do not move when the composer changes.
Each repeat times, in one process with the SoundFont already loaded (as the composer runs):
synthesis of the stems, the mix, mastering to -14 LUFS / -1 dBTP, and writing a 16-bit WAV.
The reference is `fluidsynth -ni -R 0 -C 0 -r 44100 -F out.wav SF2 piece.mid` (one synthesizer for all
tracks, no effects, no mastering) on the same MIDI file in the same run. Wall-clock and CPU seconds are
both reported: the machine is shared, and CPU time is the steadier of the two under load.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tunesmith import io  # noqa: E402
from tunesmith.render.export import render_audio, write_audio  # noqa: E402
from tunesmith.render.soundfont import find_soundfont  # noqa: E402
from tunesmith.render.synth import get_renderer, render_threads  # noqa: E402
from tunesmith.score import (  # noqa: E402
    ChordSymbol,
    Metadata,
    Note,
    Score,
    TempoChange,
    TimeSignature,
    Track,
)


def bench_piece(bars: int = 32, bpm: float = 110.0, seed: int = 7) -> Score:
    """A 5-track pop-style arrangement over I-vi-IV-V with some melodic and rhythmic variety."""
    rng = random.Random(seed)
    bar = 1920
    melody, bass = Track("melody", 73), Track("bass", 33)
    chords, pad, drums = Track("piano chords", 0), Track("string pad", 48), Track("drums", 0, True)
    progression = [(60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62)]
    scale = [0, 2, 4, 5, 7, 9, 11, 12, 14, 16]
    for b in range(bars):
        start, triad = b * bar, progression[b % 4]
        t = 0
        while t < bar:
            length = rng.choice([240, 480, 480, 720, 960])
            length = min(length, bar - t)
            pitch = 72 + rng.choice(scale) - (12 if rng.random() < 0.2 else 0)
            melody.notes.append(Note(pitch, start + t, length - 20, rng.randint(80, 105)))
            t += length
        for q in range(4):
            bass.notes.append(Note(triad[0] - 24 + (7 if q == 2 else 0), start + q * 480, 440, 95))
            for p in triad:
                chords.notes.append(Note(p, start + q * 480 + 240, 200, 65))
            for e in range(2):
                drums.notes.append(Note(42, start + q * 480 + e * 240, 100, 60 + 15 * (e == 0)))
            drums.notes.append(Note(36 if q % 2 == 0 else 38, start + q * 480, 120, 100))
        pad.notes += [Note(p - 12, start, bar - 10, 55) for p in triad]
    return Score(
        tracks=[melody, bass, chords, pad, drums],
        tempos=[TempoChange(0, bpm)],
        time_signatures=[TimeSignature(0, 4, 4)],
        chords=[ChordSymbol(b * bar, ["C", "Am", "F", "G"][b % 4]) for b in range(bars)],
        metadata=Metadata(title="render benchmark"),
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bare_fluidsynth(soundfont: Path, midi: Path, out: Path, dynamic: bool = False) -> tuple[float, float]:
    """(wall, cpu) seconds of the fluidsynth command rendering ``midi`` to a WAV file.

    ``dynamic`` loads only the samples the piece uses (as tunesmith does), instead of the whole font."""
    exe = shutil.which("fluidsynth")
    if exe is None:
        raise SystemExit("the fluidsynth command is not installed (sudo apt-get install fluidsynth)")
    extra = ["-o", "synth.dynamic-sample-loading=1"] if dynamic else []
    cmd = [exe, "-ni", "-q", "-R", "0", "-C", "0", "-r", "44100", *extra, "-F", str(out)]
    cmd += [str(soundfont), str(midi)]
    cpu0, t0 = _children_cpu(), time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, _children_cpu() - cpu0


def ours(score: Score, out: Path) -> dict[str, float]:
    cpu0, t0 = time.process_time(), time.perf_counter()
    rendered = render_audio(score)
    t1 = time.perf_counter()
    write_audio(out, rendered.audio, rendered.sample_rate, bit_depth=16)
    timings = dict(rendered.timings)
    timings["write"] = time.perf_counter() - t1
    timings["wall"] = time.perf_counter() - t0
    timings["cpu"] = time.process_time() - cpu0
    timings["lufs"] = rendered.report.integrated_lufs
    timings["tp"] = rendered.report.true_peak_dbtp
    return timings


def cpu_by_stage(score: Score, out: Path) -> dict[str, float]:
    """CPU seconds of each stage run on its own, one thread (so each second is attributed)."""
    from tunesmith.render.master import master
    from tunesmith.render.mix import mix_stems
    from tunesmith.render.synth import render_stems

    marks = [time.process_time()]
    stems = render_stems(score, threads=1)
    marks.append(time.process_time())
    mixed = mix_stems(stems, keep_stems=False)
    del stems
    marks.append(time.process_time())
    audio, _ = master(mixed.audio, mixed.sample_rate)
    marks.append(time.process_time())
    write_audio(out, audio, mixed.sample_rate, bit_depth=16)
    marks.append(time.process_time())
    return {k: b - a for k, a, b in zip(("synth", "mix", "master", "write"), marks, marks[1:], strict=False)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--midi", type=Path, help="render this MIDI file instead of the built-in piece")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", type=Path, help="write a Markdown results file here")
    args = parser.parse_args()

    soundfont = find_soundfont()
    with tempfile.TemporaryDirectory() as tmp:
        midi = Path(tmp) / "piece.mid"
        if args.midi:
            shutil.copy(args.midi, midi)
        else:
            io.save(bench_piece(), midi)
        score = io.load_one(midi)  # both sides render exactly what is in the MIDI file
        duration = score.duration_seconds()
        t0 = time.perf_counter()
        get_renderer(soundfont)
        load_s = time.perf_counter() - t0
        render_audio(bench_piece(bars=1))  # warm-up: imports (scipy, pedalboard, pyloudnorm), caches
        threads = render_threads()
        runs, bare, bare_dyn = [], [], []
        for _ in range(args.repeats):
            bare.append(bare_fluidsynth(soundfont, midi, Path(tmp) / "bare.wav"))
            bare_dyn.append(bare_fluidsynth(soundfont, midi, Path(tmp) / "bare.wav", dynamic=True))
            runs.append(ours(score, Path(tmp) / "ours.wav"))
        os.environ["TUNESMITH_RENDER_THREADS"] = "1"
        stages = [cpu_by_stage(score, Path(tmp) / "stages.wav") for _ in range(args.repeats)]

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    bare_wall = statistics.median(b[0] for b in bare)
    bare_cpu = statistics.median(b[1] for b in bare)
    dyn_wall = statistics.median(b[0] for b in bare_dyn)
    dyn_cpu = statistics.median(b[1] for b in bare_dyn)
    tracks = len(score.tracks)
    lines = [
        "# Render speed: synthesis + mix + master + WAV, next to bare FluidSynth",
        "",
        f"Piece: {'`' + str(args.midi) + '`' if args.midi else 'built-in 32-bar arrangement'}, "
        f"{tracks} tracks, {score.bar_count()} bars, {duration:.1f} s of music. "
        f"SoundFont `{soundfont}` (load: {load_s:.2f} s, once per process).",
        f"Median of {args.repeats} runs; machine: {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the end (a shared machine: CPU seconds are the steadier figure).",
        "",
        "| pipeline | wall s | × real time (wall) | CPU s | × real time (CPU) |",
        "|---|---:|---:|---:|---:|",
        f"| bare `fluidsynth -F` (one synth, all tracks, no effects, no mastering) | {bare_wall:.2f} | "
        f"{duration / bare_wall:.0f}× | {bare_cpu:.2f} | {duration / bare_cpu:.0f}× |",
        f"| the same, `-o synth.dynamic-sample-loading=1` (loads only the samples used) | {dyn_wall:.2f} | "
        f"{duration / dyn_wall:.0f}× | {dyn_cpu:.2f} | {duration / dyn_cpu:.0f}× |",
        f"| tunesmith: stems + mix + master to -14 LUFS / -1 dBTP + 16-bit WAV | {med('wall'):.2f} | "
        f"{duration / med('wall'):.0f}× | {med('cpu'):.2f} | {duration / med('cpu'):.0f}× |",
        "",
        "Stages (median wall seconds): "
        + ", ".join(f"{k} {med(k):.2f}" for k in ("synth_mix", "master", "write"))
        + f". Synthesis and per-track effects run on {threads} threads "
        "(`TUNESMITH_RENDER_THREADS`); the bare command uses one.",
        "CPU seconds by stage (each run alone on one thread): "
        + ", ".join(f"{k} {statistics.median(st[k] for st in stages):.2f}" for k in stages[0])
        + ".",
        f"Result: {med('lufs'):.2f} LUFS integrated, true peak {med('tp'):.2f} dBTP.",
        f"Cost next to the bare synthesizer: {med('cpu') / dyn_cpu:.1f}× its CPU seconds (stems, per-track "
        "EQ/compression, reverb bus, loudness and true-peak mastering, dithered WAV included).",
        "",
        "Command:",
        "",
        "    .venv/bin/python benchmarks/bench_render.py --write benchmarks/results/render.md"
        + (f" --midi {args.midi}" if args.midi else ""),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
