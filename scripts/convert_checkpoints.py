"""Rewrite checkpoints into the one format of tunesmith.models.checkpoint (re-runnable).

    python scripts/convert_checkpoints.py [CHECKPOINT.pt ...]

Without arguments: every checkpoint shipped in src/tunesmith/data/checkpoints. A file already in
the current format is left untouched (so running it twice changes nothing). An older polyphonic-
model file gains ``format``, ``kind: poly`` and ``architecture: poly`` (``kind: tunesmith-poly``),
and the keys its old trainer nested under ``extra`` move to where the one training loop
(tunesmith.models.train) keeps them: ``epoch``, ``best_val`` (was ``best_valid``), ``history``,
``train_config``, ``data`` (the data file or corpus it was trained on), and the benchmark's
``test_nll``, ``test_frames``, ``epochs_run``, ``train_seconds``; every tensor and number is kept.
Each converted file is rebuilt from its new dict and its weights compared, tensor by tensor, with
the original before it replaces the old file (atomically).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import torch

from tunesmith.errors import ModelError
from tunesmith.models.checkpoint import (
    BUILDERS,
    CHECKPOINT_FORMAT,
    OLD_POLY_KIND,
    build,
    is_nested_poly,
    save_checkpoint,
)
from tunesmith.paths import PACKAGE_DATA

RENAMED = {"best_valid": "best_val"}
"""The old polyphonic trainer's ``extra`` keys that the one loop spells differently."""
DATA_KEYS = ("data", "corpus")
"""``extra`` keys naming what the model was trained on: the loop's ``data`` dict holds them."""


def converted(ckpt: dict[str, Any]) -> dict[str, Any] | None:
    """The checkpoint in the current format, or None when it already is."""
    if ckpt.get("kind") == OLD_POLY_KIND:
        ckpt = {"format": CHECKPOINT_FORMAT, **ckpt, "kind": "poly", "architecture": "poly"}
        return _unnested(ckpt) if is_nested_poly(ckpt) else ckpt
    if is_nested_poly(ckpt):
        return _unnested(ckpt)
    if ckpt.get("format") == CHECKPOINT_FORMAT and ckpt.get("architecture") in BUILDERS:
        return None
    raise ModelError(f"unknown checkpoint layout (kind {ckpt.get('kind')!r}, format {ckpt.get('format')!r})")


def _unnested(ckpt: dict[str, Any]) -> dict[str, Any]:
    """The polyphonic trainer's ``extra`` keys at the one loop's top level."""
    out = {k: v for k, v in ckpt.items() if k != "extra"}
    extra = dict(ckpt["extra"])
    out["data"] = {k: extra.pop(k) for k in DATA_KEYS if k in extra}
    out["vocab"] = {}
    for key, value in extra.items():
        name = RENAMED.get(key, key)
        if name in out:
            raise ModelError(f"extra[{key!r}] would overwrite the checkpoint's {name!r}")
        out[name] = value
    if "optimizer" in out and out["optimizer"] is None:
        del out["optimizer"]  # the loop reads a missing optimiser as 'weights only'
    return out


def convert(path: Path) -> str:
    old = torch.load(path, map_location="cpu", weights_only=True)
    new = converted(old)
    if new is None:
        return "already in the current format"
    model = build(new, path)
    for name, tensor in model.state_dict().items():
        if not torch.equal(tensor, old["model"][name]):
            raise ModelError(f"{path}: weight {name} changed in conversion")
    for key in ("optimizer", "step"):
        if old.get(key) is not None and new.get(key) is not old.get(key):
            raise ModelError(f"{path}: {key} changed in conversion")
    save_checkpoint(path, new)
    moved = ", the keys under 'extra' moved to the top level" if "extra" in old else ""
    return f"converted ({old.get('kind')} -> {new['kind']}, architecture {new['architecture']}{moved})"


def main(args: list[str]) -> int:
    paths = [Path(a) for a in args] or sorted((PACKAGE_DATA / "checkpoints").glob("*.pt"))
    failed = 0
    for path in paths:
        try:
            print(f"{path}: {convert(path)}")
        except (ModelError, OSError, RuntimeError) as err:
            print(f"{path}: error: {err}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
