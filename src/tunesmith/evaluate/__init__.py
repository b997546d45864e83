"""Objective evaluation of music: per-piece metrics, originality against a corpus, and reports.

- :mod:`tunesmith.evaluate.metrics`: ``metrics(score)`` → dict of named floats (pitch-class entropy,
  scale/groove consistency, in-chord ratio, empty beats, repetition, density, range, intervals) and
  ``metrics_table(scores)`` → mean ± std per metric.
- :mod:`tunesmith.evaluate.originality`: an index over training melodies answering
  ``longest_copied_run(melody, index)`` (transposition-invariant, in milliseconds), ``is_original``,
  ``find_similar`` and ``fingerprint`` for the store.
- :mod:`tunesmith.evaluate.report`: ``compare(generated, reference)`` → Markdown, and the files the
  ``tunesmith evaluate`` command writes (JSON, Markdown, histograms).

Names are loaded lazily so importing the package does not pull numpy.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "metrics": "metrics",
    "metrics_table": "metrics",
    "METRICS": "metrics",
    "METRIC_NAMES": "metrics",
    "OriginalityIndex": "originality",
    "longest_copied_run": "originality",
    "is_original": "originality",
    "find_similar": "originality",
    "fingerprint": "originality",
    "corpus_index": "originality",
    "compare": "report",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"tunesmith.evaluate.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'tunesmith.evaluate' has no attribute {name!r}")
