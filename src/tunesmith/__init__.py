"""tunesmith: AI music composition that runs on a laptop CPU.

The Python API lives here; heavy modules are imported only when their functions are called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np

    from tunesmith.compose.api import Composition
    from tunesmith.score import Score


def load(path: str | Path) -> list[Score]:
    """Read a MIDI, MusicXML or ABC file into Scores (an ABC file may hold many tunes)."""
    from tunesmith.io import load as _load

    return _load(path)


def save(score: Score, path: str | Path) -> None:
    """Write ``score`` to ``path`` in the format its suffix names."""
    from tunesmith.io import save as _save

    _save(score, path)


if TYPE_CHECKING:
    from tunesmith.compose import compose_piece as compose
else:
    # The compose package is callable with compose_piece's typed keywords (see its docstring).
    from tunesmith import compose as compose


def render(
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


def __getattr__(name: str) -> Any:
    raise AttributeError(f"module 'tunesmith' has no attribute {name!r}")
