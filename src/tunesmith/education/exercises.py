"""Exercises with answer keys: sight-reading, melodic and rhythmic dictation, interval and chord
ear-training, and four-part harmonisation of a Bach chorale's melody or bass.

An exercise is a manifest (``exercise.json``: kind, level, key, what is given, the answer) plus
files a student uses: the score they see, the audio they hear, the answer key (score or text) and,
with MuseScore installed, a PDF. ``make_exercise`` builds the manifest and scores in memory;
``write_exercise`` writes the files.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunesmith.corpus import load_corpus
from tunesmith.education.levels import CHORD_NAMES, INTERVAL_NAMES, INTERVAL_SHORT, Level, level
from tunesmith.education.melodies import practice_melody
from tunesmith.errors import ControlError, InputFileError
from tunesmith.fileutil import write_text_atomic
from tunesmith.io import save
from tunesmith.render.export import render_audio, write_audio
from tunesmith.score import (
    TICKS_PER_QUARTER,
    KeySignature,
    Metadata,
    Note,
    Score,
    TempoChange,
    TimeSignature,
    Track,
)
from tunesmith.theory.chord import QUALITIES
from tunesmith.theory.key import Key
from tunesmith.theory.pitch import pitch_name

KINDS = ("sight-reading", "melodic-dictation", "rhythmic-dictation", "intervals", "chords", "harmonisation")
MANIFEST = "exercise.json"
FORMAT = "tunesmith-exercise"
VERSION = 1
Q = TICKS_PER_QUARTER

INSTRUCTIONS = {
    "sight-reading": "Play or sing the melody at sight, then listen to the recording to check yourself.",
    "melodic-dictation": "Listen and write down the melody. The key, meter and first note are given.",
    "rhythmic-dictation": "Listen and write down the rhythm (one pitch). The meter is given.",
    "intervals": "Name each interval you hear (played one note after the other, then together), "
    "e.g. 'M3' or 'perfect fifth'.",
    "chords": "Name the quality of each chord you hear, e.g. 'major triad' or 'dominant seventh'.",
    "harmonisation": "Add the missing voices to make a four-part (SATB) setting; "
    "follow the part-writing rules.",
}


@dataclass
class Exercise:
    kind: str
    level: int
    seed: int
    manifest: dict[str, Any]
    shown: Score | None
    """What the student sees (None for ear-training quizzes: the notes would give the answers away)."""
    audio: Score | None
    """What the student hears."""
    answer: Score | None = None
    answer_text: str = ""
    extra: dict[str, Score] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.manifest["id"])


def notes_json(notes: list[Note]) -> list[list[int]]:
    return [[n.pitch, n.start, n.duration] for n in notes]


def _exercise_id(kind: str, lv: int, seed: int, payload: Any) -> str:
    text = json.dumps([kind, lv, seed, payload], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _manifest(
    kind: str, lv: Level, seed: int, score: Score, *, answer: dict[str, Any], given: dict[str, Any]
) -> dict[str, Any]:
    ks = score.key_signatures[0] if score.key_signatures else KeySignature(0, 0)
    key = Key.from_fifths(ks.fifths, ks.mode)
    ts = score.time_signatures[0] if score.time_signatures else TimeSignature(0, 4, 4)
    return {
        "format": FORMAT,
        "version": VERSION,
        "id": _exercise_id(kind, lv.number, seed, answer),
        "kind": kind,
        "level": lv.number,
        "seed": seed,
        "key": key.short_name,
        "meter": str(ts),
        "tempo": score.tempo_at(0),
        "instructions": INSTRUCTIONS[kind],
        "given": given,
        "answer": answer,
    }


def _melody_exercise(kind: str, lv: Level, seed: int, key: str | None, style: str | None) -> Exercise:
    melody = practice_melody(lv, seed, key, style, program=0 if kind != "sight-reading" else 73)
    score = melody.score
    notes = score.tracks[0].notes
    bars = lv.bars
    if kind == "rhythmic-dictation":
        rhythm = [Note(72, n.start, n.duration, 90) for n in notes]
        audio = Score(
            tracks=[Track("Rhythm", 115, False, rhythm)],
            tempos=score.tempos,
            time_signatures=score.time_signatures,
            key_signatures=[KeySignature(0, 0)],
            metadata=Metadata(title=f"Level {lv.number} rhythm", source="tunesmith exercise"),
        )
        shown = Score(
            tracks=[Track("Rhythm", 115, False, [])],
            tempos=score.tempos,
            time_signatures=score.time_signatures,
            key_signatures=[KeySignature(0, 0)],
            metadata=audio.metadata,
        )
        answer = {"notes": notes_json(rhythm), "bars": bars, "compare": "rhythm"}
        manifest = _manifest(kind, lv, seed, audio, answer=answer, given={"notes": []})
        return Exercise(kind, lv.number, seed, manifest, shown, audio, answer=audio)
    if kind == "sight-reading":
        answer = {"notes": notes_json(notes), "bars": bars, "compare": "notes"}
        manifest = _manifest(kind, lv, seed, score, answer=answer, given={"notes": notes_json(notes)})
        return Exercise(kind, lv.number, seed, manifest, score, score, answer=score)
    shown = Score(
        tracks=[Track("Melody", 0, False, [notes[0]])],
        tempos=score.tempos,
        time_signatures=score.time_signatures,
        key_signatures=score.key_signatures,
        metadata=score.metadata,
    )
    answer = {"notes": notes_json(notes), "bars": bars, "compare": "notes"}
    manifest = _manifest(kind, lv, seed, score, answer=answer, given={"notes": notes_json([notes[0]])})
    return Exercise(kind, lv.number, seed, manifest, shown, score, answer=score)


def _quiz(kind: str, lv: Level, seed: int, count: int) -> Exercise:
    """Intervals or chords: each question sounds for two bars of 4/4 (melodic then harmonic)."""
    rng = random.Random(seed)
    notes: list[Note] = []
    questions = []
    bar = 4 * Q
    for i in range(count):
        start = i * 2 * bar
        if kind == "intervals":
            size = rng.choice(lv.intervals)
            low = rng.randint(55, 72)
            pitches = [low, low + size]
            name = INTERVAL_SHORT[size]
            questions.append(
                {
                    "n": i + 1,
                    "pitches": pitches,
                    "answer": name,
                    "name": INTERVAL_NAMES[size],
                    "start_beat": i * 8,
                }
            )
            notes += [Note(low, start, Q, 85), Note(low + size, start + Q, Q, 85)]
            notes += [Note(p, start + 2 * Q, 2 * Q, 80) for p in pitches]
        else:
            quality = rng.choice(lv.chords)
            root = rng.randint(52, 64)
            pitches = [root + iv for iv in QUALITIES[quality].intervals]
            questions.append(
                {
                    "n": i + 1,
                    "pitches": pitches,
                    "answer": quality,
                    "name": CHORD_NAMES[quality],
                    "start_beat": i * 8,
                }
            )
            notes += [Note(p, start + k * (Q // 2), Q // 2, 80) for k, p in enumerate(pitches)]
            notes += [Note(p, start + 2 * Q, 2 * Q, 80) for p in pitches]
    audio = Score(
        tracks=[Track("Piano", 0, False, notes)],
        tempos=[TempoChange(0, 80.0)],
        time_signatures=[TimeSignature(0, 4, 4)],
        key_signatures=[KeySignature(0, 0)],
        metadata=Metadata(title=f"Level {lv.number} {kind}", source="tunesmith exercise"),
    )
    answer = {"questions": questions}
    manifest = _manifest(kind, lv, seed, audio, answer=answer, given={"count": count})
    text = "\n".join(f"{q['n']}: {q['answer']} ({q['name']})" for q in questions) + "\n"
    return Exercise(kind, lv.number, seed, manifest, None, audio, answer=audio, answer_text=text)


def chorale_candidates(max_accidentals: int) -> list[Score]:
    """Bach chorales with four SATB parts in 4/4 whose signature has at most ``max_accidentals``."""
    corpus = load_corpus(["bach"])
    out = []
    for i in range(len(corpus)):
        score = corpus[i]
        parts = [t for t in score.tracks if t.name.lower() in ("soprano", "alto", "tenor", "bass")]
        if len(parts) != 4 or any(not t.notes for t in parts):
            continue
        ts = score.time_signatures[0] if score.time_signatures else None
        ks = score.key_signatures[0] if score.key_signatures else None
        if ts is None or str(ts) != "4/4" or ks is None or abs(ks.fifths) > max_accidentals:
            continue
        score.tracks = sorted(parts, key=lambda t: ("soprano", "alto", "tenor", "bass").index(t.name.lower()))
        out.append(score)
    return out


def cut_bars(score: Score, bars: int) -> Score:
    """The first ``bars`` bars (a pickup counts as the first bar), notes clipped at the cut."""
    starts = score.bar_starts()
    end = starts[bars] if bars < len(starts) else score.end_tick()
    tracks = []
    for t in score.tracks:
        kept = [
            Note(n.pitch, n.start, min(n.end, end) - n.start, n.velocity) for n in t.notes if n.start < end
        ]
        tracks.append(Track(t.name, t.program, t.is_drum, kept))
    return Score(
        tracks=tracks,
        tempos=score.tempos[:1] or [TempoChange(0, 72.0)],
        time_signatures=score.time_signatures[:1],
        key_signatures=score.key_signatures[:1],
        metadata=Metadata(
            title=score.metadata.title, source=score.metadata.source, licence=score.metadata.licence
        ),
    )


def cut_at_cadence(score: Score, bars: int) -> Score:
    """The first phrase of at least ``bars`` bars that ends on the tonic chord with the tonic in
    the bass (the whole chorale when none does), so the excerpt closes with a cadence."""
    ks = score.key_signatures[0] if score.key_signatures else KeySignature(0, 0)
    tonic = Key.from_fifths(ks.fifths, ks.mode).tonic
    starts = score.bar_starts()
    bass = sorted(score.tracks[3].notes, key=lambda n: n.start)
    for cut in range(bars, len(starts)):
        end = starts[cut]
        last = [n for n in bass if n.start < end]
        if last and last[-1].pitch % 12 == tonic and last[-1].end >= end - TICKS_PER_QUARTER:
            return cut_bars(score, cut)
    return cut_bars(score, len(starts))


def _harmonisation(lv: Level, seed: int) -> Exercise:
    pool = chorale_candidates(lv.max_accidentals)
    if not pool:
        raise ControlError("level", f"no Bach chorale fits level {lv.number}")
    rng = random.Random(seed)
    chorale = cut_at_cadence(rng.choice(pool), lv.chorale_bars)
    given_voice = "bass" if lv.number >= 3 and seed % 2 else "soprano"
    idx = ("soprano", "alto", "tenor", "bass").index(given_voice)
    given = chorale.tracks[idx]
    shown = Score(
        tracks=[Track(t.name, 52, False, list(t.notes) if t is given else []) for t in chorale.tracks],
        tempos=[TempoChange(0, 72.0)],
        time_signatures=chorale.time_signatures,
        key_signatures=chorale.key_signatures,
        metadata=Metadata(title=f"Harmonise: {chorale.metadata.title}", source="tunesmith exercise"),
    )
    audio = Score(
        tracks=[Track(given.name, 52, False, list(given.notes))],
        tempos=[TempoChange(0, 72.0)],
        time_signatures=chorale.time_signatures,
        key_signatures=chorale.key_signatures,
        metadata=shown.metadata,
    )
    answer_score = Score(
        tracks=[Track(t.name, 52, False, list(t.notes)) for t in chorale.tracks],
        tempos=[TempoChange(0, 72.0)],
        time_signatures=chorale.time_signatures,
        key_signatures=chorale.key_signatures,
        metadata=Metadata(
            title=f"Bach's setting: {chorale.metadata.title}",
            source=chorale.metadata.source,
            licence=chorale.metadata.licence,
        ),
    )
    answer = {
        "voices": {t.name.lower(): notes_json(t.notes) for t in chorale.tracks},
        "source": chorale.metadata.source,
        "compare": "four-part",
    }
    manifest = _manifest(
        "harmonisation",
        lv,
        seed,
        answer_score,
        answer=answer,
        given={"voice": given_voice, "notes": notes_json(given.notes)},
    )
    return Exercise("harmonisation", lv.number, seed, manifest, shown, audio, answer=answer_score)


def make_exercise(
    kind: str,
    level_number: int,
    seed: int,
    *,
    key: str | None = None,
    style: str | None = None,
    questions: int = 10,
) -> Exercise:
    if kind not in KINDS:
        raise ControlError("kind", f"{kind!r} is not an exercise kind; allowed: {', '.join(KINDS)}")
    if not 0 <= seed < 2**31:
        raise ControlError("seed", f"{seed} is out of range; allowed: 0-{2**31 - 1}")
    if not 1 <= questions <= 50:
        raise ControlError("questions", f"{questions} is out of range; allowed: 1-50")
    lv = level(level_number)
    if kind in ("intervals", "chords"):
        return _quiz(kind, lv, seed, questions)
    if kind == "harmonisation":
        return _harmonisation(lv, seed)
    return _melody_exercise(kind, lv, seed, key, style)


def write_exercise(
    ex: Exercise,
    folder: str | Path,
    *,
    audio: bool = True,
    pdf: bool = True,
    soundfont: str | Path | None = None,
) -> dict[str, Path]:
    """Write the exercise's files into ``folder`` (created); returns {name: path}."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    files["manifest"] = out / MANIFEST
    write_text_atomic(files["manifest"], json.dumps(ex.manifest, indent=1) + "\n")
    if ex.shown is not None:
        files["score"] = out / "exercise.musicxml"
        save(ex.shown, files["score"])
    if ex.answer is not None:
        files["answer"] = out / "answer.musicxml"
        save(ex.answer, files["answer"])
    if ex.answer_text:
        files["answer_text"] = out / "answer.txt"
        write_text_atomic(files["answer_text"], ex.answer_text)
    if audio and ex.audio is not None:
        files["audio"] = _render(ex.audio, out / "exercise.wav", soundfont)
        if ex.kind == "harmonisation" and ex.answer is not None:
            files["answer_audio"] = _render(ex.answer, out / "answer.wav", soundfont)
    if pdf and "score" in files and shutil.which("mscore3"):
        made = engrave_pdf(files["score"], out / "exercise.pdf")
        if made is not None:
            files["pdf"] = made
    return files


