"""Four-part setting: voice-leading rules on a fixture melody, ranges, spelling and the tenor's clef."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tunesmith.io.m21 import score_to_m21, spell_in_key
from tunesmith.models.poly.harmonize import harmonize
from tunesmith.score import KeySignature, Note, Score, TimeSignature, Track
from tunesmith.theory import fourpart

# "Old Hundredth" in F major (quarter notes, a half note at each phrase end).
OLD_100 = [
    (65, 1), (65, 1), (64, 1), (62, 1), (60, 2), (65, 1), (67, 1), (69, 1), (69, 1), (69, 1), (70, 1),
    (69, 1), (67, 1), (65, 2), (72, 1), (70, 1), (69, 1), (67, 2), (65, 1), (67, 1), (69, 1), (64, 1),
    (62, 1), (60, 2), (65, 1), (67, 1), (69, 1), (67, 1), (65, 1), (64, 1), (65, 4),
]  # fmt: skip


def _melody() -> Score:
    notes, tick = [], 0
    for pitch, beats in OLD_100:
        notes.append(Note(pitch, tick, beats * 480, 80))
        tick += beats * 480
    return Score(
        tracks=[Track("melody", 0, False, notes)],
        time_signatures=[TimeSignature(0, 4, 4)],
        key_signatures=[KeySignature(0, -1, "major")],
    )


def _parts(score: Score) -> list[list[tuple[int, int, int]]]:
    return [[(n.pitch, n.start, n.duration) for n in t.notes] for t in score.tracks]


def test_harmonize_has_no_parallels_keeps_ranges_and_cadences() -> None:
    source = _melody()
    out = harmonize(source)
    assert [t.name for t in out.tracks] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert [(n.pitch, n.start) for n in out.tracks[0].notes] == [
        (n.pitch, n.start) for n in source.tracks[0].notes
    ]
    parts = _parts(out)
    assert fourpart.parallels(parts) == 0
    for part, (lo, hi) in zip(parts[1:], (fourpart.ALTO, fourpart.TENOR, fourpart.BASS), strict=True):
        assert part and all(lo <= p <= hi for p, _, _ in part)
    # Voices never cross at any onset, and the piece ends on the tonic chord with F in the bass.
    for tick in sorted({s for part in parts for _, s, _ in part}):
        s, a, t, b = fourpart.parts_at(parts, tick)
        assert s >= a >= t >= b
    assert parts[3][-1][0] % 12 == 5
    labels = fourpart.beat_labels(parts, 480, 5, False)
    assert (
        labels[-1] == "I"
        and sum(a != b for a, b in itertools.pairwise(labels)) >= len(labels) // 3
    )
    assert out.chords and out.chords[-1].figure.startswith("F")


def test_parallels_counts_consecutive_fifths_and_octaves() -> None:
    fifths = [[(67, 0, 480), (69, 480, 480)], [(60, 0, 480), (62, 480, 480)]]
    contrary_octaves = [[(72, 0, 480), (74, 480, 480)], [(60, 0, 480), (50, 480, 480)]]
    oblique = [[(67, 0, 480), (69, 480, 480)], [(60, 0, 960)]]
    assert fourpart.parallels(fifths) == 1
    assert fourpart.parallels(contrary_octaves) == 1
    assert fourpart.parallels(oblique) == 0


def test_notes_are_spelled_by_key_and_the_tenor_reads_treble_8vb() -> None:
    f_major = [spell_in_key(p, -1) for p in range(60, 72)]
    assert not any(name.startswith(("G-", "D-")) for name in f_major)
    assert "F#4" in f_major and "B-4" in f_major and "C#4" in f_major
    assert spell_in_key(68, 0, "minor") == "G#4"  # A minor's leading tone
    out = harmonize(_melody())
    m21 = score_to_m21(out)
    names = {p.nameWithOctave for n in m21.recurse().notes for p in n.pitches}
    assert not any(x.startswith(("G-", "D-")) for x in names)
    clefs = [type(part.recurse().getElementsByClass("Clef")[0]).__name__ for part in m21.parts]
    assert clefs[0] == "TrebleClef" and clefs[2] == "Treble8vbClef" and clefs[3] == "BassClef"


def test_every_seventh_falls_and_every_leading_tone_rises() -> None:
    """Secondary dominants and their sevenths resolve as a dominant's do: after E7 (V7/vi) in C
    the seventh D falls to C and the leading tone G# rises to A, and in C minor C7's (V7/iv)
    seventh B-flat falls; a lower voice that leaves them otherwise costs (the soprano is given)."""
    import numpy as np

    # voicings (soprano, alto, tenor, bass): E7 = B4 D4 G#3 E3 -> Am = A4 C4 A3 A2 / A4 E4 E3 A2
    prev = np.array([[71, 62, 56, 52]])
    good = np.array([[69, 60, 57, 45]])
    bad = np.array([[69, 64, 52, 45]])  # the seventh rises to E, the leading tone falls to E
    cost = fourpart._resolution_cost("V7/vi", "vi", prev, np.vstack([good, bad]), 0, minor=False)
    assert cost[0, 0] == 0 and cost[0, 1] > cost[0, 0]
    # C minor: C7 (V7/iv) = C5 Bb4 E4 C3 -> Fm, the alto's seventh falling to A-flat or rising to C
    prev = np.array([[72, 70, 64, 48]])
    falls, rises = np.array([[72, 68, 65, 53]]), np.array([[72, 72, 65, 53]])
    cost = fourpart._resolution_cost("V7/iv", "iv", prev, np.vstack([falls, rises]), 0, minor=True)
    assert cost[0, 0] < cost[0, 1]
    assert fourpart.resolving("V/ii", minor=False) and fourpart.resolving("IV7", minor=True)
    assert not fourpart.resolving("IV", minor=False)


def test_prior_gives_rarer_chords_back_their_share(tmp_path: Path) -> None:
    """The prior's cost is -log P(chord | previous) + rarity * log P(chord): with rarity 0 it is the
    plain transition cost; with rarity > 0 a chord counted rarely overall costs less than before,
    a common one more, so the cheapest path is no longer always the commonest chords."""
    import json
    import math

    from tunesmith.models.chord_prior import load_prior, vocabulary

    labels = list(vocabulary(False))
    counts = {"^": {"I": 10}, "I": {"V": 30, "I": 10, "ii": 2}, "V": {"I": 30}, "ii": {"V": 2}}
    path = tmp_path / "prior.json"
    path.write_text(json.dumps({"counts": {"major": counts, "minor": {}}}))
    plain = load_prior(False, path=str(path), rarity=0.0)
    fair = load_prior(False, path=str(path), rarity=0.5)
    row = counts["I"]
    total = sum(row.values()) + len(labels)
    assert plain("I", "ii") == pytest.approx(-math.log((2 + 1) / total))
    overall = {lab: sum(r.get(lab, 0) for r in counts.values()) + 1 for lab in labels}
    share = overall["ii"] / sum(overall.values())
    assert fair("I", "ii") == pytest.approx(plain("I", "ii") + 0.5 * math.log(share))
    # the rare ii gains on the common V after I
    assert fair("I", "ii") - fair("I", "V") < plain("I", "ii") - plain("I", "V")


def test_the_soprano_s_seventh_falls_and_a_secondary_dominant_goes_to_its_target() -> None:
    """Musician review: a seventh chord under the soprano's seventh that then rises, D7 going to Em
    in C, a final tonic reached from ii7. Each now costs the search enough to choose otherwise."""
    from tunesmith.models.chord_prior import load_prior

    # C major: the soprano F5 rising to G5 over G7 (its seventh) costs; falling to E5 does not
    assert fourpart._soprano_resolution_cost("V7", 77, 79, 0, False) == fourpart.SOPRANO_RESOLUTION_COST
    assert fourpart._soprano_resolution_cost("V7", 77, 76, 0, False) == 0.0
    # vii°6 under the same F implies the same dominant: its diminished fifth falls too
    assert fourpart._soprano_resolution_cost("viio", 77, 79, 0, False) == fourpart.SOPRANO_RESOLUTION_COST
    assert fourpart._soprano_resolution_cost("viio", 77, 76, 0, False) == 0.0
    # the key's leading tone over V7 falling to A (V7 -> vi with the soprano's B going down): half
    assert fourpart._soprano_resolution_cost("V", 71, 69, 0, False) == fourpart.SOPRANO_RESOLUTION_COST / 2
    assert fourpart._soprano_resolution_cost("V", 71, 72, 0, False) == 0.0
    # the leading tone of V/V (F#) in the soprano rises to G; leaving it down costs
    assert fourpart._soprano_resolution_cost("V/V", 78, 79, 0, False) == 0.0
    assert fourpart._soprano_resolution_cost("V/V", 78, 76, 0, False) == fourpart.SOPRANO_RESOLUTION_COST
    # D7 (V7/V) goes to G (V or V7) or on by fifths, not to Em; A (V/ii) -> D7 (V7/V) chains on
    assert fourpart._target_cost("V7/V", "iii", False) == fourpart.TARGET_COST
    assert fourpart._target_cost("V7/V", "V7", False) == 0.0
    assert fourpart._target_cost("V/ii", "V7/V", False) == 0.0
    assert fourpart._target_cost("V/III", "i", True) == fourpart.TARGET_COST  # G7 -> Am in A minor
    # a setting of a plain tune: no secondary dominant misses its goal, and the end is V(7)-I
    line = [(p, i * 480, 480) for i, p in enumerate([72, 74, 76, 77, 79, 78, 79, 81, 79, 77, 76, 74])]
    line.append((72, 12 * 480, 960))
    beats = fourpart.soprano_beats(line, 480, [5 * 480, 12 * 480])
    setting = fourpart.harmonize_beats(beats, 0, False, prior=load_prior(False), hold_cost=2.5)
    labels = setting.labels
    for a, b in itertools.pairwise(labels):
        assert fourpart._target_cost(a, b, False) == 0.0
    # the last note (beat 12) is held a second beat: the tonic on both, a dominant before
    assert labels[12:] == ["I", "I"] and labels[11] in fourpart.DOMINANTS


def test_chord_symbols_spell_the_bass_from_the_chord() -> None:
    chord = fourpart.label_chord_symbol("V7/V", 9, True, 3)  # B7 over D# in A minor
    assert chord.figure.endswith("/D#")


def test_passing_tones_never_make_fifths_with_each_other() -> None:
    """Musician review: tenor and bass both filled a third with a passing eighth, in parallel fifths
    (B3/E3 -> A3/D3); the check read the new line below the bass. The bass keeps its passing note
    (it comes first); the tenor then does not take its own."""
    from tunesmith.models.chorale import _passing_tones

    soprano = [Note(67, 0, 480), Note(69, 480, 480)]
    voices = [[Note(64, 0, 480), Note(64, 480, 480)],  # alto
              [Note(59, 0, 480), Note(55, 480, 480)],  # tenor B3 -> G3
              [Note(52, 0, 480), Note(49, 480, 480)]]  # bass E3 -> C#3  # fmt: skip
    _passing_tones(voices, soprano, 2, False)  # D major
    parts = [[(n.pitch, n.start, n.duration) for n in part] for part in (soprano, *voices)]
    assert [n.pitch for n in voices[2]] == [52, 50, 49]
    assert fourpart.parallels(parts) == 0


def test_a_secondary_dominant_never_doubles_its_leading_tone() -> None:
    """Musician review: A7 (V7/V in G) with C# in soprano and tenor. Under a soprano C#5 no voicing
    of V7/V doubles the C#, nor under E5 the G# of E (V/vi in C)."""
    root_rel, pcs_rel = fourpart.vocabulary(False)["V7/V"]
    for alto, tenor, bass, _ in fourpart._voicings(73, 7, "V7/V", pcs_rel, root_rel):
        assert 1 not in {alto % 12, tenor % 12, bass % 12}
    root_rel, pcs_rel = fourpart.vocabulary(False)["V/vi"]
    voicings = fourpart._voicings(80, 0, "V/vi", pcs_rel, root_rel)
    assert voicings and all(8 not in {a % 12, t % 12, b % 12} for a, t, b, _ in voicings)


def test_beats_know_a_note_sung_again_from_a_note_held() -> None:
    """A repeated soprano note is struck again (Bach often changes the chord under it, so holding
    the chord there costs a little); a note held over the beat is not."""
    beats = fourpart.soprano_beats([(60, 0, 480), (60, 480, 480), (62, 960, 960)], 480)
    assert [b.struck for b in beats] == [True, True, True, False]
