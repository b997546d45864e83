"""Titles that fit a piece's style and mood, as its genre names its pieces (a reel is 'The ... Reel',
a lullaby 'Hush, ...', a chorale an 'O ...' hymn line, Chinese folk a landscape image), with
words chosen by the mood's valence (bright or dark imagery) and arousal (lively or still).
Deterministic: the same style, mood and seed give the same title.
"""

from __future__ import annotations

import random

# Imagery by valence (positive, negative) and arousal (lively, still).
_ADJECTIVES = {
    ("+", "lively"): ("Bright", "Dancing", "Golden", "Merry", "Sunlit", "Rising", "Silver"),
    ("+", "still"): ("Gentle", "Quiet", "Morning", "Soft", "Warm", "Clear", "Evening"),
    ("-", "lively"): ("Restless", "Broken", "Burning", "Wild", "Stormy", "Iron", "Fading"),
    ("-", "still"): ("Lonely", "Grey", "Distant", "Winter", "Lost", "Hollow", "Pale"),
}
_NOUNS = {
    "+": ("Lantern", "Meadow", "Harvest", "River", "Swallow", "Orchard", "Harbour", "Hillside", "Garden"),
    "-": ("Shadow", "Rain", "Ember", "Shore", "Crossing", "Tide", "Frost", "Moor", "Ashes"),
}
_PLACES = ("Kilbride", "Ballymore", "Glenside", "Ashford", "Carrow", "Dunmore", "Millbrook", "Westhaven")
_NAMES = ("Molly", "Johnny", "Kate", "Peggy", "Tom", "Nora", "Willie", "Ellen")
_CHINESE = {
    "+": ("Spring River", "Plum Blossom", "Bamboo Grove", "Peach Garden", "Morning Mist", "Clear Stream"),
    "-": ("Autumn Moon", "Cold Mountain", "Falling Leaves", "Lonely Goose", "Frosty Night", "Distant Pass"),
}
_CHINESE_TAILS = ("over the Lake", "by the Willows", "on the Hills", "at Dusk", "in the Valley", "Song")

_TEMPLATES: dict[str, tuple[str, ...]] = {
    "folk": ("The {adj} {noun}", "Down by the {noun}", "The Road to {place}", "{name}'s {noun}"),
    "celtic": ("The {place} {dance}", "{name}'s Fancy", "The Road to {place}", "The {adj} {noun}",
               "The Hills of {place}"),
    "chorale": ("O {adj} {noun}", "Now Let the {noun} Rise", "{adj} Light of {noun}",
                "Hymn of the {noun}"),
    "waltz": ("The {adj} Waltz", "Waltz of the {noun}", "{place} Waltz", "{adj} {noun} Waltz"),
    "march": ("The {place} March", "{adj} {noun} March", "Parade of the {noun}", "Men of {place}"),
    "pop": ("{adj} {noun}", "Hold the {noun}", "Under the {noun}", "{noun} Lights"),
    "ballad": ("Ballad of the {noun}", "{noun} in the {noun2}", "Where the {noun} Goes", "{adj} {noun}"),
    "lullaby": ("Hush, Little {noun}", "Lullaby for {name}", "Sleep by the {noun}", "{adj} Cradle Song"),
    "ambient": ("{adj} {noun}", "{noun} Drift", "Slow {noun}", "Beyond the {noun}"),
    "jazz": ("{adj} {noun} Blues", "{noun} After Dark", "Blue {noun}", "{place} Swing"),
}  # fmt: skip
_LULLABY_NOUNS = ("Lamb", "Star", "Moon", "Bird", "One", "Cloud")


_DANCES = {"6/8": "Jig", "9/8": "Slip Jig", "3/4": "Air", "2/4": "Polka"}
"""The tune type a dance title names by its meter (anything else is a reel)."""


def make_title(style: str, valence: float, arousal: float, seed: int, meter: str = "4/4") -> str:
    """A title for a piece of ``style`` in ``meter`` at this point of the valence/arousal plane."""
    rng = random.Random(f"title:{style}:{seed}:{valence:.2f}:{arousal:.2f}")
    sign = "+" if valence >= -0.1 else "-"
    energy = "lively" if arousal > 0.15 else "still"
    adjective = rng.choice(_ADJECTIVES[(sign, energy)])
    nouns = list(_NOUNS[sign])
    rng.shuffle(nouns)
    if style == "chinese-folk":
        head = rng.choice(_CHINESE[sign])
        return f"{head} {rng.choice(_CHINESE_TAILS)}"
    template = rng.choice(_TEMPLATES.get(style, _TEMPLATES["folk"]))
    noun = rng.choice(_LULLABY_NOUNS) if style == "lullaby" and "Little" in template else nouns[0]
    return template.format(
        adj=adjective, noun=noun, noun2=nouns[1], place=rng.choice(_PLACES), name=rng.choice(_NAMES),
        dance=_DANCES.get(meter, "Reel"),
    )
