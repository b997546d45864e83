"""`tunesmith train critic`: refit a style's critic (tunesmith.compose.critic)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tunesmith.cli.groups import train_app
from tunesmith.cli.melody import tune_draft
from tunesmith.compose.request import ComposeRequest
from tunesmith.compose.styles import load_style
from tunesmith.errors import ControlError

MAX_PIECES = 5000
MIN_REAL = 20


def composed_rows(style: str, pieces: int, first_seed: int) -> list[list[float]]:
    """Feature rows of ``pieces`` melodies compose writes for ``style`` without the critic (one
    candidate: nothing is ranked)."""
    from tunesmith.compose.api import compose

    rows = []
    for k in range(pieces):
        request = ComposeRequest(style=style, seed=first_seed + k, candidates=1)
        features = compose(request).candidates[0].features
        if features is not None:
            rows.append(features)
        if (k + 1) % 100 == 0:
            typer.echo(f"  {k + 1}/{pieces} composed")
    return rows


def drafted_rows(encodings: list[Any], pieces: int, first_seed: int) -> list[list[float]]:
    """Feature rows of ``pieces`` first drafts of ``generate melody`` over the chords, keys, meters
    and lengths of ``encodings`` (tunes), taken in turn."""
    from tunesmith.compose.critic import encoding_features
    from tunesmith.models.rnn import api

    model = api.load_melody_model()
    rows = []
    for k in range(pieces):
        _, drafted = tune_draft(encodings[k % len(encodings)], first_seed + k, model)
        features = encoding_features(drafted)
        if features is not None:
            rows.append(features)
        if (k + 1) % 100 == 0:
            typer.echo(f"  {k + 1}/{pieces} drafted")
    return rows


def train_critic_command(
    *,
    style: Annotated[str, typer.Option("--style", help=(
        "The compose style whose critic to fit (with --melody: the melody model's style tag, folk, "
        "celtic, chinese, chorale or song)."))] = "folk",
    melody: Annotated[bool, typer.Option("--melody", help=(
        "Fit the critic `generate melody` ranks its drafts by: the style's tunes against the model's "
        "own drafts over those tunes' chords."))] = False,
    corpus: Annotated[list[str] | None, typer.Option(
        "--corpus", help="Corpus collection(s) of the style's real tunes (default: the style's own: "
                         "folk nottingham, celtic oneills1850 + ryansMammoth, chinese-folk, chorale "
                         "bach).")] = None,
    inputs: Annotated[list[Path] | None, typer.Option(
        "--input", help="Learn from these tunes instead (your library: MIDI, MusicXML, ABC files or "
                        "folders).")] = None,
    pieces: Annotated[int, typer.Option(
        "--pieces", help="Melodies to compose for the other side (20-5000).")] = 600,
    seed: Annotated[int, typer.Option("--seed", help="First seed of the composed melodies.")] = 1_000_000,
    l2: Annotated[float, typer.Option(
        "--l2", help="L2 penalty of the logistic regression (0.01-100).")] = 1.0,
    out: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Critic file to write the style into (default: the data dir's, which "
                                "compose reads before the shipped one).")] = None,
) -> None:
    """Fit a style's critic: real tunes of the style against melodies compose writes without it."""
    from tunesmith.compose import critic

    if melody:
        _train_melody_critic(style, pieces, seed, l2, out)
        return
    plan_style = load_style(style)
    _check(pieces, seed, l2, out)
    if inputs:
        real = critic.file_rows(inputs, plan_style.model_style)
        sources = [str(p) for p in inputs]
    else:
        names = corpus or list(critic.CORPORA.get(style, ()))
        if not names:
            raise ControlError("corpus", f"style {style!r} has no corpus of its own; name one with --corpus "
                                         "or your tunes with --input")
        real = critic.corpus_rows(plan_style.model_style, names)
        sources = ["corpus:" + n for n in names]
    if len(real) < MIN_REAL:
        raise ControlError("input" if inputs else "corpus",
                           f"{len(real)} tunes of {style} with at least two notes; a critic needs {MIN_REAL}")
    typer.echo(f"{len(real)} real tunes of {style}; composing {pieces} melodies ...")
    composed = composed_rows(style, pieces, seed)
    fitted = critic.fit(style, real, composed, l2, {"sources": sources, "first_seed": seed})
    path = critic.save_critic(fitted, out)
    typer.echo(f"style critic for {style}: {len(real)} real, {len(composed)} composed melodies -> {path}")


def _check(pieces: int, seed: int, l2: float, out: Path | None) -> None:
    if not 20 <= pieces <= MAX_PIECES:
        raise ControlError("pieces", f"{pieces} is out of range; allowed: 20-{MAX_PIECES}")
    if not 0.01 <= l2 <= 100:
        raise ControlError("l2", f"{l2} is out of range; allowed: 0.01-100")
    if not 0 <= seed <= 2**31 - 1 - pieces:
        raise ControlError("seed", f"{seed} is out of range")
    if out is not None and not out.parent.is_dir():
        raise ControlError("output", f"{out}: folder {out.parent} does not exist")


def _train_melody_critic(style: str, pieces: int, seed: int, l2: float, out: Path | None) -> None:
    from tunesmith.compose import critic

    if style not in critic.MELODY_CORPORA:
        raise ControlError("style", f"{style!r} has no melody critic corpus; allowed: "
                                    + ", ".join(critic.MELODY_CORPORA))
    _check(pieces, seed, l2, out)
    names = list(critic.MELODY_CORPORA[style])
    encodings = critic.training_encodings(style, names)  # drafted over below, so read once
    real = [row for row in map(critic.encoding_features, encodings) if row is not None]
    if len(real) < MIN_REAL:
        raise ControlError("corpus", f"{len(real)} tunes of {style}; a critic needs {MIN_REAL}")
    typer.echo(f"{len(real)} real tunes of {style}; drafting {pieces} melodies over their chords ...")
    drafted = drafted_rows(encodings, pieces, seed)
    name = critic.melody_critic_name(style)
    sources = ["corpus:" + n for n in names]
    fitted = critic.fit(name, real, drafted, l2, {"sources": sources, "first_seed": seed})
    path = critic.save_critic(fitted, out)
    typer.echo(f"melody critic for {style}: {len(real)} real, {len(drafted)} drafted melodies -> {path}")


def register(app: typer.Typer) -> None:  # noqa: ARG001 (the command joins the train group)
    train_app.command("critic")(train_critic_command)
