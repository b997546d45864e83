"""Revise a composed piece: regenerate a span of bars of some tracks, keep everything else.

A piece is its compose JSON (the request that regenerates it) plus a list of revision steps;
:func:`load_version` replays both and checks the result against the JSON, :func:`revise` applies
one more step. A step names bars (``--bars 9-16``, 1-based, inclusive, intro bars counted) or a
section label (``--regenerate B``: every occurrence; a later occurrence of the same length gets
the first one's new melody, so the form still returns), which track(s) to redo and which to keep:

- ``melody``: the span's melody is infilled by tunesmith.cocreate.infill (harmony kept);
- ``chords``: the span's harmony is drawn again by the composer's harmony stage with other seeds
  (the draw whose chords hold most of the kept melody's strong-beat notes wins), or set to
  ``chords`` when given; the parts that play the chords (accompaniment, bass, pad, counter)
  follow it there; the melody is kept unless named too;
- ``accompaniment`` / ``drums``: another of the arranger's patterns for the span;
- ``all``: melody, accompaniment and drums (and chords when ``chords`` is given).

Every note outside the span, and every note of a track not regenerated, is kept as it was; new
notes are humanised by the composer's humanize with the step's seed.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import tunesmith
from tunesmith.cocreate.edit import Edit, apply_edits, find_track, parse_edits, role
from tunesmith.cocreate.infill import infill_melody
from tunesmith.compose.api import Candidate, Composition, compose
from tunesmith.compose.arrange import arrange
from tunesmith.compose.harmony import Harmony, _bar_spans, make_harmony
from tunesmith.compose.humanize import humanize, note_copy
from tunesmith.compose.plan import Plan
from tunesmith.compose.request import ComposeRequest, parse_progression
from tunesmith.compose.styles import load_style
from tunesmith.errors import ControlError, InputFileError
from tunesmith.models.rnn import api
from tunesmith.score import Note, Score, Track

TRACKS = ("melody", "chords", "accompaniment", "drums", "all")
CHORD_PLAYERS = ("accompaniment", "bass", "pad", "counter")
ACCOMPANIMENT_PATTERNS = ("block", "strum", "oompah", "afterbeat", "pulse", "arpeggio", "broken")
DRUM_PATTERNS = ("backbeat", "ballad", "march", "folk", "waltz", "sparse")
TOLERANCE = 60
"""Ticks: a humanised onset moves at most 2 sigma of the style's timing jitter (tempo * timing_ms *
0.016 ticks: under 60 for every built-in style inside its own tempo range), so a note belongs to the
bar of start + this. A tempo forced far above the style's range (over ~187 bpm at 20 ms) can move a
bar-line note past it, and the span's edge would then be misjudged for that note."""
HARMONY_DRAWS = 6


@dataclass(frozen=True)
class Step:
    """One revision: bars ("9-16") or a section label, the track to redo, tracks to keep, chords."""

    track: str
    seed: int
    bars: str | None = None
    section: str | None = None
    keep: tuple[str, ...] = ()
    chords: str | None = None
    style: str | None = None
    """Another style for the span: its melody model style, accompaniment and drum patterns."""
    edits: tuple[Edit, ...] = ()
    """Hand edits of the track named by ``track`` (tunesmith.cocreate.edit): then nothing is
    regenerated and bars, section, keep, chords and style are unused."""

    def to_dict(self) -> dict[str, Any]:
        out = {"track": self.track, "seed": self.seed, "bars": self.bars, "section": self.section,
               "keep": list(self.keep), "chords": self.chords, "style": self.style}  # fmt: skip
        if self.edits:
            out["edits"] = [e.to_dict() for e in self.edits]
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Step:
        if not isinstance(data, dict):
            raise ControlError("revisions", "each revision step must be an object")
        try:
            edits = parse_edits(data["edits"]) if data.get("edits") is not None else ()
            return cls(str(data["track"]), int(data["seed"]), data.get("bars"), data.get("section"),
                       tuple(str(k) for k in data.get("keep") or ()), data.get("chords"),
                       data.get("style"), edits)  # fmt: skip
        except (KeyError, TypeError, ValueError) as err:
            raise ControlError("revisions", f"a revision step is malformed ({err})") from err


