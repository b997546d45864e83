"""Harmony per style: vocabularies, pentatonic modes, pop's vi, ambient's missing cadences, the
style condition of the chord model and the style-file fields that carry them."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tunesmith.compose.harmony import (
    Harmony,
    fit_to_vocabulary,
    make_harmony,
    vocabulary_chords,
    vocabulary_in,
)
from tunesmith.compose.melody import make_melody
from tunesmith.compose.plan import Plan, make_plan
from tunesmith.compose.request import ComposeRequest
from tunesmith.compose.styles import load_style
from tunesmith.errors import ControlError
from tunesmith.theory.chord import Chord, parse_chord
from tunesmith.theory.key import Key

SEEDS = range(12)


def harmony_of(style: str, seed: int, **kw: object) -> tuple[Plan, Harmony]:
    plan = make_plan(ComposeRequest(style=style, seed=seed, candidates=1, **kw))  # type: ignore[arg-type]
    return plan, make_harmony(plan)


@pytest.mark.parametrize("model", ["rnn", "rules"])
@pytest.mark.parametrize("mode", ["gong", "yu", "zhi", "shang", "jue"])
def test_chinese_folk_never_leaves_its_pentatonic_mode(model: str, mode: str) -> None:
    for seed in SEEDS:
        plan, harmony = harmony_of("chinese-folk", seed, model=model, mode=mode)
        scale = set(plan.key.scale_pcs())
        assert len(scale) == 5
        for span in harmony.spans():
            assert set(span.chord.pitch_classes()) <= scale, (seed, plan.key.name, span.figure)
        # The piece closes on a chord holding its final (the open fifth of sol in zhi).
        assert plan.key.tonic in harmony.spans()[-1].chord.pitch_classes(), (seed, plan.key.name)


def test_chinese_folk_draws_its_modes_in_the_corpus_proportions_and_the_mood_keeps_its_side() -> None:
    def modes(**kw: object) -> list[str]:
        return [make_plan(ComposeRequest(style="chinese-folk", seed=s, candidates=1, **kw)).key.mode  # type: ignore[arg-type]
                for s in range(60)]  # fmt: skip

    neutral = modes()
    assert set(neutral) >= {"zhi", "yu", "gong", "shang"}
    assert neutral.count("zhi") > neutral.count("gong")  # sol is the Han songs' commonest final
    assert set(modes(mood="sad")) <= {"yu", "shang", "jue"}
    assert set(modes(mood="happy")) <= {"gong", "zhi"}


def test_celtic_draws_its_modes_and_meters_in_the_corpus_proportions() -> None:
    # O'Neill's and Ryan's tunes: mostly major, some minor, dorian and mixolydian; a happy piece is
    # never in a minor mode, a sad one never in a major one. Polkas (2/4) and airs (3/4) besides
    # reels and jigs.
    folk = [make_plan(ComposeRequest(style="celtic", seed=s, candidates=1)).key.mode for s in range(200)]
    assert set(folk) == {"major", "minor", "dorian", "mixolydian"} and folk.count("major") > 130
    happy = {make_plan(ComposeRequest(style="celtic", seed=s, mood="happy")).key.mode for s in range(30)}
    sad = {make_plan(ComposeRequest(style="celtic", seed=s, mood="sad")).key.mode for s in range(30)}
    assert "major" in happy and happy <= {"major", "mixolydian"} and sad <= {"minor", "dorian"}


@pytest.mark.parametrize("style", ["folk", "celtic"])
@pytest.mark.parametrize("model", ["rnn", "rules"])
@pytest.mark.parametrize("mode", ["mixolydian", "dorian"])
def test_a_modal_tune_keeps_to_its_mode(style: str, model: str, mode: str) -> None:
    # The modal tunes of Nottingham and O'Neill's (read by their last note) play I, IV, bVII, v and ii
    # in mixolydian, i, bVII, IV, v and III in dorian; a raised seventh (the major V, a leading tone
    # in the tune) would leave the mode.
    for seed in range(6):
        plan, harmony = harmony_of(style, seed, mode=mode, model=model)
        scale = set(plan.key.scale_pcs())
        for span in harmony.spans():
            assert set(span.chord.pitch_classes()) <= scale, (seed, span.figure)
        assert harmony.spans()[-1].chord.root == plan.key.tonic
        line = make_melody(plan, harmony, plan.seed).notes
        assert line[-1].pitch % 12 == plan.key.tonic
        assert {n.pitch % 12 for n in line} <= scale, seed


def test_a_style_file_with_bad_mode_weights_or_mode_vocabularies_is_refused(tmp_path: Path) -> None:
    text = (Path(load_style("chinese-folk").source)).read_text(encoding="utf-8")
    for old, new in (
        ("zhi = 0.47", "lydian_x = 0.47"),
        ("zhi = 0.47", "zhi = 3"),
        ('zhi = ["I5"', 'zhi = ["Q5"'),
    ):
        bad = tmp_path / "chinese-folk.toml"
        bad.write_text(text.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(ControlError, match=r"chinese-folk\.toml"):
            load_style("chinese-folk", str(tmp_path))


def test_a_b_flat_chord_under_f_gong_becomes_an_in_mode_chord() -> None:
    plan, _ = harmony_of("chinese-folk", 0, key="F", mode="gong", model="rules")
    vocabulary = vocabulary_chords(plan)
    fitted = fit_to_vocabulary(parse_chord("Bb"), vocabulary, plan.key.tonic)
    assert set(fitted.pitch_classes()) <= set(plan.key.scale_pcs())
    assert fitted != parse_chord("Bb")


def test_pop_progressions_use_vi_over_many_seeds() -> None:
    with_vi = 0
    for seed in range(20):
        plan, harmony = harmony_of("pop", seed, mode="major")
        vi = Chord((plan.key.tonic + 9) % 12, "min")
        with_vi += any(span.chord == vi for span in harmony.spans())
        assert harmony.source == "style"  # pop has no corpus: its own progressions
    assert with_vi >= 16


def test_ambient_has_no_dominant_and_cadences_only_at_the_end() -> None:
    for seed in SEEDS:
        plan, harmony = harmony_of("ambient", seed, mode="major")
        dominant = {(plan.key.tonic + 7) % 12}
        roots = [span.chord.root for span in harmony.spans()]
        assert not dominant & set(roots), (seed, [s.figure for s in harmony.spans()])
        # Sections other than the last do not close on a cadence: the style's plagal close is
        # the only IV-I pair at a section end.
        assert harmony.bars[-1][0].chord == Chord(plan.key.tonic, "maj")


@pytest.mark.parametrize("style", ["folk", "celtic", "waltz", "chorale", "march", "lullaby", "pop", "ballad"])
def test_generated_chords_stay_in_the_style_vocabulary(style: str) -> None:
    # (a phrase the chorale puts in a related key keeps to the vocabulary read in that key)
    for seed in range(6):
        plan, harmony = harmony_of(style, seed)
        allowed = {frozenset(c.pitch_classes()) for c in vocabulary_chords(plan)}
        assert allowed
        for i, bar in enumerate(harmony.bars):
            here = allowed
            if i in harmony.keys:
                here = {frozenset(c.pitch_classes()) for c in vocabulary_in(plan, harmony.keys[i])}
            for span in bar:
                assert frozenset(span.chord.pitch_classes()) in here, (seed, plan.key.name, span.figure)


def test_celtic_and_folk_differ_at_the_same_seed() -> None:
    differ = 0
    for seed in range(8):
        _, folk = harmony_of("folk", seed, key="D", meter="6/8", mode="major")
        _, celtic = harmony_of("celtic", seed, key="D", meter="6/8", mode="major")
        differ += [s.figure for s in folk.spans()] != [s.figure for s in celtic.spans()]
    assert differ >= 6


def test_celtic_minor_closes_phrases_on_flat_seven_not_on_v() -> None:
    plan, harmony = harmony_of("celtic", 3, key="E", mode="dorian", model="rules")
    flat_seven = Chord((plan.key.tonic + 10) % 12, "maj")
    dominant = Chord((plan.key.tonic + 7) % 12, "maj")
    section = plan.sections[0]
    half = harmony.bars[section.start_bar + section.phrases[0] - 1][-1].chord
    assert half == flat_seven
    assert all(span.chord != dominant for span in harmony.spans())


def test_chorale_harmony_moves_about_a_chord_per_beat() -> None:
    changes = bars = 0
    for seed in range(4):
        plan, harmony = harmony_of("chorale", seed)
        body = harmony.bars[plan.intro_bars : plan.intro_bars + plan.body_bars]
        changes += sum(len(b) for b in body)
        bars += len(body)
    assert changes / bars > 2.0


def test_chorale_inner_phrases_close_on_i_v_in_the_dominant_and_on_the_relative() -> None:
    # Bach's inner cadences: I, V (half or after V/V) and vi; in minor also III (after VII).
    closes: dict[bool, set[str]] = {False: set(), True: set()}
    tonicised = 0
    for seed in range(40):
        minor = {"mode": "minor"} if seed % 2 else {}
        plan, harmony = harmony_of("chorale", seed, model="rules", **minor)
        key = plan.key
        for section in plan.sections:
            bar = section.start_bar
            for length in section.phrases[:-1]:
                end = bar + length - 1
                last = harmony.bars[end][-1].chord
                before = harmony.bars[end - 1][-1].chord
                offset = (last.root - key.tonic) % 12
                name = {0: "I", 7: "V", 9: "vi", 3: "III"}.get(offset, "other")
                closes[key.is_minor].add(name)
                if name == "V" and not key.is_minor and before == Chord((key.tonic + 2) % 12, "dom7"):
                    tonicised += 1
                if name == "vi":
                    assert before.root == (key.tonic + 4) % 12 and before.quality == "maj"  # V/vi
                bar += length
    assert closes[False] == {"I", "V", "vi"}
    assert {"i" if c == "I" else c for c in closes[True]} <= {"i", "V", "III"} and "III" in closes[True]
    assert tonicised > 0
    # A style without inner_cadences keeps the half cadence (folk: see test_harmony).
    assert load_style("folk").inner_cadences == ()


def test_user_chords_are_never_fitted_to_the_vocabulary() -> None:
    _, harmony = harmony_of("chinese-folk", 1, chords="Bb C Dm", key="F", model="rules")
    assert harmony.source == "user"
    assert {s.figure for s in harmony.spans()} >= {"Bb", "C", "Dm"}


def test_style_file_harmony_fields_are_checked(tmp_path: Path) -> None:
    text = (Path(load_style("folk").source)).read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('vocabulary_major = ["I"', 'vocabulary_major = ["XIV"'))
    with pytest.raises(ControlError, match=r"bad\.toml.*vocabulary_major"):
        load_style("bad", str(tmp_path))
    bad.write_text(text.replace('generator = "model"', 'generator = "dice"'))
    with pytest.raises(ControlError, match=r"harmony\.generator"):
        load_style("bad", str(tmp_path))
    bad.write_text(text.replace('cadences = "phrase"', 'cadences = "never"'))
    with pytest.raises(ControlError, match=r"harmony\.cadences"):
        load_style("bad", str(tmp_path))
    for weights in ("{ plagal = 1.0 }", "{ half = 2.0 }", "{ half = 0.0 }", '"half"'):
        line = f'cadences = "phrase"\ninner_cadences = {weights}'
        bad.write_text(text.replace('cadences = "phrase"', line))
        with pytest.raises(ControlError, match=r"inner"):
            load_style("bad", str(tmp_path))


def test_shipped_styles_declare_their_harmony() -> None:
    for name in ("folk", "celtic", "waltz", "chorale", "chinese-folk", "pop", "ambient"):
        style = load_style(name)
        assert style.vocabulary_major and style.vocabulary_minor
    assert load_style("pop").harmony_generator == "progressions"
    assert load_style("ambient").cadence_scope == "final"
    assert load_style("chorale").chords_per_bar == 4
    assert Key.parse("C").scale_pcs()  # numerals are read in plain major/minor


def test_split_cadences_sets_how_often_the_bar_before_the_tonic_holds_two_chords(tmp_path: Path) -> None:
    """celtic (split_cadences 0): a strain's bar before its closing tonic holds one chord, as the
    recognised harmony of its tunes does; folk (the default 0.6, Nottingham 50%) often two."""
    def split_share(style: str) -> float:
        splits = total = 0
        for seed in SEEDS:
            plan, harmony = harmony_of(style, seed, meter="4/4")
            for section in plan.sections:
                total += 1
                splits += len({s.figure for s in harmony.bars[section.start_bar + section.bars - 2]}) > 1
        return splits / total

    assert load_style("celtic").split_cadences == 0.0 and split_share("celtic") == 0.0
    assert load_style("folk").split_cadences == 0.6 and split_share("folk") > 0.2
    text = Path(load_style("celtic").source).read_text(encoding="utf-8")
    (tmp_path / "celtic.toml").write_text(text.replace("split_cadences = 0.0", "split_cadences = 1.5"),
                                          encoding="utf-8")  # fmt: skip
    with pytest.raises(ControlError, match=r"celtic\.toml: harmony\.split_cadences"):
        load_style("celtic", str(tmp_path))


def test_applied_dominants_lead_into_v_and_iv_as_often_as_the_style_says(tmp_path: Path) -> None:
    """folk's applied_dominants: the chord before a V becomes V7/V (D7 G in C), the tonic before a
    IV becomes I7 (C7 F); at rate 1 every such arrival has one, at the shipped rates some do."""
    text = Path(load_style("folk").source).read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("applied_dominants"))

    def arrivals(folder: str | None) -> tuple[int, int, int]:
        into_v = led_v = led_iv = 0
        for seed in SEEDS:
            plan = make_plan(ComposeRequest(style="folk", seed=seed, key="C", mode="major", candidates=1,
                                            styles_path=folder))  # fmt: skip
            figures = [s.figure for s in make_harmony(plan).spans()]
            for a, b in itertools.pairwise(figures):
                into_v += b in ("G", "G7")
                led_v += a == "D7" and b in ("G", "G7")
                led_iv += a == "C7" and b == "F"
        return into_v, led_v, led_iv

    shipped = arrivals(None)
    assert shipped[1] > 0 and shipped[2] > 0 and shipped[1] < shipped[0] / 2
    (tmp_path / "folk.toml").write_text(text.replace(line, "applied_dominants = { V = 1.0 }"),
                                        encoding="utf-8")  # fmt: skip
    always = arrivals(str(tmp_path))
    assert always[1] > 0.6 * always[0] and always[2] == 0  # only V's asked for; a piece's first chord stays
    for bad in ("{ vi = 0.5 }", "{ V = 2.0 }", "{ V = 0.0 }", '"often"'):
        changed = text.replace(line, f"applied_dominants = {bad}")
        (tmp_path / "folk.toml").write_text(changed, encoding="utf-8")
        with pytest.raises(ControlError, match=r"folk\.toml"):
            load_style("folk", str(tmp_path))
