"""Grade a student's answer to an exercise, with feedback bar by bar in plain words.

Dictation and sight-reading answers are aligned note by note with the answer key (an edit-distance
alignment, so one missing note does not make every later note wrong); harmonisations are checked
with the part-writing rules of theory.partwriting; quiz answers are compared name by name.
Answers are files (MusicXML, MIDI, ABC) or text: note names with values (``C4/4 D4/8 E4/8.``), or
one quiz answer per line (``1: M3`` or ``major third``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunesmith.education.exercises import describe_notes, read_manifest
from tunesmith.education.levels import CHORD_NAMES, INTERVAL_NAMES, INTERVAL_SHORT
from tunesmith.errors import InputFileError, UnsupportedFormatError
from tunesmith.io import loads
from tunesmith.score import TICKS_PER_QUARTER, Note, Score, TimeSignature
from tunesmith.theory.key import Key
from tunesmith.theory.partwriting import FAULT_KINDS, check_four_part, four_voices, slices
from tunesmith.theory.pitch import parse_pitch_name, pitch_name

PASS_MARK = 0.8
GRID = TICKS_PER_QUARTER // 4
FAULT_WEIGHTS = {
    "parallel fifths": 1.0,
    "parallel octaves": 1.0,
    "cadence": 1.0,
    "range": 0.5,
    "crossing": 0.5,
    "chord tones": 0.5,
    "doubled leading tone": 0.5,
    "leading tone": 0.5,
    "seventh": 0.5,
    "spacing": 0.25,
}
MAX_ANSWER_BYTES = 2_000_000


@dataclass
class Grade:
    exercise_id: str
    kind: str
    level: int
    score: float
    """0 (nothing right) to 1 (all right)."""
    feedback: list[str] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.score >= PASS_MARK

    def to_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise_id,
            "kind": self.kind,
            "level": self.level,
            "score": round(self.score, 3),
            "passed": self.passed,
            "feedback": self.feedback,
            "details": self.details,
        }


def grade(
    exercise: str | Path | dict[str, Any], answer: str | Path | bytes, answer_name: str = "answer"
) -> Grade:
    """Grade ``answer`` (a file path, or the bytes of an uploaded file named ``answer_name``)."""
    manifest = exercise if isinstance(exercise, dict) else read_manifest(exercise)
    kind = manifest["kind"]
    if isinstance(answer, bytes):
        data, name = answer, answer_name
    else:
        path = Path(answer)
        try:
            if path.stat().st_size > MAX_ANSWER_BYTES:
                raise InputFileError(path, f"larger than {MAX_ANSWER_BYTES // 1000} kB: not an answer")
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputFileError(path, "no such file") from None
        except OSError as err:
            raise InputFileError(path, f"cannot read ({err.strerror or err})") from None
        name = path.name
    if len(data) > MAX_ANSWER_BYTES:
        raise InputFileError(name, f"larger than {MAX_ANSWER_BYTES // 1000} kB: not an answer")
    if kind in ("intervals", "chords"):
        if not _is_text(name, data):
            raise InputFileError(
                name, "is a score, not a list of answers: write one answer per line in a text file"
            )
        return _grade_quiz(manifest, _text(data, name))
    if kind == "harmonisation":
        return _grade_harmony(manifest, _score(data, name), name)
    key = Key.parse(manifest["key"])
    if _is_text(name, data):
        notes = parse_note_text(_text(data, name), key)
    else:
        notes = _melody_notes(_score(data, name), manifest, name)
    return _grade_notes(manifest, notes, key)


def _is_text(name: str, data: bytes) -> bool:
    return Path(name).suffix.lower() in (".txt", "") and not data.lstrip().startswith((b"<", b"MThd", b"X:"))


def _text(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputFileError(name, "is not text: write your answers as text, one per line") from None


def _score(data: bytes, name: str) -> Score:
    suffix = Path(name).suffix.lower()
    if suffix not in (".mid", ".midi", ".musicxml", ".xml", ".mxl", ".abc"):
        head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
        if head.startswith(b"MThd"):
            suffix = ".mid"
        elif head.startswith(b"<"):
            suffix = ".musicxml"
        elif re.search(rb"^X:", head, re.MULTILINE) and re.search(rb"^K:", head, re.MULTILINE):
            suffix = ".abc"
        else:
            raise UnsupportedFormatError(
                name, "not MIDI, MusicXML or ABC: send your answer as one of those or as text"
            )
    scores = loads(data, suffix, name)
    if not scores:
        raise InputFileError(name, "holds no music")
    return scores[0]


_TOKEN = re.compile(r"^([A-Ga-g][#b♯♭]*-?\d)(?:/(1|2|4|8|16)(\.?))?$")


def parse_note_text(text: str, key: Key) -> list[Note]:
    """``C4/4 D4/8 E4/8. r/4`` → notes (value 4 = quarter, 8 = eighth, a dot adds half; ``r`` rests)."""
    del key  # names carry their own accidentals
    notes: list[Note] = []
    tick = 0
    for raw in text.replace(",", " ").split():
        token = raw.strip()
        rest = re.match(r"^[rR](?:/(1|2|4|8|16)(\.?))?$", token)
        m = _TOKEN.match(token)
        if rest:
            value, dot = rest.group(1) or "4", rest.group(2)
        elif m:
            value, dot = m.group(2) or "4", m.group(3)
        else:
            raise InputFileError(
                "answer", f"cannot read {token!r}: write notes like C4/4, F#4/8, Bb3/2. (r/4 rests)"
            )
        length = TICKS_PER_QUARTER * 4 // int(value)
        length += length // 2 if dot else 0
        if m and not rest:
            notes.append(Note(parse_pitch_name(m.group(1)), tick, length))
        tick += length
        if len(notes) > 2000:
            raise InputFileError("answer", "more than 2000 notes: not an answer to an exercise")
    if not notes:
        raise InputFileError("answer", "holds no notes")
    return notes


def _melody_notes(score: Score, manifest: dict[str, Any], name: str) -> list[Note]:
    tracks = [t for t in score.tracks if t.notes]
    if not tracks:
        raise InputFileError(name, "holds no notes")
    track = max(tracks, key=lambda t: len(t.notes))
    ts = score.time_signatures[0] if score.time_signatures else None
    if ts is not None and str(ts) != manifest["meter"] and score.time_signatures:
        raise InputFileError(
            name,
            f"is in {ts}, exercise {manifest['id']} is in {manifest['meter']}: "
            "is it the answer to another exercise?",
        )
    return [
        Note(n.pitch, round(n.start / GRID) * GRID, max(GRID, round(n.duration / GRID) * GRID), n.velocity)
        for n in sorted(track.notes, key=lambda n: (n.start, -n.pitch))
    ]


def _bar_of(tick: int, meter: str) -> int:
    num, den = (int(x) for x in meter.split("/"))
    return tick // TimeSignature(0, num, den).bar_ticks + 1


_VALUE_NAMES = {
    1920: "whole note",
    1440: "dotted half",
    960: "half note",
    720: "dotted quarter",
    480: "quarter",
    360: "dotted eighth",
    240: "eighth",
    180: "dotted sixteenth",
    120: "sixteenth",
}


def _value(ticks: int) -> str:
    return _VALUE_NAMES.get(ticks, f"{ticks / TICKS_PER_QUARTER:g} beats")


def _align(
    expected: list[tuple[int, int]], given: list[tuple[int, int]], rhythm_only: bool
) -> list[tuple[int | None, int | None]]:
    """Needleman–Wunsch alignment of (pitch, duration) sequences; pairs of indices (None = gap)."""
    n, m = len(expected), len(given)

    def cost(a: tuple[int, int], b: tuple[int, int]) -> float:
        if rhythm_only:
            return 0.0 if a[1] == b[1] else 0.6
        return (0.0 if a[0] == b[0] else 0.6) + (0.0 if a[1] == b[1] else 0.4)

    table = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        table[i][0] = float(i)
    for j in range(1, m + 1):
        table[0][j] = float(j)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            table[i][j] = min(
                table[i - 1][j - 1] + cost(expected[i - 1], given[j - 1]),
                table[i - 1][j] + 1.0,
                table[i][j - 1] + 1.0,
            )
    pairs: list[tuple[int | None, int | None]] = []
    i, j = n, m
    while i > 0 or j > 0:
        if (
            i > 0
            and j > 0
            and abs(table[i][j] - table[i - 1][j - 1] - cost(expected[i - 1], given[j - 1])) < 1e-9
        ):
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i > 0 and abs(table[i][j] - table[i - 1][j] - 1.0) < 1e-9:
            pairs.append((i - 1, None))
            i -= 1
        else:
            pairs.append((None, j - 1))
            j -= 1
    return pairs[::-1]


def _grade_notes(manifest: dict[str, Any], given: list[Note], key: Key) -> Grade:
    expected = [Note(p, s, d) for p, s, d in manifest["answer"]["notes"]]
    rhythm_only = manifest["answer"].get("compare") == "rhythm"
    if len(given) > 3 * len(expected) + 8:
        raise InputFileError(
            "answer",
            f"has {len(given)} notes, exercise {manifest['id']} has {len(expected)}: "
            "is it the answer to another exercise?",
        )
    meter = manifest["meter"]
    pairs = _align(
        [(n.pitch, n.duration) for n in expected], [(n.pitch, n.duration) for n in given], rhythm_only
    )
    points = 0.0
    per_bar: dict[int, list[str]] = {}
    details = []
    for pos, (i, j) in enumerate(pairs):
        if i is None:
            assert j is not None
            bar = _bar_of(given[j].start, meter)
            what = _value(given[j].duration) if rhythm_only else f"{pitch_name(given[j].pitch, key)}"
            per_bar.setdefault(bar, []).append(f"you wrote an extra note ({what})")
            details.append({"bar": bar, "problem": "extra"})
            continue
        e = expected[i]
        bar = _bar_of(e.start, meter)
        nth = sum(1 for k in range(i) if _bar_of(expected[k].start, meter) == bar) + 1
        if j is None:
            what = (
                _value(e.duration) if rhythm_only else f"{pitch_name(e.pitch, key)}, a {_value(e.duration)}"
            )
            per_bar.setdefault(bar, []).append(f"note {nth} is missing ({what})")
            details.append({"bar": bar, "note": nth, "problem": "missing"})
            continue
        g = given[j]
        pitch_ok = rhythm_only or g.pitch == e.pitch
        value_ok = g.duration == e.duration
        points += 0.6 * pitch_ok + 0.4 * value_ok if not rhythm_only else float(value_ok)
        del pos
        if not pitch_ok:
            per_bar.setdefault(bar, []).append(
                f"note {nth}: you wrote {pitch_name(g.pitch, key)}, the melody has {pitch_name(e.pitch, key)}"
            )
            details.append({"bar": bar, "note": nth, "problem": "pitch"})
        if not value_ok:
            per_bar.setdefault(bar, []).append(
                f"note {nth}: you wrote a {_value(g.duration)}, it is a {_value(e.duration)}"
            )
            details.append({"bar": bar, "note": nth, "problem": "rhythm"})
    extra = sum(1 for i, _ in pairs if i is None)
    score = max(0.0, (points - 0.5 * extra) / len(expected))
    feedback = [f"Bar {bar}: " + "; ".join(msgs) + "." for bar, msgs in sorted(per_bar.items())]
    if not feedback:
        feedback = ["Every note is right. Well done!"]
    else:
        wrong = {(d["bar"], d["note"]) for d in details if d["problem"] != "extra"}
        feedback.insert(0, f"{len(expected) - len(wrong)} of {len(expected)} notes are right.")
    if not rhythm_only:
        feedback.append(f"The melody: {describe_notes(manifest['answer']['notes'], key)}")
    return Grade(manifest["id"], manifest["kind"], manifest["level"], min(1.0, score), feedback, details)


def _grade_harmony(manifest: dict[str, Any], score: Score, name: str) -> Grade:
    key = Key.parse(manifest["key"])
    voices = four_voices(score)
    given_voice = manifest["given"]["voice"]
    want = [p for p, _, _ in manifest["given"]["notes"]]
    have = [n.pitch for n in voices[("soprano", "alto", "tenor", "bass").index(given_voice)]]
    same = sum(1 for a, b in zip(want, have, strict=False) if a == b)
    if same < 0.9 * len(want) or abs(len(have) - len(want)) > 0.2 * len(want):
        raise InputFileError(
            name,
            f"its {given_voice} is not the {given_voice} of exercise {manifest['id']}: "
            "is it the answer to another exercise? (keep the given voice as it is)",
        )
    faults = check_four_part(score, key)
    changes = max(1, len(slices(voices)) - 1)
    weighted = sum(FAULT_WEIGHTS[f.kind] for f in faults)
    grade_score = max(0.0, 1.0 - weighted / (0.3 * changes))
    per_bar: dict[int, list[str]] = {}
    for f in faults:
        per_bar.setdefault(f.bar, []).append(f"beat {f.beat:g}: {f.message}")
    counts = {k: sum(1 for f in faults if f.kind == k) for k in FAULT_KINDS}
    summary = ", ".join(f"{v} {k}" for k, v in counts.items() if v) or "no faults"
    feedback = [f"{len(faults)} part-writing faults in {changes} chord changes ({summary})."]
    feedback += [f"Bar {bar}: " + "; ".join(msgs) + "." for bar, msgs in sorted(per_bar.items())]
    if not faults:
        feedback.append("Clean part-writing. Compare your setting with Bach's (answer.musicxml).")
    return Grade(
        manifest["id"],
        "harmonisation",
        manifest["level"],
        grade_score,
        feedback,
        [f.to_dict() for f in faults],
    )


def _quiz_answers(text: str) -> list[str]:
    lines = [ln.strip() for ln in re.split(r"[\n,;]", text) if ln.strip() and not ln.strip().startswith("#")]
    return [re.sub(r"^\d+\s*[:.)]\s*", "", ln).strip() for ln in lines]


def _normalise_interval(text: str) -> str | None:
    t = text.strip().split("(")[0].strip()
    for size, short in INTERVAL_SHORT.items():
        if t in (short, short.lower()) and (t == short or short[0] in "PT"):
            return short
        if t.lower() == INTERVAL_NAMES[size]:
            return short
    aliases = {
        "A4": "TT",
        "d5": "TT",
        "augmented fourth": "TT",
        "diminished fifth": "TT",
        "8va": "P8",
        "perfect octave": "P8",
        "perfect unison": "P1",
    }
    return aliases.get(t) or aliases.get(t.lower())


def _normalise_chord(text: str) -> str | None:
    t = text.strip().split("(")[0].strip().lower()
    for quality, long in CHORD_NAMES.items():
        if t in (quality.lower(), long):
            return quality
    aliases = {
        "major": "maj",
        "minor": "min",
        "diminished": "dim",
        "augmented": "aug",
        "7": "dom7",
        "dominant 7th": "dom7",
        "half-diminished": "hdim7",
        "half diminished": "hdim7",
        "ø7": "hdim7",
        "m7b5": "hdim7",
        "m7": "min7",
        "fully diminished seventh": "dim7",
        "minor 7th": "min7",
        "major 7th": "maj7",
    }
    return aliases.get(t)


def _grade_quiz(manifest: dict[str, Any], text: str) -> Grade:
    questions = manifest["answer"]["questions"]
    answers = _quiz_answers(text)
    if len(answers) != len(questions):
        raise InputFileError(
            "answer",
            f"{len(answers)} answers for {len(questions)} questions of exercise "
            f"{manifest['id']}: is it the answer to another exercise?",
        )
    normalise = _normalise_interval if manifest["kind"] == "intervals" else _normalise_chord
    right = 0
    feedback = []
    details = []
    for q, a in zip(questions, answers, strict=True):
        got = normalise(a)
        ok = got == q["answer"]
        right += ok
        details.append({"n": q["n"], "answer": a, "correct": q["answer"], "right": ok})
        if got is None:
            feedback.append(f"Question {q['n']}: cannot read {a!r}; it was a {q['name']}.")
        elif not ok:
            feedback.append(f"Question {q['n']}: you heard a {a}; it was a {q['name']}.")
    feedback.insert(0, f"{right} of {len(questions)} right.")
    return Grade(
        manifest["id"], manifest["kind"], manifest["level"], right / len(questions), feedback, details
    )
