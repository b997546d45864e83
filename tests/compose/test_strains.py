"""How strains relate as the corpus tunes' do: a new strain closing with the first strain's last
bars (shared_closes), plain or first-and-second-ending repeats (first_endings), and how often a
phrase pair opens alike (parallel_periods); the style-file checks of those fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from tunesmith.compose.harmony import make_harmony
from tunesmith.compose.melody import make_melody, shared_close
from tunesmith.compose.plan import Plan, SectionPlan, make_plan
from tunesmith.compose.request import ComposeRequest
from tunesmith.compose.styles import load_style
from tunesmith.errors import ControlError
from tunesmith.score import Note


def folk_with(tmp_path: Path, lines: str) -> str:
    """A copy of the folk style with ``lines`` replacing its strain fields; its folder."""
    text = Path(load_style("folk").source).read_text(encoding="utf-8")
    kept = [line for line in text.splitlines()
            if not line.startswith(("shared_closes", "first_endings", "parallel_periods",
                                    "restatements"))]  # fmt: skip
    at = kept.index("[harmony]")
    (tmp_path / "folk.toml").write_text("\n".join([*kept[:at], lines, *kept[at:]]) + "\n", encoding="utf-8")
    return str(tmp_path)


def piece(folder: str, seed: int, model: str | None = None) -> tuple[Plan, list[list[str]], list[Note]]:
    plan = make_plan(ComposeRequest(style="folk", form="AABB", seed=seed, styles_path=folder, model=model))
    harmony = make_harmony(plan)
    chords = [[s.figure for s in bar] for bar in harmony.bars]
    return plan, chords, make_melody(plan, harmony, plan.seed).notes


def bars_of(notes: list[Note], plan: Plan, section: SectionPlan, first: int, count: int
            ) -> list[tuple[int, int, int]]:  # fmt: skip
    """(pitch, start from the bar, duration) of the notes starting in ``count`` bars of ``section``."""
    a = (section.start_bar + first) * plan.bar_ticks
    b = a + count * plan.bar_ticks
    return [(n.pitch, n.start - a, n.duration) for n in notes if a <= n.start < b]


@pytest.mark.parametrize("model", [None, "rules"])
def test_a_new_strain_can_close_with_the_first_strains_last_bars(tmp_path: Path, model: str | None) -> None:
    folder = folk_with(tmp_path, "shared_closes = { 2 = 1.0 }\nfirst_endings = 0.0")
    for seed in range(4):
        plan, chords, notes = piece(folder, seed, model)
        a1, a2, b1, b2 = plan.sections
        assert [s.shared_close for s in plan.sections] == [0, 0, 2, 2]
        for b in (b1, b2):
            # the same chords and the same notes (at the piece's end its tonic is held through
            # instead of the pickup into a next strain)
            assert chords[b.start_bar + 6 : b.start_bar + 8] == chords[a2.start_bar + 6 : a2.start_bar + 8]
            own, first = bars_of(notes, plan, b, 6, 2), bars_of(notes, plan, a2, 6, 2)
            if b.is_last:
                own, first = [n[:2] for n in own], [n[:2] for n in first][: len(own)]
            assert own == first, seed
        # what comes before is the strain's own
        assert bars_of(notes, plan, b1, 0, 4) != bars_of(notes, plan, a1, 0, 4)
        # plain repeats: each strain sounds twice note for note
        assert bars_of(notes, plan, a1, 0, 8) == bars_of(notes, plan, a2, 0, 8)
        assert bars_of(notes, plan, b1, 0, 7) == bars_of(notes, plan, b2, 0, 7)  # b2 ends the piece


def test_without_shared_closes_every_strain_ends_its_own_way(tmp_path: Path) -> None:
    folder = folk_with(tmp_path, "shared_closes = { 0 = 1.0 }\nfirst_endings = 1.0")
    differ = 0
    for seed in range(6):
        plan, _, notes = piece(folder, seed)
        a1, a2, b1, _ = plan.sections
        assert all(s.shared_close == 0 for s in plan.sections)
        assert bars_of(notes, plan, b1, 6, 1) != bars_of(notes, plan, a2, 6, 1)
        differ += bars_of(notes, plan, a1, 7, 1) != bars_of(notes, plan, a2, 7, 1)
    assert differ >= 5  # first endings lead back into the repeat


def test_shipped_strain_habits_follow_their_corpora() -> None:
    folk, celtic = load_style("folk"), load_style("celtic")
    assert folk.first_endings > 0.5 > celtic.first_endings  # O'Neill's repeats are plain
    assert dict(celtic.shared_closes)["0"] < dict(folk.shared_closes)["0"] < 1
    assert load_style("chinese-folk").shared_closes == ()  # open strains: no shared final close
    plans = [make_plan(ComposeRequest(style="celtic", seed=seed)) for seed in range(80)]
    draws = [s.shared_close for plan in plans for s in plan.sections if not s.is_first_label]
    assert 0.25 < sum(d > 0 for d in draws) / len(draws) < 0.6


def test_a_tied_close_is_held_into_not_left_silent() -> None:
    plan = make_plan(ComposeRequest(style="folk", form="AB", meter="4/4", seed=1))
    bar = plan.bar_ticks
    home = [Note(60, 0, bar), Note(62, bar, bar + 480), Note(64, 2 * bar + 480, bar - 480)]  # tie into bar 3
    b = SectionPlan("B", 3, 3, 0, (3,), False, True, shared_close=1)
    own = [Note(70, 3 * bar, bar), Note(71, 4 * bar, 2 * bar), Note(72, 5 * bar, bar)]
    out = shared_close(own, home, 3, b, plan)
    # the strain's note before the close is held into it as the first strain's was, up to the
    # borrowed note; the strain's own note in the close is gone
    assert out == [own[0], Note(71, 4 * bar, bar + 480), Note(64, 5 * bar + 480, bar - 480)]


@pytest.mark.parametrize("line", [
    "shared_closes = { x = 1.0 }", "shared_closes = { 40 = 1.0 }", "shared_closes = 2",
    "first_endings = 2", "parallel_periods = -0.5", "parallel_periods = \"often\"",
])  # fmt: skip
def test_bad_strain_fields_are_refused(tmp_path: Path, line: str) -> None:
    folder = folk_with(tmp_path, line)
    with pytest.raises(ControlError, match=r"folk\.toml"):
        load_style("folk", folder)


@pytest.mark.parametrize("held", [True, False])
def test_strain_closes_are_held_or_run_through(tmp_path: Path, held: bool) -> None:
    folder = folk_with(tmp_path, f"held_closes = {str(held).lower()}")
    assert load_style("folk", folder).held_closes is held
    for seed in range(3):
        plan = make_plan(ComposeRequest(style="folk", form="AB", meter="4/4", seed=seed, styles_path=folder))
        notes = make_melody(plan, make_harmony(plan), plan.seed).notes
        first = plan.sections[0]
        close = (first.start_bar + first.bars - 1) * plan.bar_ticks
        tonic = [n for n in notes if n.start == close]
        assert tonic and tonic[0].pitch % 12 == plan.key.tonic
        beat = plan.meter.beat_ticks
        # a fiddle reel's strain closes on a beat-long tonic and runs on; a song holds it
        assert (tonic[0].duration >= 2 * beat) if held else (tonic[0].duration == beat), (seed, tonic[0])


def test_a_style_may_draw_its_melody_window_per_piece(tmp_path: Path) -> None:
    style = load_style("chinese-folk")
    assert len(style.span_weights) >= 3
    spans = set()
    for seed in range(40):
        plan = make_plan(ComposeRequest(style="chinese-folk", seed=seed))
        low, high = plan.melody_range
        part = plan.parts["melody"]
        assert part.low <= low < high <= part.high
        spans.add(high - low)
        assert make_plan(ComposeRequest(style="chinese-folk", seed=seed)).melody_range == (low, high)
    assert spans == {int(s) for s, _ in style.span_weights}
    text = Path(style.source).read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("span_weights"))
    for bad in ("{ 3 = 1.0 }", "{ wide = 1.0 }", "{ 12 = 2.0 }"):
        bad_file = tmp_path / "chinese-folk.toml"
        bad_file.write_text(text.replace(line, f"span_weights = {bad}"), encoding="utf-8")
        with pytest.raises(ControlError, match=r"chinese-folk\.toml: span_weights"):
            load_style("chinese-folk", str(tmp_path))


def test_a_strain_keeps_its_own_close_over_the_users_chords(tmp_path: Path) -> None:
    # The user's progression runs on under every strain: a borrowed close would sit on other chords.
    folder = folk_with(tmp_path, "shared_closes = { 2 = 1.0 }\nfirst_endings = 0.0")
    request = ComposeRequest(style="folk", form="AABB", seed=3, styles_path=folder, chords="I vi ii V IV")
    plan = make_plan(request)
    harmony = make_harmony(plan)
    notes = make_melody(plan, harmony, plan.seed).notes
    a2, b1 = plan.sections[1], plan.sections[2]
    assert b1.shared_close == 2
    assert [[s.figure for s in bar] for bar in harmony.bars[b1.start_bar + 6 : b1.start_bar + 8]] != \
        [[s.figure for s in bar] for bar in harmony.bars[a2.start_bar + 6 : a2.start_bar + 8]]
    assert bars_of(notes, plan, b1, 6, 2) != bars_of(notes, plan, a2, 6, 2)


@pytest.mark.parametrize("meter", ["4/4", "6/8", "2/4"])
def test_a_reel_or_jig_strain_runs_into_its_closing_tonic(meter: str) -> None:
    """celtic's close_at: a strain's last bar is the generator's running notes, the closing tonic on
    the bar's last quarter (6/8: the last two eighths; 2/4: the last eighth) to the bar line."""
    style = load_style("celtic")
    at = dict(style.close_at)[meter]
    for seed in range(4):
        plan = make_plan(ComposeRequest(style="celtic", form="AABB", meter=meter, seed=seed))
        notes = make_melody(plan, make_harmony(plan), plan.seed).notes
        for section in plan.sections:
            b0 = (section.start_bar + section.bars - 1) * plan.bar_ticks
            bar = [n for n in notes if b0 <= n.start < b0 + plan.bar_ticks]
            tonic = bar[-1]
            assert tonic.start == b0 + at and tonic.pitch % 12 == plan.key.tonic, (seed, bar)
            if not section.is_last or plan.ending_bars < 2:
                assert tonic.end >= b0 + plan.bar_ticks - 120
            assert len(bar) >= 2 and bar[0].start == b0  # running notes lead into it
            assert abs(tonic.pitch - bar[-2].pitch) <= 4


