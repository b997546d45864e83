"""Multi-process training: `torchrun --nproc_per_node 2 -m tunesmith train melody` with gloo on CPU."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tunesmith.models.checkpoint import load_checkpoint

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.mark.slow
def test_two_process_ddp_training_writes_one_loadable_checkpoint(tmp_path: Path) -> None:
    out = tmp_path / "melody.pt"
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", "tunesmith", "train", "melody", "--input", str(DATA / "tunes.abc"),
        "--input", str(DATA / "melody_chords.mid"), "--size", "debug", "--epochs", "2",
        "--batch-size", "2", "--output", str(out), "--no-progress",
    ]  # fmt: skip
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env, cwd=tmp_path,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "distributed training: 2 processes (gloo)" in done.stdout
    assert done.stdout.count("epoch 1:") == 1  # only rank 0 reports
    model, ckpt = load_checkpoint(out, "melody")
    assert ckpt["epoch"] >= 1 and ckpt["step"] >= 1
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert out.with_suffix(".loss.png").is_file()
