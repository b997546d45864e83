"""Checkpoints are data: loading one never runs code (torch.load with weights_only=True)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from tunesmith.errors import ModelError
from tunesmith.models.checkpoint import load_checkpoint
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


@pytest.mark.parametrize("name", sorted(p.name for p in (PACKAGE_DATA / "checkpoints").glob("*.pt")))
def test_every_shipped_checkpoint_is_in_the_one_format(name: str) -> None:
    from tunesmith.models.checkpoint import BUILDERS, CHECKPOINT_FORMAT, load_checkpoint

    model, ckpt = load_checkpoint(PACKAGE_DATA / "checkpoints" / name)
    assert ckpt["format"] == CHECKPOINT_FORMAT and ckpt["architecture"] in BUILDERS
    assert not model.training


def test_the_converter_rewrites_an_old_poly_file_once(tmp_path: Path) -> None:
    import importlib.util

    from tunesmith.models.checkpoint import load_poly, save_checkpoint
    from tunesmith.models.poly.poly import PolyConfig, PolyModel

    script = Path(__file__).parents[2] / "scripts" / "convert_checkpoints.py"
    spec = importlib.util.spec_from_file_location("convert", script)
    assert spec is not None and spec.loader is not None
    convert = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(convert)
    model = PolyModel(PolyConfig(n_keys=8, lstm_size=8, lstm_layers=1, made_size=8, made_layers=1))
    old = tmp_path / "old.pt"
    config, weights = model.config.to_dict(), model.state_dict()
    save_checkpoint(old, {"kind": "tunesmith-poly", "config": config, "model": weights, "step": 3})
    with pytest.raises(ModelError, match="convert_checkpoints"):
        load_poly(old)
    assert convert.convert(old).startswith("converted")
    assert convert.convert(old) == "already in the current format"
    loaded, ckpt = load_poly(old)
    assert ckpt["step"] == 3 and all(torch.equal(v, weights[k]) for k, v in loaded.state_dict().items())
