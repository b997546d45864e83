"""Multi-process training of the other families under torchrun (2 processes, gloo on CPU): the
polyphonic model, the phrase VAE and the bar GAN (the melody LSTM: tests/models/test_ddp.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import tunesmith.models.gan.gan
import tunesmith.models.vae.vae  # noqa: F401  (registers the architectures load_checkpoint rebuilds)
from tunesmith.models.checkpoint import load_checkpoint

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"
WALTZES = HERE.parents[1] / "src" / "tunesmith" / "data" / "nottingham" / "waltzes.abc"


def _torchrun(args: list[str], cwd: Path) -> str:
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", *args]
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(HERE.parents[1] / "src"))
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=cwd, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_poly_two_processes_keep_identical_replicas_and_learn(tmp_path: Path) -> None:
    from tunesmith.models.checkpoint import load_poly as load_model

    _torchrun([str(HERE / "ddp_poly_run.py"), str(tmp_path)], tmp_path)
    lines = [(tmp_path / f"rank{r}.txt").read_text().split() for r in (0, 1)]
    assert lines[0][0] == lines[1][0] == "2"
    assert lines[0][1] == lines[1][1]  # the same weights on both ranks after training
    before, best = float(lines[0][2]), float(lines[0][3])
    assert best < before  # it learned
    model, _ = load_model(tmp_path / "poly.pt")  # rank 0 wrote a loadable checkpoint
    assert all(torch.isfinite(p).all() for p in model.parameters())


@pytest.mark.parametrize("kind", ["vae", "gan"])
def test_vae_and_gan_train_with_two_processes(kind: str, tmp_path: Path) -> None:
    out = tmp_path / f"{kind}.pt"
    stdout = _torchrun([
        "-m", "tunesmith", "train", kind, "--input", str(WALTZES), "--limit", "8", "--size", "debug",
        "--epochs", "2", "--batch-size", "8", "--out", str(out), "--no-progress",
    ], tmp_path)  # fmt: skip
    assert "distributed training: 2 processes (gloo)" in stdout
    assert stdout.count("epoch 1:") == 1  # only rank 0 reports
    model, ckpt = load_checkpoint(out, kind)
    assert ckpt["epoch"] >= 1
    assert all(torch.isfinite(p).all() for p in model.parameters())
    if kind == "vae":
        assert ckpt["attributes"]  # rank 0 finished the recipe
    else:
        assert ckpt["critic_ranking"]["steps"] == 10
