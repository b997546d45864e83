"""`tunesmith generate melody|chords`, `tunesmith continue` and `tunesmith train melody|chords`.

Heavy libraries (torch, numpy, music21) are imported inside the commands so `--help` stays fast.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from tunesmith.cli.groups import generate_app, train_app
from tunesmith.errors import ControlError, InputFileError, ModelError
from tunesmith.io import WRITE_SUFFIXES, load_one, save
from tunesmith.score import ChordSymbol, Metadata, Note, Score, TempoChange, TimeSignature, Track
from tunesmith.theory.chord import parse_chord
from tunesmith.theory.key import Key
from tunesmith.theory.keydetect import detect_key
from tunesmith.theory.melodyline import melody_track, top_line


def _rnn_melody(progression: list[tuple[str, int]], key: Any, meter: str, bars: int, style: str,
                **options: Any) -> Any:
    from tunesmith.models.rnn import api

    checkpoint = options.pop("checkpoint")
    return api.generate_melody(progression, key, meter, bars, style, model=api.load_melody_model(checkpoint),
                               **options)


def _gan_melody(
    progression: list[tuple[str, int]], key: Any, meter: str, bars: int, style: str, **options: Any
) -> Any:
    """`generate melody --model gan`: the bar GAN over the progression; the reported
    log-likelihood is the shipped melody LSTM's (nan without it), comparable across models."""
    from tunesmith.models.gan import api as gan_api
    from tunesmith.models.rnn import api

    for name in ("pitch_range", "density"):
        if options.get(name) is not None:
            raise ControlError(name.replace("_", "-"), "not supported by the gan model (use --model rnn)")
    if options.get("in_scale"):
        raise ControlError("in-scale", "not supported by the gan model (use --model rnn)")
    notes = gan_api.generate_melody(
        progression,
        key,
        meter,
        bars,
        seed=int(options.get("seed", 0)),
        temperature=float(options.get("temperature", 1.0)),
        model=gan_api.load_gan(options.get("checkpoint")),
    )
    try:
        loglik = api.melody_log_likelihood(notes, progression, key, meter, style) if notes else float("nan")
    except ModelError:
        loglik = float("nan")
    return api.GeneratedMelody(notes, loglik)


MELODY_GENERATORS: dict[str, Any] = {"rnn": _rnn_melody, "gan": _gan_melody}
"""`generate melody --model NAME` -> a function (progression as (figure, ticks) pairs, Key, meter,
bars, style, *, temperature, top_p, seed, pitch_range, in_scale, density, checkpoint) that returns
an object with ``notes`` (list[Note]) and ``log_likelihood``."""
MELODY_MODELS = tuple(MELODY_GENERATORS)


def _check_model(model: str) -> str:
    if model not in MELODY_GENERATORS:
        known = ", ".join(MELODY_GENERATORS)
        raise ControlError("model", f"unknown melody model {model!r}; choose one of {known}")
    return model


def _check_output(path: Path | None) -> None:
    if path is None:
        return

    if path.suffix.lower() not in WRITE_SUFFIXES:
        raise ControlError("output", f"{path}: unsupported suffix; use one of {', '.join(WRITE_SUFFIXES)}")
    if not path.parent.exists():
        raise ControlError("output", f"{path}: folder {path.parent} does not exist")


def parse_chord_text(text: str, bar_ticks: int) -> list[tuple[str, int]]:
    """'C Am F G' -> one chord per bar; 'C G | Am F' -> bars separated by '|', chords in a bar
    share it equally."""
    groups = [g.split() for g in text.split("|")] if "|" in text else [[c] for c in text.split()]
    groups = [g for g in groups if g]
    if not groups:
        raise ControlError("chords", "give at least one chord, e.g. --chords 'C Am F G'")
    out: list[tuple[str, int]] = []
    for group in groups:
        share = bar_ticks // len(group)
        for figure in group:
            try:
                parse_chord(figure)
            except ControlError as err:
                raise ControlError("chords", f"bad chord symbol {figure!r}: {err.problem}") from None
            out.append((figure, share))
    return out


