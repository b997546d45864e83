"""Arrangement: the parts around the melody, by the style's pattern names, the section and the mood.

Accompaniment patterns (voice-led voicings from theory.voicing, re-voiced per chord near the last):
``strum`` chords on the beats (a guitar's down/up strokes, spread a few ms low to high), ``oompah``
chords on the weak beats (the bass takes the 'oom'), ``afterbeat`` chords on the off-beats (march),
``arpeggio`` and ``broken`` chords as eighth-note figures, ``arpeggio-slow`` in quarter notes,
``pulse`` repeated eighths, ``ostinato`` a low repeated figure with a minor-second rub and
irregular (3+3+2) accents (tension), ``comp``/``comp-alt``/``comp-sparse`` jazz piano comping
(Charleston and off-beat stabs, rootless voicings), ``block`` one chord per harmony change,
``sustain`` held. Bass patterns: ``root``, ``root-fifth``, ``oompah``, ``march``, ``walking`` (a
quarter-note line: chord tones on the strong beats, scale and chromatic approach notes into the next
root), ``eighths`` (driving), ``pedal`` and ``pedal-pulse`` (the tonic as a drone, held or repeated)
and ``sustain``.

Sections develop (:func:`section_textures`): the first statement is the leanest; a returning section
adds the counter-line and pad and drops the drums out for its first phrase; a contrasting section
(B, chorus) takes another comping pattern and the full kit; the last section is the fullest. The
counter-line answers the melody in its gaps (held notes and rests) and doubles it in thirds in
returning sections; drums fill at phrase ends and into each section; the intro is the melody's own
opening motif over the intro chords; the ending is a tag (the final cadence figure echoed) and the
held tonic chord. The mood (tunesmith.compose.mood) picks patterns, register and harmonic colour;
comping never rubs a minor second under a sounding melody note unless the colour is tense.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from tunesmith.compose.engines import set_melody, voice
from tunesmith.compose.harmony import ChordSpan, Harmony, chord_tones
from tunesmith.compose.instruments import DRUMS, GM_NAMES, ONE_NOTE_AT_A_TIME, program_range, role_of
from tunesmith.compose.melody import local_scale, nearest, pitches_in
from tunesmith.compose.plan import Plan
from tunesmith.compose.styles import Part
from tunesmith.score import Note, Track
from tunesmith.theory.chord import Chord
from tunesmith.theory.fourpart import label_chord
from tunesmith.theory.meter import Meter
from tunesmith.theory.pitch import fold_into
from tunesmith.theory.voicing import bass_note

EIGHTH = 240

# Another comping pattern for a contrasting section (B, chorus): a different figure, not just louder.
ALTERNATE = {
    "strum": "pulse", "pulse": "arpeggio", "arpeggio": "strum", "broken": "pulse",
    "arpeggio-slow": "arpeggio", "sustain": "arpeggio-slow", "oompah": "arpeggio", "afterbeat": "sustain",
    "block": "block", "ostinato": "pulse", "comp": "comp-alt", "comp-sparse": "comp", "comp-alt": "comp",
}  # fmt: skip
LIVELIER_BASS = {"sustain": "root", "root": "root-fifth", "root-fifth": "root-fifth"}


def _track(role: str, part: Part, notes: list[Note]) -> Track:
    return Track(name=f"{role} ({GM_NAMES[part.program]})", program=part.program, is_drum=False, notes=notes)


@dataclass(frozen=True, slots=True)
class Texture:
    """What plays in one section: comping and bass patterns, whether the counter-line doubles the
    tune (beyond answering its gaps), whether the pad plays, the drum pattern, and how many of the
    section's first bars the drums sit out (a drop-out)."""

    accompaniment: str
    bass: str
    counter: bool
    pad: bool
    drums: str
    drop_bars: int = 0

    def signature(self) -> tuple[str, bool, bool, str, int]:
        return (self.accompaniment, self.counter, self.pad, self.drums, self.drop_bars)


def section_textures(plan: Plan) -> list[Texture]:
    """One texture per section of the plan (see the module docstring)."""
    acc = plan.parts.get("accompaniment")
    bass_part = plan.parts.get("bass")
    base = acc.pattern if acc is not None else ""
    bass_base = bass_part.pattern if bass_part is not None else ""
    home = plan.sections[0].label
    everywhere = plan.mood.counter_everywhere
    always_pad = plan.mood.add_pad
    out: list[Texture] = []
    for i, section in enumerate(plan.sections):
        contrasting = section.label != home
        last = section.is_last and i > 0
        if i == 0:
            out.append(Texture(base, bass_base, everywhere, always_pad, plan.drums))
        elif contrasting:
            out.append(
                Texture(
                    (acc.alternate if acc is not None and acc.alternate else ALTERNATE.get(base, base)),
                    LIVELIER_BASS.get(bass_base, bass_base) if plan.mood.energy >= 0 else bass_base,
                    section.occurrence > 0 or everywhere or last,
                    True,
                    plan.drums,
                )
            )
        else:
            drop = 0 if last or plan.drums == "none" else (section.phrases[0] if section.phrases else 0)
            out.append(Texture(base, bass_base, True, True, plan.drums, drop))
    return out


def _texture_at(plan: Plan, textures: list[Texture], bar: int) -> Texture | None:
    """The texture of the section holding ``bar`` (None in the intro and ending)."""
    for section, texture in zip(plan.sections, textures, strict=True):
        if section.start_bar <= bar < section.start_bar + section.bars:
            return texture
    return None


def _span_chord(span: ChordSpan, plan: Plan) -> Chord:
    """Pentatonic styles voice chords as open fifths (the drone habit), others as written."""
    if plan.style.scale == "pentatonic":
        return Chord(span.chord.root, "5", None, span.chord.root_name)
    return span.chord


_BRIGHT = {"maj": "add9", "min": "min7"}
_DARK = {"maj": "maj7", "min": "min7", "dom7": "7sus4"}
_TENSE = {"maj": "sus4", "min": "minmaj7", "dom7": "7b9", "min7": "minmaj7", "maj7": "sus4"}


