from tunesmith.score import (
    TICKS_PER_QUARTER,
    ChordSymbol,
    KeySignature,
    Note,
    Score,
    TempoChange,
    TimeSignature,
    Track,
    validate,
)


def _score() -> Score:
    return Score(
        tracks=[Track("melody", 0, False, [Note(60, 0, 480), Note(64, 480, 480), Note(67, 1920 * 2, 960)])],
        tempos=[TempoChange(0, 120.0), TempoChange(1920, 60.0)],
        time_signatures=[TimeSignature(0, 4, 4)],
        key_signatures=[KeySignature(0, -1, "major")],
        chords=[ChordSymbol(0, "F"), ChordSymbol(1920, "C7")],
    )


def test_resolution_is_fixed() -> None:
    assert TICKS_PER_QUARTER == 480
    assert _score().ticks_per_quarter == 480


def test_end_tick_bars_and_seconds_follow_the_tempo_map() -> None:
    score = _score()
    assert score.end_tick() == 1920 * 2 + 960
    assert score.bar_starts() == [0, 1920, 3840]
    assert score.bar_count() == 3
    # bar 1 at 120 bpm = 2 s, then 1.5 bars at 60 bpm = 6 s
    assert abs(score.duration_seconds() - 8.0) < 1e-9
    assert abs(score.seconds_at(960) - 1.0) < 1e-9


def test_bar_starts_follow_meter_changes() -> None:
    score = Score(
        tracks=[Track(notes=[Note(60, 0, 1440 + 1440 + 960)])],
        time_signatures=[TimeSignature(0, 3, 4), TimeSignature(2880, 6, 8)],
    )
    assert score.bar_starts() == [0, 1440, 2880]
    assert str(score.time_signature_at(3000)) == "6/8"


def test_key_signature_tonic() -> None:
    assert KeySignature(0, 0, "major").tonic_pc == 0
    assert KeySignature(0, 0, "minor").tonic_pc == 9
    assert KeySignature(0, 2, "major").tonic_pc == 2
    assert KeySignature(0, -3, "minor").tonic_pc == 0
    assert KeySignature(0, 3, "minor").tonic_pc == 6


def test_lookups_at_tick() -> None:
    score = _score()
    assert score.tempo_at(0) == 120.0
    assert score.tempo_at(5000) == 60.0
    key = score.key_at(100)
    assert key is not None and key.fifths == -1


def test_notes_sorted_and_drums_excluded() -> None:
    score = _score()
    score.tracks.append(Track("drums", 0, True, [Note(36, 0, 120)]))
    assert [n.pitch for n in score.notes()] == [60, 64, 67]


def test_validate_reports_each_problem() -> None:
    score = Score(
        tracks=[Track("x", 200, False, [Note(130, 0, 0, 0)])],
        tempos=[TempoChange(0, 0.0)],
        time_signatures=[TimeSignature(0, 4, 3)],
        key_signatures=[KeySignature(0, 9, "dorian")],
    )
    problems = validate(score)
    assert len(problems) == 7
    assert validate(_score()) == []
