"""Arrangement: the parts around the melody, by the style's pattern names.

Accompaniment patterns (voice-led voicings from theory.voicing, re-voiced per chord near the last):
``strum`` chords on the beats (a guitar's down/up strokes, spread a few ms low to high), ``oompah``
chords on the weak beats (the bass takes the 'oom'), ``afterbeat`` chords on the off-beats (march),
``arpeggio`` and ``broken`` chords as eighth-note figures, ``pulse`` repeated eighths, ``block`` one
chord per harmony change (four-part chorale texture, the soprano kept on top), ``sustain`` held.
Bass patterns: ``root``, ``root-fifth``, ``oompah``, ``march``, ``walking``, ``pedal`` (the tonic as a
drone) and ``sustain``. Counter-melody: ``thirds`` (a third or sixth under the tune's main notes, on
returning and contrasting sections), ``answer`` (the opening motif echoed in the gaps at phrase
ends), ``sustain``. Drums use the General MIDI percussion map on channel 10, a crash at section
starts and a fill into each new section. Every part has an intro (all but the melody) and ends
holding the tonic chord.
"""

from __future__ import annotations

from collections.abc import Callable

from tunesmith.compose.engines import voice
from tunesmith.compose.harmony import ChordSpan, Harmony, chord_tones
from tunesmith.compose.instruments import DRUMS, GM_NAMES, program_range
from tunesmith.compose.plan import Meter, Plan
from tunesmith.compose.styles import Part
from tunesmith.score import Note, Track
from tunesmith.theory.chord import Chord

EIGHTH = 240


def _track(role: str, part: Part, notes: list[Note]) -> Track:
    return Track(name=f"{role} ({GM_NAMES[part.program]})", program=part.program, is_drum=False, notes=notes)


def _span_chord(span: ChordSpan, plan: Plan) -> Chord:
    """Pentatonic styles voice chords as open fifths (the drone habit), others as written."""
    if plan.style.scale == "pentatonic":
        return Chord(span.chord.root, "5", None, span.chord.root_name)
    return span.chord


# ----- accompaniment -----------------------------------------------------------------------------------


def _hits(pattern: str, meter: Meter) -> list[tuple[int, int, float, str]]:
    """(offset in bar, duration, velocity factor, which notes) for one bar of a pattern.

    'which' is 'all' (the whole voicing), 'up'/'down' (strum direction), or a digit string of
    voicing indices for figures (arpeggio/broken)."""
    bar, beat = meter.bar_ticks, meter.beat_ticks
    n_eighths = bar // EIGHTH
    if pattern == "strum":
        if meter.compound:
            return [
                (b * beat + o, d, v, w)
                for b in range(meter.beats)
                for o, d, v, w in ((0, 460, 1.0, "down"), (480, 220, 0.7, "up"))
            ]
        if str(meter) == "2/4":
            return [
                (o, 220, v, w)
                for o, v, w in ((0, 1.0, "down"), (240, 0.65, "up"), (480, 0.9, "down"), (720, 0.65, "up"))
            ]
        return [
            (b * beat, beat - 30, 1.0 if b == 0 else 0.82, "down" if b % 2 == 0 else "up")
            for b in range(meter.beats)
        ]
    if pattern == "oompah":
        if meter.compound:
            return [(o, 200, 0.8, "all") for o in (240, 480, 960, 1200)]
        offsets = [480, 960] if str(meter) == "3/4" else ([480] if str(meter) == "2/4" else [480, 1440])
        return [(o, 380, 0.85, "all") for o in offsets]
    if pattern == "afterbeat":
        if meter.compound:
            return [(o, 200, 0.8, "all") for o in (240, 480, 960, 1200)]
        if str(meter) == "3/4":
            return [(o, 380, 0.85, "all") for o in (480, 960)]
        return [(e * EIGHTH, 200, 0.85, "all") for e in range(1, n_eighths, 2)]
    if pattern == "pulse":
        return [(e * EIGHTH, 200, 1.0 if e % 2 == 0 else 0.75, "all") for e in range(n_eighths)]
    if pattern == "arpeggio":
        order = "0123212321232123"
        return [(e * EIGHTH, 2 * EIGHTH, 0.9 if e else 1.0, order[e % len(order)]) for e in range(n_eighths)]
    if pattern == "broken":
        order = "0212"
        return [(e * EIGHTH, 2 * EIGHTH, 0.9 if e % 2 == 0 else 0.75, order[e % 4]) for e in range(n_eighths)]
    return [(0, bar, 1.0, "all")]  # block, sustain: one held chord per harmony change


