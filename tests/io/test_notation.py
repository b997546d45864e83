"""What the MusicXML writer puts on the page: spelling, drums, clefs, names, rests, triplets,
pickups, valid XML; and the MIDI layout DAWs expect."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import mido

from tunesmith.io.abc import parse_abc
from tunesmith.io.midi import midi_bytes_to_score, score_to_midi_bytes
from tunesmith.io.musicxml import musicxml_bytes_to_score, score_to_musicxml_bytes, write_report
from tunesmith.score import ChordSymbol, KeySignature, Note, Score, TempoChange, TimeSignature, Track


def _xml(score: Score) -> ET.Element:
    return ET.fromstring(score_to_musicxml_bytes(score))


def _part(root: ET.Element, index: int) -> ET.Element:
    return root.findall("part")[index]


def _steps(part: ET.Element) -> list[tuple[str, int]]:
    return [(p.findtext("step") or "", int(p.findtext("alter") or 0)) for p in part.iter("pitch")]


def test_a_major_chord_in_d_minor_is_spelled_with_c_sharp() -> None:
    notes = [Note(57, 0, 480), Note(61, 480, 480), Note(64, 960, 480), Note(61, 1440, 480)]
    score = Score(
        tracks=[Track("guitar", 25, False, notes)],
        time_signatures=[TimeSignature(0, 4, 4)],
        key_signatures=[KeySignature(0, -1, "minor")],
        chords=[ChordSymbol(0, "A")],
    )
    steps = _steps(_part(_xml(score), 0))
    assert steps == [("A", 0), ("C", 1), ("E", 0), ("C", 1)]
    # a tone outside the chord takes the key's spelling: B-flat in F major over C7
    score = Score(
        tracks=[Track("t", 0, False, [Note(70, 0, 480), Note(64, 480, 480)])],
        key_signatures=[KeySignature(0, -1)],
        chords=[ChordSymbol(0, "C7")],
    )
    assert _steps(_part(_xml(score), 0)) == [("B", -1), ("E", 0)]


def test_accidentals_are_shown_once_per_bar() -> None:
    notes = [Note(61, i * 480, 480) for i in range(3)] + [Note(61, 1920, 480)]
    score = Score(tracks=[Track("t", 0, False, notes)], key_signatures=[KeySignature(0, 0)])
    part = _part(_xml(score), 0)
    assert [a.text for a in part.iter("accidental")] == ["sharp", "sharp"]  # bar 1 once, bar 2 again


def test_drums_are_unpitched_with_a_gm_map_x_noteheads_percussion_clef_and_no_key() -> None:
    drums = Track("drums", 0, True, [Note(36, 0, 60), Note(42, 0, 60), Note(38, 480, 60), Note(49, 960, 60)])
    score = Score(
        tracks=[Track("tune", 0, False, [Note(60, 0, 1920)]), drums], key_signatures=[KeySignature(0, 2)]
    )
    root = _xml(score)
    part = _part(root, 1)
    assert part.find(".//pitch") is None and part.find(".//key") is None
    assert part.findtext(".//clef/sign") == "percussion"
    shown = [
        (n.findtext("unpitched/display-step"), n.findtext("unpitched/display-octave"), n.findtext("notehead"))
        for n in part.iter("note")
        if n.find("unpitched") is not None
    ]
    assert shown == [("F", "4", None), ("G", "5", "x"), ("C", "5", None), ("A", "5", "x")]
    midi = root.findall(".//score-part")[1].findall("midi-instrument")
    assert {m.findtext("midi-channel") for m in midi} == {"10"}
    assert sorted(int(m.findtext("midi-unpitched") or 0) for m in midi) == [37, 39, 43, 50]
    back = musicxml_bytes_to_score(ET.tostring(root))
    assert back.tracks[1].is_drum
    assert sorted((n.pitch, n.start) for n in back.tracks[1].notes) == [
        (36, 0),
        (38, 480),
        (42, 0),
        (49, 960),
    ]


def _clef(track: Track, first: Track | None = None) -> tuple[str, str | None]:
    tracks = [first, track] if first is not None else [track]
    part = _part(_xml(Score(tracks=tracks)), len(tracks) - 1)
    return part.findtext(".//clef/sign") or "", part.findtext(".//clef/clef-octave-change")


def test_clef_by_range_and_role() -> None:
    low = [Note(p, i * 480, 480) for i, p in enumerate((36, 40, 43, 45))]
    tenor = [Note(p, i * 480, 480) for i, p in enumerate((52, 55, 57, 60))]
    high = [Note(p, i * 480, 480) for i, p in enumerate((67, 72, 76))]
    lead = Track("melody", 52, False, high)
    assert _clef(Track("bass", 33, False, low), lead) == ("F", None)
    assert _clef(Track("bass", 33, False, [Note(n.pitch - 12, n.start, 480) for n in low]), lead) == (
        "F",
        "-1",
    )  # very low: bass clef 8vb
    assert _clef(Track("accompaniment", 25, False, tenor), lead) == ("G", "-1")  # guitar: treble-8vb
    assert _clef(Track("tenor", 52, False, tenor), lead) == ("G", "-1")
    assert _clef(Track("melody", 52, False, low)) == ("G", "-1")  # a melody is never in bass clef
    assert _clef(lead) == ("G", None)


def test_instrument_names_come_from_the_gm_program() -> None:
    tracks = [
        Track("melody (Violin)", 40, False, [Note(67, 0, 480)]),
        Track("", 25, False, [Note(55, 0, 480)]),
        Track("pad", 89, False, [Note(60, 0, 480)]),
    ]
    root = _xml(Score(tracks=tracks))
    names = [e.text for e in root.iter("instrument-name")]
    assert names == ["Violin", "Acoustic Guitar", "Synth Pad"]
    assert [e.text for e in root.iter("part-name")] == ["melody (Violin)", "Acoustic Guitar", "pad"]


def test_rests_are_visible_and_every_bar_is_full() -> None:
    notes = [Note(60, 0, 240), Note(62, 720, 240), Note(64, 3840, 480)]
    score = Score(tracks=[Track("t", 0, False, notes)], time_signatures=[TimeSignature(0, 3, 4)])
    data = score_to_musicxml_bytes(score)
    assert b"print-object" not in data
    for measure in ET.fromstring(data).iter("measure"):
        total = sum(int(n.findtext("duration") or 0) for n in measure.iter("note") if n.find("chord") is None)
        assert total == 1440
    assert data.count(b"<rest") >= 5


def test_triplets_and_a_pickup_are_written_as_such() -> None:
    tune = 'X:1\nT:Trip\nM:3/4\nL:1/8\nK:D\nA2|"D"(3ddd f2 a2|"A"g2 e2 c2|"D"d4|]\n'
    score = parse_abc(tune)[0]
    root = _xml(score)
    first = root.find(".//measure")
    assert first is not None and first.get("number") == "0" and first.get("implicit") == "yes"
    assert sum(int(n.findtext("duration") or 0) for n in first.iter("note")) == 480
    mods = root.findall(".//time-modification")
    assert len(mods) == 3 and mods[0].findtext("actual-notes") == "3"
    assert [t.get("type") for t in root.iter("tuplet")] == ["start", "stop"]
    back = musicxml_bytes_to_score(ET.tostring(root))
    assert [(n.start, n.duration) for n in back.tracks[0].notes][:4] == [
        (0, 480),
        (480, 160),
        (640, 160),
        (800, 160),
    ]


def test_humanised_timing_is_written_on_the_grid_and_counts_are_honest() -> None:
    played = [Note(60 + i % 5, i * 480 + (17 if i % 2 else -13) + 13, 400, 90) for i in range(16)]
    data, written, merged = write_report(Score(tracks=[Track("Played", 0, False, played)]))
    assert (written, merged) == (16, 0)
    back = musicxml_bytes_to_score(data).tracks[0].notes
    assert len(back) == written and all(n.start % 120 == 0 and n.duration % 120 == 0 for n in back)
    types = re.findall(rb"<type>(\w+)</type>", data)
    assert set(types) == {b"quarter"}  # not dotted eighths tied to sixteenths
    # a pitch played twice on one grid slot: the second strike moves to the next free slot
    data, written, merged = write_report(
        Score(tracks=[Track("Played", 0, False, [*played, Note(60, 7, 300)])])
    )
    assert (written, merged) == (17, 0)
    assert [(n.pitch, n.start) for n in musicxml_bytes_to_score(data).tracks[0].notes][:2] == [
        (60, 0),
        (60, 120),
    ]
    # in notated timing the same pitch twice at one onset is a duplicate: kept once, and counted
    notated = [Note(60, 0, 480), Note(60, 0, 480), Note(62, 480, 480)]
    assert write_report(Score(tracks=[Track("Notated", 0, False, notated)]))[1:] == (2, 1)


def test_control_characters_in_names_never_break_the_xml() -> None:
    score = Score(tracks=[Track("Piano\x00\x01 <&>", 0, False, [Note(60, 0, 480)])])
    score.metadata.title = "Ti\x0btle"
    root = _xml(score)
    assert root.findtext(".//part-name") == "Piano <&>"
    assert root.findtext(".//movement-title") == "Title"


def test_midi_has_a_conductor_track_then_one_named_track_per_part_with_drums_on_channel_10() -> None:
    score = Score(
        tracks=[
            Track("Lead", 73, False, [Note(72, 0, 480)]),
            Track("Bass", 33, False, [Note(40, 0, 960)]),
            Track("Kit", 0, True, [Note(36, 0, 120)]),
        ],
        tempos=[TempoChange(0, 90.0)],
        time_signatures=[TimeSignature(0, 6, 8)],
        key_signatures=[KeySignature(0, -2, "minor")],
        chords=[ChordSymbol(0, "Gm")],
    )
    score.metadata.title = "Song"
    mid = mido.MidiFile(file=io.BytesIO(score_to_midi_bytes(score)))
    assert mid.type == 1 and len(mid.tracks) == 4
    conductor = mid.tracks[0]
    kinds = {m.type for m in conductor}
    assert {"set_tempo", "time_signature", "key_signature", "marker", "track_name"} <= kinds
    assert not any(m.type == "note_on" for m in conductor)
    ts = next(m for m in conductor if m.type == "time_signature")
    key = next(m for m in conductor if m.type == "key_signature")
    assert (ts.numerator, ts.denominator, key.key) == (6, 8, "Gm")
    for track, name, program, channel in zip(
        mid.tracks[1:], ["Lead", "Bass", "Kit"], [73, 33, 0], [0, 1, 9], strict=True
    ):
        assert track.name == name
        change = next(m for m in track if m.type == "program_change")
        assert (change.program, change.channel) == (program, channel)
        assert {m.channel for m in track if m.type == "note_on"} == {channel}
    back = midi_bytes_to_score(score_to_midi_bytes(score))
    assert [(t.name, t.program, t.is_drum) for t in back.tracks] == [
        ("Lead", 73, False),
        ("Bass", 33, False),
        ("Kit", 0, True),
    ]
    assert (back.metadata.title, back.chords, back.key_signatures) == (
        "Song",
        score.chords,
        score.key_signatures,
    )


def test_random_scores_give_full_bars_in_every_part_and_honest_counts() -> None:
    import random

    rng = random.Random(5)
    meters = [(4, 4), (3, 4), (6, 8), (2, 4), (5, 8), (7, 8), (2, 2), (12, 8), (9, 8), (3, 8)]
    for _ in range(150):
        sigs = [TimeSignature(0, *rng.choice(meters))]
        if rng.random() < 0.3:  # a meter change, sometimes in the middle of a bar
            sigs.append(TimeSignature(sigs[0].bar_ticks * rng.randint(1, 4) + rng.choice([0, 240]), 3, 4))
        tracks = []
        for k in range(rng.randint(1, 3)):
            notes = []
            for _ in range(rng.randint(0, 40)):
                grid = rng.choice([1, 7, 30, 40, 80, 120, 160, 240])
                start = rng.randint(0, 20000) // grid * grid
                notes.append(Note(rng.randint(20, 100), start, max(1, rng.randint(1, 2000) // grid * grid)))
            tracks.append(Track(f"t{k}", rng.randint(0, 127), rng.random() < 0.2, notes))
        chords = [ChordSymbol(rng.randint(0, 20000), rng.choice(["C", "Am7", "F#dim", "Bb/D", "N.C.", "x"]))]
        keys = [KeySignature(0, rng.randint(-7, 7), rng.choice(["major", "minor"]))]
        score = Score(tracks=tracks, time_signatures=sigs, key_signatures=keys, chords=chords)
        data, written, merged = write_report(score)
        assert written + merged == sum(len(t.notes) for t in tracks)
        bars = None
        for part in ET.fromstring(data).findall("part"):
            for staff in ({n.findtext("staff") for n in part.iter("note")} or {None}):  # grand staves: each
                lengths = [
                    sum(int(n.findtext("duration") or 0) for n in m.iter("note")
                        if n.find("chord") is None and n.findtext("staff") == staff)
                    for m in part.findall("measure")
                ]
                assert bars is None or lengths == bars
                bars = lengths


def test_chord_symbols_over_rests_are_kept() -> None:
    melody = Track("melody", 0, False, [Note(72, 3840, 960)])  # two bars of rest first
    chords = [ChordSymbol(0, "C"), ChordSymbol(960, "F"), ChordSymbol(1920, "G7"), ChordSymbol(3840, "C")]
    score = Score(tracks=[melody], time_signatures=[TimeSignature(0, 4, 4)], chords=chords)
    back = musicxml_bytes_to_score(score_to_musicxml_bytes(score))
    assert [(c.tick, c.figure) for c in back.chords] == [(0, "C"), (960, "F"), (1920, "G7"), (3840, "C")]


def test_compound_meter_tempo_is_marked_in_dotted_quarters(tmp_path: Path) -> None:
    """6/8 at 120 quarter notes a minute is marked dotted quarter = 80 and still plays (and reads
    back) at 120 quarters."""
    from tunesmith.io import load_one, save

    score = Score(
        tracks=[Track("m", 0, False, [Note(60 + i % 5, i * 240, 240) for i in range(24)])],
        tempos=[TempoChange(0, 120.0)],
        time_signatures=[TimeSignature(0, 6, 8)],
        key_signatures=[KeySignature(0, 0)],
    )
    save(score, tmp_path / "jig.musicxml")
    text = (tmp_path / "jig.musicxml").read_text()
    assert "<beat-unit-dot/><per-minute>80</per-minute>" in text and 'sound tempo="120"' in text
    assert load_one(tmp_path / "jig.musicxml").tempos[0].bpm == 120.0


def test_each_part_gets_a_dynamic_mark_that_follows_its_level(tmp_path: Path) -> None:
    """A soft section then a loud one: p where the part starts, f where it gets loud (display only)."""
    from tunesmith.io import save
    from tunesmith.score import Section

    soft = [Note(60 + i % 5, i * 480, 480, 45) for i in range(8)]
    loud = [Note(60 + i % 5, 3840 + i * 480, 480, 96) for i in range(8)]
    score = Score(
        tracks=[Track("m", 0, False, soft + loud)],
        tempos=[TempoChange(0, 100.0)],
        time_signatures=[TimeSignature(0, 4, 4)],
        key_signatures=[KeySignature(0, 0)],
        sections=[Section(0, 3840, "A"), Section(3840, 7680, "B")],
    )
    save(score, tmp_path / "dyn.musicxml")
    marks = re.findall(r"<dynamics><([a-z]+)/>", (tmp_path / "dyn.musicxml").read_text())
    assert marks == ["p", "f"]


def _plain(score: Score) -> list[tuple[int, list[tuple[int, int]]]]:
    return [(t.program, sorted((n.pitch, n.start) for n in t.notes)) for t in score.tracks]


def test_transposing_instruments_are_written_at_written_pitch_and_read_back_at_concert_pitch() -> None:
    line = [Note(p, i * 480, 480) for i, p in enumerate((60, 62, 64, 65, 67, 69, 71, 72))]
    score = Score(
        tracks=[Track("melody", 71, False, line), Track("horn", 60, False, [Note(n.pitch - 12, n.start, 480)
                                                                            for n in line]),
                Track("alto", 65, False, list(line)), Track("flute", 73, False, list(line))],
        time_signatures=[TimeSignature(0, 4, 4)],
        key_signatures=[KeySignature(0, -1, "major")],  # F major, concert
        chords=[ChordSymbol(0, "F"), ChordSymbol(1920, "Bb")],
    )
    root = _xml(score)
    clarinet, horn, alto, flute = (_part(root, i) for i in range(4))
    assert clarinet.findtext(".//transpose/chromatic") == "-2" and clarinet.findtext(".//key/fifths") == "1"
    assert _steps(clarinet)[:2] == [("D", 0), ("E", 0)]  # C sounds from a written D on a B-flat clarinet
    # the changes at concert pitch over the first part that reads concert pitch, not transposed above
    # the clarinet (a score reader and the rhythm section read concert chords)
    assert list(clarinet.iter("harmony")) == []
    assert [h.findtext("root/root-step") for h in flute.iter("harmony")] == ["F", "B"]
    assert horn.findtext(".//transpose/chromatic") == "-7" and horn.findtext(".//key/fifths") == "0"
    assert alto.findtext(".//transpose/chromatic") == "-9" and alto.findtext(".//key/fifths") == "2"
    assert _steps(alto)[0] == ("A", 0)
    assert flute.find(".//transpose") is None
    back = musicxml_bytes_to_score(score_to_musicxml_bytes(score))
    assert _plain(back) == _plain(score)
    assert [(k.fifths, k.mode) for k in back.key_signatures] == [(-1, "major")]


def test_piano_on_a_grand_staff_reads_back_as_one_part() -> None:
    notes = [Note(48, 0, 1920), Note(64, 0, 960), Note(67, 0, 960), Note(72, 960, 960), Note(43, 1920, 1920),
             Note(62, 1920, 1920)]
    score = Score(tracks=[Track("piano", 0, False, notes)], time_signatures=[TimeSignature(0, 4, 4)])
    part = _part(_xml(score), 0)
    assert part.findtext(".//staves") == "2"
    assert [c.findtext("sign") for c in part.iter("clef")] == ["G", "F"]
    staff_of = {(int(n.findtext("pitch/octave") or 0), n.findtext("pitch/step")): n.findtext("staff")
                for n in part.iter("note") if n.find("pitch") is not None}
    assert staff_of[(3, "C")] == "2" and staff_of[(4, "E")] == "1" and staff_of[(5, "C")] == "1"
    back = musicxml_bytes_to_score(score_to_musicxml_bytes(score))
    assert _plain(back) == _plain(score)
    # a bar of broken chord within a hand's span is not cut between the staves
    from tunesmith.io.musicxml_writer import grand_staff_split

    arpeggio = [Note(p, 3840 + i * 240, 240) for i, p in enumerate((50, 55, 59, 62, 59, 55, 50, 55))]
    split = grand_staff_split(Track("piano", 0, False, notes + arpeggio), [0, 1920, 3840])
    assert split is not None and not [n for n in split[0].notes if n.start >= 3840]
    # a violin stays on one staff
    assert _xml(Score(tracks=[Track("violin", 40, False, notes)])).find(".//staves") is None


def test_played_articulation_is_written_staccato_slurs_and_a_final_fermata() -> None:
    from tunesmith.score import Section

    short = [Note(72, i * 480, 240) for i in range(4)]  # played detached
    legato = [Note(p, 1920 + i * 480, 520) for i, p in enumerate((72, 74, 76, 77))]  # each into the next
    last = [Note(72, 3840, 1800)]
    score = Score(tracks=[Track("melody", 73, False, short + legato + last)],
                  time_signatures=[TimeSignature(0, 4, 4)], sections=[Section(3840, 5760, "ending")])
    notes = [n for n in _part(_xml(score), 0).iter("note") if n.find("pitch") is not None]
    assert all(n.find("notations/articulations/staccato") is not None for n in notes[:4])
    assert [s.get("type") for n in notes[4:] for s in n.iter("slur")] == ["start", "stop"]
    assert notes[-1].find("notations/fermata") is not None
    assert not any(n.find("notations/fermata") is not None for n in notes[:-1])


def test_pitch_wheel_slides_are_written_as_scoops_and_falls() -> None:
    from tunesmith.score import PitchBend

    notes = [Note(62, 0, 960), Note(64, 960, 960), Note(67, 1920, 960)]
    bends = [PitchBend(960, -4096), PitchBend(1020, 0), PitchBend(2500, 0), PitchBend(2600, -4096),
             PitchBend(2900, 0)]
    score = Score(tracks=[Track("erhu", 40, False, notes, bends)], time_signatures=[TimeSignature(0, 4, 4)])
    notes_out = [n for n in _part(_xml(score), 0).iter("note") if n.find("pitch") is not None]
    marks = [[a.tag for a in n.findall("notations/articulations/*")] for n in notes_out]
    assert marks == [[], ["scoop"], ["falloff"]]


def test_clefs_follow_the_players_conventions() -> None:
    """A tenor voice reads treble-8vb even where its notes would fit a treble staff; tuba and
    cello read plain bass clef even at the bottom of their range; guitars treble-8vb."""
    from tunesmith.io.musicxml_writer import clef_for
    from tunesmith.score import Note, Track

    def part(name: str, program: int, pitches: list[int]) -> Track:
        return Track(name, program, notes=[Note(p, i * 480, 480, 80) for i, p in enumerate(pitches)])

    assert clef_for(part("tenor (Choir Aahs)", 52, [57, 59, 60, 62, 57]), False) == ("G", 2, -1)
    assert clef_for(part("bass (Tuba)", 58, [31, 34, 36, 38, 31]), False) == ("F", 4, 0)
    assert clef_for(part("bass (Cello)", 42, [36, 38, 36, 31]), False) == ("F", 4, 0)
    assert clef_for(part("accompaniment (Guitar)", 25, [52, 55, 59]), False) == ("G", 2, -1)
    assert clef_for(part("melody (Violin)", 40, [67, 71, 74]), True) == ("G", 2, 0)


def test_a_one_hand_bar_goes_to_the_staff_with_fewer_ledger_lines() -> None:
    """Comping chords around middle C (B3 E4 A4) read on the treble staff, a low broken chord on
    the bass staff, even though the chords' middle note is below or near C4."""
    from tunesmith.io.musicxml_writer import grand_staff_split
    from tunesmith.score import Note, Track

    comp = [Note(p, t, 240, 70) for t in range(0, 1920, 240) for p in (59, 64, 69)]
    low = [Note(p, 1920 + i * 240, 240, 70) for i, p in enumerate((43, 47, 50, 55, 50, 47, 43, 47))]
    split = grand_staff_split(Track("piano", 0, False, comp + low), [0, 1920])
    assert split is not None
    treble, bass = split
    assert sorted(n.pitch for n in treble.notes) == sorted(n.pitch for n in comp)
    assert sorted(n.pitch for n in bass.notes) == sorted(n.pitch for n in low)