@pytest.mark.parametrize("line", [
    'close_at = { "5/4" = 1.0 }', 'close_at = { "4/4" = 4.0 }', 'close_at = { "4/4" = 1.1 }',
    'close_at = { "4/4" = true }', 'close_at = { "4/4" = -1 }', "close_at = 3",
])  # fmt: skip
def test_bad_close_at_is_refused(tmp_path: Path, line: str) -> None:
    with pytest.raises(ControlError, match=r"folk\.toml: close_at"):
        load_style("folk", folk_with(tmp_path, line))


def test_a_bar_over_the_chords_of_an_earlier_one_can_restate_it(tmp_path: Path) -> None:
    """restatements: bar 3 over bar 1's chords repeats bar 1 note for note (the phrase's motif
    stated and restated); over other chords it keeps its own notes."""
    always = folk_with(tmp_path, "restatements = [{ bar = 3, of = 1, p = 1.0 }]\nparallel_periods = 0.0")
    restated = other = 0
    for seed in range(12):
        plan = make_plan(ComposeRequest(style="folk", form="AB", meter="4/4", seed=seed, styles_path=always))
        harmony = make_harmony(plan)
        notes = make_melody(plan, harmony, plan.seed).notes
        for section in plan.sections:
            first, third = section.start_bar, section.start_bar + 2
            same = [(s.figure, s.start - first * plan.bar_ticks) for s in harmony.bars[first]] == \
                [(s.figure, s.start - third * plan.bar_ticks) for s in harmony.bars[third]]
            a, c = bars_of(notes, plan, section, 0, 1), bars_of(notes, plan, section, 2, 1)
            if same:
                restated += 1
                assert [n[:2] for n in a] == [n[:2] for n in c], (seed, a, c)
            else:
                other += a != c
    assert restated >= 3 and other >= 3