def accompaniment(
    plan: Plan, harmony: Harmony, part: Part, melody: list[Note], n_voices: int = 3
) -> list[Note]:
    """The accompaniment part over every bar of the harmony."""
    pattern = part.pattern
    out: list[Note] = []
    prev: list[int] | None = None
    base_vel = plan.velocity * 0.78
    top_limit = _melody_floor(melody, plan) if pattern == "block" else None
    last_bar = len(harmony.bars) - plan.ending_bars
    # Comping sits under the tune: its top voice stays near the bottom of the melody's range.
    ceiling = min(part.high, max(part.low + 12, plan.melody_range[0] + 2))
    for bar_index, spans in enumerate(harmony.bars):
        ending = bar_index >= last_bar
        for span in spans:
            high = ceiling
            if top_limit is not None:
                high = min(high, max(part.low + 9, top_limit(span.start) - 1))
            voicing = voice(_span_chord(span, plan), prev, part.low, high, n_voices)
            prev = voicing
            if pattern in ("block", "sustain") or ending:
                out += [Note(p, span.start, span.duration - 10, round(base_vel)) for p in voicing]
                continue
            bar_start = bar_index * plan.bar_ticks
            for offset, dur, vel, which in _hits(pattern, plan.meter):
                tick = bar_start + offset
                if not span.start <= tick < span.end:
                    continue
                dur = min(dur, span.end - tick)
                velocity = round(base_vel * vel)
                if which in ("all", "down", "up"):
                    order = voicing if which != "up" else voicing[::-1]
                    spread = 12 if which != "all" else 0  # a strum sounds its strings one after another
                    out += [
                        Note(p, tick + i * spread, max(30, dur - i * spread), velocity)
                        for i, p in enumerate(order)
                    ]
                else:
                    idx = min(int(which), len(voicing) - 1)
                    out.append(Note(voicing[idx], tick, dur, velocity))
    return _merge_held(out) if pattern == "sustain" else out


