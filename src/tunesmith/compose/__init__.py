"""The composer: from a few controls to a finished, arranged piece (see compose.api).

``tunesmith.compose(...)`` is the Python API's one-call composer. Because this package is also
named ``compose``, importing any of its modules replaces the ``tunesmith.compose`` function with
this package; the package is therefore made callable with the same signature, so
``tunesmith.compose(style="waltz", seed=1)`` works whichever of the two the name holds.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from tunesmith.compose.api import Composition


def compose_piece(
    out_dir: str | Path | None = None,
    *,
    formats: tuple[str, ...] | list[str] | None = None,
    stems: bool = False,
    soundfont: str | Path | None = None,
    record: bool = True,
    **controls: Any,
) -> Composition:
    """Compose a piece from controls (the fields of ComposeRequest: style, mood, valence, arousal,
    key, mode, tempo, meter, bars, seconds, form, chords, primer, instruments, model, temperature,
    candidates, seed, ...). With ``out_dir`` the files are written too (``formats`` default: wav,
    mid, musicxml, png, json) and the piece is recorded in the store. Returns the Composition:
    ``.score`` is the best piece, ``.candidates`` all of them ranked, ``.files`` the paths written."""
    from tunesmith.compose.api import DEFAULT_FORMATS, compose, write_files
    from tunesmith.compose.request import ComposeRequest

    composition = compose(ComposeRequest.from_dict(controls))
    if out_dir is not None:
        write_files(
            composition, out_dir, formats=formats or DEFAULT_FORMATS, stems=stems, soundfont=soundfont,
            record=record,
        )  # fmt: skip
    return composition


class _CallablePackage(types.ModuleType):
    def __call__(self, out_dir: str | Path | None = None, **kwargs: Any) -> Composition:
        return compose_piece(out_dir, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
