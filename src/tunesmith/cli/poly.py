"""`tunesmith bench nll`, `tunesmith train poly` and `tunesmith harmonize`: the polyphonic model.

Heavy libraries (torch, numpy, scipy, music21) are imported inside the commands so `--help` stays fast.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from tunesmith.cli.groups import bench_app, train_app
from tunesmith.errors import ControlError
from tunesmith.io import load, save
from tunesmith.paths import data_dir


def _check_positive(name: str, value: float) -> None:
    if value <= 0:
        raise ControlError(name, f"must be positive, got {value}")


def bench_nll_command(
    *,
    data: Annotated[Path, typer.Option("--data", help="A .mat file: traindata/validdata/testdata cells of "
                                       "T×88 binary piano rolls.")],
    epochs: Annotated[int, typer.Option("--epochs", help="Most epochs (early stopping on valid).")] = 60,
    out: Annotated[
        Path | None, typer.Option("--output", "-o", help="Checkpoint for the selected model.")
    ] = None,
    checkpoint: Annotated[list[Path] | None, typer.Option("--checkpoint", metavar="FILE",
                                                          help="A saved model: score it "
                          "(--eval-only) or continue training it (into --output when given; --epochs "
                          "counts all its epochs). Repeat it with --eval-only to score the exact "
                          "equal-weight mixture of several models.")] = None,
    eval_only: Annotated[bool, typer.Option("--eval-only", help="Only score --checkpoint on test.")] = False,
    lstm_size: Annotated[int, typer.Option("--lstm-size")] = 256,
    lstm_layers: Annotated[int, typer.Option("--lstm-layers")] = 2,
    made_size: Annotated[int, typer.Option("--made-size")] = 512,
    made_layers: Annotated[int, typer.Option("--made-layers")] = 2,
    dropout: Annotated[float, typer.Option("--dropout")] = 0.3,
    batch_size: Annotated[int, typer.Option("--batch-size")] = 8,
    bptt: Annotated[int, typer.Option("--bptt", help="Truncated BPTT length in frames (0: whole).")] = 0,
    transpose: Annotated[int, typer.Option("--transpose", help="Shift train pieces by up to ± keys.")] = 0,
    lr: Annotated[float, typer.Option("--lr")] = 2e-3,
    weight_decay: Annotated[float, typer.Option("--weight-decay")] = 1e-4,
    patience: Annotated[int, typer.Option("--patience")] = 8,
    max_minutes: Annotated[float, typer.Option("--max-minutes", help="Stop after the epoch that "
                                               "crosses this.")] = 0.0,
    threads: Annotated[int, typer.Option("--threads", help="CPU threads for torch.")] = 1,
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """Train the polyphonic model on a benchmark's train split, select by valid, print the test NLL."""
    for name, value in (("--epochs", epochs), ("--lstm-size", lstm_size), ("--made-size", made_size),
                        ("--batch-size", batch_size), ("--lr", lr), ("--threads", threads)):
        _check_positive(name, value)
    if eval_only and not checkpoint:
        raise ControlError("--eval-only", "needs --checkpoint FILE")
    import torch

    from tunesmith.models.checkpoint import load_poly
    from tunesmith.models.poly.data import frame_count, load_mat
    from tunesmith.models.poly.poly import PolyConfig, PolyModel
    from tunesmith.models.poly.train import PolyTrainConfig, bench_nll, evaluate_mixture_nll, evaluate_nll

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    splits = load_mat(data)
    n_keys = splits["traindata"][0].shape[1]
    if eval_only:
        assert checkpoint
        models = [load_poly(c)[0] for c in checkpoint]
        for c, m in zip(checkpoint, models, strict=True):
            if m.config.n_keys != n_keys:
                raise ControlError("--checkpoint", f"{c} models {m.config.n_keys} keys, {data} has {n_keys}")
        start = time.monotonic()
        if len(models) > 1:
            valid, _ = evaluate_mixture_nll(models, splits["validdata"])
            typer.echo(f"valid NLL {valid:.4f} nats/frame (mixture of {len(models)} models)")
            nll, frames = evaluate_mixture_nll(models, splits["testdata"])
        else:
            nll, frames = evaluate_nll(models[0], splits["testdata"])
        typer.echo(f"test NLL {nll:.4f} nats/frame over {frames} frames ({time.monotonic() - start:.1f}s)")
        return
    if checkpoint and len(checkpoint) > 1:
        raise ControlError("--checkpoint", "training continues one model; give several only with --eval-only")
    resume_from = checkpoint[0] if checkpoint else None
    target = out or resume_from or Path(f"poly-{data.stem}.pt")
    cfg = PolyTrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay, bptt=bptt,
                          max_transpose=transpose, patience=patience, max_minutes=max_minutes or None,
                          seed=seed, threads=threads, progress=sys.stdout.isatty())  # fmt: skip
    if resume_from is not None:
        model, _ = load_poly(resume_from)  # checked before anything is written
        if model.config.n_keys != n_keys:
            raise ControlError("--checkpoint", f"{resume_from} models {model.config.n_keys} keys, "
                                               f"{data} has {n_keys}")
        if target.resolve() != resume_from.resolve():
            shutil.copyfile(resume_from, target)  # continue into --output, leaving the original be
    else:
        model = PolyModel(PolyConfig(n_keys=n_keys, lstm_size=lstm_size, lstm_layers=lstm_layers,
                                     made_size=made_size, made_layers=made_layers, dropout=dropout))
    params = sum(p.numel() for p in model.parameters())
    sizes = {split: frame_count(splits[split]) for split in ("traindata", "validdata", "testdata")}
    typer.echo(f"{data.name}: train {sizes['traindata']} frames, valid {sizes['validdata']}, test "
               f"{sizes['testdata']}; {params} parameters")
    start = time.monotonic()
    res = bench_nll(splits, model, target, cfg, resume=resume_from is not None,
                    data_info={"data": data.name, "frames": sizes}, log=typer.echo)  # fmt: skip
    typer.echo(f"best valid NLL {res.valid_nll:.4f} nats/frame (epoch {res.train.best_epoch} of "
               f"{res.epochs_run}, {(time.monotonic() - start) / 60:.1f} min); checkpoint {target}")
    typer.echo(f"test NLL {res.test_nll:.4f} nats/frame over {res.test_frames} frames")


