from __future__ import annotations

from tunesmith.compose.titles import make_title

STYLES = ("folk", "celtic", "chorale", "waltz", "march", "pop", "ballad", "lullaby", "ambient",
          "chinese-folk", "jazz")


def test_titles_fit_the_style_vary_and_repeat_by_seed() -> None:
    titles = {style: [make_title(style, 0.5, 0.3, seed) for seed in range(12)] for style in STYLES}
    assert all(t == make_title(s, 0.5, 0.3, seed) for s, ts in titles.items() for seed, t in enumerate(ts))
    every = [t for ts in titles.values() for t in ts]
    assert len(set(every)) > 0.8 * len(every)
    assert sum("Hymn" in t for t in every) <= sum("Hymn" in t for t in titles["chorale"])
    assert all("Waltz" in t for t in titles["waltz"])
    assert any("March" in t for t in titles["march"])
    # sad and happy pieces draw on different imagery
    happy = {make_title("pop", 0.8, 0.5, s) for s in range(20)}
    sad = {make_title("pop", -0.8, -0.5, s) for s in range(20)}
    assert not happy & sad


def test_a_celtic_title_names_the_tune_type_of_its_meter() -> None:
    jigs = [make_title("celtic", 0.5, 0.3, s, "6/8") for s in range(40)]
    reels = [make_title("celtic", 0.5, 0.3, s, "4/4") for s in range(40)]
    assert not any("Reel" in t for t in jigs) and any("Jig" in t for t in jigs)
    assert not any("Jig" in t for t in reels) and any("Reel" in t for t in reels)
