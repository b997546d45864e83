"""Checkpoints are data: loading one never runs code (torch.load with weights_only=True)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from tunesmith.errors import ModelError
from tunesmith.models.train import load_checkpoint
from tunesmith.paths import PACKAGE_DATA


class _Payload:
    """Pickles as a call to os.system: what a crafted checkpoint carries."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (self.command,))


def test_a_crafted_checkpoint_runs_no_code(tmp_path: Path) -> None:
    pwned = tmp_path / "PWNED"
    crafted = tmp_path / "crafted.pt"
    torch.save({"model": {}, "config": _Payload(f"touch {pwned}"), "kind": "melody"}, crafted)
    with pytest.raises(ModelError, match="not a readable checkpoint"):
        load_checkpoint(crafted)
    assert not pwned.exists()


@pytest.mark.parametrize("name", sorted(p.name for p in (PACKAGE_DATA / "checkpoints").glob("*.pt")))
def test_every_shipped_checkpoint_loads_as_weights_only(name: str) -> None:
    ckpt = torch.load(PACKAGE_DATA / "checkpoints" / name, map_location="cpu", weights_only=True)
    assert isinstance(ckpt, dict) and "model" in ckpt