def _render(score: Score, path: Path, soundfont: str | Path | None) -> Path:
    rendered = render_audio(score, soundfont=soundfont)
    return write_audio(path, rendered.audio, rendered.sample_rate)


def engrave_pdf(musicxml: Path, pdf: Path, timeout: float = 60.0) -> Path | None:
    """MuseScore's engraving of ``musicxml`` as a PDF, or None when MuseScore fails or times out."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    try:
        subprocess.run(
            ["mscore3", "-o", str(pdf), str(musicxml)],
            env=env,
            timeout=timeout,
            capture_output=True,
            check=True,
        )
    except (subprocess.SubprocessError, OSError):
        return None
    return pdf if pdf.is_file() else None


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest of an exercise: ``path`` is its exercise.json or the folder holding it."""
    p = Path(path)
    if p.is_dir():
        p = p / MANIFEST
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(path, "no such exercise (expected an exercise.json or its folder)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputFileError(path, f"not an exercise manifest ({err})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputFileError(path, "not a tunesmith exercise (exercise.json from `tunesmith exercise`)")
    if data.get("version") != VERSION or data.get("kind") not in KINDS:
        raise InputFileError(
            path, f"exercise version {data.get('version')!r} is not supported (need {VERSION})"
        )
    return data


def describe_notes(notes: list[list[int]], key: Key) -> str:
    return " ".join(pitch_name(p, key) for p, _, _ in notes)
