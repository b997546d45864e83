"""`tunesmith vary`, `tunesmith interpolate` (the phrase VAE) and `tunesmith train vae|gan`.

`generate melody --model gan` lives in tunesmith.cli.melody. Heavy libraries are imported inside
the commands so `--help` stays fast.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tunesmith.cli.groups import train_app
from tunesmith.errors import ControlError, InputFileError
from tunesmith.io import load_one, save
from tunesmith.score import ChordSymbol, Note
from tunesmith.theory.keydetect import detect_key
from tunesmith.theory.melodyline import melody_track, top_line

if TYPE_CHECKING:
    from tunesmith.score import Score
    from tunesmith.theory.key import Key

CheckpointOpt = Annotated[
    Path | None, typer.Option("--checkpoint", help="VAE checkpoint (default: shipped).")
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same output.")]


def _out_dir(path: Path) -> Path:
    if path.exists() and not path.is_dir():
        raise ControlError("output", f"{path}: exists and is not a folder")
    if not path.parent.is_dir():
        raise ControlError("output", f"{path}: folder {path.parent} does not exist")
    path.mkdir(exist_ok=True)
    return path


class _Melody:
    """A file's melody from its first bar line, with what is needed to write variations back."""

    def __init__(self, path: Path) -> None:
        from tunesmith.tokens import melody as mt
        from tunesmith.tokens.chords import STEP_TICKS, STEPS_PER_BAR

        if not path.is_file():
            raise InputFileError(path, "no such file")
        self.score = load_one(path)
        self.track = melody_track(self.score)
        self.meter = mt.score_meter(self.score)
        self.origin = mt.bar_origin(self.score)
        line = top_line(self.track.notes, cut=True)
        self.pickup = [n for n in line if n.start < self.origin]
        self.notes = [
            Note(n.pitch, n.start - self.origin, n.duration, n.velocity)
            for n in line
            if n.start >= self.origin
        ]
        if not self.notes:
            raise InputFileError(path, "no melody notes after the first bar line")
        self.bar_ticks = STEPS_PER_BAR[self.meter] * STEP_TICKS
        self.bars = -(-max(n.end for n in self.notes) // self.bar_ticks)
        self.key: Key = mt.score_key(self.score) if self.score.key_signatures else _detect(self.score)

        self.chords = [ChordSymbol(c.tick - self.origin, c.figure) for c in self.score.chords]

    def with_melody(self, notes: list[Note]) -> Score:
        """The original score with its melody track replaced by ``notes`` (pickup kept)."""
        out = copy.deepcopy(self.score)
        index = self.score.tracks.index(self.track)
        shifted = [Note(n.pitch, n.start + self.origin, n.duration, n.velocity) for n in notes]
        out.tracks[index].notes = [*copy.deepcopy(self.pickup), *shifted]
        return out


def _detect(score: Score) -> Key:
    return detect_key(score)


def vary_command(
    piece: Annotated[Path, typer.Argument(help="Melody to vary (.mid, .musicxml, .abc).")],
    *,
    amount: Annotated[
        float,
        typer.Option(
            "--amount",
            help="How far to move in latent space: 0 gives the "
            "melody back, 0.3 close variations (about 30% of the notes change; key, rhythm, first and "
            "last bar kept), 1 loose ones (0-4).",
        ),
    ] = 0.3,
    n: Annotated[int, typer.Option("-n", help="Number of variations (1-64).")] = 4,
    attribute: Annotated[
        list[str] | None,
        typer.Option(
            "--attribute",
            help="Move a feature: NAME=AMOUNT with NAME density, range, height, rests or leaps, "
            "e.g. density=+1 (repeatable).",
        ),
    ] = None,
    phrase_bars: Annotated[int, typer.Option("--phrase-bars", help="Bars per varied phrase (2 or 4).")] = 4,
    seed: SeedOpt = 0,
    checkpoint: CheckpointOpt = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the variations (created).")],
) -> None:
    """Variations of a melody, phrase by phrase, near it in the VAE's latent space."""
    from tunesmith.models.vae import api as vae_api

    if not 1 <= n <= 64:
        raise ControlError("n", f"must be between 1 and 64, got {n}")
    attrs = dict(vae_api.parse_attribute(a) for a in attribute or [])
    model = vae_api.load_vae(checkpoint)
    if phrase_bars not in model.phrase_bars:
        known = ", ".join(str(b) for b in model.phrase_bars)
        raise ControlError("phrase-bars", f"the VAE handles phrases of {known} bars, not {phrase_bars}")
    melody = _Melody(piece)
    folder = _out_dir(output)
    for i in range(n):
        notes = vae_api.vary_melody(
            melody.notes,
            melody.bars,
            melody.meter,
            amount,
            seed + 1000 * i,
            phrase_bars=phrase_bars,
            key=melody.key,
            chords=melody.chords,
            attributes=attrs,
            model=model,
        )
        target = folder / f"{piece.stem}-var{i + 1}.mid"
        save(melody.with_melody(notes), target)
        typer.echo(f"wrote {target}: {len(notes)} notes, {melody.bars} bars")


def interpolate_command(
    first: Annotated[Path, typer.Argument(help="Melody to start from.")],
    last: Annotated[Path, typer.Argument(help="Melody to end on.")],
    *,
    steps: Annotated[
        int, typer.Option("--steps", help="Phrases in the morph, both ends included (2-64).")
    ] = 5,
    bars: Annotated[int, typer.Option("--bars", help="Bars taken from each melody's start (2 or 4).")] = 4,
    checkpoint: CheckpointOpt = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the steps (created).")],
) -> None:
    """A smooth morph from one melody's opening phrase to another's (slerp in latent space), written
    in the first melody's key and meter over its chords: one file per step and morph.mid with all.
    Every step differs from the others and moves strictly away from the first and towards the last."""
    from tunesmith.models.vae import api as vae_api

    model = vae_api.load_vae(checkpoint)
    a, b = _Melody(first), _Melody(last)
    if b.meter != a.meter:
        raise ControlError(
            "meter", f"{last} is in {b.meter} but {first} in {a.meter}; morph melodies of one meter"
        )
    span = bars * a.bar_ticks
    frames = vae_api.interpolate_phrases(
        [n for n in a.notes if n.start < span], [n for n in b.notes if n.start < span], bars, a.meter, steps,
        key=a.key, key_b=b.key, chords=[c for c in a.chords if c.tick < span], model=model,
    )  # fmt: skip
    folder = _out_dir(output)
    a.pickup = []
    chain: list[Note] = []
    for i, notes in enumerate(frames):
        target = folder / f"step{i + 1:02d}.mid"
        single = a.with_melody(notes)
        single.chords = [c for c in single.chords if c.tick < a.origin + span]
        save(single, target)
        chain.extend(Note(n.pitch, n.start + i * span, n.duration, n.velocity) for n in notes)
        typer.echo(f"wrote {target}: {len(notes)} notes")
    morph = a.with_melody(chain)
    morph.chords = []
    save(morph, folder / "morph.mid")
    typer.echo(f"wrote {folder / 'morph.mid'}: all {steps} steps in a row")


def train_command(kind: str) -> Any:
    def command(
        *,
        corpus: Annotated[
            list[str] | None,
            typer.Option(
                "--corpus", help="Corpus collection(s) (default: nottingham, which has chord symbols)."
            ),
        ] = None,
        inputs: Annotated[
            list[Path] | None,
            typer.Option(
                "--input", help="Train on these files/folders instead (MIDI, MusicXML, ABC with chords)."
            ),
        ] = None,
        epochs: Annotated[int, typer.Option("--epochs", help="Maximum epochs.")] = 8 if kind == "vae" else 40,
        resume: Annotated[bool, typer.Option("--resume", help="Continue from --output.")] = False,
        out: Annotated[
            Path | None, typer.Option("--output", "-o", help="Checkpoint (default: data dir).")
        ] = None,
        size: Annotated[str, typer.Option("--size", help="Model size: default or debug (tiny).")] = "default",
        batch_size: Annotated[int, typer.Option("--batch-size", help="Examples per batch.")] = (
            64 if kind == "vae" else 128
        ),
        lr: Annotated[float, typer.Option("--lr", help="Learning rate.")] = 2e-3 if kind == "vae" else 3e-4,
        threads: Annotated[int, typer.Option("--threads", help="CPU threads for this process.")] = 1,
        max_minutes: Annotated[float | None, typer.Option("--max-minutes", help="Wall-clock budget.")] = None,
        limit: Annotated[int | None, typer.Option("--limit", help="Use only the first N pieces.")] = None,
        seed: SeedOpt = 0,
        progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar.")] = True,
        plot: Annotated[Path | None, typer.Option("--plot", help="Loss-curve PNG.")] = None,
    ) -> None:
        from tunesmith.models.rnn.train import training_inputs

        if size not in ("default", "debug"):
            raise ControlError("size", f"unknown model size {size!r}; choose default or debug")
        target, scores, sources = training_inputs(
            kind, epochs=epochs, out=out, inputs=inputs, corpus=corpus, limit=limit
        )
        curve = plot or target.with_suffix(".loss.png")
        if kind == "vae":
            from tunesmith.models.train import TrainConfig
            from tunesmith.models.vae.train import fit_vae

            config = TrainConfig(
                epochs=epochs,
                batch_size=batch_size,
                lr=lr,
                threads=threads,
                max_minutes=max_minutes,
                seed=seed,
                progress=progress,
                patience=3,
            )
            result = fit_vae(
                scores,
                target,
                size=size,
                config=config,
                resume=resume,
                sources=sources,
                log=typer.echo,
                plot=curve,
            )
            typer.echo(
                f"best validation loss {result.best_val:.4f} after {len(result.history)} epochs "
                f"({result.steps} steps); checkpoint {target}, loss curve {curve}"
            )
            return
        from tunesmith.models.gan.train import fit_gan

        history = fit_gan(
            scores,
            target,
            size=size,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            threads=threads,
            max_minutes=max_minutes,
            seed=seed,
            progress=progress,
            resume=resume,
            sources=sources,
            log=typer.echo,
            plot=curve,
        )
        typer.echo(f"{len(history)} epochs; checkpoint {target}, curves {curve}")

    command.__doc__ = (
        "Train the phrase VAE (2- and 4-bar melody phrases; adds attribute vectors)."
        if kind == "vae"
        else "Train the bar GAN (WGAN-GP: one bar of melody from noise, its chord and the bar before)."
    )
    return command


def register(app: typer.Typer) -> None:
    app.command("vary")(vary_command)
    app.command("interpolate")(interpolate_command)
    train_app.command("vae")(train_command("vae"))
    train_app.command("gan")(train_command("gan"))
