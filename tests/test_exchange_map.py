"""Selections found in their units (``exchange.qde_map``), against a brute-force search."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from coding.exchange.qde_columns import Selections
from coding.exchange.qde_map import (
    EMPTY,
    NO_UNIT,
    NOTES_ONLY,
    OUTSIDE,
    STANCES,
    convert,
    stance,
    stances,
)

CODING = ("c-guid", "code", "user")


def columns(selections: list[tuple]) -> Selections:
    """Selections as columns from (guid, start, end, name, description, codings) tuples."""
    return Selections(
        guids=[s[0] for s in selections],
        starts=[s[1] for s in selections],
        ends=[s[2] for s in selections],
        names=[s[3] for s in selections],
        descriptions=[s[4] for s in selections],
        counts=[len(s[5]) for s in selections],
        coding_guids=[c[0] for s in selections for c in s[5]],
        codes=[c[1] for s in selections for c in s[5]],
        users=[c[2] for s in selections for c in s[5]],
    )


@st.composite
def units_and_selections(draw):
    """Disjoint units in text order over a text, and selections anywhere on it."""
    length = draw(st.integers(1, 60))
    cuts = sorted(draw(st.sets(st.integers(0, length), min_size=2, max_size=12)))
    units = [
        (a, b, f"u{i}", 100 + i)
        for i, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False))
        if b > a
    ]
    units = [u for i, u in enumerate(units) if draw(st.booleans()) or i == 0]  # gaps too
    position = st.integers(-2, length + 3)
    selections = [
        (f"s{i}", start, end, f"n{i}", "stance: mixed\nevidence: x", [CODING] * n)
        for i, (start, end, n) in enumerate(
            draw(st.lists(st.tuples(position, position, st.integers(0, 2)), max_size=15))
        )
    ]
    return length, units, selections


@settings(max_examples=200, deadline=None)
@given(units_and_selections())
def test_units_found_are_those_a_brute_force_search_finds(case):
    length, units, selections = case
    text = "字" * length
    mapped = convert(text, columns(selections), standard_only=True)
    mapped.find(units, length)
    for k, (_, start, end, _, _, codings) in enumerate(selections):
        # the oracle: every unit overlapping the span, clipped to it
        if not (0 <= start <= length and 0 <= end <= length):  # the converter: None
            expected: object = OUTSIDE
        elif end <= start:
            expected = EMPTY
        elif not codings:
            expected = NOTES_ONLY
        else:
            hits = [(i, max(a, start), min(b, end)) for i, (a, b, *_) in enumerate(units)]
            hits = [h for h in hits if h[1] < h[2]]
            expected = hits or NO_UNIT
        first, last = mapped.first[k], mapped.first[k + 1]
        got = mapped.reasons[k] or [
            (mapped.hit_units[h], mapped.hit_starts[h], mapped.hit_ends[h])
            for h in range(first, last)
        ]
        assert got == expected


def test_units_found_elsewhere_are_found_again():
    selections = [("s", 0, 4, "", "", [CODING])]
    mapped = convert("问：好的", columns(selections), standard_only=True)
    mapped.find([(0, 4, "a", 1)], 4)
    assert mapped.found_on([(0, 4, "b", 9)], 4)  # the same spans: ids and rows are the importer's
    assert not mapped.found_on([(0, 2, "a", 1), (2, 4, "b", 2)], 4)
    assert not mapped.found_on([(0, 4, "a", 1)], 5)


def test_guids_names_and_codings_of_dropped_selections_come_back_in_order():
    selections = [
        ("g1", 0, 1, "甲", "", [("c1", "x", "u"), ("c2", "y", None)]),
        ("g2", 1, 2, "", "", []),
        ("g3", 2, 3, "丙", "", [("c3", "x", "u")]),
    ]
    mapped = convert("abc", columns(selections), standard_only=True)
    assert list(mapped.dropped_items()) == [
        ("g1", "甲", ["c1", "c2"]),
        ("g2", "", []),
        ("g3", "丙", ["c3"]),
    ]
    assert mapped.codes == ["x", "y", "x"] and mapped.users == ["u", None, "u"]


def _stance_by_lines(description: str) -> str | None:
    """The stance read line by line only, the first line as our exports write it first."""
    first = description.partition("\n")[0]
    if first.startswith("stance: ") and first[8:] in STANCES:
        return first[8:]
    for line in description.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "stance" and value.strip() in STANCES:
            return value.strip()
    return None


@given(
    st.lists(
        st.sampled_from(
            [
                "stance: ",
                "Stance :",
                "stance:",
                "positive",
                "mixed",
                " ",
                "\n",
                "\r",
                "\r\n",
                "\x0b",
                "\u2028",
                "evidence: ",
                "好",
                ":",
            ]
        ),
        max_size=8,
    ).map("".join)
)
def test_the_stance_of_any_description_is_read_as_line_by_line(description):
    assert stance(description) == _stance_by_lines(description)
    assert stances([description]) == [_stance_by_lines(description)]


def test_stances_as_our_exports_and_others_write_them():
    assert stance("stance: positive\nevidence: 好") == "positive"
    assert stance("note\nStance : negative") == "negative"
    assert stance("stance: happy") is None
    assert stance("evidence: 立场") is None


def _walk(units: list[tuple], length: int, spans: list[tuple]) -> list:
    """The search as it was before its one-unit shortcut: bisect, then walk on."""
    from bisect import bisect_right

    starts = [u[0] for u in units]
    out = []
    for start, end in spans:
        if not (0 <= start <= length and 0 <= end <= length):
            out.append(OUTSIDE)
            continue
        if end <= start:
            out.append(EMPTY)
            continue
        i = max(bisect_right(starts, start) - 1, 0)
        hits = []
        while i < len(units) and units[i][0] < end:
            if units[i][1] > start:
                hits.append((i, max(start, units[i][0]), min(end, units[i][1])))
            i += 1
        out.append(hits or NO_UNIT)
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(0, n), st.integers(0, n)), max_size=10),
            st.lists(st.tuples(st.integers(-1, n + 1), st.integers(-1, n + 1)), max_size=15),
        )
    )
)
def test_units_found_on_overlapping_or_empty_units_are_the_walks(case):
    # units in the importer's order, overlapping or empty ones too: the shortcut for a
    # span in one unit must find what the walk finds
    length, pairs, spans = case
    units = sorted((a, b, f"u{k}") for k, (a, b) in enumerate(pairs))
    selections = [(f"s{k}", a, b, "", "", [CODING]) for k, (a, b) in enumerate(spans)]
    mapped = convert("字" * length, columns(selections), standard_only=True)
    mapped.find(units, length)
    got = [
        mapped.reasons[k]
        or [
            (mapped.hit_units[h], mapped.hit_starts[h], mapped.hit_ends[h])
            for h in range(mapped.first[k], mapped.first[k + 1])
        ]
        for k in range(len(spans))
    ]
    assert got == _walk(units, length, spans)