def chord_track_notes(chords: list[ChordSymbol], end: int) -> list[Any]:
    """Block chords (root-position triads around C4) under each chord symbol, so the file sounds."""
    notes = []
    ordered = sorted(chords, key=lambda c: c.tick)
    for i, symbol in enumerate(ordered):
        stop = ordered[i + 1].tick if i + 1 < len(ordered) else end
        if stop <= symbol.tick or symbol.figure in ("N.C.", ""):
            continue
        chord = parse_chord(symbol.figure)
        root = 48 + chord.root
        for interval in sorted(set(chord.intervals))[:4]:
            notes.append(Note(root + interval, symbol.tick, stop - symbol.tick, 60))
    return notes


def _piece(
    melody: list[Any], chords: list[ChordSymbol], key: Any, meter: str, *, bpm: float, style: str, end: int
) -> Score:
    numerator, denominator = (int(x) for x in meter.split("/"))
    folk = style in ("folk", "celtic")
    tracks = [Track("melody", 73 if folk else 0, False, melody)]  # GM 73 flute, 24 nylon guitar
    tracks.append(Track("chords", 24 if folk else 0, False, chord_track_notes(chords, end)))
    return Score(
        tracks=tracks,
        tempos=[TempoChange(0, bpm)],
        time_signatures=[TimeSignature(0, numerator, denominator)],
        key_signatures=[key.to_signature(0)],
        chords=[c for c in chords if c.tick < end],
        metadata=Metadata(title="tunesmith melody", source="tunesmith generate", style_tags=[style]),
    )


def _write_or_print(score: Score, output: Path | None, summary: str) -> None:
    if output is not None:
        save(score, output)
        typer.echo(f"wrote {output}: {summary}")
    else:
        typer.echo(summary)


