"""Run by tests/models/test_ddp_families.py under torchrun: trains a tiny polyphonic model with
2 processes and writes, per rank, a digest of its final weights (the replicas must agree)."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np
import torch

from tunesmith.models.distributed import rank_and_world
from tunesmith.models.poly.poly import PolyConfig, PolyModel
from tunesmith.models.poly.train import PolyTrainConfig, evaluate_nll, train_poly


def rolls(rng: np.random.Generator, n: int, keys: int) -> list[np.ndarray]:
    out = []
    for _ in range(n):
        T = int(rng.integers(5, 14))  # uneven lengths: ranks get different numbers of BPTT chunks
        roll = np.zeros((T, keys), dtype=np.uint8)
        for t in range(T):
            base = int(rng.integers(keys // 3, keys // 2))
            roll[t, [base, base + 4, base + 7]] = 1
        out.append(roll)
    return out


def main() -> None:
    out = Path(sys.argv[1])
    torch.set_num_threads(1)
    rank, world = rank_and_world()
    torch.manual_seed(100 + rank)  # different initial weights per rank: rank 0's must win
    rng = np.random.default_rng(0)
    train_seqs, valid_seqs = rolls(rng, 12, 16), rolls(rng, 4, 16)
    model = PolyModel(PolyConfig(n_keys=16, lstm_size=12, lstm_layers=1, made_size=24, made_layers=2,
                                 dropout=0.0))
    before, _ = evaluate_nll(model, valid_seqs)
    cfg = PolyTrainConfig(epochs=3, batch_size=2, bptt=4, lr=1e-2, progress=False)
    result = train_poly(model, train_seqs, valid_seqs, out / "poly.pt", cfg)
    digest = hashlib.sha256(b"".join(p.detach().numpy().tobytes() for p in model.parameters())).hexdigest()
    (out / f"rank{rank}.txt").write_text(f"{world} {digest} {before} {result.best_val}\n")


if __name__ == "__main__":
    main()
