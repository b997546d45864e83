"""Every failure tunesmith reports to a user is a TunesmithError with a one-line message."""

from __future__ import annotations

from pathlib import Path


class TunesmithError(Exception):
    """Base of all expected failures; the CLI prints ``str(err)`` and exits with status 2."""


class InputFileError(TunesmithError):
    """A file the user gave cannot be read: missing, empty, unknown suffix, corrupt."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        # Errors cross process boundaries (corpus build, worker pools): pickle by the
        # constructor's arguments, not by the formatted message.
        return (type(self), (self.path, self.problem))


class UnsupportedFormatError(InputFileError):
    """The suffix names no format tunesmith reads (or writes)."""


class CorruptFileError(InputFileError):
    """The file exists but its content is not valid for its format."""


class OutputError(TunesmithError):
    """A file could not be written (missing folder, full disk, no permission)."""


class ControlError(TunesmithError):
    """A control (key, tempo, style, ...) is out of range or unknown; the message lists what is allowed."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return (type(self), (self.field, self.problem))


class StoreError(TunesmithError):
    """The database could not be opened, migrated or written."""


class NotFoundError(TunesmithError):
    """A piece, user, model or collection named by the user does not exist."""


class ModelError(TunesmithError):
    """A model checkpoint is missing, corrupt or does not match its configuration."""


class SoundFontError(TunesmithError):
    """No General MIDI SoundFont was found, or it cannot be loaded."""


class LimitError(InputFileError):
    """Music too big to work on: too many notes, tracks, bars or seconds (tunesmith.limits)."""


class QuotaError(TunesmithError):
    """A user has used up a quota (compose jobs waiting, uploads kept); HTTP 429."""


class WorkTimeoutError(TunesmithError):
    """Conversion, rendering or drawing ran past its time limit and was stopped."""