CheckpointOpt = Annotated[Path | None, typer.Option("--checkpoint", help="Checkpoint (default: shipped).")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Output file (.mid, .musicxml).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same output.")]
TemperatureOpt = Annotated[float, typer.Option("--temperature", help="Sampling temperature (0.05-5).")]
TopPOpt = Annotated[float, typer.Option("--top-p", help=(
    "Nucleus sampling mass, in (0, 1]: draw only from the likeliest choices summing to it (melodies: "
    "the likeliest pitches; held notes and rests keep their share, so the rhythm keeps its density)."))]
StyleOpt = Annotated[str, typer.Option("--style", help="Style tag: folk, celtic, waltz, march, chorale, ...")]
MeterOpt = Annotated[str, typer.Option("--meter", help="4/4, 3/4, 6/8 or 2/4.")]
TempoOpt = Annotated[float, typer.Option("--tempo", help="Tempo in quarter notes per minute.")]


def generate_melody_command(
    *,
    chords: Annotated[str, typer.Option(
        "--chords", help="Chord symbols, one per bar ('C Am F G'), or bars split by '|' ('C G | Am F'); "
        "they repeat to fill the bars.")] = "C Am F G",
    bars: Annotated[int, typer.Option("--bars", help="Length in bars (1-512).")] = 8,
    style: StyleOpt = "folk",
    key: Annotated[str, typer.Option("--key", help="Key, e.g. C, G, 'F# minor', Am.")] = "C",
    meter: MeterOpt = "4/4",
    seed: SeedOpt = 0,
    temperature: TemperatureOpt = 1.0,
    top_p: TopPOpt = 0.9,
    low: Annotated[int | None, typer.Option("--low", help="Lowest allowed MIDI pitch.")] = None,
    high: Annotated[int | None, typer.Option("--high", help="Highest allowed MIDI pitch.")] = None,
    in_scale: Annotated[bool, typer.Option("--in-scale", help="Only notes of the key's scale.")] = False,
    density: Annotated[float | None, typer.Option("--density", help="Note onsets per beat, 0.125-4.")] = None,
    tempo: TempoOpt = 110.0,
    model: Annotated[str, typer.Option("--model", help="Melody model: " + ", ".join(MELODY_MODELS))] = "rnn",
    candidates: Annotated[int, typer.Option("--candidates", help=(
        "Drafts to draw (1-10); the style's melody critic keeps the one most like its tunes (styles "
        "without a critic: the first draft)."))] = 3,
    checkpoint: CheckpointOpt = None,
    output: OutputOpt = None,
) -> None:
    """Generate a melody over a chord progression with the chord-conditioned LSTM."""
    _check_model(model)
    _check_output(output)
    if not 1 <= candidates <= MAX_CANDIDATES:
        raise ControlError("candidates", f"{candidates} is out of range; allowed: 1-{MAX_CANDIDATES}")
    from tunesmith.models.rnn import api
    from tunesmith.tokens.chords import STEP_TICKS, STEPS_PER_BAR

    meter_ = api.as_meter(meter)
    key_ = api.as_key(key)
    bar_ticks = STEPS_PER_BAR[meter_] * STEP_TICKS
    progression = parse_chord_text(chords, bar_ticks)
    pitch_range = None
    if low is not None or high is not None:
        pitch_range = (low if low is not None else 0, high if high is not None else 127)
    def generate(seed: int) -> Any:
        return MELODY_GENERATORS[model](
            progression, key_, meter_, bars, style, temperature=temperature, top_p=top_p, seed=seed,
            pitch_range=pitch_range, in_scale=in_scale, density=density, checkpoint=checkpoint,
        )  # fmt: skip

    end = bars * bar_ticks
    symbols = api.layout_chords(progression, end)
    judge = melody_judge(style, symbols, key_, meter_, end) if candidates > 1 else None
    result, note = ranked_melody(generate, seed, set(key_.scale_pcs()), candidates, judge)
    score = _piece(result.notes, symbols, key_, meter_, bpm=tempo, style=style, end=end)
    _write_or_print(score, output, f"{len(result.notes)} notes in {bars} bars of {meter_} in {key_}, "
                    f"log-likelihood {result.log_likelihood:.3f} per step{note}")


MAX_CANDIDATES = 10


def melody_judge(style: str, symbols: list[ChordSymbol], key: Key, meter: str, end: int
                 ) -> Callable[[list[Note]], float] | None:  # fmt: skip
    """How like its style's tunes a draft over ``symbols`` is (the style's melody critic's log ratio,
    tunesmith.compose.critic), or None when the style has no melody critic."""
    from tunesmith.compose.critic import encoding_features, load_critic, melody_critic_name
    from tunesmith.tokens import melody as mt

    critic = load_critic(melody_critic_name(style))
    if critic is None:
        return None

    def judge(notes: list[Note]) -> float:
        if len(notes) < 2:
            return -math.inf
        enc = mt.encode_melody(notes, symbols, key, meter, style if style in mt.STYLES else "folk",
                               start=0, end=end)  # fmt: skip
        features = encoding_features(enc)
        return -math.inf if features is None else critic.log_ratio(features)

    return judge


def ranked_melody(generate: Any, seed: int, scale: set[int], candidates: int,
                  judge: Callable[[list[Note]], float] | None) -> tuple[Any, str]:  # fmt: skip
    """The best by ``judge`` of ``candidates`` guarded draws (seeds ``seed``, ``seed`` + 1, ...);
    without a judge the first draw. Discriminator-guided selection: no note is changed."""
    first = guarded_melody(generate, seed, scale)
    if judge is None or candidates <= 1:
        return first
    drafts = [first] + [guarded_melody(generate, seed + k, scale) for k in range(1, candidates)]
    best = max(range(candidates), key=lambda k: judge(drafts[k][0].notes))
    result, note = drafts[best]
    return result, note + (f" (draft {best + 1} of {candidates}, by the style's critic)" if best else "")


def tune_draft(enc: Any, seed: int, model: Any, candidates: int = 1, max_bars: int = 32) -> tuple[Any, Any]:
    """``generate melody`` over a tune's own chords, key, meter and bars (at most ``max_bars``), as
    the command draws it (the copy guard, the style's critic among ``candidates`` drafts): its notes
    and its encoding like the tune's. For critics and benchmarks."""
    import numpy as np

    from tunesmith.models.rnn import api
    from tunesmith.tokens import melody as mt
    from tunesmith.tokens.chords import STEP_TICKS, STEPS_PER_BAR

    downbeats = np.flatnonzero(enc.positions == 0)
    origin = int(downbeats[0]) * STEP_TICKS if len(downbeats) else 0
    bar_steps = STEPS_PER_BAR[enc.meter]
    bars = max(1, min(max_bars, (len(enc.events) - origin // STEP_TICKS) // bar_steps))
    end = bars * bar_steps * STEP_TICKS
    symbols = [ChordSymbol(max(0, c.tick - origin), c.figure) for c in enc.chord_symbols if c.tick >= 0]
    symbols = [c for c in symbols if c.tick < end] or [ChordSymbol(0, "C")]
    key = Key(enc.tonic, enc.mode)

    def generate(seed: int) -> Any:
        return api.generate_melody(symbols, key, enc.meter, bars, enc.style, temperature=1.0, top_p=0.9,
                                   seed=seed, model=model)

    judge = melody_judge(enc.style, symbols, key, enc.meter, end) if candidates > 1 else None
    result, _ = ranked_melody(generate, seed, set(key.scale_pcs()), candidates, judge)
    return result.notes, mt.encode_melody(result.notes, symbols, key, enc.meter, enc.style, start=0, end=end)


def guarded_melody(generate: Any, seed: int, scale: set[int]) -> tuple[Any, str]:
    """The composer's copy guard for a raw model melody: a draw that repeats a run of more than
    MAX_COPIED_RUN notes of a corpus piece is drawn again (the next seeds in a fixed sequence, so
    the output stays reproducible); if every draw copies, the runs are broken by scale steps. Also
    answers a note for the summary line when the guard acted."""
    from tunesmith.compose import engines
    from tunesmith.compose.api import MAX_COPIED_RUN, MAX_REGENERATIONS, break_copied_runs

    current = seed
    for attempt in range(MAX_REGENERATIONS):
        result = generate(current)
        run = engines.copied_run(result.notes)
        if run is None or run[0] <= MAX_COPIED_RUN:
            return result, (f" (seed {current}: earlier draws copied the corpus)" if attempt else "")
        current = (current * 1103515245 + 12345) & 0x7FFFFFFF
    notes, longest = break_copied_runs(result.notes, scale)
    return result._replace(notes=notes), f" (copied runs broken; longest now {longest} notes)"


def generate_chords_command(
    *,
    style: StyleOpt = "folk",
    mode: Annotated[str, typer.Option("--mode", help="major or minor.")] = "major",
    bars: Annotated[int, typer.Option("--bars", help="Length in bars (1-1024).")] = 8,
    meter: MeterOpt = "4/4",
    key: Annotated[str | None, typer.Option("--key", help="Key to spell the chords in (sets mode).")] = None,
    seed: SeedOpt = 0,
    temperature: TemperatureOpt = 1.0,
    top_p: TopPOpt = 0.9,
    phrase_bars: Annotated[int, typer.Option("--phrase-bars", help="Bars per phrase (2, 4 or 8).")] = 4,
    cadences: Annotated[str, typer.Option("--cadences", help="alternate (half cadence, then authentic), "
                                          "authentic, or none.")] = "alternate",
    tempo: TempoOpt = 110.0,
    checkpoint: CheckpointOpt = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write block chords (.mid, .musicxml); without it the progression is printed.",
    )] = None,
) -> None:
    """Generate a chord progression that ends its phrases on cadences."""
    _check_output(output)
    from tunesmith.models.rnn import api

    meter_ = api.as_meter(meter)
    key_ = api.as_key(key) if key is not None else None
    if key_ is None and mode not in ("major", "minor"):
        raise ControlError("mode", f"unknown mode {mode!r}; choose major or minor")
    loaded = api.load_chord_model(checkpoint)
    progression = api.generate_chords(
        style, mode, meter_, bars, seed, temperature=temperature, top_p=top_p, key=key_,
        phrase_bars=phrase_bars, cadences=cadences, model=loaded,
    )  # fmt: skip
    text = " ".join("| " + " ".join(bar) for bar in api.bars_of(progression, meter_)) + " |"
    if output is None:
        typer.echo(text)
        return
    tick = 0
    symbols = []
    for figure, duration in progression:
        symbols.append(ChordSymbol(tick, figure))
        tick += duration
    spelled_key = key_ if key_ is not None else Key(0, mode)
    score = _piece([], symbols, spelled_key, meter_, bpm=tempo, style=style, end=tick)
    score.tracks = score.tracks[1:]
    _write_or_print(score, output, text)


def continue_command(
    primer: Annotated[Path, typer.Argument(help="Melody to continue (.mid, .musicxml, .abc).")],
    *,
    bars: Annotated[int, typer.Option("--bars", help="Bars to add (1-512).")] = 8,
    style: StyleOpt = "folk",
    seed: SeedOpt = 0,
    temperature: TemperatureOpt = 1.0,
    top_p: TopPOpt = 0.9,
    checkpoint: CheckpointOpt = None,
    chord_checkpoint: Annotated[Path | None, typer.Option(
        "--chord-checkpoint", help="Chord-model checkpoint (default: shipped).")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Output file (.mid, .musicxml).")],
) -> None:
    """Continue a melody with the LSTM. The primer's chords repeat under the new bars (if it has
    none, the chord model writes them); key and meter are the primer's."""
    _check_output(output)
    from tunesmith.models.rnn import api
    from tunesmith.tokens import melody as mt
    from tunesmith.tokens.chords import STEP_TICKS, STEPS_PER_BAR

    if not primer.is_file():
        raise InputFileError(primer, "no such file")
    score = load_one(primer)
    line = top_line(melody_track(score).notes, cut=True)
    meter_ = mt.score_meter(score)
    key_ = mt.score_key(score) if score.key_signatures else _detect_key(score)
    bar_ticks = STEPS_PER_BAR[meter_] * STEP_TICKS
    primer_end = -(-max(n.end for n in line) // STEP_TICKS) * STEP_TICKS
    total = primer_end + bars * bar_ticks
    symbols: list[ChordSymbol]
    if score.chords:
        spans = sorted(score.chords, key=lambda c: c.tick)
        cycle_end = max(primer_end, spans[-1].tick + 1)
        pairs = [(c.figure, (spans[i + 1].tick if i + 1 < len(spans) else cycle_end) - c.tick)
                 for i, c in enumerate(spans)]
        pairs = [p for p in pairs if p[1] > 0]
        if spans[0].tick > 0:
            pairs.insert(0, ("N.C.", spans[0].tick))
        symbols = api.layout_chords(pairs, total)
    else:
        mode = "minor" if key_.is_minor else "major"
        progression = api.generate_chords(style, mode, meter_, -(-total // bar_ticks), seed, key=key_,
                                          model=api.load_chord_model(chord_checkpoint))
        symbols = api.layout_chords(progression, total)
    result = api.generate_melody(
        symbols, key_, meter_, bars, style, temperature=temperature, top_p=top_p, seed=seed,
        primer=line, model=api.load_melody_model(checkpoint), bar_origin=mt.bar_origin(score),
    )  # fmt: skip
    out = _piece(line + result.notes, symbols, key_, meter_, bpm=score.tempo_at(0), style=style, end=total)
    _write_or_print(out, output, f"{len(line)} primer notes + {len(result.notes)} new notes "
                    f"({bars} bars), log-likelihood {result.log_likelihood:.3f} per step")


def train_command(kind: str) -> Any:
    """The `tunesmith train melody|chords` command function for ``kind``."""

    def command(
        *,
        corpus: Annotated[list[str] | None, typer.Option(
            "--corpus", help="Corpus collection(s) (default for melody: every folk and song collection, "
                       "chords recognised where missing; for chords: every collection with a style of "
                       "its own, labelled).")] = None,
        inputs: Annotated[list[Path] | None, typer.Option(
            "--input", help="Train on these files/folders instead (MIDI, MusicXML, ABC).")] = None,
        epochs: Annotated[int, typer.Option("--epochs", help="Maximum epochs.")] = 20,
        resume: Annotated[bool, typer.Option("--resume", help="Continue from --output.")] = False,
        out: Annotated[
            Path | None, typer.Option("--output", "-o", help="Checkpoint (default: data dir).")
        ] = None,
        size: Annotated[str, typer.Option("--size", help=(
            "Model size: default, large (melody only: the shipped melody model's size) or debug (tiny)."
        ))] = "default",
        batch_size: Annotated[int, typer.Option("--batch-size", help="Sequences per batch.")] = 64,
        lr: Annotated[float, typer.Option("--lr", help="Peak learning rate (AdamW, cosine decay).")] = 3e-3,
        threads: Annotated[int, typer.Option("--threads", help="CPU threads for this process.")] = 1,
        max_minutes: Annotated[float | None, typer.Option("--max-minutes", help="Wall-clock budget.")] = None,
        limit: Annotated[int | None, typer.Option("--limit", help="Use only the first N pieces.")] = None,
        seed: SeedOpt = 0,
        patience: Annotated[int, typer.Option("--patience", help="Early stopping: epochs without "
                                              "improvement.")] = 3,
        progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar.")] = True,
        plot: Annotated[Path | None, typer.Option("--plot", help="Loss-curve PNG.")] = None,
        label_chords: Annotated[bool, typer.Option(
            "--label-chords", help="Label pieces without chord symbols (one chord per bar).")] = False,
    ) -> None:
        from tunesmith.models.rnn.train import fit, label_missing_chords, training_inputs
        from tunesmith.models.train import TrainConfig

        if size not in ("default", "debug") and not (kind == "melody" and size == "large"):
            sizes = "default, large or debug" if kind == "melody" else "default or debug"
            raise ControlError("size", f"unknown model size {size!r}; choose {sizes}")
        target, scores, sources = training_inputs(
            kind, epochs=epochs, out=out, inputs=inputs, corpus=corpus, limit=limit
        )
        if label_chords:
            scores = list(label_missing_chords(scores))
        config = TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, threads=threads,
                             max_minutes=max_minutes, seed=seed, patience=patience, progress=progress)
        result, _ = fit(kind, scores, target, size=size, config=config, resume=resume, sources=sources,
                        log=typer.echo, plot=plot)
        curve = plot or target.with_suffix(".loss.png")
        typer.echo(f"best validation loss {result.best_val:.4f} after {len(result.history)} epochs "
                   f"({result.steps} steps); checkpoint {target}, loss curve {curve}")

    command.__doc__ = (
        "Train the chord-conditioned melody LSTM." if kind == "melody"
        else "Train the chord-progression LSTM (one chord per beat; style, mode and meter conditioned)."
    )
    return command


def register(app: typer.Typer) -> None:
    generate_app.command("melody")(generate_melody_command)
    generate_app.command("chords")(generate_chords_command)
    app.command("continue")(continue_command)
    train_app.command("melody")(train_command("melody"))
    train_app.command("chords")(train_command("chords"))


def _detect_key(score: Score) -> Any:
    """Key of a primer without a key signature, by tunesmith.theory's key detection."""
    return detect_key(score)
