"""The four-part harmoniser's learned part: how Bach's chorales move from chord to chord.

Each training chorale (music21's corpus, in its own key) is labelled beat by beat with the
vocabulary of tunesmith.theory.fourpart; the counts of (previous chord, chord) pairs, add-one
smoothed, give P(chord | previous chord) per mode (self-transitions included, so the prior also knows
how often Bach keeps a chord for another beat). The chorales held out for evaluation are never
counted: those the neural harmonizer holds out for validation (one in ten by a hash of the file name,
as tunesmith.models.poly.harmonize splits them) and the four-part Bach pieces of music21's corpus that are
not in its chorale iterator (the harmonizer never saw them either).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from pathlib import Path
from typing import Any

from tunesmith.fileutil import write_text_atomic
from tunesmith.paths import PACKAGE_DATA, data_dir
from tunesmith.score import TICKS_PER_QUARTER
from tunesmith.theory.fourpart import Prior, beat_labels, uniform_prior, vocabulary

PRIOR_PATH = PACKAGE_DATA / "harmonize" / "chord_prior.json"
SMOOTHING = 1.0

Line = list[tuple[int, int, int]]


def heldout_by_hash(name: str) -> bool:
    """The neural harmonizer's validation chorales (models.poly.harmonize.training_rolls' split)."""
    return int(hashlib.sha1(name.encode()).hexdigest(), 16) % 10 == 0


def _stem(name: str) -> str:
    """'bwv10.7' for '.../bwv10.7.mxl' and 'bwv10.7' alike (the corpus lists files both ways)."""
    base = Path(name).name
    for ext in (".mxl", ".xml", ".musicxml", ".krn", ".mid"):
        if base.endswith(ext):
            return base[: -len(ext)]
    return base


def _chorale(stream: Any) -> dict[str, Any] | None:
    """Four voices (pitch, start, duration in ticks), key and fermata ticks of one four-part score."""
    parts = list(stream.parts)
    if len(parts) != 4:
        return None
    lines: list[Line] = []
    fermatas: list[int] = []
    for index, part in enumerate(parts):
        line: Line = []
        for el in part.flatten().notes:
            if not hasattr(el, "pitch"):
                return None
            start = round(float(el.offset) * TICKS_PER_QUARTER)
            dur = round(float(el.quarterLength) * TICKS_PER_QUARTER)
            if dur <= 0:
                continue
            if (
                line
                and el.tie is not None
                and el.tie.type in ("stop", "continue")
                and line[-1][0] == el.pitch.midi
            ):
                p, s, _ = line[-1]
                line[-1] = (p, s, start + dur - s)
            else:
                line.append((int(el.pitch.midi), start, dur))
            if index == 0 and any(type(e).__name__ == "Fermata" for e in el.expressions):
                fermatas.append(start)
        if not line:
            return None
        lines.append(line)
    try:
        key = stream.analyze("key")
    except Exception:
        return None
    return {
        "tonic": int(key.tonic.pitchClass),
        "minor": key.mode == "minor",
        "parts": lines,
        "fermatas": fermatas,
    }


def bach_chorales(cache: Path | None = None) -> list[dict[str, Any]]:
    """Every four-part Bach chorale of music21's corpus with its split ('train' or 'heldout'); parsed
    once (about a minute) and cached in the user data dir."""
    path = cache or data_dir() / "cache" / "bach-chorales-satb.json"
    if path.is_file():
        data: list[dict[str, Any]] = json.loads(path.read_text())
        return data
    from music21 import corpus

    iterated = [str(n) for n in corpus.chorales.Iterator(returnType="filename")]
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for name in iterated:
        if _stem(name) in seen:
            continue
        seen.add(_stem(name))
        item = _chorale(corpus.parse(name))
        if item is not None:
            item.update(name=_stem(name), split="heldout" if heldout_by_hash(name) else "train")
            out.append(item)
    for name in corpus.getComposer("bach"):
        if _stem(str(name)) in seen:
            continue
        seen.add(_stem(str(name)))
        try:
            stream = corpus.parse(str(name))
        except Exception:
            continue
        item = _chorale(stream)
        if item is not None:
            item.update(name=_stem(str(name)), split="heldout")
            out.append(item)

    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(out))
    return out


def fit_prior(chorales: list[dict[str, Any]]) -> dict[str, Any]:
    """Transition counts per mode from the 'train' chorales (beats of a quarter note)."""
    counts: dict[str, dict[str, dict[str, int]]] = {"major": {}, "minor": {}}
    used = 0
    for ch in chorales:
        if ch["split"] != "train":
            continue
        used += 1
        mode = "minor" if ch["minor"] else "major"
        labels = beat_labels(ch["parts"], TICKS_PER_QUARTER, ch["tonic"], ch["minor"])
        prev = "^"
        for lab in labels:
            if not lab:
                prev = "^"
                continue
            row = counts[mode].setdefault(prev, {})
            row[lab] = row.get(lab, 0) + 1
            prev = lab
    return {"chorales": used, "beat": "quarter", "smoothing": SMOOTHING, "counts": counts}


RARITY = 0.4
"""How much of each chord's overall frequency is taken back out of the transition cost. The search
keeps the single cheapest path, and the cheapest path through P(chord | previous) runs through the
commonest chords: with the plain prior it set Bach's own training melodies with I, V and V7 half as
often again as he did, ii and iv a fifth as often, and 9.2 different chords a chorale to his 14.0.
Subtracting RARITY x -log P(chord) (a pointwise-mutual-information score) gives the chords their
share back; 0.4 was chosen on 60 training chorales (chord frequencies closest to his: JSD 0.076 ->
0.043; 13.2 chords a chorale, 0.79 changes a beat against his 0.80; benchmarks/results/harmonize.md)."""


@functools.cache
def load_prior(
    minor: bool, weight: float = 1.0, path: str = str(PRIOR_PATH), rarity: float = RARITY
) -> Prior:
    """weight * (-log P(label | previous) + rarity * log P(label)) from the shipped counts (uniform
    when they are missing); P(label) is the label's share of all counted beats."""
    file = Path(path)
    if not file.is_file():
        return uniform_prior
    table = json.loads(file.read_text())["counts"]["minor" if minor else "major"]
    labels = list(vocabulary(minor))
    overall = {lab: sum(row.get(lab, 0) for row in table.values()) + SMOOTHING for lab in labels}
    beats = sum(overall.values())
    costs: dict[tuple[str, str], float] = {}
    for prev in ["^", *labels]:
        row = table.get(prev, {})
        total = sum(row.get(lab, 0) for lab in labels) + SMOOTHING * len(labels)
        for lab in labels:
            following = math.log((row.get(lab, 0) + SMOOTHING) / total)
            costs[(prev, lab)] = -weight * (following - rarity * math.log(overall[lab] / beats))

    def prior(prev: str | None, label: str) -> float:
        return costs.get((prev or "^", label), 0.0)

    return prior


def main() -> None:
    """Refit the shipped prior: ``python -m tunesmith.models.chord_prior`` (parses music21's corpus
    once, about three minutes; writes data/harmonize/chord_prior.json)."""
    prior = fit_prior(bach_chorales())
    write_text_atomic(PRIOR_PATH, json.dumps(prior, indent=0, sort_keys=True))
    print(f"{prior['chorales']} training chorales -> {PRIOR_PATH}")


if __name__ == "__main__":
    main()