@pytest.mark.parametrize("line", [
    "restatements = [{ bar = 1, of = 3, p = 0.5 }]", "restatements = [{ bar = 3, of = 1 }]",
    "restatements = [{ bar = 30, of = 1, p = 0.5 }]", "restatements = [{ bar = 3, of = 1, p = 2 }]",
    "restatements = 0.5", "restatements = [{ bar = true, of = 1, p = 0.5 }]",
])  # fmt: skip
def test_bad_restatements_are_refused(tmp_path: Path, line: str) -> None:
    with pytest.raises(ControlError, match=r"folk\.toml: restatements"):
        load_style("folk", folk_with(tmp_path, line))


def test_a_bar_is_restated_once_never_three_bars_running(tmp_path: Path) -> None:
    """Bar 2 and bar 3 both restating bar 1 would play one figure three bars running (a musician's
    review heard it as stuck): the first restatement taken wins."""
    both = folk_with(tmp_path, "restatements = [{ bar = 3, of = 1, p = 1.0 }, { bar = 2, of = 1, p = 1.0 }]\n"
                               "parallel_periods = 0.0")  # fmt: skip
    checked = 0
    for seed in range(12):
        plan = make_plan(ComposeRequest(style="folk", form="AB", meter="4/4", seed=seed, styles_path=both))
        notes = make_melody(plan, make_harmony(plan), plan.seed).notes
        for section in plan.sections:
            first, second, third = (bars_of(notes, plan, section, k, 1) for k in range(3))
            if [n[:2] for n in first] == [n[:2] for n in third]:
                checked += 1
                assert [n[:2] for n in second] != [n[:2] for n in first], seed
    assert checked >= 3
