"""The style critic: how much a composed melody reads like its style's real tunes.

Per style, an L2-regularised logistic regression on a melody's style features (tunesmith.evaluate.
line_features: density, range, intervals, durations, bar repetition, ... and their squares, so a
spread as well as a centre can be learned) tells the style's real training tunes from melodies the
composer itself wrote without the critic. Its logit, less the log of the two sets' size ratio,
estimates log p_real(x) / p_composed(x); compose adds its logistic (0..1) to a candidate's ranking
(tunesmith.compose.rank, component "style"), so among the candidates it keeps those whose density,
range and intervals its style's tunes share. This is discriminator-guided selection: it never
changes a note, it only picks among the model's own drafts.

The real tunes are the style's collections minus the held-out split and the slice next to it (the
tenth that benchmarks use to choose settings: tunesmith.models.rnn.data.melody_held_out), so no
benchmark tune trains it. ``tunesmith train critic`` refits one style's critic, on the corpus or on
the user's own files; a critic file in the data dir wins over the shipped one, style by style.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tunesmith.corpus.load import load_corpus
from tunesmith.errors import ModelError, TunesmithError
from tunesmith.evaluate.line_features import FEATURES, grid_line, line_features
from tunesmith.evaluate.twosample import fit_logistic
from tunesmith.fileutil import write_text_atomic
from tunesmith.models.rnn.data import HELD_OUT_FRACTION, melody_held_out
from tunesmith.paths import PACKAGE_DATA, data_dir
from tunesmith.score import ChordSymbol, Note
from tunesmith.tokens import melody as mt

CRITIC_FILE = "style_critic.json"
SHIPPED_PATH = PACKAGE_DATA / "critic" / CRITIC_FILE
MAX_BARS = 32
"""The critic reads a melody's first 32 bars, as the style benchmark does."""
MAX_FILE_BYTES = 1 << 20
VERSION = 1

CORPORA: dict[str, tuple[str, ...]] = {
    "folk": ("nottingham",),
    "celtic": ("oneills1850", "ryansMammoth"),
    "chinese-folk": ("chinese-folk",),
    "chorale": ("bach",),
}
"""The collections each style's critic learns from by default (the style benchmark's real tunes)."""

MELODY_CORPORA: dict[str, tuple[str, ...]] = {
    "folk": ("nottingham",),
    "celtic": ("oneills1850", "ryansMammoth"),
    "chinese": ("chinese-folk",),
    "chorale": ("bach",),
    "song": ("essen",),
}
"""Per melody-model style tag, the collections of the critic ``generate melody`` ranks its drafts by."""


def melody_critic_name(model_style: str) -> str:
    """The critic file's entry for the raw model's drafts in ``model_style`` (beside compose's)."""
    return f"melody:{model_style}"

FloatArray = npt.NDArray[np.float64]


def expand(features: Sequence[float] | FloatArray) -> FloatArray:
    """A feature vector (or rows of them) with the squares appended."""
    x = np.asarray(features, dtype=np.float64)
    return np.concatenate([x, x * x], axis=-1)


@dataclass(frozen=True)
class StyleCritic:
    """One style's critic (see the module docstring)."""

    style: str
    mean: FloatArray
    scale: FloatArray
    weights: FloatArray
    """One per expanded feature, then the bias."""
    log_prior: float
    """log(real rows / composed rows) of the fit: taken off the logit to estimate the density ratio."""
    info: dict[str, Any]

    def log_ratio(self, features: Sequence[float]) -> float:
        """Estimated log p_real / p_composed of a melody's :data:`FEATURES` vector."""
        z = (expand(features) - self.mean) / self.scale
        return float(z @ self.weights[:-1] + self.weights[-1]) - self.log_prior

    def judge(self, features: Sequence[float]) -> float:
        """0..1: the logistic of :meth:`log_ratio` (0.5 = as likely real as composed)."""
        r = max(-30.0, min(30.0, self.log_ratio(features)))
        return 1.0 / (1.0 + math.exp(-r))

    def to_json(self) -> dict[str, Any]:
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist(), "weights": self.weights.tolist(),
                "log_prior": self.log_prior, "info": self.info}


def fit(style: str, real: Sequence[Sequence[float]], composed: Sequence[Sequence[float]], l2: float = 1.0,
        info: dict[str, Any] | None = None) -> StyleCritic:
    """A critic telling ``real`` feature rows from ``composed`` ones (each at least 20 rows)."""
    if min(len(real), len(composed)) < 20:
        raise ModelError(f"style critic {style}: need at least 20 real and 20 composed melodies, "
                         f"got {len(real)} and {len(composed)}")
    x = expand(np.vstack([np.asarray(real, dtype=np.float64), np.asarray(composed, dtype=np.float64)]))
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    y = np.concatenate([np.ones(len(real)), np.zeros(len(composed))])
    weights = fit_logistic((x - mean) / scale, y, l2)
    meta = {"real": len(real), "composed": len(composed), "l2": l2, **(info or {})}
    return StyleCritic(style, mean, scale, weights, math.log(len(real) / len(composed)), meta)


def _vector(value: Any, size: int, name: str, where: str) -> FloatArray:
    if not isinstance(value, list) or len(value) != size or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
    ):
        raise ModelError(f"{where}: '{name}' must be a list of {size} numbers")
    out = np.asarray(value, dtype=np.float64)
    if not np.isfinite(out).all():
        raise ModelError(f"{where}: '{name}' holds a value that is not a finite number")
    return out