def train_poly_command(
    *,
    corpus: Annotated[list[str] | None, typer.Option("--corpus", help="'bach' (music21's Bach chorales, "
                                                     "the default) or .mat files (train split).")] = None,
    epochs: Annotated[int, typer.Option("--epochs")] = 40,
    resume: Annotated[bool, typer.Option("--resume", help="Continue from the --output checkpoint "
                                         "(--epochs counts all its epochs).")] = False,
    out: Annotated[
        Path | None, typer.Option("--output", "-o", help="Checkpoint (default: user data dir).")
    ] = None,
    max_minutes: Annotated[float, typer.Option("--max-minutes")] = 0.0,
    threads: Annotated[int, typer.Option("--threads")] = 1,
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """Train the polyphonic model used by `tunesmith harmonize` (a progress bar, validation NLL every
    epoch, early stopping, a loss-curve PNG beside the checkpoint)."""
    _check_positive("--epochs", epochs)
    from tunesmith.models.checkpoint import load_poly
    from tunesmith.models.poly.harmonize import HARMONIZER_CONFIG, HARMONIZER_TRAIN, training_rolls
    from tunesmith.models.poly.poly import PolyModel
    from tunesmith.models.poly.train import PolyTrainConfig, train_poly

    target = out or data_dir() / "checkpoints" / "harmonizer.pt"
    target.parent.mkdir(parents=True, exist_ok=True)
    if resume and not target.is_file():
        raise ControlError("--resume", f"no checkpoint at {target} to resume")
    train_seqs, valid_seqs, sources = training_rolls(corpus or ["bach"])
    cfg = PolyTrainConfig(**{**HARMONIZER_TRAIN, "epochs": epochs, "max_minutes": max_minutes or None,
                             "seed": seed, "threads": threads, "progress": sys.stdout.isatty()})  # fmt: skip
    model = load_poly(target)[0] if resume else PolyModel(HARMONIZER_CONFIG)  # resume: its own config
    typer.echo(f"training on {len(train_seqs)} pieces, validating on {len(valid_seqs)} "
               f"({', '.join(sources)})")
    plot = target.with_suffix(".png")
    info = {"corpus": sources, "pieces": {"train": len(train_seqs), "valid": len(valid_seqs)}}
    res = train_poly(model, train_seqs, valid_seqs, target, cfg, resume=resume, data_info=info, plot=plot,
                     log=typer.echo)  # fmt: skip
    typer.echo(f"best valid NLL {res.best_val:.4f} nats/frame at epoch {res.best_epoch}; "
               f"checkpoint {target}; loss curve {plot}")


def harmonize_command(
    melody: Annotated[Path, typer.Argument(help="A melody file (MIDI, MusicXML, ABC); its top line is "
                                           "the soprano.")],
    *,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the four-part setting.")],
    seed: Annotated[int, typer.Option("--seed")] = 0,
    checkpoint: Annotated[Path | None, typer.Option("--checkpoint", help="Harmonizer checkpoint "
                                                    "(default: shipped).")] = None,
    engine: Annotated[str, typer.Option("--engine", help="search: voice-leading rules with Bach's "
                                        "chord habits (default); model: the neural sampler.")] = "search",
) -> None:
    """Keep the melody as the soprano and write alto, tenor and bass (four-part voice-leading)."""
    from tunesmith.models.poly.harmonize import harmonize

    scores = load(melody)
    if not scores:
        raise ControlError("melody", f"{melody} holds no music")
    result = harmonize(scores[0], seed=seed, checkpoint=checkpoint, engine=engine)
    save(result, output)
    typer.echo(f"wrote {output}")


def register(app: typer.Typer) -> None:
    bench_app.command("nll")(bench_nll_command)
    train_app.command("poly")(train_poly_command)
    app.command("harmonize")(harmonize_command)
