from pathlib import Path

import numpy as np
import pytest
import scipy.io
import torch

from tunesmith.cli.main import main
from tunesmith.io import load, save
from tunesmith.models.checkpoint import bare_checkpoint, save_checkpoint
from tunesmith.models.checkpoint import load_poly as load_model
from tunesmith.models.poly.poly import PolyConfig, PolyModel
from tunesmith.score import Note, Score, Track

TINY = {"lstm_size": 12, "made_size": 24, "dropout": 0.1}


def write_mat(path: Path, keys: int = 88, sizes: tuple[int, int, int] = (6, 3, 3)) -> Path:
    """A benchmark-layout .mat of random three-note chords (1×N cells of T×keys uint8 arrays)."""
    rng = np.random.default_rng(0)
    cells = {}
    for name, n in zip(("traindata", "validdata", "testdata"), sizes, strict=True):
        cell = np.empty((1, n), dtype=object)
        for i in range(n):
            roll = np.zeros((int(rng.integers(5, 14)), keys), dtype=np.uint8)
            for t in range(len(roll)):
                base = int(rng.integers(keys // 3, keys // 2))
                roll[t, [base, base + 4, base + 7]] = 1
            cell[0, i] = roll
        cells[name] = cell
    scipy.io.savemat(path, cells)
    return path


SMALL = ["--lstm-size", "8", "--made-size", "16", "--epochs", "2", "--batch-size", "2"]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


@pytest.mark.slow
def test_bench_nll_trains_then_scores_the_saved_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_mat(tmp_path / "tiny.mat", keys=88)
    ckpt = tmp_path / "m.pt"
    code, out, err = run(["bench", "nll", "--data", str(data), "--output", str(ckpt), *SMALL], capsys)
    assert code == 0, err
    assert "epoch 2: train" in out and "best valid NLL" in out
    test_line = next(line for line in out.splitlines() if line.startswith("test NLL"))
    model, stored = load_model(ckpt)
    assert model.config.lstm_size == 8 and stored["epochs_run"] == 2 and stored["data"]["data"] == "tiny.mat"
    code, out, err = run(["bench", "nll", "--data", str(data), "--checkpoint", str(ckpt), "--eval-only"],
                         capsys)
    assert code == 0, err
    # The same number, to the printed precision, from the saved checkpoint.
    assert out.split(" nats")[0] == test_line.split(" nats")[0]
    # Continue training it into another file: the original stays as it was.
    before = ckpt.read_bytes()
    more = tmp_path / "more.pt"
    three = [("3" if previous == "--epochs" else a) for previous, a in zip(["", *SMALL], SMALL, strict=False)]
    resume = ["--checkpoint", str(ckpt), "--output", str(more)]
    code, out, err = run(["bench", "nll", "--data", str(data), *resume, *three], capsys)
    assert code == 0, err
    assert f"resumed from {more} at epoch {stored['epoch']}" in out and "epoch 3: train" in out
    assert ckpt.read_bytes() == before and load_model(more)[1]["epochs_run"] == 3


@pytest.mark.parametrize("content", [b"", b"hello, not matlab"])
def test_bench_nll_bad_mat_exits_1_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    bad = tmp_path / "bad.mat"
    bad.write_bytes(content)
    code, _, err = run(["bench", "nll", "--data", str(bad), *SMALL], capsys)
    assert code == 1
    assert "bad.mat" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bench_nll_missing_file_and_missing_checkpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["bench", "nll", "--data", str(tmp_path / "none.mat")], capsys)
    assert code == 1 and "none.mat: file not found" in err
    data = write_mat(tmp_path / "tiny.mat")
    code, _, err = run(["bench", "nll", "--data", str(data), "--eval-only"], capsys)
    assert code == 1 and "--checkpoint" in err
    code, _, err = run(["bench", "nll", "--data", str(data), "--eval-only", "--checkpoint",
                        str(tmp_path / "none.pt")], capsys)
    assert code == 1 and "checkpoint not found" in err


@pytest.mark.slow
def test_train_poly_on_a_mat_corpus_writes_checkpoint_and_curve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_mat(tmp_path / "tiny.mat", keys=88, sizes=(3, 2, 1))
    ckpt = tmp_path / "h.pt"
    code, out, err = run(["train", "poly", "--corpus", str(data), "--epochs", "1", "--output", str(ckpt)],
                         capsys)
    assert code == 0, err
    assert "valid" in out and ckpt.is_file() and ckpt.with_suffix(".png").is_file()
    code, out, err = run(["train", "poly", "--corpus", str(data), "--epochs", "2", "--output", str(ckpt),
                          "--resume"], capsys)
    assert code == 0, err
    # One batch per epoch: epoch 1 was step 1, and training went on with epoch 2.
    assert f"resumed from {ckpt} at epoch 1, step 1" in out and "epoch 2: train" in out


def test_harmonize_writes_four_voices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    torch.manual_seed(0)
    ckpt = tmp_path / "h.pt"
    save_checkpoint(ckpt, bare_checkpoint("poly", "poly", PolyModel(PolyConfig(**TINY))))
    melody = tmp_path / "melody.mid"
    notes = [Note(p, i * 480, 480, 90) for i, p in enumerate([72, 71, 69, 67, 69, 71, 72, 72])]
    save(Score(tracks=[Track("melody", 0, False, notes)]), melody)
    out_file = tmp_path / "chorale.mid"
    code, _, err = run(["harmonize", str(melody), "-o", str(out_file), "--seed", "3",
                        "--checkpoint", str(ckpt)], capsys)
    assert code == 0, err
    score = load(out_file)[0]
    named = {t.name: t for t in score.tracks}
    assert set(named) >= {"Soprano", "Alto", "Tenor", "Bass"}
    assert [n.pitch for n in named["Soprano"].notes] == [72, 71, 69, 67, 69, 71, 72, 72]
    assert all(named[v].notes for v in ("Alto", "Tenor", "Bass"))
