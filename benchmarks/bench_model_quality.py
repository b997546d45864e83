"""Objective quality of the shipped models: tunesmith.evaluate metrics on generated pieces next to
the same metrics on the held-out Nottingham tunes (the validation split no model trained on).

Usage:
    .venv/bin/python benchmarks/bench_model_quality.py [--pieces 100]
        [--write benchmarks/results/model_quality.md]

With --write, whatever follows the line READING_MARKER in an existing results file (the reading of
the numbers, written by hand) is kept below the new tables.

Reference: every held-out tune (``tunesmith.models.rnn.data.is_validation``) in a supported meter, cut
to its first N whole bars (N = 8..16, as many as the tune has), shifted to start at a bar line with
its chord symbols. Each generated piece takes one such excerpt's chords, key, meter and length
(excerpts are cycled, each with a new seed), so both sides have the same lengths and harmony:

- melody LSTM: ``api.generate_melody`` over the excerpt's chords (temperature 1, top-p 0.9);
- chord LSTM: ``api.generate_chords`` in the excerpt's key, meter and length, realised as block
  chords with chord symbols; the reference is the excerpts' own chord symbols realised the same way;
- phrase VAE: prior samples (z ~ N(0, I), decoded greedily over the excerpt's chords, phrase by
  phrase) and variations of the excerpt's melody (``vary_melody``, amount 0.3);
- bar GAN: ``gan_api.generate_melody`` over the excerpt's chords.

Originality: longest run of melody notes (any key) copied from a training tune, against the
Nottingham index without the held-out tunes; for chords, longest run of chord changes (key-relative)
found in a training tune's progression.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from tunesmith.evaluate.metrics import METRICS, summarize  # noqa: E402
from tunesmith.evaluate.originality import OriginalityIndex, corpus_index  # noqa: E402
from tunesmith.evaluate.report import evaluate_scores  # noqa: E402
from tunesmith.score import (  # noqa: E402
    ChordSymbol,
    KeySignature,
    Metadata,
    Note,
    Score,
    TempoChange,
    TimeSignature,
    Track,
)
from tunesmith.theory.chord import parse_chord  # noqa: E402
from tunesmith.theory.key import Key  # noqa: E402
from tunesmith.theory.melodyline import melody_track, top_line  # noqa: E402
from tunesmith.tokens import chords as ct  # noqa: E402
from tunesmith.tokens import melody as mt  # noqa: E402

CORPUS = "nottingham"
MIN_BARS, MAX_BARS = 8, 16
READING_MARKER = "<!-- reading: kept by bench_model_quality.py -->"
COPY_LIMIT = 12  # runs of this many notes or more count as copying (the composer's default is > 11)

Row = dict[str, float]


@dataclass
class Excerpt:
    """The first whole bars of a held-out tune, from a bar line at tick 0."""

    title: str
    melody: list[Note]
    chords: list[ChordSymbol]
    key: Key
    signature: KeySignature
    meter: str
    bars: int
    style: str
    mode: str

    def score(self, tracks: list[Track], chords: list[ChordSymbol] | None = None) -> Score:
        num, den = (int(x) for x in self.meter.split("/"))
        return Score(
            tracks=tracks,
            tempos=[TempoChange(0, 120.0)],
            time_signatures=[TimeSignature(0, num, den)],
            key_signatures=[KeySignature(0, self.signature.fifths, self.signature.mode)],
            chords=list(self.chords if chords is None else chords),
            metadata=Metadata(title=self.title),
        )

    @property
    def ticks(self) -> int:
        return self.bars * ct.STEPS_PER_BAR[self.meter] * ct.STEP_TICKS


def excerpt_of(tune: Score) -> Excerpt | None:
    """The tune's first 8-16 whole bars, or None when it is too short or in another meter."""
    try:
        meter = mt.score_meter(tune)
        key = mt.score_key(tune)
        line = top_line(melody_track(tune).notes, cut=True)
    except Exception:
        return None
    signature = tune.key_at(0)
    if not tune.chords or signature is None:
        return None
    origin = mt.bar_origin(tune)
    bar = ct.STEPS_PER_BAR[meter] * ct.STEP_TICKS
    end = mt.meter_span_end(tune) or max(n.end for n in line)
    bars = min(MAX_BARS, (end - origin) // bar)
    if bars < MIN_BARS:
        return None
    stop = origin + bars * bar
    notes = [Note(n.pitch, n.start - origin, min(n.end, stop) - n.start, n.velocity)
             for n in line if origin <= n.start < stop]
    ordered = sorted(tune.chords, key=lambda c: c.tick)
    sounding = [c for c in ordered if c.tick <= origin]
    chords = [ChordSymbol(0, sounding[-1].figure)] if sounding else []
    chords += [ChordSymbol(c.tick - origin, c.figure) for c in ordered if origin < c.tick < stop]
    if len(notes) < 8 or not chords:
        return None
    return Excerpt(tune.metadata.title, notes, chords, key, signature, meter, bars,
                   mt.style_of(tune.metadata), "minor" if key.is_minor else "major")


# ----- chord progressions ------------------------------------------------------------------------
def block_chords(chords: Sequence[ChordSymbol], end: int) -> Track:
    """Close-position block chords (each pitch class at its lowest pitch from G3), one per chord
    change: a symbol repeating the previous figure (lead sheets restate it at bar lines) holds on."""
    notes = []
    ordered = [c for i, c in enumerate(sorted(chords, key=lambda c: c.tick))
               if i == 0 or c.figure != sorted(chords, key=lambda c: c.tick)[i - 1].figure]
    for i, symbol in enumerate(ordered):
        stop = ordered[i + 1].tick if i + 1 < len(ordered) else end
        if stop <= symbol.tick:
            continue
        try:
            pcs = parse_chord(symbol.figure).pitch_classes()
        except Exception:
            continue
        for pc in sorted({int(p) % 12 for p in pcs}):
            notes.append(Note(55 + (pc - 55) % 12, symbol.tick, stop - symbol.tick))
    return Track(name="chords", notes=notes)


def chord_changes(chords: Sequence[ChordSymbol], key: Key, meter: str, beats: int) -> np.ndarray:
    """Key-relative chord tokens, one per change (a held chord counts once)."""
    tokens = ct.beat_tokens(list(chords), key, meter, 0, beats)
    keep = np.ones(len(tokens), dtype=bool)
    keep[1:] = tokens[1:] != tokens[:-1]
    return tokens[keep]


def chord_rows(ex: Excerpt, chords: Sequence[ChordSymbol], index: OriginalityIndex) -> Row:
    from tunesmith.models.rnn.chords import cadence_rate

    beats = ex.bars * ct.BEATS_PER_BAR[ex.meter]
    per_beat = ct.beat_tokens(list(chords), ex.key, ex.meter, 0, beats)
    changes = chord_changes(chords, ex.key, ex.meter, beats)
    length = index.longest_match(changes)[0]
    return {
        "changes_per_bar": len(changes) / ex.bars,
        "distinct_chords": float(len(set(changes.tolist()))),
        "cadence_rate": cadence_rate(per_beat, ex.meter, ex.mode),
        "copied_chord_run": float(length),
    }


def training_chord_index(tunes: Sequence[Score], held_out: set[int]) -> OriginalityIndex:
    from tunesmith.models.rnn.data import chord_beats

    seqs, ids = [], []
    for i, tune in enumerate(tunes):
        if i in held_out:
            continue
        try:
            tokens, _, _ = chord_beats(tune)
        except Exception:
            continue
        if len(tokens) == 0:
            continue
        keep = np.ones(len(tokens), dtype=bool)
        keep[1:] = tokens[1:] != tokens[:-1]
        seqs.append(tokens[keep])
        ids.append(tune.metadata.title)
    return OriginalityIndex.from_sequences(seqs, ids)


# ----- tables ------------------------------------------------------------------------------------
EXTRA_LABELS = {
    "changes_per_bar": ("chord changes per bar", ""),
    "distinct_chords": ("distinct chords per piece", ""),
    "cadence_rate": ("cadence rate (4-bar phrase ends)", ""),
    "copied_chord_run": ("longest copied chord run", "changes"),
}


def table(columns: Sequence[tuple[str, Sequence[Row]]], names: Sequence[str], copied: str | None) -> str:
    """Mean ± std per metric for each column; then max and share >= COPY_LIMIT of ``copied``."""
    labels = {m.name: (m.label, m.unit) for m in METRICS}
    labels["copied_run"] = ("longest copied run", "notes")
    labels.update(EXTRA_LABELS)
    sums = [summarize(rows) for _, rows in columns]
    lines = ["| metric | unit | " + " | ".join(f"{c} (n={len(r)})" for c, r in columns) + " |",
             "|---|---|" + "---|" * len(columns)]
    for name in names:
        label, unit = labels[name]
        cells = [str(s[name]) if name in s else "—" for s in sums]
        lines.append(f"| {label.replace('|', chr(92) + '|')} | {unit} | " + " | ".join(cells) + " |")
    if copied is not None:
        runs = [np.array([r[copied] for r in rows if not math.isnan(r[copied])]) for _, rows in columns]
        label, unit = labels[copied]
        lines.append(f"| {label}: max | {unit} | " + " | ".join(f"{int(a.max())}" for a in runs) + " |")
        lines.append(f"| {label}: share >= {COPY_LIMIT} | | "
                     + " | ".join(f"{(a >= COPY_LIMIT).mean():.2f}" for a in runs) + " |")
    return "\n".join(lines) + "\n"


MELODY_METRICS = [m.name for m in METRICS] + ["copied_run"]
CHORD_METRICS = ["groove_consistency", "empty_beat_rate", "bar_repetition", "self_similarity",
                 "note_density", "changes_per_bar", "distinct_chords", "cadence_rate", "copied_chord_run"]


def melody_piece(ex: Excerpt, notes: list[Note]) -> Score:
    end = ex.ticks
    kept = [Note(n.pitch, n.start, min(n.end, end) - n.start, n.velocity) for n in notes if n.start < end]
    return ex.score([Track(name="melody", notes=kept)])


def timed(label: str, fn: Callable[[], list[Score]], log: list[str]) -> list[Score]:
    t0 = time.perf_counter()
    out = fn()
    log.append(f"{label}: {time.perf_counter() - t0:.1f} s")
    print(log[-1], file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pieces", type=int, default=100)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    from tunesmith.corpus.load import load_corpus
    from tunesmith.models.rnn import api
    from tunesmith.models.rnn.data import is_validation

    start = time.perf_counter()
    log: list[str] = []
    corpus = load_corpus([CORPUS])
    tunes = [corpus[i] for i in range(len(corpus))]
    held_out = [i for i, tune in enumerate(tunes) if is_validation(tune, i)]
    excerpts = [e for e in (excerpt_of(tunes[i]) for i in held_out) if e is not None]
    plan = [(excerpts[k % len(excerpts)], k) for k in range(args.pieces)]
    melody_index = corpus_index([CORPUS]).without(held_out)
    chord_index = training_chord_index(tunes, set(held_out))
    reference = [melody_piece(e, e.melody) for e in excerpts]
    ref_rows = evaluate_scores(reference, index=melody_index)
    sections: list[str] = []
    n_bars = [e.bars for e in excerpts]

    # ----- melody LSTM ---------------------------------------------------------------------------
    melody_model = api.load_melody_model()

    def lstm_pieces(top_p: float) -> list[Score]:
        return [melody_piece(ex, api.generate_melody(ex.chords, ex.key, ex.meter, ex.bars, ex.style,
                                                     seed=seed, top_p=top_p, model=melody_model).notes)
                for ex, seed in plan]

    lstm = timed("melody LSTM", lambda: lstm_pieces(0.9), log)
    untruncated = timed("melody LSTM, top-p 1", lambda: lstm_pieces(1.0), log)
    # The same rhythm as each held-out excerpt with random pitches in its range: a floor.
    rng = np.random.default_rng(0)
    noise = []
    for ex in excerpts:
        lo, hi = min(n.pitch for n in ex.melody), max(n.pitch for n in ex.melody)
        noise.append(melody_piece(ex, [Note(int(rng.integers(lo, hi + 1)), n.start, n.duration)
                                       for n in ex.melody]))
    lstm_rows = evaluate_scores(lstm, index=melody_index)
    sections += ["## Melody LSTM (melody.pt)", "",
                 "Melodies generated over the chords of held-out excerpts (temperature 1, top-p 0.9: "
                 "the API's defaults; and top-p 1, sampling the full distribution). "
                 "'random pitches' keeps each excerpt's rhythm and range and draws pitches uniformly: "
                 "a floor for the pitch metrics.", "",
                 table([("generated", lstm_rows),
                        ("generated, top-p 1", evaluate_scores(untruncated, index=melody_index)),
                        ("held-out tunes", ref_rows),
                        ("random pitches", evaluate_scores(noise, index=melody_index))],
                       MELODY_METRICS, "copied_run"), ""]

    # ----- chord LSTM ----------------------------------------------------------------------------
    chord_model = api.load_chord_model()

    def progression(ex: Excerpt, seed: int, cadences: str = "alternate") -> list[ChordSymbol]:
        pairs = api.generate_chords(ex.style, ex.mode, ex.meter, ex.bars, seed, key=ex.key,
                                    cadences=cadences, model=chord_model)
        out, tick = [], 0
        for figure, duration in pairs:
            out.append(ChordSymbol(tick, figure))
            tick += duration
        return out

    t0 = time.perf_counter()
    progs = [(ex, progression(ex, seed)) for ex, seed in plan]
    free = [(ex, progression(ex, seed, "none")) for ex, seed in plan]
    log.append(f"chord LSTM (both plans): {time.perf_counter() - t0:.1f} s")

    def chord_score(ex: Excerpt, chords: list[ChordSymbol]) -> Score:
        return ex.score([block_chords(chords, ex.ticks)], chords)

    def rows_of(pairs: Sequence[tuple[Excerpt, list[ChordSymbol]]]) -> list[Row]:
        return [a | b for a, b in zip(
            evaluate_scores(chord_score(ex, c) for ex, c in pairs),
            (chord_rows(ex, c, chord_index) for ex, c in pairs), strict=True)]

    sections += ["## Chord-progression LSTM (chords.pt)", "",
                 "Progressions in each excerpt's key, meter, mode, style and length (cadence plan "
                 "'alternate', the default, which masks phrase ends to cadence; and 'none', free "
                 "sampling), realised as close block chords with their chord symbols; the "
                 "held-out column realises the excerpts' own chord symbols the same way. The melody "
                 "metrics read the top voice of the chords, so only the rhythm/structure ones are shown "
                 "(in-chord ratio would be 1 by construction). Copied chord run: longest run of "
                 "consecutive chord changes (key-relative) found in one training tune.", "",
                 table([("generated", rows_of(progs)), ("generated, no cadence masks", rows_of(free)),
                        ("held-out tunes", rows_of([(ex, ex.chords) for ex in excerpts]))],
                       CHORD_METRICS, "copied_chord_run"), ""]

    # ----- VAE and GAN (when shipped) ------------------------------------------------------------
    from tunesmith.models.gan import api as gan_api
    from tunesmith.models.vae import api as vae_api

    if vae_api.VAE_CHECKPOINT.is_file():
        vae = vae_api.load_vae()
        phrase = max(vae.phrase_bars)
        z_rng = np.random.default_rng(0)

        def prior_sample(ex: Excerpt) -> list[Note]:
            span = phrase * ct.STEPS_PER_BAR[ex.meter] * ct.STEP_TICKS
            notes: list[Note] = []
            for first in range(0, ex.ticks, span):
                bars = min(phrase, ex.bars - first // (span // phrase))
                if bars not in vae.phrase_bars:
                    bars = phrase
                opening = _last_before(ex.chords, first)
                chords = [ChordSymbol(max(0, c.tick - first), c.figure) for c in ex.chords
                          if c.tick < first + span and (c.tick >= first or c is opening)]
                like = vae_api.make_phrase([Note(60, 0, 120)], bars, ex.meter, key=ex.key, chords=chords,
                                           model=vae)
                z = z_rng.standard_normal((1, vae.net.config.z_dim))
                decoded = vae_api.decode(z, like, vae)[0]
                notes += [Note(n.pitch, n.start + first, n.duration, n.velocity)
                          for n in vae_api.phrase_notes(decoded)]
            return notes

        samples = timed("VAE prior samples", lambda: [
            melody_piece(ex, prior_sample(ex)) for ex, _ in plan], log)
        varied = timed("VAE variations", lambda: [
            melody_piece(ex, vae_api.vary_melody(ex.melody, ex.bars, ex.meter, 0.3, seed, phrase_bars=phrase,
                                                 key=ex.key, chords=ex.chords, model=vae))
            for ex, seed in plan], log)
        sections += [f"## Phrase VAE (vae.pt, epoch {vae.info.get('epoch')})", "",
                     f"Prior samples: z ~ N(0, I) per {phrase}-bar phrase, decoded greedily over the "
                     "excerpt's chords (the phrases of a piece are independent). Variations: "
                     f"`vary_melody(excerpt, amount=0.3, phrase_bars={phrase})` of the held-out melody "
                     "itself, so they start from the reference.", "",
                     table([("prior samples", evaluate_scores(samples, index=melody_index)),
                            ("variations (0.3)", evaluate_scores(varied, index=melody_index)),
                            ("held-out tunes", ref_rows)], MELODY_METRICS, "copied_run"), ""]
    else:
        sections += ["## Phrase VAE", "", "No shipped vae.pt: not measured.", ""]

    if gan_api.GAN_CHECKPOINT.is_file():
        gan = gan_api.load_gan()
        gan_pieces = timed("GAN", lambda: [
            melody_piece(ex, gan_api.generate_melody(ex.chords, ex.key, ex.meter, ex.bars, seed=seed,
                                                     model=gan))
            for ex, seed in plan], log)
        sections += ["## Bar GAN (gan.pt)", "",
                     "Melodies generated bar by bar over the chords of held-out excerpts "
                     "(temperature 1).", "",
                     table([("generated", evaluate_scores(gan_pieces, index=melody_index)),
                            ("held-out tunes", ref_rows)], MELODY_METRICS, "copied_run"), ""]
    else:
        sections += ["## Bar GAN", "", "No shipped gan.pt: not measured.", ""]

    total = time.perf_counter() - start
    head = [
        "# Shipped models: evaluate metrics on generated pieces vs the held-out corpus",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_model_quality.py --pieces {args.pieces} "
        "--write benchmarks/results/model_quality.md`",
        "",
        f"Reference: the {len(excerpts)} held-out Nottingham tunes (of {len(held_out)} in the validation "
        "split; the rest are in meters the models skip or too short) that every model left out of "
        f"training, each cut to its first {min(n_bars)}-{max(n_bars)} whole bars (mean "
        f"{np.mean(n_bars):.1f}) from a bar line. Each model generates {args.pieces} pieces, one per "
        "excerpt in turn (seed = piece number), with that excerpt's chords, key, meter and length. "
        f"Originality: against the {len(melody_index)} training tunes (the Nottingham index without the "
        "held-out ones). Values are mean ± std over pieces. Seeded: reruns give the same tables.",
        "",
        f"Run time {total:.0f} s on the shared 2-core CPU ({'; '.join(log)}).",
        "",
    ]
    text = "\n".join(head + sections)
    print(text)
    if args.write:
        from tunesmith.fileutil import write_text_atomic

        old = args.write.read_text(encoding="utf-8") if args.write.is_file() else ""
        reading = old.split(READING_MARKER, 1)[1] if READING_MARKER in old else "\n"
        write_text_atomic(args.write, text + READING_MARKER + reading)


def _last_before(chords: Sequence[ChordSymbol], tick: int) -> ChordSymbol | None:
    before = [c for c in chords if c.tick <= tick]
    return max(before, key=lambda c: c.tick) if before else None


if __name__ == "__main__":
    main()