def _melody_floor(melody: list[Note], plan: Plan) -> Callable[[int], int]:
    """Lowest melody pitch sounding in each half bar: a chorale's inner voices stay under it."""

    def at(tick: int) -> int:
        near = [n.pitch for n in melody if n.start < tick + plan.bar_ticks // 2 and n.end > tick]
        return min(near) if near else 127

    return at


def _merge_held(notes: list[Note]) -> list[Note]:
    """Join a held note with the same pitch held right after it (pads do not re-attack)."""
    by_pitch: dict[int, list[Note]] = {}
    for n in sorted(notes, key=lambda n: n.start):
        chain = by_pitch.setdefault(n.pitch, [])
        if chain and chain[-1].end + 20 >= n.start:
            chain[-1].duration = n.end - chain[-1].start
        else:
            chain.append(Note(n.pitch, n.start, n.duration, n.velocity))
    return sorted((n for chain in by_pitch.values() for n in chain), key=lambda n: (n.start, n.pitch))


# ----- bass ----------------------------------------------------------------------------------------------


def _bass_pitch(pc: int, prev: int | None, part: Part) -> int:
    """``pc`` in the bass part's range, the octave nearest the previous bass note (theory.voicing)."""
    from tunesmith.theory.voicing import bass_note

    low, high = part.low, max(part.high, part.low + 11)
    if prev is not None and prev > low + 12:
        prev -= 12  # lean downwards, so a line that climbed comes back to the bass register
    return min(bass_note(Chord(pc % 12), low, high, prev), part.high)


def bass(plan: Plan, harmony: Harmony, part: Part) -> list[Note]:
    pattern = part.pattern
    bar, beat = plan.bar_ticks, plan.meter.beat_ticks
    half = bar // 2 if plan.meter.beats % 2 == 0 else None
    out: list[Note] = []
    prev: int | None = None
    vel = round(plan.velocity * 0.85)
    last_bar = len(harmony.bars) - plan.ending_bars
    spans = harmony.spans()
    for i, span in enumerate(spans):
        chord = _span_chord(span, plan)
        root = _bass_pitch(chord.bass_pc, prev, part)
        fifth_pc = (chord.root + 7) % 12
        bar_index = span.start // bar
        bar_start = bar_index * bar
        if bar_index >= last_bar or pattern in ("sustain",):
            out.append(Note(root, span.start, span.duration - 10, vel))
            prev = root
            continue
        if pattern == "pedal":
            tonic = _bass_pitch(plan.key.tonic, prev, part)
            if span.start == bar_start:
                out.append(Note(tonic, span.start, bar - 10, vel))
            prev = tonic
            continue
        hits: list[tuple[int, int, int]] = []  # (tick, duration, pitch)
        if pattern == "walking" and not plan.meter.compound:
            tones = [
                root,
                _bass_pitch(chord.pitch_classes()[1 % len(chord.pitch_classes())], root, part),
                _bass_pitch(fifth_pc, root, part),
            ]
            nxt = spans[i + 1] if i + 1 < len(spans) else span
            target = _bass_pitch(nxt.chord.bass_pc, root, part)
            for b in range(span.duration // beat):
                pitch = (
                    tones[b % 3]
                    if b < span.duration // beat - 1 or b == 0
                    else target + (1 if target < root else -1)
                )
                pitch = min(max(pitch, part.low), part.high)
                hits.append((span.start + b * beat, beat - 20, pitch))
        elif pattern in ("oompah", "march"):
            stride = beat
            for k, tick in enumerate(range(span.start, span.end, stride if pattern == "march" else bar)):
                if pattern == "march" and (tick - bar_start) % (2 * beat if plan.meter.beats >= 4 else beat):
                    continue
                pitch = root if (k + bar_index) % 2 == 0 else _bass_pitch(fifth_pc, root, part)
                hits.append((tick, round(beat * 0.6), pitch))
        else:  # root, root-fifth
            hits.append((span.start, min(span.duration, half or span.duration) - 20, root))
            if (
                half is not None
                and span.start <= bar_start + half - beat
                and span.end >= bar_start + half + beat
            ):
                second = _bass_pitch(fifth_pc, root, part) if pattern == "root-fifth" else root
                hits.append((bar_start + half, span.end - bar_start - half - 20, second))
            elif plan.meter.compound and pattern == "root-fifth" and span.duration >= bar:
                hits[-1] = (span.start, beat - 20, root)
                hits.append((span.start + beat, beat - 20, _bass_pitch(fifth_pc, root, part)))
        for tick, dur, pitch in hits:
            out.append(Note(pitch, tick, max(60, dur), vel))
            prev = pitch
    return out


# ----- counter-melody and pad -------------------------------------------------------------------------


def counter(plan: Plan, harmony: Harmony, part: Part, melody: list[Note]) -> list[Note]:
    key, penta = plan.key, plan.style.scale == "pentatonic"
    bar, beat = plan.bar_ticks, plan.meter.beat_ticks
    vel = round(plan.velocity * 0.72)
    out: list[Note] = []
    from tunesmith.compose.melody import local_scale, nearest, pitches_in

    if part.pattern == "answer":
        # Echo the section's opening motif in the gap at each phrase end.
        for section in plan.sections:
            s0 = section.start_bar * bar
            motif = [n for n in melody if s0 <= n.start < s0 + bar][:3]
            if len(motif) < 2:
                continue
            bar_at = section.start_bar
            for length in section.phrases:
                end_bar = bar_at + length - 1
                start = end_bar * bar + (beat if plan.meter.beats > 1 else EIGHTH * 2)
                shift = start - motif[0].start
                for n in motif:
                    tick = n.start + shift
                    if tick >= (end_bar + 1) * bar:
                        break
                    span = harmony.at(tick)
                    pool = chord_tones(span, key, penta) if tick == start else local_scale(key, span, penta)
                    pitch = nearest(
                        n.pitch + 12 if n.pitch + 12 <= part.high else n.pitch,
                        pitches_in(pool, part.low, part.high),
                    )
                    out.append(Note(pitch, tick, min(n.duration, (end_bar + 1) * bar - tick - 20), vel))
                bar_at += length
    # Thirds (or sixths) under the tune's main notes in returning and contrasting sections; an
    # answering part adds them where it is not answering.
    busy = {n.start // bar for n in out}
    home = plan.sections[0].label
    active = {(s.start_bar, s.bars) for s in plan.sections if s.occurrence > 0 or s.label != home}
    for n in melody:
        bar_index = n.start // bar
        if not any(s0 <= bar_index < s0 + length for s0, length in active):
            continue
        if n.start % beat or n.duration < beat // 2 or bar_index in busy:
            continue
        span = harmony.at(n.start)
        tones = [
            p for p in pitches_in(chord_tones(span, key, penta), part.low, part.high) if 3 <= n.pitch - p <= 9
        ]
        if not tones:
            continue
        pitch = min(tones) if part.pattern == "sustain" else max(tones)
        length = max(n.duration, beat) if part.pattern == "sustain" else n.duration
        out.append(Note(pitch, n.start, length, vel))
    return out


def pad(plan: Plan, harmony: Harmony, part: Part) -> list[Note]:
    out: list[Note] = []
    prev: list[int] | None = None
    vel = round(plan.velocity * 0.6)
    # Four soft voices reaching a little into the melody's floor: not a copy of the comping.
    ceiling = min(part.high, max(part.low + 12, plan.melody_range[0] + 7))
    for span in harmony.spans():
        voicing = voice(
            _span_chord(span, plan), prev, part.low, ceiling, 4 if plan.style.scale != "pentatonic" else 2
        )
        prev = voicing
        out += [Note(p, span.start, span.duration, vel) for p in voicing]
    return _merge_held(out)


# ----- drums ------------------------------------------------------------------------------------------------


def _drum_bar(pattern: str, meter: Meter, vel: int) -> list[tuple[int, int, int]]:
    """(offset, GM drum key, velocity) for one ordinary bar."""
    bar, beat = meter.bar_ticks, meter.beat_ticks
    n_eighths = bar // EIGHTH
    hits: list[tuple[int, int, int]] = []
    if pattern in ("backbeat", "ballad"):
        if meter.compound:
            hits += [
                (0, DRUMS["kick"], vel),
                (beat, DRUMS["snare"] if pattern == "backbeat" else DRUMS["side_stick"], vel - 8),
            ]
        else:
            for b in range(meter.beats):
                if b % 2 == 0:
                    hits.append((b * beat, DRUMS["kick"], vel))
                else:
                    hits.append(
                        (b * beat, DRUMS["snare"] if pattern == "backbeat" else DRUMS["side_stick"], vel - 6)
                    )
        hat = DRUMS["closed_hat"] if pattern == "backbeat" else DRUMS["ride"]
        step = EIGHTH if pattern == "backbeat" else beat
        hits += [(t, hat, vel - 22 - (6 if (t // EIGHTH) % 2 else 0)) for t in range(0, bar, step)]
    elif pattern == "march":
        hits += [
            (b * beat, DRUMS["bass_drum"], vel) for b in range(meter.beats) if b % 2 == 0 or meter.beats <= 2
        ]
        hits += [(e * EIGHTH, DRUMS["snare"], vel - (4 if e % 2 == 0 else 18)) for e in range(n_eighths)]
        hits.append((bar - EIGHTH // 2, DRUMS["snare"], vel - 22))  # the drag before the bar line
    elif pattern == "folk":
        hits += [(b * beat, DRUMS["low_tom"], vel - (0 if b == 0 else 8)) for b in range(meter.beats)]
        hits += [
            (e * EIGHTH, DRUMS["tambourine"], vel - 28)
            for e in range(n_eighths)
            if e % 2 == 1 or meter.compound
        ]
    elif pattern == "waltz":
        hits += [
            (0, DRUMS["kick"], vel),
            (beat, DRUMS["closed_hat"], vel - 20),
            (2 * beat, DRUMS["closed_hat"], vel - 20),
        ]
    elif pattern == "sparse":
        hits += [(0, DRUMS["woodblock"], vel - 16), (bar - beat // 2, DRUMS["woodblock"], vel - 26)]
    return hits


def drums(plan: Plan, harmony: Harmony) -> Track | None:
    pattern = plan.drums
    if pattern == "none":
        return None
    vel = min(120, round(plan.velocity * 1.05))
    bar = plan.bar_ticks
    notes: list[Note] = []
    section_starts = {s.start_bar for s in plan.sections}
    last_body = plan.intro_bars + plan.body_bars
    for b in range(len(harmony.bars)):
        start = b * bar
        if b >= last_body:
            notes += [Note(DRUMS["crash"], start, bar, vel), Note(DRUMS["kick"], start, 240, vel)]
            break
        hits = _drum_bar(pattern, plan.meter, vel)
        if b < plan.intro_bars and pattern in ("backbeat", "march", "ballad") and b < plan.intro_bars - 1:
            hits = [
                h
                for h in hits
                if h[1] in (DRUMS["closed_hat"], DRUMS["ride"], DRUMS["kick"], DRUMS["bass_drum"])
            ]
        if b + 1 in section_starts or b + 1 == last_body:
            # A fill into the next section: sixteenth-note snare (or toms) over the last beat.
            beat = plan.meter.beat_ticks
            fill_from = bar - beat
            hits = [h for h in hits if h[0] < fill_from]
            drum = DRUMS["snare"] if pattern in ("backbeat", "march") else DRUMS["low_tom"]
            hits += [(fill_from + k * 120, drum, vel - 20 + 4 * k) for k in range(beat // 120)]
        if b in section_starts and pattern in ("backbeat", "march", "ballad"):
            hits.append((0, DRUMS["crash"], vel - 10))
        notes += [
            Note(key, start + off, 100, max(1, min(127, v)))
            for off, key, v in hits
            if pattern != "sparse" or b % 2 == 0
        ]
    notes.sort(key=lambda n: (n.start, n.pitch))
    return Track(name="drums", program=0, is_drum=True, notes=notes)


# ----- the whole arrangement ----------------------------------------------------------------------------


def four_part(plan: Plan, harmony: Harmony, melody: list[Note]) -> tuple[list[list[Note]], Harmony]:
    """Alto, tenor and bass under the melody by the four-part search (tunesmith.models.chorale), the
    planned chords as a soft preference, cadences where the plan's phrases end; and the harmony that
    really sounds (the chord symbols of the score)."""
    from tunesmith.models.chorale import set_melody
    from tunesmith.theory.fourpart import label_chord

    key, beat = plan.key, plan.meter.beat_ticks
    minor = key.is_minor
    n_beats = -(-max(n.end for n in melody) // beat) if melody else 0
    planned: list[str | None] = []
    for k in range(n_beats):
        chord = harmony.at(k * beat).chord
        planned.append(
            label_chord(dict.fromkeys(chord.pitch_classes(), 1.0), chord.bass_pc, key.tonic, minor)
        )
    cadences = []
    for section in plan.sections:
        bar_at = section.start_bar
        for length in section.phrases:
            end_tick = (bar_at + length) * plan.bar_ticks
            last = [n for n in melody if n.start < end_tick]
            if last:
                cadences.append(last[-1].start)
            bar_at += length
    setting = set_melody(
        melody,
        key.tonic,
        minor,
        beat,
        cadence_ticks=cadences,
        planned=planned,
        velocity=round(plan.velocity * 0.85),
    )
    bars: list[list[ChordSpan]] = [[] for _ in harmony.bars]
    for label, chord, start, duration in setting.chords:
        tick, end = start, start + duration
        while tick < end:  # a chord held over a bar line is one span per bar
            bar_index = tick // plan.bar_ticks
            if bar_index >= len(bars):
                break
            stop = min(end, (bar_index + 1) * plan.bar_ticks)
            bars[bar_index].append(ChordSpan(tick, stop - tick, chord, label))
            tick = stop
    for i, spans in enumerate(bars):  # bars the melody does not reach keep the planned chords
        if not spans:
            bars[i] = list(harmony.bars[i])
    return setting.voices, Harmony(bars, harmony.source)


def arrange(
    plan: Plan,
    harmony: Harmony,
    melody: list[Note],
    seed: int,
    *,
    choir_voices: list[list[Note]] | None = None,
) -> list[Track]:
    """Tracks in score order: melody, counter, accompaniment (or chorale voices), bass, pad, drums.
    ``choir_voices`` (alto, tenor, bass from :func:`four_part`) replace a 'block' accompaniment."""
    parts = plan.parts
    tracks = [_track("melody", parts["melody"], melody)]
    if "counter" in parts:
        tracks.append(_track("counter", parts["counter"], counter(plan, harmony, parts["counter"], melody)))
    choir = False
    if "accompaniment" in parts:
        acc = parts["accompaniment"]
        voices = choir_voices if acc.pattern == "block" else None
        if voices:
            # The harmonizer's alto, tenor and bass sing with the soprano (the melody's own voice).
            choir = True
            singer = parts["melody"].program
            for name, line in zip(("alto", "tenor", "bass voice"), voices, strict=True):
                tracks.append(Track(name=f"{name} ({GM_NAMES[singer]})", program=singer, notes=line))
        else:
            n_voices = 4 if acc.pattern in ("strum", "arpeggio") else 3
            tracks.append(_track("accompaniment", acc, accompaniment(plan, harmony, acc, melody, n_voices)))
    if "bass" in parts and not choir:
        tracks.append(_track("bass", parts["bass"], bass(plan, harmony, parts["bass"])))
    if "pad" in parts:
        tracks.append(_track("pad", parts["pad"], pad(plan, harmony, parts["pad"])))
    drum_track = drums(plan, harmony)
    if drum_track is not None:
        tracks.append(drum_track)
    for track in tracks:
        if not track.is_drum:
            role = track.name.split(" (")[0]
            part = parts.get(role)
            low, high = (part.low, part.high) if part is not None else program_range(track.program)
            track.notes = [n for n in track.notes if n.duration > 0]
            for n in track.notes:
                n.pitch = fold_into(n.pitch, low, high)
    return tracks


def fold_into(pitch: int, low: int, high: int) -> int:
    """``pitch`` moved by octaves into low..high (clamped when the range is under an octave)."""
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    return min(max(pitch, low), high)
