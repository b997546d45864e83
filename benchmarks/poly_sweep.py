"""Hyper-parameter sweep of the polyphonic model (LSTM + MADE) on the JSB and Nottingham benchmarks.

Runs every configuration in its own process (on a GPU when one is there), each for a wall-time budget,
and writes the validation history of every run to OUT/sweep.json. Selection is by validation NLL only:
the test split is never read here.

    python benchmarks/poly_sweep.py --data-dir DIR --out OUT [--minutes 5] [--tiny]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

BASE = {"lstm_size": 256, "made_size": 512, "dropout": 0.3}
JSB = {"batch_size": 8, "max_transpose": 5, "epochs": 200}
NOTT = {"batch_size": 16, "bptt": 50, "max_transpose": 5, "epochs": 200}

RUNS: list[tuple[str, str, dict, dict]] = [
    ("j-base", "JSB_Chorales", {}, {}),
    ("j-notrans", "JSB_Chorales", {}, {"max_transpose": 0}),
    ("j-d05", "JSB_Chorales", {"dropout": 0.5}, {}),
    ("j-keydrop", "JSB_Chorales", {"key_dropout": 0.15}, {}),
    ("j-big", "JSB_Chorales", {"lstm_size": 384, "made_size": 1024, "dropout": 0.5}, {"max_transpose": 6}),
    ("j-small", "JSB_Chorales", {"lstm_size": 192, "made_size": 384, "dropout": 0.4}, {}),
    ("j-wd", "JSB_Chorales", {"dropout": 0.4}, {"weight_decay": 1e-2, "lr": 1e-3}),
    ("j-made3", "JSB_Chorales", {"made_layers": 3, "dropout": 0.4}, {}),
    ("j-made1", "JSB_Chorales", {"made_layers": 1, "made_size": 1024, "dropout": 0.4}, {}),
    ("j-b4", "JSB_Chorales", {}, {"batch_size": 4}),
    ("j-b16", "JSB_Chorales", {}, {"batch_size": 16, "lr": 3e-3}),
    ("n-base", "Nottingham", {}, {}),
    ("n-notrans", "Nottingham", {"dropout": 0.2}, {"max_transpose": 0}),
    ("n-big", "Nottingham", {"lstm_size": 384, "made_size": 1024}, {}),
    ("n-keydrop", "Nottingham", {"key_dropout": 0.1}, {}),
    ("n-b32", "Nottingham", {}, {"batch_size": 32, "bptt": 100}),
    ("n-small", "Nottingham", {"lstm_size": 192, "made_size": 384, "dropout": 0.2}, {"max_transpose": 3}),
]


def _worker(name: str, dataset: str, model_kw: dict, train_kw: dict, data_dir: str, tmp: str,
            minutes: float, tiny: bool) -> None:
    import torch

    from tunesmith.models.poly.data import load_mat
    from tunesmith.models.poly.poly import PolyConfig, PolyModel
    from tunesmith.models.poly.train import PolySteps, PolyTrainConfig
    from tunesmith.models.train import train

    torch.set_num_threads(1)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    data = load_mat(Path(data_dir) / f"{dataset}.mat")
    tr, va = data["traindata"], data["validdata"]
    mkw = {**BASE, **model_kw}
    tkw = {**(JSB if dataset == "JSB_Chorales" else NOTT), **train_kw, "patience": 8, "lr_patience": 2,
           "max_minutes": minutes or None}
    if tiny:
        tr, va = tr[:8], va[:4]
        mkw.update(lstm_size=16, made_size=32)
        tkw["epochs"] = 2
    model = PolyModel(PolyConfig(**mkw)).to(device)
    record: dict = {"name": name, "dataset": dataset, "model": mkw, "train": tkw, "device": device,
                    "params": sum(p.numel() for p in model.parameters()), "history": []}

    class Recorded(PolySteps):
        def describe(self, epoch: int, row: dict, improved: bool) -> str:  # once per epoch, the whole row
            record["history"].append(row)
            (Path(tmp) / f"{name}.json").write_text(json.dumps(record))
            return super().describe(epoch, row, improved)

    res = train(model, tr, va, Path(tmp) / f"{name}.pt", kind="poly", architecture="poly", vocab={},
                config=PolyTrainConfig(**tkw, progress=False), steps=Recorded)
    record.update(best_valid=res.best_val, best_epoch=res.best_epoch, done=True)
    (Path(tmp) / f"{name}.json").write_text(json.dumps(record))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--deadline", type=float, default=0.0, help="stop everything after this many seconds")
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    tmp = Path(args.out) / "runs_tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    ctx = mp.get_context("spawn")
    runs = [r for r in RUNS if not args.only or r[0] in args.only.split(",")]
    procs = [ctx.Process(target=_worker, args=(*r, args.data_dir, str(tmp), args.minutes, args.tiny))
             for r in runs]
    start = time.monotonic()
    for p in procs:
        p.start()
    while any(p.is_alive() for p in procs):
        time.sleep(5)
        if args.deadline and time.monotonic() - start > args.deadline:
            for p in procs:
                if p.is_alive():
                    p.terminate()
            break
    results = []
    for r in runs:
        f = tmp / f"{r[0]}.json"
        if f.exists():
            rec = json.loads(f.read_text())
            hist = rec["history"]
            rec.setdefault("best_valid", min((h["val_loss"] for h in hist), default=None))
            results.append(rec)
    (Path(args.out) / "sweep.json").write_text(json.dumps(results, indent=1))
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    for rec in sorted(results, key=lambda x: (x["dataset"], x["best_valid"] or 99)):
        print(f"{rec['name']:12s} {rec['dataset']:13s} params={rec['params']:8d} "
              f"epochs={len(rec['history']):3d} "
              f"best_valid={rec['best_valid']}")
    print(f"total {time.monotonic() - start:.0f}s on {os.cpu_count()} cpus")


if __name__ == "__main__":
    main()
