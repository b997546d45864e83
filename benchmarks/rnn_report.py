"""Report on the shipped RNN checkpoints: training history, data sizes, and what the models do.

Usage:
    .venv/bin/python benchmarks/rnn_report.py [--samples 100] [--write benchmarks/results/rnn.md]

Reads src/tunesmith/data/checkpoints/melody.pt and chords.pt (their stored history, dataset sizes
and training commands), then measures:

- chord model, cadence rate (share of 4-bar phrase ends closing on V/IV -> I or on V): the
  held-out Nottingham tunes, the model sampling freely (cadences='none') and with the cadence masks
  (cadences='alternate'), for 16-bar progressions in 4/4, 3/4, 6/8 and 2/4, major and minor;
- melody model, on the validation tunes: per-step accuracy and loss (from the checkpoint), and for
  generated melodies over those tunes' chords the share of strong-beat notes that are chord tones,
  next to the same share in the tunes themselves and in random melodies with the same rhythm.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from tunesmith.models.rnn import api  # noqa: E402
from tunesmith.models.rnn.chords import cadence_rate  # noqa: E402
from tunesmith.models.rnn.data import chord_beats, is_validation  # noqa: E402
from tunesmith.score import ChordSymbol, Note, Score  # noqa: E402
from tunesmith.theory.chord import parse_chord  # noqa: E402
from tunesmith.theory.key import Key  # noqa: E402
from tunesmith.theory.melodyline import melody_track, top_line  # noqa: E402
from tunesmith.tokens import chords as ct  # noqa: E402
from tunesmith.tokens import melody as mt  # noqa: E402

COMMANDS = {
    "melody": ".venv/bin/tunesmith train melody --corpus nottingham --epochs 40 --max-minutes 30 "
    "--patience 4 --out src/tunesmith/data/checkpoints/melody.pt "
    "--plot benchmarks/results/rnn_melody_loss.png --no-progress` (stopped by its time budget after "
    "epoch 11), then `.venv/bin/tunesmith train melody --corpus nottingham --resume --epochs 18 "
    "--max-minutes 18 --patience 4 --out src/tunesmith/data/checkpoints/melody.pt "
    "--plot benchmarks/results/rnn_melody_loss.png --no-progress` (resumed at epoch 12; the cosine "
    "learning-rate schedule now decays over 18 epochs)",
    "chords": ".venv/bin/tunesmith train chords --corpus nottingham --epochs 40 --max-minutes 12 "
    "--patience 5 --out src/tunesmith/data/checkpoints/chords.pt "
    "--plot benchmarks/results/rnn_chords_loss.png --no-progress",
}


def best_accuracy(ckpt: dict) -> float:
    return next(h["val_accuracy"] for h in ckpt["history"] if h["epoch"] == ckpt["epoch"])


def history_table(ckpt: dict) -> list[str]:
    rows = ["| epoch | train loss | val loss | val accuracy | tokens/s |", "|---|---|---|---|---|"]
    for h in ckpt["history"]:
        rows.append(f"| {int(h['epoch'])} | {h['train_loss']:.4f} | {h['val_loss']:.4f} | "
                    f"{h['val_accuracy']:.3f} | {h['tokens_per_second']:,.0f} |")
    return rows


def strong_beat_chord_tone_share(notes: list[Note], chords: list, meter: str) -> float:
    """Share of notes starting on a beat whose pitch class belongs to the chord sounding then."""
    beat = ct.STEPS_PER_BEAT[meter] * ct.STEP_TICKS
    ordered = sorted(chords, key=lambda c: c.tick)
    ticks = [c.tick for c in ordered]
    hits = total = 0
    for n in notes:
        if n.start % beat:
            continue
        i = int(np.searchsorted(ticks, n.start, side="right")) - 1
        if i < 0 or ordered[i].figure in ("N.C.", ""):
            continue
        total += 1
        hits += n.pitch % 12 in parse_chord(ordered[i].figure).pitch_classes()
    return hits / total if total else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--write", type=Path)
    parser.add_argument("--melody", type=Path, help="melody checkpoint (default: shipped)")
    parser.add_argument("--chords", type=Path, help="chord checkpoint (default: shipped)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    from tunesmith.corpus.load import load_corpus

    corpus: list[Score] = list(load_corpus(["nottingham"]))
    val = [s for i, s in enumerate(corpus) if is_validation(s, i)]
    melody = api.load_melody_model(args.melody)
    chords = api.load_chord_model(args.chords)
    ck_m = torch.load(melody.path, weights_only=False)
    ck_c = torch.load(chords.path, weights_only=False)

    # ----- cadences ---------------------------------------------------------------------------
    corpus_rates = []
    for tune in val:
        try:
            tokens, _, seq = chord_beats(tune)
        except Exception:
            continue
        rate = cadence_rate(tokens, ct.METERS[seq["meter"]], mt.MODES[seq["mode"]])
        if np.isfinite(rate):
            corpus_rates.append(rate)
    free, masked = [], []
    seeds = range(max(1, args.samples // 8))
    for meter in ct.METERS:
        for mode in mt.MODES:
            for seed in seeds:
                for plan, out in (("none", free), ("alternate", masked)):
                    prog = api.generate_chords("folk", mode, meter, 16, seed, cadences=plan, model=chords)
                    symbols, tick = [], 0
                    for figure, duration in prog:
                        symbols.append(ChordSymbol(tick, figure))
                        tick += duration
                    beats = 16 * ct.BEATS_PER_BAR[meter]
                    tokens = ct.beat_tokens(symbols, Key(0, mode), meter, 0, beats)
                    out.append(cadence_rate(tokens, meter, mode))

    # ----- melodies over held-out chords ------------------------------------------------------
    real, generated, random_ = [], [], []
    lls_gen, lls_real = [], []
    rng = np.random.default_rng(0)
    used = 0
    for tune in val:
        if used >= args.samples:
            break
        try:
            meter = mt.score_meter(tune)
            key = mt.score_key(tune)
        except Exception:
            continue
        origin = mt.bar_origin(tune)
        bar = ct.STEPS_PER_BAR[meter] * ct.STEP_TICKS
        if not tune.chords or origin >= bar:
            continue
        # 8 bars from the first full bar, shifted to start at tick 0
        start, end = origin, origin + 8 * bar
        line = [Note(n.pitch, n.start - start, n.duration)
                for n in top_line(melody_track(tune).notes, cut=True) if start <= n.start < end]
        chords_ = [ChordSymbol(max(0, c.tick - start), c.figure) for c in tune.chords if c.tick < end]
        if len(line) < 8:
            continue
        used += 1
        style = mt.style_of(tune.metadata)
        gen = api.generate_melody(chords_, key, meter, 8, style, seed=used, model=melody)
        real.append(strong_beat_chord_tone_share(line, chords_, meter))
        generated.append(strong_beat_chord_tone_share(gen.notes, chords_, meter))
        low, high = min(n.pitch for n in line), max(n.pitch for n in line)
        noise = [Note(int(rng.integers(low, high + 1)), n.start, n.duration) for n in line]
        random_.append(strong_beat_chord_tone_share(noise, chords_, meter))
        lls_gen.append(gen.log_likelihood)
        lls_real.append(api.melody_log_likelihood(line, chords_, key, meter, style, model=melody))

    def mean(xs: list[float]) -> str:
        a = np.array([x for x in xs if np.isfinite(x)])
        return f"{a.mean():.3f}" if len(a) else "n/a"

    data_m, data_c = ck_m["data"], ck_c["data"]
    lines = [
        "# RNN models: training and quality",
        "",
        "Both models train on the Nottingham tunes of the built-in corpus (the collection with",
        "chord symbols), key-normalised (tonic -> C, one frame for melody and chords). Pieces in",
        "meters other than 4/4, 3/4, 6/8, 2/4 are skipped; a tune is cut at its first change of meter.",
        "The validation split (about 5% of the tunes) is chosen by a stable hash of title, source and",
        "index. One CPU thread each, on 2 cores shared with other jobs (load average 6-15 during",
        "training), with a wall-clock budget.",
        "",
        "Report command: `.venv/bin/python benchmarks/rnn_report.py --samples "
        f"{args.samples} --write benchmarks/results/rnn.md`",
        "",
        "## Melody LSTM (src/tunesmith/data/checkpoints/melody.pt)",
        "",
        f"Command: `{COMMANDS['melody']}`",
        "",
        f"- Model: LSTM {melody.net.config.layers} x {melody.net.config.hidden}, "
        f"{melody.net.num_parameters():,} parameters; vocabulary {mt.N_EVENTS} events.",
        f"- Data: {data_m['pieces']['train']} training / {data_m['pieces']['val']} validation tunes; "
        f"{data_m['tokens']['train']:,} / {data_m['tokens']['val']:,} tokens (sixteenth steps, windows of "
        f"{data_m['window_length']} with overlap); styles {data_m['styles']}; skipped {data_m['skipped']}.",
        f"- Best: epoch {ck_m['epoch']}, validation loss {ck_m['best_val']:.4f} nats/step "
        f"(accuracy {best_accuracy(ck_m):.3f}); "
        f"uniform guess: {np.log(mt.N_EVENTS - 2):.3f}.",
        "",
        *history_table(ck_m),
        "",
        "![melody loss](rnn_melody_loss.png)",
        "",
        f"Over the chords of {used} held-out tunes (their first 8 full bars), share of on-beat notes",
        "that are chord tones, and mean log-likelihood per step under the model:",
        "",
        "| melody | chord tones on beats | log-likelihood / step |",
        "|---|---|---|",
        f"| held-out tunes themselves | {mean(real)} | {mean(lls_real)} |",
        f"| generated (temperature 1, top-p 0.9) | {mean(generated)} | {mean(lls_gen)} |",
        f"| random pitches, same rhythm and range | {mean(random_)} | |",
        "",
        "## Chord-progression LSTM (src/tunesmith/data/checkpoints/chords.pt)",
        "",
        f"Command: `{COMMANDS['chords']}`",
        "",
        f"- Model: LSTM {chords.net.config.layers} x {chords.net.config.hidden}, "
        f"{chords.net.num_parameters():,} parameters; vocabulary {ct.N_CHORD_TOKENS} tokens (one per beat).",
        f"- Data: {data_c['pieces']['train']} training / {data_c['pieces']['val']} validation tunes; "
        f"{data_c['tokens']['train']:,} / {data_c['tokens']['val']:,} beats.",
        f"- Best: epoch {ck_c['epoch']}, validation loss {ck_c['best_val']:.4f} nats/beat "
        f"(accuracy {best_accuracy(ck_c):.3f}; "
        "a held chord repeats its token, so much of this is predicting 'same chord').",
        "",
        *history_table(ck_c),
        "",
        "![chords loss](rnn_chords_loss.png)",
        "",
        "Cadence rate: share of 4-bar phrase ends closing on V/V7/IV -> I (authentic/plagal) or on V (half).",
        "",
        "| progressions | cadence rate |",
        "|---|---|",
        f"| held-out Nottingham tunes ({len(corpus_rates)}) | {mean(corpus_rates)} |",
        f"| model, free sampling ({len(free)} x 16 bars, all meters and modes) | {mean(free)} |",
        f"| model with cadence masks ('alternate') ({len(masked)} x 16 bars) | {mean(masked)} |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        from tunesmith.fileutil import write_text_atomic

        write_text_atomic(args.write, text)


if __name__ == "__main__":
    main()
