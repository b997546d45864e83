"""Rendering: SoundFont synthesis (synth), mixing (mix), mastering (master) and files (export).

Import from the submodules; this package file stays light so importing it costs nothing.
``tunesmith.render(score)`` is :func:`render_to_array`: importing any submodule rebinds the name
``tunesmith.render`` to this package, so the package is callable with the same signature.
"""

from __future__ import annotations

import inspect
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from tunesmith.compose.api import Composition
    from tunesmith.score import Score


def render_to_array(
    score: Score | Composition,
    *,
    soundfont: str | Path | None = None,
    master: bool = True,
    sample_rate: int = 44100,
) -> tuple[np.ndarray, int]:
    """Synthesize (FluidSynth and a General MIDI SoundFont), mix and master ``score`` in memory.

    Returns ``(audio, sample_rate)``: ``audio`` is a float32 array of shape (2, samples) in -1..1
    (stereo, channels first); a Composition is mixed with its style's mix plan. Nothing is written."""
    from tunesmith.render.export import render_audio

    mix = None
    if hasattr(score, "plan") and hasattr(score, "score"):
        from tunesmith.compose.api import mix_plan

        mix = mix_plan(score.plan, score.score)
        score = score.score
    rendered = render_audio(score, soundfont=soundfont, mix=mix, do_master=master, sample_rate=sample_rate)
    return rendered.audio, rendered.sample_rate


class _CallablePackage(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> tuple[np.ndarray, int]:
        return render_to_array(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
__signature__ = inspect.signature(render_to_array)
