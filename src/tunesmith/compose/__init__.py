"""The composer: from a few controls to a finished, arranged piece (see compose.api)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tunesmith.compose.api import Composition
    from tunesmith.compose.request import ComposeRequest


def compose(request: ComposeRequest) -> Composition:
    from tunesmith.compose.api import compose as _compose

    return _compose(request)


def __getattr__(name: str) -> Any:
    if name in ("ComposeRequest",):
        from tunesmith.compose.request import ComposeRequest

        return ComposeRequest
    raise AttributeError(f"module 'tunesmith.compose' has no attribute {name!r}")