@dataclass
class Version:
    """A piece as revised so far: its plan, harmony, clean (unhumanised) melody and Score."""

    request: ComposeRequest
    plan: Plan
    harmony: Harmony
    melody: list[Note]
    score: Score
    model_versions: dict[str, str]
    base: dict[str, Any]
    """The compose JSON this version descends from (without its revisions)."""
    steps: list[Step] = field(default_factory=list)

    def composition(self) -> Composition:
        """A Composition for tunesmith.render.piece.write_files (whose JSON adds the revisions)."""
        cand = Candidate(self.score, self.plan.seed, 0.0, {}, melody=self.melody)
        return _Revised(self.score, [cand], self.request, self.plan, self.harmony.source,
                        self.model_versions, version=self)  # fmt: skip

    def to_json(self) -> str:
        data = dict(self.base)
        data["chords"] = [[c.tick, c.figure] for c in self.score.chords]
        data["revisions"] = [s.to_dict() for s in self.steps]
        return json.dumps(data, indent=2)


@dataclass
class _Revised(Composition):
    version: Version | None = None

    def to_json(self) -> str:
        assert self.version is not None
        return self.version.to_json()


# ----- loading and replaying ------------------------------------------------------------------------


def read_piece_json(path: str | Path) -> dict[str, Any]:
    """The JSON compose (or revise) wrote, checked to be one."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise InputFileError(str(p), "no such file") from err
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputFileError(str(p), f"is not a tunesmith piece JSON ({err})") from err
    if not isinstance(data, dict) or data.get("tunesmith_piece") != 1 or "request" not in data:
        raise InputFileError(str(p), "is not a tunesmith piece JSON (written by `tunesmith compose`)")
    return data


def load_version(data: dict[str, Any], source: str = "piece JSON") -> Version:
    """Regenerate the piece of a compose/revise JSON and replay its revisions; InputFileError when
    the JSON came from another tunesmith version or other model checkpoints."""
    made_by = (data.get("model_versions") or {}).get("tunesmith")
    if made_by != tunesmith.__version__:
        raise InputFileError(source, f"was written by tunesmith {made_by}, this is "
                             f"{tunesmith.__version__}: it cannot be regenerated note for note")  # fmt: skip
    try:
        request = ComposeRequest.from_dict(data["request"])
    except (TypeError, ValueError, KeyError) as err:
        raise InputFileError(source, f"holds an unreadable request ({err})") from err
    composition = compose(request)
    if composition.model_versions != data.get("model_versions"):
        raise InputFileError(
            source,
            f"was made with other model checkpoints ({data.get('model_versions')}); "
            f"this install has {composition.model_versions}",
        )
    base = {k: v for k, v in data.items() if k != "revisions"}
    plan = composition.plan
    harmony = make_harmony(plan)
    # The web app records every candidate; a file written by compose holds the best (index 0).
    index = data.get("candidate", 0)
    if not isinstance(index, int) or not 0 <= index < len(composition.candidates):
        raise InputFileError(source, f"names candidate {index!r}, which the request does not make")
    chosen = composition.candidates[index]
    melody = [Note(n.pitch, n.start, n.duration, n.velocity) for n in chosen.melody]
    version = Version(composition.request, plan, harmony, melody, chosen.score,
                      composition.model_versions, base)  # fmt: skip
    steps = data.get("revisions") or []
    if not isinstance(steps, list):
        raise InputFileError(source, "'revisions' must be a list")
    if not steps and "chords" in data and [[c.tick, c.figure] for c in chosen.score.chords] != data["chords"]:
        raise InputFileError(source, "does not regenerate to the same chords here: it was made by "
                             "another tunesmith version")  # fmt: skip
    for raw in steps:
        version = revise(version, Step.from_dict(raw))
    if steps and "chords" in data and [[c.tick, c.figure] for c in version.score.chords] != data["chords"]:
        raise InputFileError(source, "its revisions do not replay to the same chords here")
    return version


# ----- spans ----------------------------------------------------------------------------------------


def parse_bars(text: str, total: int) -> tuple[int, int]:
    """'9-16' or '9' (1-based, inclusive) as (first bar 0-based, number of bars), checked."""
    try:
        parts = [int(p) for p in text.replace(" ", "").split("-")]
    except ValueError as err:
        raise ControlError("bars", f"{text!r} is not a bar range like 9-16") from err
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2:
        raise ControlError("bars", f"{text!r} is not a bar range like 9-16")
    first, last = parts
    if first < 1 or last < first:
        raise ControlError("bars", f"{text!r}: bars count from 1 and the range must not run backwards")
    if last > total:
        raise ControlError("bars", f"{text!r} is outside the piece, which has {total} bars")
    return first - 1, last - first + 1


def spans(step: Step, plan: Plan) -> list[tuple[int, int]]:
    """[(first bar, number of bars)] the step regenerates."""
    if (step.bars is None) == (step.section is None):
        raise ControlError("bars", "give either bars (like 9-16) or a section label to regenerate")
    if step.bars is not None:
        return [parse_bars(step.bars, plan.total_bars)]
    found = [(s.start_bar, s.bars) for s in plan.sections if s.label == step.section]
    if not found:
        labels = ", ".join(dict.fromkeys(s.label for s in plan.sections))
        raise ControlError(
            "regenerate", f"the piece has no section {step.section!r} (its sections: {labels})"
        )
    return found


def _bar_of(tick: int, bar: int) -> int:
    return (tick + TOLERANCE) // bar


# ----- one revision --------------------------------------------------------------------------------


def revise(version: Version, step: Step) -> Version:
    """A new Version with ``step`` applied (see the module doc); ``version`` is left unchanged."""
    if step.edits:
        return _edit(version, step)
    plan = version.plan
    if step.track not in TRACKS:
        raise ControlError("track", f"{step.track!r} is not one of {', '.join(TRACKS)}")
    roles = {role(t) for t in version.score.tracks}
    for name in step.keep:
        if name not in roles and name != "chords":
            raise ControlError(
                "keep", f"the piece has no track {name!r} (its tracks: {', '.join(sorted(roles))})"
            )
    # "all": every regenerable track the piece has (a chorale has no drums, a choir no accompaniment).
    named = {"melody", "accompaniment", "drums"} & roles if step.track == "all" else {step.track}
    if step.chords is not None:
        named.add("chords")
        if step.track == "chords" and "melody" not in step.keep:
            named.add("melody")  # new chords under the old tune would clash: refit it unless kept
    named -= set(step.keep)
    for name in named - {"chords"}:
        if name not in roles:
            raise ControlError(
                "track", f"the piece has no {name} track (its tracks: {', '.join(sorted(roles))})"
            )
    if not named:
        raise ControlError("keep", "every track named for regeneration is also kept: nothing to do")
    regions = spans(step, plan)
    bar = plan.bar_ticks
    style = plan.style
    if step.style is not None:
        style = load_style(step.style, plan.request.styles_path)
    rng = random.Random(step.seed)
    harmony, melody = version.harmony, version.melody
    redo: set[str] = set()
    if "chords" in named:
        harmony = _new_harmony(version, regions, step, rng)
        redo |= {r for r in CHORD_PLAYERS if r in roles and r not in step.keep}
    if "melody" in named:
        melody = _new_melody(plan, harmony, melody, regions, rng.randrange(1 << 31), style.model_style)
        redo.add("melody")
    parts = dict(plan.parts)
    drums = plan.drums
    if "accompaniment" in named:
        part = parts["accompaniment"]
        choices = [p for p in ACCOMPANIMENT_PATTERNS if p != part.pattern]
        theirs = style.parts.get("accompaniment")
        wanted = theirs.pattern if step.style and theirs and theirs.pattern != part.pattern else None
        parts["accompaniment"] = replace(part, pattern=wanted or rng.choice(choices))
        redo.add("accompaniment")
    if "drums" in named:
        other = rng.choice([p for p in DRUM_PATTERNS if p != plan.drums])
        drums = style.drums if step.style and style.drums not in ("none", plan.drums) else other
        redo.add("drums")
    local = replace(plan, parts=parts, drums=drums)
    tracks = arrange(local, harmony, note_copy(melody), step.seed)
    clean_start = {id(n): n.start for t in tracks for n in t.notes}
    humanize(local, tracks, step.seed)
    in_span = {b for first, n in regions for b in range(first, first + n)}
    fresh = {role(t): t for t in tracks}
    out_tracks = []
    for track in version.score.tracks:
        r = role(track)
        if r not in redo or r not in fresh:
            kept_track = Track(track.name, track.program, track.is_drum, list(track.notes), list(track.bends))
            out_tracks.append(kept_track)
            continue
        kept = [n for n in track.notes if _bar_of(n.start, bar) not in in_span]
        new = [n for n in fresh[r].notes if clean_start[id(n)] // bar in in_span]
        notes = sorted(kept + new, key=lambda n: (n.start, n.pitch))
        bends = [b for b in track.bends if _bar_of(b.tick, bar) not in in_span]  # slides of kept notes
        out_tracks.append(Track(track.name, track.program, track.is_drum, notes, bends))
    old = version.score
    score = Score(out_tracks, list(old.tempos), list(old.time_signatures), list(old.key_signatures),
                  harmony.symbols(), list(old.sections), old.metadata)  # fmt: skip
    return Version(version.request, plan, harmony, melody, score, version.model_versions,
                   version.base, [*version.steps, step])  # fmt: skip


def _edit(version: Version, step: Step) -> Version:
    """The version with ``step.edits`` applied to the named track; every other track kept."""
    plan = version.plan
    tracks = [Track(t.name, t.program, t.is_drum, list(t.notes), list(t.bends)) for t in version.score.tracks]
    i = find_track(tracks, step.track)
    tracks[i] = apply_edits(tracks[i], step.edits, plan.total_bars * plan.bar_ticks, plan.bar_ticks,
                            plan.velocity)  # fmt: skip
    melody = version.melody
    if role(tracks[i]) == "melody":  # later infills fit the line as the person left it
        melody = [Note(n.pitch, n.start, n.duration, n.velocity) for n in tracks[i].notes]
    old = version.score
    score = Score(tracks, list(old.tempos), list(old.time_signatures), list(old.key_signatures),
                  list(old.chords), list(old.sections), old.metadata)  # fmt: skip
    return Version(version.request, plan, version.harmony, melody, score, version.model_versions,
                   version.base, [*version.steps, step])  # fmt: skip


def _new_melody(  # noqa: PLR0917 (one call site)
    plan: Plan,
    harmony: Harmony,
    melody: list[Note],
    regions: list[tuple[int, int]],
    seed: int,
    model_style: str,
) -> list[Note]:
    """The clean melody with each region infilled; a later region as long as the first gets the
    first one's new notes (a returning section stays a return)."""
    bar = plan.bar_ticks
    chords = harmony.symbols()
    model = api.load_melody_model()
    phrase_ends = {plan.total_bars, plan.intro_bars + plan.body_bars}
    for s in plan.sections:
        end = s.start_bar
        for length in s.phrases:
            end += length
            phrase_ends.add(end)
    line = list(melody)
    first_new: tuple[int, list[Note]] | None = None
    for first, n in regions:
        a, b = first * bar, (first + n) * bar
        kept = [m for m in line if not a <= m.start < b]
        if first_new is not None and n == regions[0][1]:
            shift = a - first_new[0]
            new = [Note(m.pitch, m.start + shift, m.duration, m.velocity) for m in first_new[1]]
        else:
            result = infill_melody(
                kept, chords, plan.key, str(plan.meter), first_bar=first, n_bars=n,
                style=model_style, seed=seed, pitch_range=plan.melody_range,
                cadence=(first + n) in phrase_ends, temperature=plan.request.temperature, model=model,
            )  # fmt: skip
            new = [Note(m.pitch, m.start, m.duration, plan.velocity) for m in result.notes]
            if first_new is None:
                first_new = (a, new)
        line = sorted(kept + new, key=lambda m: m.start)
    return line


