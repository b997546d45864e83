"""Find a General MIDI SoundFont: an explicit path, then $TUNESMITH_SOUNDFONT, then the usual Debian paths."""

from __future__ import annotations

import os
from pathlib import Path

from tunesmith.errors import SoundFontError

ENV_VAR = "TUNESMITH_SOUNDFONT"
INSTALL_HINT = "sudo apt-get install fluid-soundfont-gm"

# Best first: FluidR3 is the fuller GM set; TimGM6mb is small but complete; default-GM links are
# Debian's "alternatives" choice, whichever package provides it.
KNOWN_PATHS = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/default.sf2",
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/usr/share/sounds/sf3/default-GM.sf3",
    "/usr/share/sounds/sf3/MuseScore_General.sf3",
)
SEARCH_DIRS = ("/usr/share/soundfonts", "/usr/share/sounds/sf2", "/usr/share/sounds/sf3")


def check_soundfont(path: str | Path) -> Path:
    """Return ``path`` if it is a readable SoundFont 2 file (RIFF 'sfbk'); raise SoundFontError if not."""
    p = Path(path)
    if not p.is_file():
        raise SoundFontError(f"{p}: SoundFont not found (install one with `{INSTALL_HINT}`)")
    try:
        with p.open("rb") as fh:
            head = fh.read(12)
    except OSError as err:
        raise SoundFontError(f"{p}: cannot read SoundFont ({err.strerror or err})") from err
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"sfbk":
        raise SoundFontError(f"{p}: not a SoundFont 2 file (no RIFF 'sfbk' header)")
    return p


def find_soundfont(explicit: str | Path | None = None) -> Path:
    """The SoundFont to use: ``explicit`` > $TUNESMITH_SOUNDFONT > known system paths.

    An explicit path or the environment variable is used as given (a missing or broken file is an
    error, never silently replaced by another font)."""
    if explicit is not None and str(explicit) != "":
        return check_soundfont(explicit)
    env = os.environ.get(ENV_VAR, "")
    if env:
        try:
            return check_soundfont(env)
        except SoundFontError as err:
            raise SoundFontError(f"${ENV_VAR}={err}") from err
    for candidate in KNOWN_PATHS:
        if Path(candidate).is_file():
            return check_soundfont(candidate)
    for folder in SEARCH_DIRS:
        d = Path(folder)
        if d.is_dir():
            for found in sorted(d.glob("*.sf2")):
                if found.is_file():
                    return check_soundfont(found)
    raise SoundFontError(
        f"no General MIDI SoundFont found (looked in {', '.join(SEARCH_DIRS)}); "
        f"install one with `{INSTALL_HINT}`, or pass --soundfont PATH or set ${ENV_VAR}"
    )
