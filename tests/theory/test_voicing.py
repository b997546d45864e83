import itertools

import pytest

from tunesmith.errors import ControlError
from tunesmith.theory.chord import parse_chord
from tunesmith.theory.key import Key
from tunesmith.theory.roman import progression
from tunesmith.theory.voicing import bass_note, voice_chord, voice_progression


def _parallel_outer(prev, cur):
    lo0, hi0, lo1, hi1 = prev[0], prev[-1], cur[0], cur[-1]
    moved = lo0 != lo1 and hi0 != hi1 and (lo1 - lo0) * (hi1 - hi0) > 0
    return moved and (hi0 - lo0) % 12 == (hi1 - lo1) % 12 and (hi1 - lo1) % 12 in (0, 7)


def test_ii_v_i_textbook_voice_leading():
    dm7, g7, cmaj = parse_chord("Dm7"), parse_chord("G7"), parse_chord("C")
    first = voice_chord(dm7, None, 60, 76, 4)
    assert first == [62, 65, 69, 72]  # close position, root lowest, middle of the register
    second = voice_chord(g7, first, 60, 76, 4)
    assert second == [62, 65, 67, 71]  # D and F held, A -> G, C -> B
    third = voice_chord(cmaj, second, 60, 76, 4)
    assert third == [60, 64, 67, 72]  # F -> E and B -> C resolve, G held
    for prev, cur in ((first, second), (second, third)):
        assert sum(abs(a - b) for a, b in zip(prev, cur, strict=True)) <= 6
        assert not _parallel_outer(prev, cur)


@pytest.mark.parametrize(
    ("numerals", "key"),
    [("ii7 V7 I", "C"), ("I vi IV V I", "G"), ("i iv V7 i VI iiø7 V7 i", "Cm"), ("I V vi IV I", "Eb")],
)
def test_progressions_stay_in_register_and_keep_essential_tones(numerals, key):
    chords = progression(numerals, Key.parse(key))
    voicings = voice_progression(chords, low=55, high=79, n_voices=4)
    for chord, voicing in zip(chords, voicings, strict=True):
        assert voicing == sorted(voicing)
        assert all(55 <= p <= 79 for p in voicing)
        pcs = {p % 12 for p in voicing}
        assert pcs <= set(chord.pitch_classes())
        assert chord.root in pcs
        assert (chord.root + chord.intervals[1]) % 12 in pcs  # the third
        if len(chord.intervals) == 4:
            assert (chord.root + chord.intervals[3]) % 12 in pcs  # the seventh
    for prev, cur in itertools.pairwise(voicings):
        assert not _parallel_outer(prev, cur)
        assert max(abs(a - b) for a, b in zip(prev, cur, strict=True)) <= 7


def test_common_tones_are_held():
    c_major = voice_chord(parse_chord("C"), None, 60, 76, 3)
    a_minor = voice_chord(parse_chord("Am"), c_major, 60, 76, 3)
    assert set(c_major) & set(a_minor) == {60, 64}  # C and E stay, G moves to A


def test_avoids_parallel_fifths_where_possible():
    # C (C-G outer fifth) to D: the nearest move would slide every voice up a tone in parallel
    prev = [48, 55, 60, 67]
    nxt = voice_chord(parse_chord("D"), prev, 48, 76, 4)
    assert not _parallel_outer(prev, nxt)
    assert {p % 12 for p in nxt} == {2, 6, 9}


def test_voice_counts_and_bad_arguments():
    for n in range(1, 7):
        voicing = voice_chord(parse_chord("Cmaj7"), None, 48, 84, n)
        assert len(voicing) == n
        again = voice_chord(parse_chord("Fmaj7"), voicing, 48, 84, n)
        assert len(again) == n
    with pytest.raises(ControlError):
        voice_chord(parse_chord("C"), None, 60, 64, 4)
    with pytest.raises(ControlError):
        voice_chord(parse_chord("C"), None, 48, 72, 9)


def test_bass_note():
    assert bass_note(parse_chord("E")) == 28
    assert bass_note(parse_chord("C")) == 36
    assert bass_note(parse_chord("C/E")) == 28
    assert bass_note(parse_chord("G"), previous=36) == 31
    assert bass_note(parse_chord("F"), previous=36) == 41
    assert bass_note(parse_chord("Bb/D"), low=36, high=60, previous=50) == 50
    with pytest.raises(ControlError):
        bass_note(parse_chord("C"), low=40, high=45)
