"""`tunesmith train vae|gan`, `vary`, `interpolate` and `generate melody --model gan` with debug-size
models trained on the test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import typer
from typer.testing import CliRunner

from tunesmith.cli import groups, melody, vaegan
from tunesmith.errors import ControlError, InputFileError
from tunesmith.io import load_one
from tunesmith.theory.melodyline import melody_track

torch.set_num_threads(1)
pytestmark = pytest.mark.slow  # trains two debug models through the CLI first
DATA = Path(__file__).resolve().parent.parent / "data"
TUNE = DATA / "melody_chords.mid"

app = typer.Typer()
groups.register(app)
melody.register(app)
vaegan.register(app)


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return result.output


def fails(*args: str) -> BaseException | None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code != 0
    return result.exception


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("ckpt")
    out = {}
    for kind in ("vae", "gan"):
        text = invoke(
            "train",
            kind,
            "--input",
            str(DATA / "tunes.abc"),
            "--input",
            str(TUNE),
            "--size",
            "debug",
            "--epochs",
            "2",
            "--batch-size",
            "8",
            "--output",
            str(folder / f"{kind}.pt"),
            "--no-progress",
        )
        assert "epoch 2:" in text and (folder / f"{kind}.loss.png").is_file()
        out[kind] = folder / f"{kind}.pt"
    return out


def test_vary_writes_n_variations_and_amount_zero_is_the_melody(
    checkpoints: dict[str, Path], tmp_path: Path
) -> None:
    text = invoke(
        "vary",
        str(TUNE),
        "--amount",
        "0",
        "-n",
        "2",
        "--checkpoint",
        str(checkpoints["vae"]),
        "-o",
        str(tmp_path / "same"),
    )
    assert text.count("wrote") == 2
    original = load_one(TUNE)
    for i in (1, 2):
        copy = load_one(tmp_path / "same" / f"melody_chords-var{i}.mid")
        assert [(n.pitch, n.start, n.duration) for n in melody_track(copy).notes] == [
            (n.pitch, n.start, n.duration) for n in melody_track(original).notes
        ]
    invoke(
        "vary",
        str(TUNE),
        "--amount",
        "1.0",
        "-n",
        "3",
        "--seed",
        "2",
        "--attribute",
        "density=+1",
        "--phrase-bars",
        "2",
        "--checkpoint",
        str(checkpoints["vae"]),
        "-o",
        str(tmp_path / "far"),
    )
    assert sorted(p.name for p in (tmp_path / "far").iterdir()) == [
        f"melody_chords-var{i}.mid" for i in (1, 2, 3)
    ]


def test_interpolate_writes_each_step_and_the_whole_morph(
    checkpoints: dict[str, Path], tmp_path: Path
) -> None:
    invoke(
        "vary",
        str(TUNE),
        "--amount",
        "2",
        "-n",
        "1",
        "--checkpoint",
        str(checkpoints["vae"]),
        "-o",
        str(tmp_path / "v"),
    )
    other = tmp_path / "v" / "melody_chords-var1.mid"
    text = invoke(
        "interpolate",
        str(TUNE),
        str(other),
        "--steps",
        "4",
        "--bars",
        "2",
        "--checkpoint",
        str(checkpoints["vae"]),
        "-o",
        str(tmp_path / "morph"),
    )
    assert text.count("wrote") == 5
    first = load_one(tmp_path / "morph" / "step01.mid")
    assert all(n.end <= 2 * 1920 for n in melody_track(first).notes)
    morph = load_one(tmp_path / "morph" / "morph.mid")
    assert max(n.end for n in melody_track(morph).notes) > 3 * 2 * 1920


def test_generate_melody_with_the_gan(checkpoints: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "gan.mid"
    text = invoke(
        "generate",
        "melody",
        "--model",
        "gan",
        "--chords",
        "Am F C G",
        "--key",
        "Am",
        "--bars",
        "8",
        "--checkpoint",
        str(checkpoints["gan"]),
        "-o",
        str(out),
    )
    assert "wrote" in text and "8 bars" in text
    score = load_one(out)
    notes = melody_track(score).notes
    assert notes and max(n.end for n in notes) <= 8 * 1920
    assert isinstance(
        fails("generate", "melody", "--model", "gan", "--in-scale", "--checkpoint", str(checkpoints["gan"])),
        ControlError,
    )


def test_bad_inputs_get_named_errors(checkpoints: dict[str, Path], tmp_path: Path) -> None:
    vae = str(checkpoints["vae"])
    assert isinstance(
        fails("vary", str(tmp_path / "none.mid"), "--checkpoint", vae, "-o", str(tmp_path / "o")),
        InputFileError,
    )
    err = fails("vary", str(TUNE), "--attribute", "loud=+1", "--checkpoint", vae, "-o", str(tmp_path / "o"))
    assert isinstance(err, ControlError) and err.field == "attribute"
    err = fails("vary", str(TUNE), "-n", "0", "--checkpoint", vae, "-o", str(tmp_path / "o"))
    assert isinstance(err, ControlError) and err.field == "n"
    err = fails("vary", str(TUNE), "--phrase-bars", "3", "--checkpoint", vae, "-o", str(tmp_path / "o"))
    assert isinstance(err, ControlError) and err.field == "phrase-bars"
    err = fails("train", "vae", "--size", "huge", "--output", str(tmp_path / "x.pt"))
    assert isinstance(err, ControlError) and err.field == "size"
