"""``stored_rows`` finds the rules' codings among the hybrid's by code: the same rows as a search,
and the rows read back (the ``codings`` view's way) as each coder's own codings, in order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from coding.codingrows import coding_row, shares, stored_rows
from coding.model import Coding
from coding.rulecoder import MODEL_RULE
from coding.store import UnitToCode

_CODES = ["A", "B", "C", "D"]
_coding = st.builds(
    Coding,
    st.sampled_from(_CODES),
    st.sampled_from(["positive", "negative", "neutral", None]),
    st.integers(0, 3),
    st.integers(4, 6),
    st.just(("t",)),
    st.sampled_from(["A", MODEL_RULE]),
    st.sampled_from([None, 0.5, 0.25]),
)


def _searched(unit: UnitToCode, first: list[Coding], mixed: list[Coding]) -> list[tuple]:
    """The rows as a plain search of the rules' codings gives them (the reference)."""
    out: list[tuple] = []
    i = 0
    for c in mixed:
        j = next((j for j in range(i, len(first)) if shares(first[j], c)), None)
        if j is None:
            out.append(coding_row(unit, c, 1, None))
            continue
        out += [coding_row(unit, a, 0, None) for a in first[i:j]]
        out.append(coding_row(unit, first[j], 0, 1, c))
        i = j + 1
    return out + [coding_row(unit, a, 0, None) for a in first[i:]]


@st.composite
def _unit_codings(draw):
    first = draw(st.lists(_coding, max_size=5))
    if draw(st.booleans()):  # codes once each, as the rules give them
        first = list({c.code_id: c for c in first}.values())
    # the hybrid's: some of the rules' own objects, some equal copies, some with a stance
    # or probability of its own, some its own
    own = [
        Coding(
            **{**vars(c), "stance": draw(_coding).stance, "probability": draw(_coding).probability}
        )
        for c in first
    ]
    pool = first + [Coding(**vars(c)) for c in first] + own + draw(st.lists(_coding, max_size=4))
    mixed = draw(st.lists(st.sampled_from(pool), max_size=6)) if pool else []
    return first, mixed


@settings(max_examples=300, deadline=None)
@given(st.lists(_unit_codings(), min_size=1, max_size=4))
def test_stored_rows_are_those_of_a_search(units):
    rows = [UnitToCode(n + 1, f"u{n}", 10 * n, "text", None, None, None) for n in range(len(units))]
    ruled = [first for first, _ in units]
    mixed = [m for _, m in units]
    pairs = zip(rows, units, strict=True)
    want = [r for unit, (first, m) in pairs for r in _searched(unit, first, m)]
    stored = stored_rows(rows, ruled, mixed)
    assert stored == want
    read = _read_back(stored)
    for unit, first, m in zip(rows, ruled, mixed, strict=True):
        for coder, codings in ((0, first), (1, m)):
            assert read.get((unit.rowid, coder), []) == [
                coding_row(unit, c, 0, None)[3:10] for c in codings
            ]


def _read_back(stored: list[tuple]) -> dict[tuple[int, int], list[tuple]]:
    """Each (unit, coder)'s codings as the view reads the rows, in row order."""
    out: dict[tuple[int, int], list[tuple]] = {}
    for unit, coder, also, code, stance, start, end, rule, terms, p, a_stance, a_p in stored:
        out.setdefault((unit, coder), []).append((code, stance, start, end, rule, terms, p))
        if also is not None:
            own = (
                code,
                stance if a_stance is None else a_stance,
                start,
                end,
                rule,
                terms,
                p if a_p is None else a_p,
            )
            out.setdefault((unit, also), []).append(own)
    return out


def test_an_interviewers_turn_keeps_the_rules_codings_as_both_coders():
    first = [Coding("A", "neutral", 0, 4, ("t",), "A")]
    unit = UnitToCode(7, "u", 100, "text", None, None, None)
    row = (7, 0, 1, "A", "neutral", 100, 104, "A", ("t",), None, None, None)
    assert stored_rows([unit], [first], [first]) == [row]


def test_the_hybrids_probability_and_stance_share_the_rulescoding_row():
    """A coding the hybrid gives as the rules do but with the model's P and its own stance
    is one row: the hybrid's stance and P in their own columns."""
    rule = Coding("A", "neutral", 0, 4, ("t",), "A")
    hybrid = Coding("A", "positive", 0, 4, ("t",), "A", 0.75)
    unit = UnitToCode(7, "u", 100, "text", None, None, None)
    row = (7, 0, 1, "A", "neutral", 100, 104, "A", ("t",), None, "positive", 0.75)
    assert stored_rows([unit], [[rule]], [[hybrid]]) == [row]
    # no stance or P of the hybrid's own where the rules have one: two rows
    assert len(stored_rows([unit], [[hybrid]], [[rule]])) == 2