def coloured(span: ChordSpan, plan: Plan) -> Chord:
    """The chord in the mood's harmonic colour: bright adds ninths, dark sevenths, tense rubs (a
    dominant with a flat ninth, minor with a major seventh, suspended fourths). Same root and bass, so
    the melody written over the plain chord still fits."""
    chord = _span_chord(span, plan)
    colour = plan.mood.colour
    if plan.style.scale == "pentatonic" or plan.style.name == "chorale":
        return chord
    table = {"bright": _BRIGHT, "dark": _DARK, "tense": _TENSE}.get(colour)
    if table is None or chord.quality not in table:
        return chord
    quality = table[chord.quality]
    if colour == "tense" and chord.quality in ("maj", "dom7") and (chord.root - plan.key.tonic) % 12 == 7:
        quality = "7b9"
    return Chord(chord.root, quality, chord.bass, chord.root_name, chord.bass_name)


# ----- accompaniment -----------------------------------------------------------------------------------


def _hits(pattern: str, meter: Meter) -> list[tuple[int, int, float, str]]:
    """(offset in bar, duration, velocity factor, which notes) for one bar of a pattern.

    'which' is 'all' (the whole voicing), 'up'/'down' (strum direction), 'rub' (the voicing's lowest
    note with a minor second above it), or a digit string of voicing indices for figures."""
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
    if pattern == "arpeggio-slow":
        order = "0121"
        quarters = bar // 480 if not meter.compound else meter.beats * 2
        step = bar // quarters
        return [(q * step, 2 * step, 0.85 if q else 1.0, order[q % 4]) for q in range(quarters)]
    if pattern == "broken":
        order = "0212"
        return [(e * EIGHTH, 2 * EIGHTH, 0.9 if e % 2 == 0 else 0.75, order[e % 4]) for e in range(n_eighths)]
    if pattern == "ostinato":
        # Eighths with accents grouped 3+3+2 (irregular against the bar), a minor-second rub on them.
        accents = {0, 3, 6} if n_eighths >= 8 else {0, 3}
        return [
            (e * EIGHTH, 180, 1.0 if e % 8 in accents else 0.6, "rub" if e % 8 in accents else "0")
            for e in range(n_eighths)
        ]
    if pattern in ("comp", "comp-alt", "comp-sparse"):
        if meter.compound or meter.beats < 4:
            return [(b * beat + (EIGHTH if b else 0), 300, 0.85, "all") for b in range(meter.beats)]
        if pattern == "comp":  # Charleston: 1, the "and" of 2 (anticipating 3)
            return [(0, 700, 0.9, "all"), (3 * EIGHTH, 500, 0.8, "all")]
        if pattern == "comp-alt":  # stabs on the "and" of 2 and on 4
            return [(3 * EIGHTH, 220, 0.85, "all"), (6 * EIGHTH, 400, 0.75, "all")]
        return [(0, bar - 60, 0.8, "all")]
    return [(0, bar, 1.0, "all")]  # block, sustain: one held chord per harmony change


def _rootless(chord: Chord, prev: list[int] | None, low: int, high: int) -> list[int]:
    """A jazz pianist's left hand: third, seventh and ninth (or fifth), no root (the bass has it)."""
    intervals = chord.intervals
    third = next((i for i in intervals if i in (3, 4)), intervals[1] if len(intervals) > 1 else 4)
    seventh = next((i for i in intervals if i in (10, 11)), 9 if 9 in intervals else 7)
    ninth = 14 if chord.quality not in ("7b9", "dim7", "hdim7") else 13
    pcs = [(chord.root + i) % 12 for i in (third, seventh, ninth)]
    return voice(Chord(chord.root, "maj"), prev, low, high, 3) if not pcs else _place(pcs, prev, low, high)


def _place(pcs: list[int], prev: list[int] | None, low: int, high: int) -> list[int]:
    """Pitch classes stacked close above ``low``, the octave chosen nearest the previous voicing."""
    best: list[int] | None = None
    best_cost = 1e9
    centre = sum(prev) / len(prev) if prev else (low + high) / 2
    for rotation in range(len(pcs)):
        order = pcs[rotation:] + pcs[:rotation]
        for base in range(low, low + 12):
            if base % 12 != order[0]:
                continue
            stack = [base]
            for pc in order[1:]:
                nxt = stack[-1] + 1
                while nxt % 12 != pc:
                    nxt += 1
                stack.append(nxt)
            if stack[-1] > high:
                continue
            cost = abs(sum(stack) / len(stack) - centre)
            if cost < best_cost:
                best, best_cost = stack, cost
    return best if best is not None else [low + (pc - low) % 12 for pc in pcs]


def accompaniment(
    plan: Plan,
    harmony: Harmony,
    part: Part,
    melody: list[Note],
    *,
    n_voices: int = 3,
    textures: list[Texture] | None = None,
) -> list[Note]:
    """The accompaniment part over every bar of the harmony (section patterns from ``textures``)."""
    out: list[Note] = []
    prev: list[int] | None = None
    base_vel = plan.velocity * 0.78
    top_limit = _melody_floor(melody, plan) if part.pattern == "block" else None
    last_bar = len(harmony.bars) - plan.ending_bars
    # Comping sits under the tune: its top voice stays near the bottom of the melody's range.
    ceiling = min(part.high, max(part.low + 12, plan.melody_range[0] + 2))
    for bar_index, spans in enumerate(harmony.bars):
        ending = bar_index >= last_bar
        texture = _texture_at(plan, textures or [], bar_index)
        pattern = texture.accompaniment if texture is not None else part.pattern
        if bar_index < plan.intro_bars and pattern in ("sustain", "block"):
            pattern = "arpeggio-slow" if part.pattern != "block" else pattern
        for span in spans:
            high = ceiling
            if top_limit is not None:
                high = min(high, max(part.low + 9, top_limit(span.start) - 1))
            chord = coloured(span, plan)
            if pattern.startswith("comp"):
                voicing = _rootless(chord, prev, max(part.low, 50), min(high, 74))
            elif pattern == "ostinato":
                voicing = voice(chord, prev, part.low, min(high, part.low + 14), 2)
            else:
                voicing = voice(chord, prev, part.low, high, n_voices)
            prev = voicing
            voicing = sorted(set(voicing))  # a doubled pitch in unison is one string, one key
            if pattern in ("block", "sustain") or ending:
                out += [Note(p, span.start, span.duration - 10, round(base_vel)) for p in voicing]
                continue
            bar_start = bar_index * plan.bar_ticks
            for offset, dur, vel, which in _hits(pattern, plan.meter):
                tick = bar_start + offset
                if not span.start <= tick < span.end:
                    continue
                dur = min(dur, span.end - tick) if not pattern.startswith("comp") else dur
                velocity = round(base_vel * vel)
                if which in ("all", "down", "up"):
                    order = voicing if which != "up" else voicing[::-1]
                    spread = (
                        12 if which not in ("all",) else 0
                    )  # a strum sounds its strings one after another
                    out += [
                        Note(p, tick + i * spread, max(30, dur - i * spread), velocity)
                        for i, p in enumerate(order)
                    ]
                elif which == "rub":
                    low = voicing[0]
                    out += [Note(low, tick, dur, velocity), Note(low + 1, tick, dur, round(velocity * 0.8))]
                else:
                    idx = min(int(which), len(voicing) - 1)
                    out.append(Note(voicing[idx], tick, dur, velocity))
    if plan.mood.colour != "tense" and not plan.style.name.startswith("jazz"):
        out = _no_rubs(out, melody, harmony)
    return _merge_held(out) if part.pattern == "sustain" else out


