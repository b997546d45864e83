"""`tunesmith exercise`, `tunesmith grade`, `tunesmith progress`: graded practice material."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tunesmith.cli.library import DbOption
from tunesmith.errors import NotFoundError

KIND_HELP = "sight-reading, melodic-dictation, rhythmic-dictation, intervals, chords or harmonisation"


def exercise_command(
    *,
    kind: Annotated[str, typer.Argument(help=f"Kind of exercise: {KIND_HELP}.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the exercises into.")],
    level: Annotated[
        int | None,
        typer.Option(
            "--level", help="Difficulty 1-5 (default: the level --user reached, else 1).", min=1, max=5
        ),
    ] = None,
    key: Annotated[
        str | None, typer.Option(help="Key of melodies, e.g. G or 'E minor' (default: by level).")
    ] = None,
    style: Annotated[
        str | None, typer.Option(help="Style of melodies: folk, waltz, march or chorale (meter).")
    ] = None,
    count: Annotated[
        int, typer.Option("-n", "--count", help="How many exercises (1-50).", min=1, max=50)
    ] = 1,
    seed: Annotated[int, typer.Option(help="Seed of the first exercise (0-2147483647).", min=0)] = 1,
    questions: Annotated[
        int, typer.Option(help="Questions per ear-training quiz (1-50).", min=1, max=50)
    ] = 10,
    user: Annotated[str | None, typer.Option(help="Learner whose progress picks the level.")] = None,
    no_audio: Annotated[bool, typer.Option("--no-audio", help="Skip the WAV files.")] = False,
    db: DbOption = None,
) -> None:
    """Make exercises with answer keys: MusicXML, WAV and (with MuseScore) PDF, plus exercise.json."""
    from tunesmith.education.exercises import make_exercise, write_exercise

    if level is None:
        level = _level_for(user, kind, db) if user else 1
    for i in range(count):
        ex = make_exercise(kind, level, seed + i, key=key, style=style, questions=questions)
        folder = output / f"{i + 1:02d}-{kind}-level{level}" if count > 1 else output
        files = write_exercise(ex, folder, audio=not no_audio)
        typer.echo(
            f"{folder}: {kind} level {level}, key {ex.manifest['key']}, {ex.manifest['meter']} "
            f"({', '.join(sorted(files))})"
        )


def _level_for(user: str, kind: str, db: str | None) -> int:
    from tunesmith.education.progress import next_level
    from tunesmith.store.db import open_store
    from tunesmith.store.ratings import get_user

    with open_store(db) as store, store.session() as session:
        try:
            return next_level(session, get_user(session, user).id, kind)
        except NotFoundError:
            return 1


def grade_command(
    exercise: Annotated[Path, typer.Argument(help="The exercise: its folder or exercise.json.")],
    answer: Annotated[Path, typer.Argument(help="Your answer: MusicXML, MIDI or ABC, or a text file.")],
    user: Annotated[str | None, typer.Option(help="Record the result in this learner's progress.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the grade as JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Grade an answer: dictation note by note, harmonisation by the part-writing rules, quizzes by name."""
    from tunesmith.education.grading import grade

    result = grade(exercise, answer)
    if user:
        from tunesmith.education.progress import next_level, record
        from tunesmith.store.db import open_store
        from tunesmith.store.ratings import get_or_create_user

        with open_store(db) as store, store.session() as session:
            learner = get_or_create_user(session, user)
            record(session, learner.id, result)
            upcoming = next_level(session, learner.id, result.kind)
    if as_json:
        data = result.to_dict()
        if user:
            data["next_level"] = upcoming
        typer.echo(json.dumps(data, indent=1))
        return
    typer.echo(
        f"{result.kind} level {result.level}: {result.score:.0%} ({'passed' if result.passed else 'not yet'})"
    )
    for line in result.feedback:
        typer.echo(f"  {line}")
    if user:
        typer.echo(f"next {result.kind} exercise for {user}: level {upcoming}")


def progress_command(
    user: Annotated[str, typer.Option(help="The learner.")],
    db: DbOption = None,
) -> None:
    """A learner's results per kind of exercise and the level each goes on at."""
    from tunesmith.education.progress import summary
    from tunesmith.store.db import open_store
    from tunesmith.store.ratings import get_user

    with open_store(db) as store, store.session() as session:
        rows = summary(session, get_user(session, user).id)
    for kind, row in rows.items():
        mean = "-" if row["mean_score"] is None else f"{row['mean_score']:.0%}"
        typer.echo(f"{kind:20s} answers {row['answers']:>3}  mean {mean:>4}  next level {row['next_level']}")


def register(app: typer.Typer) -> None:
    app.command("exercise")(exercise_command)
    app.command("grade")(grade_command)
    app.command("progress")(progress_command)
