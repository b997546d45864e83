"""A seeded tiny polyphonic-model run, printed to full precision, to compare training loops.

Run it with the old code and the new on the path and diff the outputs:

    PYTHONPATH=OLD/src python benchmarks/poly_loop_equivalence.py DIR_A > old.txt
    PYTHONPATH=src python benchmarks/poly_loop_equivalence.py DIR_B > new.txt

The old poly loop (before it joined tunesmith.models.train) drew every epoch's transpositions and
batch order from one generator seeded once; the one loop seeds a generator per epoch (so a resumed
run draws what an unbroken one would). For the comparison every ``np.random.default_rng`` call
returns one shared generator seeded 0, which is the old loop's stream; everything else (weights,
dropout, BPTT chunks, clipping, AdamW, the plateau halving of the learning rate, validation, which
epoch is kept) is the code under test.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tunesmith.models.checkpoint import load_poly
from tunesmith.models.poly import train as poly_train
from tunesmith.models.poly.poly import PolyConfig, PolyModel


def rolls(rng: np.random.Generator, n: int, keys: int = 16) -> list[np.ndarray]:
    out = []
    for _ in range(n):
        roll = np.zeros((int(rng.integers(5, 30)), keys), dtype=np.uint8)
        for t in range(len(roll)):
            base = int(rng.integers(keys // 3, keys // 2))
            roll[t, [base, base + 4, base + 7]] = 1
        out.append(roll)
    return out


def main(out: Path) -> None:
    data_rng = np.random.default_rng(7)
    train, valid = rolls(data_rng, 20), rolls(data_rng, 6)
    shared = np.random.default_rng(0)
    setattr(np.random, "default_rng", lambda _seed=None: shared)  # noqa: B010 (see the docstring)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = PolyModel(PolyConfig(n_keys=16, lstm_size=12, lstm_layers=2, made_size=24, made_layers=2,
                                 dropout=0.1))  # fmt: skip
    kw: dict[str, Any] = {"epochs": 10, "batch_size": 4, "bptt": 4, "max_transpose": 2, "lr": 3e-2,
                          "lr_patience": 1, "patience": 20}  # fmt: skip
    ckpt = out / "m.pt"
    cfg = poly_train.PolyTrainConfig(**kw)
    if hasattr(poly_train, "train_poly"):  # the one loop
        cfg.progress = False
        history = poly_train.train_poly(model, train, valid, ckpt, cfg).history
    else:  # the old loop: train(model, train, valid, cfg, checkpoint)
        history = getattr(poly_train, "train")(model, train, valid, cfg, ckpt).history  # noqa: B009
    best, stored = load_poly(ckpt)
    for row in history:
        print(int(row["epoch"]), repr(row["train_loss"]), repr(row["val_loss"]), row["lr"])
    digest = hashlib.sha256(b"".join(p.detach().numpy().tobytes() for p in best.parameters())).hexdigest()
    print("checkpoint step", stored["step"], "best weights", digest[:16])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
