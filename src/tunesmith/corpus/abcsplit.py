"""Split an ABC file into its tunes, so each tune can be parsed (and fail) on its own."""

from __future__ import annotations

import itertools
import re

_X_LINE = re.compile(r"^X:", re.MULTILINE)


def split_abc(text: str) -> list[str]:
    """Split an ABC file into tunes (each starting at an ``X:`` line), each with the file header.

    The file header (the fields before the first ``X:``) applies to every tune, so it is prepended.
    """
    starts = [m.start() for m in _X_LINE.finditer(text)]
    if not starts:
        return [text] if text.strip() else []
    header = text[: starts[0]]
    header = "".join(line for line in header.splitlines(keepends=True) if not line.startswith("%abc"))
    bounds = [*starts, len(text)]
    return [header + text[a:b] for a, b in itertools.pairwise(bounds)]


def abc_field(tune: str, name: str) -> str:
    """Value of the first ``name:`` header line of a tune ('' if absent), e.g. abc_field(t, "T")."""
    m = re.search(rf"^{name}:\s*(.*)$", tune, re.MULTILINE)
    return m.group(1).strip() if m else ""
