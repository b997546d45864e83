"""Rewrite checkpoints into the one format of tunesmith.models.checkpoint (re-runnable).

    python scripts/convert_checkpoints.py [CHECKPOINT.pt ...]

Without arguments: every checkpoint shipped in src/tunesmith/data/checkpoints. A file already in
the current format is left untouched (so running it twice changes nothing); an older polyphonic-
model file (``kind: tunesmith-poly``) gains ``format``, ``kind: poly`` and ``architecture: poly``
and keeps every tensor and number. Each converted file is rebuilt from its new dict and its weights
compared, tensor by tensor, with the original before it replaces the old file (atomically).
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
    save_checkpoint,
)
from tunesmith.paths import PACKAGE_DATA


def converted(ckpt: dict[str, Any]) -> dict[str, Any] | None:
    """The checkpoint in the current format, or None when it already is."""
    if ckpt.get("format") == CHECKPOINT_FORMAT and ckpt.get("architecture") in BUILDERS:
        return None
    if ckpt.get("kind") == OLD_POLY_KIND:
        return {"format": CHECKPOINT_FORMAT, **ckpt, "kind": "poly", "architecture": "poly"}
    raise ModelError(f"unknown checkpoint layout (kind {ckpt.get('kind')!r}, format {ckpt.get('format')!r})")


def convert(path: Path) -> str:
    old = torch.load(path, map_location="cpu", weights_only=True)
    new = converted(old)
    if new is None:
        return "already in the current format"
    model = build(new, path)
    for name, tensor in model.state_dict().items():
        if not torch.equal(tensor, old["model"][name]):
            raise ModelError(f"{path}: weight {name} changed in conversion")
    save_checkpoint(path, new)
    return f"converted ({old.get('kind')} -> {new['kind']}, architecture {new['architecture']})"


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
