"""The chord model's training corpus: every collection that shows a style's harmony, labelled.

Which collection teaches which style (the style condition comes from each piece's tags, see
:func:`tunesmith.tokens.melody.style_of`):

- ``folk`` and ``waltz``: the Nottingham tunes and their own chord symbols (the waltzes are tagged).
- ``celtic``: O'Neill's, Ryan's Mammoth and Aird's Airs, one chord per bar by chord recognition
  (:mod:`tunesmith.theory.chordrec`, melody mode). Their key signatures say only major/minor, so a
  modal tune (D mixolydian under one sharp) is read in the mode whose tonic is the tune's last note:
  the roots are then relative to the tonic a player hears, and ``C`` in D mixolydian is ``bVII``.
- ``chorale``: Bach's chorales, one chord per beat recognised from all four voices (chord mode,
  sevenths included), which matches the chorales' harmonic rhythm.
- ``chinese``: the Han folk songs, one chord per bar recognised in their pentatonic mode (again
  from the last note); the composer keeps the result inside the mode (see compose.style_harmony).

Recognised labels are right about two times in three on the root for a bare melody
(benchmarks/results/chordrec.md); they teach which degrees a style moves between, not exact
voicings. 2/2 (cut time) is read as 4/4: the bar and its quarter-note beats are the same.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator

from tunesmith.errors import TunesmithError
from tunesmith.score import ChordSymbol, KeySignature, Score, TimeSignature
from tunesmith.theory.chord import Chord, parse_chord
from tunesmith.theory.chordrec import chords_per_bar
from tunesmith.theory.key import Key, key_from_signature
from tunesmith.theory.keydetect import detect_key
from tunesmith.theory.melodyline import melody_track
from tunesmith.tokens import chords as ct
from tunesmith.tokens import melody as mt

CHORD_CORPUS = ("nottingham", "oneills1850", "ryansMammoth", "airdsAirs", "bach", "chinese-folk")
"""Collections `tunesmith train chords` learns from by default."""

STYLE_COLLECTIONS: dict[str, tuple[str, ...]] = {
    "folk": ("nottingham",),
    "waltz": ("nottingham",),
    "celtic": ("oneills1850", "ryansMammoth", "airdsAirs"),
    "chorale": ("bach",),
    "chinese": ("chinese-folk",),
}
"""Model style -> the collections whose pieces show it (the benchmark's reference corpora)."""

_MODAL = ("major", "mixolydian", "dorian", "minor")
_PENTATONIC = ("gong", "zhi", "shang", "yu", "jue")


def final_pitch_class(score: Score) -> int | None:
    """Pitch class of the melody's last note (the tonic of nearly every folk tune), None if none."""
    try:
        track = melody_track(score)
    except TunesmithError:  # a score without a usable melody: no tonic from it
        return None
    notes = track.notes
    if not notes:
        return None
    last = max(notes, key=lambda n: (n.start, -n.pitch))
    return last.pitch % 12


def tonal_key(score: Score, modes: tuple[str, ...] = _MODAL) -> Key:
    """The key a listener hears: the signature's scale read from the mode whose tonic is the last
    note (when one of ``modes`` has it), else the signature's own key."""
    base = key_from_signature(score.key_signatures[0]) if score.key_signatures else None
    if base is None:
        base = detect_key(score)
    final = final_pitch_class(score)
    if final is None:
        return base
    for mode in modes:
        candidate = Key.from_fifths(base.fifths, mode)
        if candidate.tonic == final:
            return candidate
    return base


def _plain_signature(key: Key) -> KeySignature:
    """A major/minor signature with ``key``'s tonic (what the tokens use: roots above the tonic)."""
    plain = Key(key.tonic, "minor" if key.is_minor else "major")
    return plain.to_signature(0)


def labelled(score: Score) -> Score | None:
    """A copy of ``score`` ready for the chord dataset: chord symbols (its own, or recognised for
    its style), a key signature whose tonic is the heard tonic, 2/2 read as 4/4. None when the
    piece cannot be labelled (no notes, no usable meter)."""
    out = copy.copy(score)
    sig = score.time_signature_at(0)
    if (sig.numerator, sig.denominator) == (2, 2):
        out.time_signatures = [
            TimeSignature(t.tick, 4, 4) if (t.numerator, t.denominator) == (2, 2) else t
            for t in score.time_signatures
        ]
    first = out.time_signature_at(0)
    meter = f"{first.numerator}/{first.denominator}"
    if meter not in ct.STEPS_PER_BAR or not score.notes():
        return None
    style = mt.style_of(score.metadata)
    if style == "chorale" and score.key_signatures:
        key = key_from_signature(score.key_signatures[0])  # Bach's signatures name the key
    else:
        key = tonal_key(score, _PENTATONIC if style == "chinese" else _MODAL)
    out.key_signatures = [_plain_signature(key)]
    if score.chords:
        return out  # the piece's own chord symbols (Nottingham) are the best labels there are
    # ABC tunes start with their pickup; a tune that ends on a full bar has the pickup's length
    # left over (the common case of a complementary last bar leaves no trace and reads as none).
    pickup = score.end_tick() % first.bar_ticks
    if style == "chorale":
        out.chords = chords_per_bar(out, ct.BEATS_PER_BAR[meter], key=key, melody=False, pickup=pickup)
    else:
        out.chords = chords_per_bar(out, 1, key=key, melody=True, pickup=pickup)
    if style == "chinese":
        out.chords = _in_mode(out.chords, key)
    return out


def in_mode_chords(key: Key) -> list[Chord]:
    """Every chord inside a (pentatonic) mode: triads, open fifths and suspended chords on its
    tones whose every tone is in the mode; open fifths first (the idiom's drone sound)."""
    scale = set(key.scale_pcs())
    out = []
    for quality in ("5", "maj", "min", "sus4", "sus2"):
        for pc in key.scale_pcs():
            chord = Chord(pc, quality)
            if set(chord.pitch_classes()) <= scale:
                out.append(chord)
    return out


def _in_mode(chords: list[ChordSymbol], key: Key) -> list[ChordSymbol]:
    """Recognised triads moved inside the mode: the in-mode chord sharing most of their tones
    (then their root; open fifths before triads), so the Han songs teach drones and fifths, not
    the F and G triads a pentatonic melody never implies."""
    choices = in_mode_chords(key)
    out: list[ChordSymbol] = []
    for symbol in chords:
        chord = parse_chord(symbol.figure)
        pcs = set(chord.pitch_classes())
        best = max(
            enumerate(choices),
            key=lambda item: (len(pcs & set(item[1].pitch_classes())), item[1].root == chord.root, -item[0]),
        )[1]
        if not out or out[-1].figure != best.figure:
            out.append(ChordSymbol(symbol.tick, best.figure))
    return out


def labelled_scores(scores: Iterable[Score]) -> Iterator[Score]:
    """:func:`labelled` for every piece, skipping those that cannot be labelled."""
    for score in scores:
        piece = labelled(score)
        if piece is not None and piece.chords:
            yield piece
