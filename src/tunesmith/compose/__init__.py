"""The composer: from a few controls to a finished, arranged piece (see compose.api).

``tunesmith.compose(...)`` is the Python API's one-call composer. Because this package is also
named ``compose``, importing any of its modules replaces the ``tunesmith.compose`` function with
this package; the package is therefore made callable with the same signature, so
``tunesmith.compose(style="waltz", seed=1)`` works whichever of the two the name holds.
"""

from __future__ import annotations

import inspect
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from tunesmith.compose.api import Composition


def compose_piece(
    out_dir: str | Path | None = None,
    *,
    style: str = "folk",
    mood: str | None = None,
    valence: float | None = None,
    arousal: float | None = None,
    key: str | None = None,
    mode: str | None = None,
    tempo: float | None = None,
    meter: str | None = None,
    bars: int | None = None,
    seconds: float | None = None,
    form: str | None = None,
    chords: str | None = None,
    primer: str | None = None,
    instruments: list[str] | None = None,
    model: str | None = None,
    temperature: float = 1.0,
    candidates: int = 3,
    seed: int | None = None,
    title: str | None = None,
    styles_path: str | None = None,
    extra: dict[str, Any] | None = None,
    formats: tuple[str, ...] | list[str] | None = None,
    stems: bool = False,
    soundfont: str | Path | None = None,
    record: bool = True,
) -> Composition:
    """Compose a piece. The controls (style ... styles_path) are the fields of
    tunesmith.compose.request.ComposeRequest, with the same types and defaults (a test keeps them
    equal); None lets the style and mood decide. With ``out_dir`` the files are written too
    (``formats`` default: wav, mid, musicxml, png, json) and the piece is recorded in the store
    unless ``record`` is False. Returns the Composition: ``.score`` is the best piece,
    ``.candidates`` all of them ranked, ``.files`` the paths written. Bad controls raise
    tunesmith.errors.ControlError naming the field and what is allowed."""
    from tunesmith.compose.api import DEFAULT_FORMATS, compose, write_files
    from tunesmith.compose.request import ComposeRequest

    request = ComposeRequest(
        style=style, mood=mood, valence=valence, arousal=arousal, key=key, mode=mode, tempo=tempo,
        meter=meter, bars=bars, seconds=seconds, form=form, chords=chords,
        primer=str(primer) if primer is not None else None,
        instruments=[instruments] if isinstance(instruments, str) else instruments,
        model=model, temperature=temperature, candidates=candidates, seed=seed, title=title,
        styles_path=styles_path, extra=dict(extra or {}),
    )  # fmt: skip
    composition = compose(request.validate())
    if out_dir is not None:
        write_files(
            composition, out_dir, formats=formats or DEFAULT_FORMATS, stems=stems, soundfont=soundfont,
            record=record,
        )  # fmt: skip
    return composition


class _CallablePackage(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Composition:
        return compose_piece(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
# help() and inspect.signature(tunesmith.compose) show compose_piece's typed keywords.
__signature__ = inspect.signature(compose_piece)
