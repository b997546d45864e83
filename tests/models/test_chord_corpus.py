"""The chord model's corpus: the tonic a tune is heard in, labels for melody-only collections (in
their modes; pentatonic songs inside theirs), cut time read as 4/4, the held-out split."""

from __future__ import annotations

from tunesmith.models.rnn.chord_corpus import in_mode_chords, labelled, tonal_key
from tunesmith.models.rnn.data import chord_beats, held_out
from tunesmith.score import ChordSymbol, KeySignature, Metadata, Note, Score, TimeSignature, Track
from tunesmith.theory.chord import parse_chord
from tunesmith.theory.key import Key

Q = 480


def tune(
    pitches: list[int],
    *,
    fifths: int,
    mode: str = "major",
    meter: tuple[int, int] = (4, 4),
    tags: tuple[str, ...] = ("folk", "irish"),
    chords: list[ChordSymbol] | None = None,
) -> Score:
    notes = [Note(p, i * Q, Q) for i, p in enumerate(pitches)]
    return Score(
        tracks=[Track("melody", 73, False, notes)],
        time_signatures=[TimeSignature(0, *meter)],
        key_signatures=[KeySignature(0, fifths, mode)],
        chords=chords or [],
        metadata=Metadata(title="t", source=f"test/{'-'.join(tags)}", style_tags=list(tags)),
    )


# D mixolydian under one sharp: D E F# G A B C ... ending on D.
MIXO = [62, 66, 69, 72, 71, 69, 67, 66, 64, 62, 60, 62, 67, 66, 64, 62]


def test_the_last_note_names_the_mode_under_a_plain_signature() -> None:
    assert tonal_key(tune(MIXO, fifths=1)) == Key(2, "mixolydian")
    assert tonal_key(tune([*MIXO[:-1], 67], fifths=1)) == Key(7, "major")
    # Two flats, minor signature (G minor), ending on A: A is no minor-mode tonic there; C dorian
    # ends on C.
    assert tonal_key(tune([67, 70, 72, 65, 60], fifths=-2, mode="minor")).tonic == 0


def test_a_modal_tune_is_labelled_relative_to_its_heard_tonic() -> None:
    piece = labelled(tune(MIXO, fifths=1))
    assert piece is not None and piece.chords
    key = Key(2, "major")
    assert piece.key_signatures == [key.to_signature(0)]
    tokens, _, seq = chord_beats(piece)
    assert seq["mode"] == 0 and len(tokens) == 16


def test_cut_time_is_read_as_four_four() -> None:
    piece = labelled(tune(MIXO, fifths=1, meter=(2, 2)))
    assert piece is not None
    assert (piece.time_signatures[0].numerator, piece.time_signatures[0].denominator) == (4, 4)


def test_pentatonic_songs_get_chords_inside_their_mode() -> None:
    # F gong (F G A C D) over a one-flat signature, ending on F.
    song = tune([65, 67, 69, 72, 74, 72, 69, 67, 65, 69, 72, 74, 72, 69, 67, 65], fifths=-1,
                tags=("folk", "chinese", "pentatonic"))  # fmt: skip
    piece = labelled(song)
    assert piece is not None and piece.chords
    scale = set(Key(5, "gong").scale_pcs())
    for symbol in piece.chords:
        assert set(parse_chord(symbol.figure).pitch_classes()) <= scale, symbol.figure
    assert all(set(c.pitch_classes()) <= scale for c in in_mode_chords(Key(5, "gong")))


def test_pieces_with_chord_symbols_keep_them() -> None:
    own = [ChordSymbol(0, "G"), ChordSymbol(4 * Q, "C")]
    piece = labelled(tune(MIXO[:8], fifths=1, chords=own, tags=("folk",)))
    assert piece is not None and piece.chords == own


def test_held_out_does_not_depend_on_corpus_order() -> None:
    a = tune(MIXO, fifths=1)
    assert held_out(a) == held_out(tune(MIXO, fifths=1))