def parse(text: str, where: str) -> dict[str, StyleCritic]:
    """Critics from a critic file's text; a clear ModelError for anything malformed."""
    try:
        doc = json.loads(text)
    except ValueError as err:
        raise ModelError(f"{where}: not a style critic file ({err})") from None
    if not isinstance(doc, dict) or doc.get("version") != VERSION or not isinstance(doc.get("critics"), dict):
        raise ModelError(f"{where}: not a version-{VERSION} style critic file")
    if doc.get("features") != list(FEATURES):
        raise ModelError(f"{where}: made for other melody features than this version's")
    size = 2 * len(FEATURES)
    out = {}
    for style, entry in doc["critics"].items():
        here = f"{where} (style {style!r})"
        if not isinstance(entry, dict):
            raise ModelError(f"{here}: each critic must be a table")
        scale = _vector(entry.get("scale"), size, "scale", here)
        if (scale <= 0).any():
            raise ModelError(f"{here}: 'scale' must be positive")
        log_prior = entry.get("log_prior")
        if isinstance(log_prior, bool) or not isinstance(log_prior, (int, float)) \
                or not math.isfinite(log_prior):
            raise ModelError(f"{here}: 'log_prior' must be a finite number")
        info = entry.get("info", {})
        out[str(style)] = StyleCritic(
            str(style), _vector(entry.get("mean"), size, "mean", here), scale,
            _vector(entry.get("weights"), size + 1, "weights", here), float(log_prior),
            info if isinstance(info, dict) else {},
        )
    return out


def read(path: Path) -> dict[str, StyleCritic]:
    """The critics of a critic file ({} when there is none)."""
    if not path.is_file():
        return {}
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ModelError(f"{path}: {path.stat().st_size} bytes is too large for a style critic file")
    return parse(path.read_text(encoding="utf-8", errors="replace"), str(path))


def user_path() -> Path:
    return data_dir() / "critic" / CRITIC_FILE


@functools.cache
def _cached(path: str, mtime_ns: int) -> dict[str, StyleCritic]:  # noqa: ARG001 (mtime: cache key)
    return read(Path(path))


def _critics(path: Path) -> dict[str, StyleCritic]:
    return _cached(str(path), path.stat().st_mtime_ns) if path.is_file() else {}


def load_critic(style: str) -> StyleCritic | None:
    """The style's critic: the data dir's when it has one, else the shipped one, else None."""
    return _critics(user_path()).get(style) or _critics(SHIPPED_PATH).get(style)


def save_critic(critic: StyleCritic, path: Path | None = None) -> Path:
    """Write (or replace) ``critic`` in the critic file at ``path`` (default: the data dir's), atomically."""
    path = path or user_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    critics = read(path)
    critics[critic.style] = critic
    doc = {"version": VERSION, "features": list(FEATURES),
           "critics": {s: c.to_json() for s, c in sorted(critics.items())}}
    write_text_atomic(path, json.dumps(doc, indent=1))
    return path


def melody_features(notes: Sequence[Note], chords: Sequence[ChordSymbol], *, key: Any, meter: str,
                    model_style: str, start: int, end: int) -> list[float] | None:
    """The :data:`FEATURES` of a composed melody between ticks ``start`` and ``end`` (the piece's
    body, its first downbeat at ``start``), quantised as the corpus tunes are; None under two notes."""
    style = model_style if model_style in mt.STYLES else "folk"
    body = [n for n in notes if start <= n.start < end]
    if len(body) < 2:
        return None
    return encoding_features(
        mt.encode_melody(body, list(chords), key, meter, style, start=start, end=end, bar_origin=start)
    )


def training_encodings(model_style: str, collections: Iterable[str]) -> list[mt.MelodyEncoding]:
    """The training tunes of ``model_style`` in ``collections`` with chords (not the held-out split,
    not the settings slice beside it)."""
    from tunesmith.models.rnn.train import label_missing_chords

    out = []
    for score in label_missing_chords(iter(load_corpus(list(collections)))):
        if mt.style_of(score.metadata) != model_style:
            continue
        try:
            enc = mt.encode_score(score, end=mt.meter_span_end(score))
        except TunesmithError:
            continue
        if enc.chords.any() and not melody_held_out(enc, score.metadata.title, 2 * HELD_OUT_FRACTION):
            out.append(enc)
    return out


def corpus_rows(model_style: str, collections: Iterable[str]) -> list[list[float]]:
    """Feature rows of the training tunes of ``model_style`` in ``collections`` (see
    :func:`training_encodings`)."""
    rows = map(encoding_features, training_encodings(model_style, collections))
    return [row for row in rows if row is not None]


def encoding_features(enc: mt.MelodyEncoding) -> list[float] | None:
    """The :data:`FEATURES` of an encoded melody's first MAX_BARS bars; None under two notes."""
    line = grid_line(enc, MAX_BARS)
    return line_features(line) if len(line.notes) >= 2 else None


def file_rows(paths: Iterable[Path], model_style: str) -> list[list[float]]:
    """Feature rows of the user's own tunes (MIDI, MusicXML, ABC files or folders of them)."""
    from tunesmith.models.rnn.train import input_scores, label_missing_chords

    rows = []
    for score in label_missing_chords(input_scores(list(paths))):
        try:
            enc = mt.encode_score(score, style=model_style if model_style in mt.STYLES else "folk",
                                  end=mt.meter_span_end(score))
        except TunesmithError:
            continue
        features = encoding_features(enc)
        if features is not None:
            rows.append(features)
    return rows