def test_chord_symbols_stay_at_concert_pitch_over_the_rhythm_section() -> None:
    """With a transposing instrument on top (an alto sax head) the changes are written once, at
    concert pitch, over the first part that reads concert pitch; otherwise over the top part."""
    from tunesmith.io.musicxml_writer import score_to_musicxml
    from tunesmith.score import ChordSymbol, Note, Score, TimeSignature, Track

    def parts_with_chords(top_program: int) -> dict[str, list[str]]:
        score = Score(
            tracks=[Track("melody", top_program, notes=[Note(72, 0, 1920, 80)]),
                    Track("accompaniment", 0, notes=[Note(60, 0, 1920, 60), Note(64, 0, 1920, 60)])],
            time_signatures=[TimeSignature(0, 4, 4)],
            chords=[ChordSymbol(0, "F")],
        )  # fmt: skip
        text = score_to_musicxml(score)[0].decode()
        out = {}
        for chunk in text.split('<part id="')[1:]:
            pid = chunk.split('"', 1)[0]
            out[pid] = [s.split("</root-step>")[0] for s in chunk.split("<root-step>")[1:]]
        return out

    assert parts_with_chords(65) == {"P1": [], "P2": ["F"]}  # alto sax on top: concert F on the piano
    assert parts_with_chords(40) == {"P1": ["F"], "P2": []}  # violin on top: over the top part


def test_a_chord_change_over_a_resting_chord_part_is_kept() -> None:
    """Chord symbols go over the first concert-pitch part (the top part here is a B-flat clarinet);
    where that part rests a whole bar under two chords, the second is written with its offset in
    the bar instead of being dropped (celtic's fiddle counter-line rests under the whistle)."""
    tune = [Note(72 + i % 3, i * 480, 480) for i in range(8)]
    score = Score(
        tracks=[Track("clarinet", 71, False, tune), Track("fiddle", 40, False, [Note(67, 0, 1920)])],
        time_signatures=[TimeSignature(0, 4, 4)],
        chords=[ChordSymbol(0, "C"), ChordSymbol(960, "G7"), ChordSymbol(1920, "F"), ChordSymbol(2880, "G")],
    )
    fiddle = _part(_xml(score), 1)
    assert [h.findtext("offset") for h in fiddle.iter("harmony")] == [None, "960", None, "960"]
    back = musicxml_bytes_to_score(score_to_musicxml_bytes(score))
    assert [(c.tick, c.figure) for c in back.chords] == [(0, "C"), (960, "G7"), (1920, "F"), (2880, "G")]