def _new_harmony(version: Version, regions: list[tuple[int, int]], step: Step, rng: random.Random) -> Harmony:
    """The harmony with the regions' bars replaced: by ``step.chords`` when given, else by the
    composer's harmony drawn with other seeds (the draw that best holds the kept melody wins)."""
    plan, harmony = version.plan, version.harmony
    bars = [list(b) for b in harmony.bars]
    if step.chords is not None:
        progression = parse_progression(step.chords)
        for first, n in regions:
            for i in range(n):
                bars[first + i] = _bar_spans(progression[i % len(progression)], plan.key,
                                             (first + i) * plan.bar_ticks, plan)  # fmt: skip
        return Harmony(bars, "user" if harmony.source == "user" else f"{harmony.source}+user")
    best: tuple[float, int, list[list[Any]]] | None = None
    for k in range(HARMONY_DRAWS):
        seed = rng.randrange(1 << 31)
        drawn = make_harmony(replace(plan, seed=seed, user_chords=None)).bars
        trial = [list(b) for b in bars]
        for first, n in regions:
            trial[first : first + n] = drawn[first : first + n]
        if all(trial[f : f + n] == bars[f : f + n] for f, n in regions):
            continue  # the same chords again: not a regeneration
        fit = _melody_fit(version, trial, regions)
        if best is None or fit > best[0]:
            best = (fit, k, trial)
    if best is None:
        raise ControlError("track", "the harmony stage gave these bars the same chords every time; "
                           "give --chords to set them")  # fmt: skip
    return Harmony(best[2], harmony.source)


def _melody_fit(version: Version, bars: list[list[Any]], regions: list[tuple[int, int]]) -> float:
    """Share of the melody's strong-beat notes in the regions that are tones of the chords there."""
    plan = version.plan
    trial = Harmony(bars, version.harmony.source)
    strong = set(plan.meter.strong_beats())
    hits = total = 0
    for first, n in regions:
        a, b = first * plan.bar_ticks, (first + n) * plan.bar_ticks
        for m in version.melody:
            if a <= m.start < b and m.start % plan.bar_ticks in strong:
                total += 1
                hits += m.pitch % 12 in trial.at(m.start).chord.pitch_classes()
    return hits / total if total else 0.0