def _no_rubs(notes: list[Note], melody: list[Note], harmony: Harmony) -> list[Note]:
    """Move a comping note that sits a minor second (or ninth) below a melody note sounding with it
    to the next chord tone below: that rub reads as a wrong note, not a colour (the lullaby's B4
    under a held C5 becomes a G4), and an arpeggio keeps its shape."""
    starts = sorted(melody, key=lambda n: n.start)

    def clashes(pitch: int, n: Note) -> bool:
        for m in starts:
            if m.start >= n.end:
                break
            overlap = min(n.end, m.end) - max(n.start, m.start)
            if overlap >= EIGHTH and (m.pitch - pitch) % 12 == 1 and m.pitch > pitch:
                return True
        return False

    for n in notes:
        if not clashes(n.pitch, n):
            continue
        pcs = set(harmony.at(n.start).chord.pitch_classes())
        below = [p for p in range(n.pitch - 1, n.pitch - 10, -1) if p % 12 in pcs and not clashes(p, n)]
        if below:
            n.pitch = below[0]
    return notes


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
    low, high = part.low, max(part.high, part.low + 11)
    if prev is not None and prev > low + 12:
        prev -= 12  # lean downwards, so a line that climbed comes back to the bass register
    return min(bass_note(Chord(pc % 12), low, high, prev), part.high)


def _walking_line(plan: Plan, chord: Chord, root: int, target: int, *, beats: int, part: Part) -> list[int]:
    """A walking bass over one chord: the root on the first beat, chord tones and scale steps after,
    a chromatic or scale approach note into the next chord's root on the last beat."""
    if beats <= 1:
        return [root]
    scale = set(plan.key.scale_pcs())
    tones = [(chord.root + i) % 12 for i in chord.intervals]
    line = [root]
    direction = 1 if target >= root else -1
    for b in range(1, beats - 1):
        # Climb through chord tones and scale steps towards the target.
        want = line[-1] + direction * (2 if b % 2 else 3)
        options = [p for p in range(want - 2, want + 3) if p % 12 in tones or p % 12 in scale]
        options = [p for p in options if part.low <= p <= part.high and p != line[-1]] or [line[-1]]
        line.append(min(options, key=lambda p: (abs(p - want), p % 12 not in tones)))
    approach = target - 1 if line[-1] < target else target + 1
    if not part.low <= approach <= part.high or approach == line[-1]:
        approach = target + (2 if line[-1] > target else -2)
    line.append(min(max(approach, part.low), part.high))
    return line


def _phrase_marks(plan: Plan) -> tuple[set[int], set[int]]:
    """(bars that open the first phrase of a home section, bars that end a phrase), as bar indices."""
    home = plan.sections[0].label
    drone: set[int] = set(range(plan.intro_bars))
    ends: set[int] = set()
    for s in plan.sections:
        first = s.start_bar
        for k, length in enumerate(s.phrases):
            if k == 0 and s.label == home:
                drone.update(range(first, first + length))
            ends.add(first + length - 1)
            first += length
    return drone, ends


def _approach(target: int, prev: int, scale: set[int], part: Part) -> int:
    """A scale step into ``target`` from the side ``prev`` comes from (a passing/approach note)."""
    direction = -1 if prev < target else 1
    p = target + direction
    while p % 12 not in scale:
        p += direction
    return p if part.low <= p <= part.high else target - direction * 2


def bass(plan: Plan, harmony: Harmony, part: Part, textures: list[Texture] | None = None) -> list[Note]:
    """The bass line: chord roots (the chord's bass note) in the part's pattern, the fifth and scale
    approach notes for motion; the pattern 'pedal' holds a tonic drone only where it is idiomatic
    (the intro and the first phrase of a home section, under chords holding the tonic) and follows
    the harmony elsewhere; a waltz's one-a-bar bass takes the fifth only on a repeated chord away
    from a phrase end, and root-fifth keeps the root through a strain's last bar (root position at
    cadences)."""
    bar, beat = plan.bar_ticks, plan.meter.beat_ticks
    half = bar // 2 if plan.meter.beats % 2 == 0 else None
    out: list[Note] = []
    prev: int | None = None
    vel = round(plan.velocity * 0.85)
    last_bar = len(harmony.bars) - plan.ending_bars
    spans = harmony.spans()
    drone_bars, phrase_ends = _phrase_marks(plan)
    closes = {s.start_bar + s.bars - 1 for s in plan.sections}
    scale = set(plan.key.scale_pcs())
    flowing = "sustain" if plan.mood.energy < 0 or plan.style.drums == "none" else "root-fifth"
    for i, span in enumerate(spans):
        chord = _span_chord(span, plan)
        root = _bass_pitch(chord.bass_pc, prev, part)
        fifth_pc = (chord.root + 7) % 12
        bar_index = span.start // bar
        bar_start = bar_index * bar
        texture = _texture_at(plan, textures or [], bar_index)
        pattern = texture.bass if texture is not None else part.pattern
        nxt = spans[i + 1] if i + 1 < len(spans) else None
        nxt_chord = _span_chord(nxt, plan) if nxt is not None else None
        prev_chord = _span_chord(spans[i - 1], plan) if i > 0 else None
        if pattern == "pedal" and bar_index < last_bar:
            tones = {(chord.root + k) % 12 for k in chord.intervals}
            if bar_index in drone_bars and plan.key.tonic in tones:
                tonic = _bass_pitch(plan.key.tonic, part.low, part)  # a drone sits as low as it can
                if out and out[-1].pitch == tonic and out[-1].end >= span.start - 20:
                    out[-1].duration = span.end - 10 - out[-1].start  # the drone holds on
                else:
                    out.append(Note(tonic, span.start, span.duration - 10, vel))
                prev = tonic
                continue
            pattern = flowing
        if bar_index >= last_bar or pattern in ("sustain",):
            again = bool(out) and out[-1].pitch == root
            long_held = again and (out[-1].duration >= 2 * bar or (len(out) >= 2 and out[-2].pitch == root))
            if bar_index < last_bar and long_held:
                # The same chord again and again: the bass changes octave rather than sit still.
                root = root + 12 if root + 12 <= part.high else root - 12 if root - 12 >= part.low else root
            out.append(Note(root, span.start, span.duration - 10, vel))
            prev = root
            continue
        hits: list[tuple[int, int, int]] = []  # (tick, duration, pitch)
        if pattern == "pedal-pulse":
            # A tense pulse: repeated eighths on the chord's bass as low as it goes, an octave leap
            # at the end of every second bar.
            low_root = _bass_pitch(chord.bass_pc, part.low, part)
            for tick in range(span.start, span.end, EIGHTH):
                leap = tick + EIGHTH >= bar_start + bar and bar_index % 2 and low_root + 12 <= part.high
                hits.append((tick, EIGHTH - 40, low_root + 12 if leap else low_root))
        elif pattern == "walking" and not plan.meter.compound:
            target = _bass_pitch((nxt_chord or chord).bass_pc, root, part)
            n_beats = max(1, span.duration // beat)
            for b, pitch in enumerate(_walking_line(plan, chord, root, target, beats=n_beats, part=part)):
                hits.append((span.start + b * beat, beat - 30, pitch))
        elif pattern == "eighths":
            for k, tick in enumerate(range(span.start, span.end, EIGHTH)):
                pitch = root + 12 if k % 4 == 3 and root + 12 <= part.high else root
                hits.append((tick, EIGHTH - 40, pitch))
        elif pattern in ("oompah", "march"):
            stride = beat
            repeated = prev_chord is not None and prev_chord.bass_pc == chord.bass_pc
            for k, tick in enumerate(range(span.start, span.end, stride if pattern == "march" else bar)):
                if pattern == "march" and (tick - bar_start) % (2 * beat if plan.meter.beats >= 4 else beat):
                    continue
                if pattern == "oompah":
                    fifth = repeated and bar_index not in phrase_ends and bar_index % 2 == 1
                else:
                    fifth = (k + bar_index) % 2 == 1 and not (bar_index in phrase_ends and tick == bar_start)
                pitch = _bass_pitch(fifth_pc, root, part) if fifth else root
                hits.append((tick, round(beat * 0.6), pitch))
        else:  # root, root-fifth
            hits.append((span.start, min(span.duration, half or span.duration) - 20, root))
            if (
                half is not None
                and span.start <= bar_start + half - beat
                and span.end >= bar_start + half + beat
            ):
                # A strain's last bar keeps the root: the tune's closing tonic lands on it, not on a fifth.
                fifth = pattern == "root-fifth" and bar_index not in closes
                second = _bass_pitch(fifth_pc, root, part) if fifth else root
                hits.append((bar_start + half, span.end - bar_start - half - 20, second))
            elif (plan.meter.compound and pattern == "root-fifth" and span.duration >= bar
                  and bar_index not in closes):
                hits[-1] = (span.start, beat - 20, root)
                hits.append((span.start + beat, beat - 20, _bass_pitch(fifth_pc, root, part)))
            if (
                pattern == "root-fifth"
                and nxt_chord is not None
                and nxt_chord.bass_pc != chord.bass_pc
                and span.end % bar == 0
                and span.end - hits[-1][0] >= 2 * beat
                and not plan.meter.compound
            ):
                # Walk into the next chord: the last beat becomes a scale step onto its bass note.
                tick, _, pitch = hits[-1]
                target = _bass_pitch(nxt_chord.bass_pc, pitch, part)
                if abs(target - pitch) > 2:
                    hits[-1] = (tick, span.end - beat - tick - 20, pitch)
                    hits.append((span.end - beat, beat - 20, _approach(target, pitch, scale, part)))
        for tick, dur, pitch in hits:
            out.append(Note(pitch, tick, max(60, dur), vel))
            prev = pitch
    return out


def fanfare(plan: Plan, notes: list[Note]) -> list[Note]:
    """A march's brass answer at each phrase end: the bar's chord (its comping voicing) played as
    dotted-eighth, sixteenth, quarter ('ta-da-DUM') on every pair of beats, in place of the
    afterbeats, where the tune holds its cadence note (not in the intro or the closing bars)."""
    bar, beat = plan.bar_ticks, plan.meter.beat_ticks
    if plan.meter.compound or plan.meter.beats not in (2, 4):
        return notes
    _, ends = _phrase_marks(plan)
    closing = plan.intro_bars + plan.body_bars - 1
    bars = {b for b in ends if plan.intro_bars <= b < closing}
    out = [n for n in notes if n.start // bar not in bars]
    for b in sorted(bars):
        inside = sorted((n for n in notes if n.start // bar == b), key=lambda n: n.start)
        if not inside:
            continue
        voicing = sorted({n.pitch for n in inside if n.start == inside[0].start})
        vel = max(n.velocity for n in inside)
        for group in range(0, plan.meter.beats, 2):
            at = b * bar + group * beat
            figure = ((0, beat * 3 // 4, 6), (beat * 3 // 4, beat // 4, 0), (beat, beat, 10))
            for offset, length, accent in figure:
                out += [Note(p, at + offset, length - 20, min(127, vel + accent)) for p in voicing]
    return sorted(out, key=lambda n: (n.start, n.pitch))


# ----- counter-melody and pad -------------------------------------------------------------------------


def _gaps(melody: list[Note], plan: Plan, start: int, end: int) -> list[tuple[int, int]]:
    """(from, to) ticks inside start..end where the tune holds a note or rests for a beat or more
    after its onset's first beat: the room a counter-line answers in."""
    beat = plan.meter.beat_ticks
    notes = sorted((n for n in melody if n.end > start and n.start < end), key=lambda n: n.start)
    gaps: list[tuple[int, int]] = []
    cursor = start
    for n in notes:
        if n.start - cursor >= beat:  # a rest
            gaps.append((cursor, n.start))
        if n.duration >= beat + beat // 2:  # a held note: answer after its first beat
            gaps.append((n.start + beat, min(n.end, end)))
        cursor = max(cursor, n.end)
    if end - cursor >= beat:
        gaps.append((cursor, end))
    return [(a, b) for a, b in gaps if b - a >= beat // 2]


def answer_gaps(
    plan: Plan, harmony: Harmony, part: Part, melody: list[Note], *, first: int, last: int
) -> list[Note]:
    """Short answering figures (eighths or quarters, chord tones and scale steps) in the tune's gaps
    between bars ``first`` and ``last``, moving towards where the tune goes next."""
    key, penta = plan.key, plan.style.scale == "pentatonic"
    beat = plan.meter.beat_ticks
    vel = round(plan.velocity * 0.7)
    out: list[Note] = []
    step = EIGHTH if plan.mood.energy >= 0 else beat
    ordered = sorted(melody, key=lambda n: n.start)
    for a, b in _gaps(melody, plan, first * plan.bar_ticks, last * plan.bar_ticks):
        a = -(-a // EIGHTH) * EIGHTH
        nxt = next((n for n in ordered if n.start >= b), None)
        goal = nxt.pitch if nxt is not None else ordered[-1].pitch if ordered else part.low + 7
        while goal > part.high:
            goal -= 12
        while goal < part.low:
            goal += 12
        span = harmony.at(a)
        pitch = nearest(
            goal + (4 if goal + 4 <= part.high else -4),
            pitches_in(chord_tones(span, key, penta), part.low, part.high),
        )
        tick = a
        count = 0
        while tick + step <= b and count < 4:
            dur = step if tick + 2 * step <= b or count < 1 else b - tick
            out.append(Note(pitch, tick, max(60, dur - 20), vel - (0 if count == 0 else 6)))
            tick += step
            count += 1
            span = harmony.at(tick)
            scale = pitches_in(local_scale(key, span, penta), part.low, part.high)
            direction = -1 if pitch > goal else 1
            options = [p for p in scale if 0 < (p - pitch) * direction <= 4]
            pitch = min(options, key=lambda p: abs(p - pitch)) if options else pitch
    return out


def counter(
    plan: Plan, harmony: Harmony, part: Part, melody: list[Note], textures: list[Texture] | None = None
) -> list[Note]:
    key, penta = plan.key, plan.style.scale == "pentatonic"
    bar, beat = plan.bar_ticks, plan.meter.beat_ticks
    vel = round(plan.velocity * 0.72)
    out: list[Note] = []

    textures = textures or section_textures(plan)
    # Answers in the tune's gaps, every section (sparser where the section does not feature it).
    for section, texture in zip(plan.sections, textures, strict=True):
        if texture.counter:
            out += answer_gaps(
                plan, harmony, part, melody, first=section.start_bar, last=section.start_bar + section.bars
            )
        else:
            # Only the phrase ends: the counter-line enters as the phrase breathes.
            bar_at = section.start_bar
            for length in section.phrases:
                out += answer_gaps(
                    plan, harmony, part, melody, first=bar_at + length - 1, last=bar_at + length
                )
                bar_at += length
    if part.pattern == "answer":
        # Echo the section's opening motif in the gap at each phrase end (where no answer is yet).
        for section in plan.sections:
            s0 = section.start_bar * bar
            motif = [n for n in melody if s0 <= n.start < s0 + bar][:3]
            if len(motif) < 2:
                continue
            bar_at = section.start_bar
            for length in section.phrases:
                end_bar = bar_at + length - 1
                start = end_bar * bar + (beat if plan.meter.beats > 1 else EIGHTH * 2)
                bar_at += length
                if any(end_bar * bar <= n.start < (end_bar + 1) * bar for n in out):
                    continue
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
    # Thirds (or sixths) under the tune's main notes where the section features the counter-line.
    busy = {(n.start, n.end) for n in out}
    active = [(s.start_bar, s.bars) for s, t in zip(plan.sections, textures, strict=True) if t.counter]
    for n in melody:
        bar_index = n.start // bar
        if not any(s0 <= bar_index < s0 + length for s0, length in active):
            continue
        if n.start % beat or n.duration < beat // 2:
            continue
        if any(a < n.end and n.start < b for a, b in busy):
            continue
        span = harmony.at(n.start)
        tones = [
            p for p in pitches_in(chord_tones(span, key, penta), part.low, part.high) if 3 <= n.pitch - p <= 9
        ]
        if not tones:
            continue
        pitch = min(tones) if part.pattern == "sustain" else max(tones)
        length = min(n.duration, beat * 2)
        out.append(Note(pitch, n.start, length, vel))
    out.sort(key=lambda n: n.start)
    # One line: a note ends where the next begins.
    for a, b in itertools.pairwise(out):
        if a.end > b.start:
            a.duration = max(30, b.start - a.start)
    return [n for n in out if n.duration >= 30]


def pad(plan: Plan, harmony: Harmony, part: Part, textures: list[Texture] | None = None) -> list[Note]:
    """Held chords in an open voicing (root, fifth, tenth: a string section's spacing), above the
    comping where there is room under the tune, so the two never double each other."""
    out: list[Note] = []
    prev: list[int] | None = None
    vel = round(plan.velocity * 0.6)
    acc = plan.parts.get("accompaniment")
    acc_top = min(acc.high, max(acc.low + 12, plan.melody_range[0] + 2)) if acc is not None else part.low
    last_bar = len(harmony.bars) - plan.ending_bars
    for span in harmony.spans():
        bar_index = span.start // plan.bar_ticks
        texture = _texture_at(plan, textures or [], bar_index)
        if texture is not None and not texture.pad:
            prev = None
            continue
        if bar_index < plan.intro_bars and bar_index < plan.intro_bars - 1:
            continue  # the intro starts lean
        chord = coloured(span, plan)
        pcs = chord.pitch_classes()
        if plan.style.scale == "pentatonic":
            wanted = [chord.root, (chord.root + 7) % 12]
        else:
            third = pcs[1] if len(pcs) > 1 else chord.root
            wanted = [chord.root, (chord.root + 7) % 12, third]
        low = max(part.low, min(acc_top - 7, part.high - 16))
        voicing = _open_voicing(wanted, prev, low, part.high)
        prev = voicing
        out += [Note(p, span.start, span.duration, vel) for p in voicing]
        if bar_index >= last_bar:
            break
    return _merge_held(out)


def _apart(pad_notes: list[Note], comping: list[Note], part: Part) -> list[Note]:
    """Pad notes moved an octave (up first) off any pitch the comping sounds at the same time, or
    dropped: two instruments on one pitch thicken nothing and blur both."""
    by_pitch: dict[int, list[Note]] = {}
    for n in comping:
        by_pitch.setdefault(n.pitch, []).append(n)

    def doubled(pitch: int, n: Note) -> bool:  # sounding together, humanised edges aside
        return any(a.start < n.end - 60 and n.start < a.end - 60 for a in by_pitch.get(pitch, ()))

    out = []
    for n in pad_notes:
        if doubled(n.pitch, n):
            options = [
                p for p in (n.pitch + 12, n.pitch - 12) if part.low <= p <= part.high and not doubled(p, n)
            ]
            if not options:
                continue
            n = Note(options[0], n.start, n.duration, n.velocity)
        out.append(n)
    return out


def _open_voicing(pcs: list[int], prev: list[int] | None, low: int, high: int) -> list[int]:
    """Each pitch class spread a fifth or more apart upwards from ``low`` (root at the bottom), the
    whole moved by octaves nearest the previous voicing."""
    stack: list[int] = []
    for pc in pcs:
        floor = stack[-1] + 5 if stack else low
        p = floor + (pc - floor) % 12
        stack.append(p)
    while stack[-1] > high and stack[0] - 12 >= low - 5:
        stack = [p - 12 for p in stack]
    if prev:
        centre = sum(prev) / len(prev)
        for shift in (-12, 12):
            moved = [p + shift for p in stack]
            if (
                moved[0] >= low - 5
                and moved[-1] <= high
                and abs(sum(moved) / len(moved) - centre) < abs(sum(stack) / len(stack) - centre)
            ):
                stack = moved
    return stack


# ----- drums ------------------------------------------------------------------------------------------------


def _drum_bar(pattern: str, meter: Meter, vel: int) -> list[tuple[int, int, int]]:
    """(offset, GM drum key, velocity) for one ordinary bar."""
    bar, beat = meter.bar_ticks, meter.beat_ticks
    n_eighths = bar // EIGHTH
    hits: list[tuple[int, int, int]] = []
    if pattern in ("backbeat", "ballad", "drive"):
        if meter.compound:
            hits += [
                (0, DRUMS["kick"], vel),
                (beat, DRUMS["snare"] if pattern != "ballad" else DRUMS["side_stick"], vel - 8),
            ]
        else:
            for b in range(meter.beats):
                if b % 2 == 0:
                    hits.append((b * beat, DRUMS["kick"], vel))
                else:
                    hits.append(
                        (b * beat, DRUMS["snare"] if pattern != "ballad" else DRUMS["side_stick"], vel - 6)
                    )
        hat = DRUMS["closed_hat"] if pattern != "ballad" else DRUMS["ride"]
        step = EIGHTH if pattern != "ballad" else beat
        hits += [(t, hat, vel - 22 - (6 if (t // EIGHTH) % 2 else 0)) for t in range(0, bar, step)]
        if pattern == "drive":  # kick pushing the off-beats, open hat into the bar line
            hits += [(3 * EIGHTH, DRUMS["kick"], vel - 10), (bar - EIGHTH, DRUMS["open_hat"], vel - 18)]
            hits = [h for h in hits if not (h[0] == bar - EIGHTH and h[1] == DRUMS["closed_hat"])]
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
    elif pattern == "bodhran":
        # Every eighth on the frame drum: open low tone on the beats, tipper strokes between,
        # the bar's first beat and the off-beat "lift" before the next beat accented.
        for e in range(n_eighths):
            on_beat = (e * EIGHTH) % beat == 0
            accent = e == 0 or ((e * EIGHTH + EIGHTH) % beat == 0 and not meter.compound)
            key = DRUMS["low_tom"] if on_beat else DRUMS["mid_tom"]
            hits.append((e * EIGHTH, key, vel - (0 if e == 0 else 8 if accent or on_beat else 22)))
    elif pattern == "waltz":
        hits += [
            (0, DRUMS["kick"], vel),
            (beat, DRUMS["closed_hat"], vel - 20),
            (2 * beat, DRUMS["closed_hat"], vel - 20),
        ]
    elif pattern == "sparse":
        hits += [(0, DRUMS["woodblock"], vel - 16), (bar - beat // 2, DRUMS["woodblock"], vel - 26)]
    elif pattern == "tense":
        # Low toms in 3+3+2 against the bar, a muted pulse: no backbeat to lean on.
        accents = (0, 3, 6) if n_eighths >= 8 else (0, 3)
        hits += [(e * EIGHTH, DRUMS["low_tom"], vel - 4) for e in accents if e < n_eighths]
        hits += [(e * EIGHTH, DRUMS["pedal_hat"], vel - 30) for e in range(n_eighths) if e not in accents]
    elif pattern in ("swing", "brushes"):
        # Ride "ding, ding-a ding" (the skip note a swung eighth late), hi-hat foot on 2 and 4.
        ride = DRUMS["ride"] if pattern == "swing" else DRUMS["snare2"]
        level = 0 if pattern == "swing" else 18
        for b in range(meter.beats):
            hits.append((b * beat, ride, vel - 16 - level))
            if b % 2 == 1:
                hits.append((b * beat + 2 * beat // 3, ride, vel - 26 - level))
                hits.append((b * beat, DRUMS["pedal_hat"], vel - 14 - level))
        hits.append((0, DRUMS["kick"], vel - 34))  # feathered
    return hits


def _fill(pattern: str, beat: int, vel: int, bar: int, heavy: bool) -> list[tuple[int, int, int]]:
    """A fill over the last beat (heavy: into a section) or the last half beat (a phrase end)."""
    if pattern in ("sparse", "tense"):
        return [(bar - beat // 2, DRUMS["woodblock" if pattern == "sparse" else "low_tom"], vel - 10)]
    length = beat if heavy else beat // 2
    start = bar - length
    if pattern in ("backbeat", "march", "drive"):
        drums = [DRUMS["snare"], DRUMS["high_tom"], DRUMS["mid_tom"], DRUMS["low_tom"]]
    elif pattern in ("swing", "brushes"):
        drums = [DRUMS["snare"], DRUMS["snare"], DRUMS["snare"], DRUMS["kick"]]
    else:
        drums = [DRUMS["low_tom"], DRUMS["mid_tom"], DRUMS["low_tom"], DRUMS["mid_tom"]]
    step = 120 if pattern not in ("swing", "brushes") else beat // 3
    return [(start + k * step, drums[k % len(drums)], vel - 20 + 4 * k) for k in range(length // step)]


def drums(plan: Plan, harmony: Harmony, textures: list[Texture] | None = None) -> Track | None:
    pattern = plan.drums
    if pattern == "none":
        return None
    vel = min(120, round(plan.velocity * 1.05))
    bar = plan.bar_ticks
    beat = plan.meter.beat_ticks
    notes: list[Note] = []
    section_starts = {s.start_bar for s in plan.sections}
    phrase_ends = plan.phrase_end_bars()
    last_body = plan.intro_bars + plan.body_bars
    textures = textures or []
    for b in range(len(harmony.bars)):
        start = b * bar
        if b >= last_body:
            # The ending: a hit on the final chord (after the tag bar, if there is one).
            if b == len(harmony.bars) - 1:
                notes += [Note(DRUMS["crash"], start, bar, vel), Note(DRUMS["kick"], start, 240, vel)]
            else:
                notes += [
                    Note(k, start + off, 100, v) for off, k, v in _drum_bar(pattern, plan.meter, vel - 16)
                ]
            continue
        texture = _texture_at(plan, textures, b)
        here = texture.drums if texture is not None else pattern
        hits = _drum_bar(here, plan.meter, vel)
        section = next((s for s in plan.sections if s.start_bar <= b < s.start_bar + s.bars), None)
        dropped = texture is not None and section is not None and b - section.start_bar < texture.drop_bars
        if b < plan.intro_bars - 1 or dropped:
            keep = (
                DRUMS["closed_hat"],
                DRUMS["ride"],
                DRUMS["pedal_hat"],
                DRUMS["tambourine"],
                DRUMS["woodblock"],
            )
            hits = [h for h in hits if h[1] in keep]
        if b + 1 in section_starts or b + 1 == last_body or b in phrase_ends:
            heavy = b + 1 in section_starts or b + 1 == last_body
            fill = _fill(here, beat, vel, bar, heavy)
            fill_from = min(f[0] for f in fill)
            hits = [h for h in hits if h[0] < fill_from] + fill
        if b in section_starts and here in ("backbeat", "march", "ballad", "drive", "swing"):
            hits.append((0, DRUMS["crash"], vel - 10))
        notes += [
            Note(key, start + off, 100, max(1, min(127, v)))
            for off, key, v in hits
            if here != "sparse" or b % 2 == 0 or off >= bar - beat
        ]
    notes.sort(key=lambda n: (n.start, n.pitch))
    return Track(name="drums", program=0, is_drum=True, notes=notes)


# ----- intro and ending ------------------------------------------------------------------------------


def intro_motif(plan: Plan, harmony: Harmony, part: Part, melody: list[Note]) -> list[Note]:
    """The tune's opening bar announced in the intro's last bar(s), refitted to the intro chords."""
    if plan.intro_bars == 0 or not melody:
        return []
    bar = plan.bar_ticks
    s0 = plan.sections[0].start_bar * bar
    bars = min(plan.intro_bars, 2)
    motif = [n for n in melody if s0 <= n.start < s0 + bar]
    if len(motif) < 3:  # a slow opening: its first two bars, played once
        motif = [n for n in melody if s0 <= n.start < s0 + bars * bar]
        bars = 1
    if len(motif) < 2:
        return []
    out = []
    for k in range(bars):
        shift = (plan.intro_bars - min(plan.intro_bars, 2) + k) * bar - s0
        for n in motif:
            tick = n.start + shift
            span = harmony.at(tick)
            pool = (
                chord_tones(span, plan.key, plan.style.scale == "pentatonic")
                if n.start % plan.meter.beat_ticks == 0
                else local_scale(plan.key, span, plan.style.scale == "pentatonic")
            )
            target = n.pitch - (2 if k else 0)
            while target > part.high:
                target -= 12
            while target < part.low:
                target += 12
            pitch = nearest(target, pitches_in(pool, part.low, part.high))
            intro_end = plan.intro_bars * bar
            if tick >= intro_end:
                break
            limit = intro_end if bars == 1 else (tick // bar + 1) * bar
            out.append(Note(pitch, tick, min(n.duration, limit - tick - 20), round(plan.velocity * 0.7)))
    return out


def ending_tag(plan: Plan, part: Part, melody: list[Note]) -> list[Note]:
    """The tune's last cadence figure (its last three notes before the final tonic) echoed over the
    ending's first bar: a tag before the held final chord."""
    if plan.ending_bars < 2 or len(melody) < 4:
        return []
    bar = plan.bar_ticks
    start = (plan.intro_bars + plan.body_bars) * bar
    figure = [n for n in melody if n.start < start][-4:-1]
    if len(figure) < 2:
        return []
    shift = (
        start + plan.meter.beat_ticks - figure[0].start if plan.meter.beats > 1 else start - figure[0].start
    )
    out = []
    for n in figure:
        tick = n.start + shift
        if tick >= start + bar:
            break
        target = n.pitch
        while target > part.high:
            target -= 12
        while target < part.low:
            target += 12
        pool = plan.key.scale_pcs()
        pitch = nearest(target, pitches_in(pool, part.low, part.high))
        out.append(Note(pitch, tick, min(n.duration, start + bar - tick - 20), round(plan.velocity * 0.7)))
    tonic = nearest(out[-1].pitch if out else part.low + 7, pitches_in([plan.key.tonic], part.low, part.high))
    out.append(Note(tonic, start + bar, bar - 60, round(plan.velocity * 0.7)))
    return out


# ----- four-part chorale -----------------------------------------------------------------------------


def four_part(plan: Plan, harmony: Harmony, melody: list[Note]) -> tuple[list[list[Note]], Harmony]:
    """Alto, tenor and bass under the melody by the four-part search (tunesmith.models.chorale), the
    planned chords as a soft preference, cadences where the plan's phrases end; and the harmony that
    really sounds (the chord symbols of the score)."""
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
    ``choir_voices`` (alto, tenor, bass from :func:`four_part`) replace a 'block' accompaniment.
    ``seed`` is kept for callers; the arrangement is a function of the plan and the melody."""
    del seed
    parts = plan.parts
    textures = section_textures(plan)
    tracks = [_track("melody", parts["melody"], melody)]
    # The intro's motif and the ending's tag go to the counter-line, else to the comping instrument.
    herald = "counter" if "counter" in parts else "accompaniment"
    extra: list[Note] = []
    if herald in parts and parts[herald].pattern != "block":
        extra = intro_motif(plan, harmony, parts[herald], melody) + ending_tag(plan, parts[herald], melody)
    if "counter" in parts:
        line = counter(plan, harmony, parts["counter"], melody, textures) + extra
        tracks.append(_track("counter", parts["counter"], sorted(line, key=lambda n: n.start)))
    choir = False
    if "accompaniment" in parts:
        acc = parts["accompaniment"]
        voices = choir_voices if acc.pattern == "block" else None
        if voices:
            # The alto, tenor and bass sing with the soprano (the melody's own voice).
            choir = True
            singer = parts["melody"].program
            for name, line in zip(("alto", "tenor", "bass voice"), voices, strict=True):
                tracks.append(Track(name=f"{name} ({GM_NAMES[singer]})", program=singer, notes=line))
            # After the first verse the organ joins the choir, colla parte (all four voices).
            bar = plan.bar_ticks
            joined = [
                (s.start_bar * bar, (s.start_bar + s.bars) * bar)
                for s, t in zip(plan.sections, textures, strict=True)
                if t.pad
            ]
            organ = [
                Note(n.pitch, n.start, n.duration, round(n.velocity * 0.8))
                for line in (melody, *voices)
                for n in line
                if any(a <= n.start < b for a, b in joined)
            ]
            if organ:
                tracks.append(
                    Track(
                        name=f"organ ({GM_NAMES[acc.program]})",
                        program=acc.program,
                        notes=sorted(organ, key=lambda n: (n.start, n.pitch)),
                    )
                )
        else:
            n_voices = 4 if acc.pattern in ("strum", "arpeggio", "pulse") else 3
            notes = accompaniment(plan, harmony, acc, melody, n_voices=n_voices, textures=textures)
            if plan.style.dotted_rhythm:
                notes = fanfare(plan, notes)
            if herald == "accompaniment":
                # The comping instrument plays the motif over the intro: its chords there thin out.
                motif_bars = {n.start // plan.bar_ticks for n in extra}
                notes = [
                    n
                    for n in notes
                    if n.start // plan.bar_ticks not in motif_bars
                    or n.pitch < min(m.pitch for m in extra) - 4
                ] + extra
            tracks.append(_track("accompaniment", acc, sorted(notes, key=lambda n: (n.start, n.pitch))))
    if "bass" in parts and not choir:
        tracks.append(_track("bass", parts["bass"], bass(plan, harmony, parts["bass"], textures)))
    if "pad" in parts:
        held = pad(plan, harmony, parts["pad"], textures)
        if plan.mood.colour != "tense":
            held = _no_rubs(held, melody, harmony)
        comping = next((t.notes for t in tracks if t.name.startswith("accompaniment")), [])
        tracks.append(_track("pad", parts["pad"], _apart(held, comping, parts["pad"])))
    drum_track = drums(plan, harmony, textures)
    if drum_track is not None:
        tracks.append(drum_track)
    tracks = [player for track in tracks for player in split_among_players(track)]
    for track in tracks:
        if not track.is_drum:
            role = role_of(track.name)
            part = parts.get(role)
            low, high = (part.low, part.high) if part is not None else program_range(track.program)
            track.notes = [n for n in track.notes if n.duration > 0]
            for n in track.notes:
                n.pitch = fold_into(n.pitch, low, high)
    if "pad" in parts:  # once more on the final pitches: folding into range can meet the comping again
        comping = [n for t in tracks if role_of(t.name) == "accompaniment" for n in t.notes]
        for t in tracks:
            if role_of(t.name) == "pad":
                t.notes = _apart(t.notes, comping, parts["pad"])
    return tracks


def split_among_players(track: Track, most: int = 4) -> list[Track]:
    """A chord-playing part of an instrument that sounds one note at a time (horns, clarinets)
    dealt to several players, top note to the first: 'accompaniment 1 (French Horn)', ... Each
    player's note ends where that player's next one starts; more than ``most`` notes at once leave
    the lowest extra ones out (doubled elsewhere in a band)."""
    if track.is_drum or track.program not in ONE_NOTE_AT_A_TIME or not track.notes:
        return [track]
    chords: dict[int, list[Note]] = {}
    for n in track.notes:
        chords.setdefault(n.start, []).append(n)
    sounding = 1
    ordered = sorted(track.notes, key=lambda n: n.start)
    active: list[int] = []
    for n in ordered:  # most notes sounding at once
        active = [e for e in active if e > n.start] + [n.end]
        sounding = max(sounding, len(active))
    if sounding == 1:
        return [track]
    players = min(most, sounding)
    lines: list[list[Note]] = [[] for _ in range(players)]
    for start in sorted(chords):
        for k, n in enumerate(sorted(chords[start], key=lambda n: -n.pitch)[:players]):
            line = lines[k]
            if line and line[-1].end > start:
                line[-1].duration = max(1, start - line[-1].start)
            line.append(n)
    role, _, instrument = track.name.partition(" (")
    return [
        Track(f"{role} {k + 1} ({instrument}" if instrument else f"{role} {k + 1}", track.program, notes=line)
        for k, line in enumerate(lines)
        if line
    ]
