"""The rule helpers' fast paths give what their plain definitions give: sent() and
clause() with two arguments, except() with nothing to mask, the hypotheticals' lookahead."""

from __future__ import annotations

import re
from bisect import bisect_right

from hypothesis import given, settings
from hypothesis import strategies as st

from coding.rules import outside, together
from coding.textview import _HYPOTHETICAL, HYPOTHETICAL_CUES

_HIT = st.tuples(st.integers(0, 40), st.integers(0, 8), st.sampled_from("abc")).map(
    lambda h: (h[0], h[0] + h[1], h[2])
)


def _plain_together(starts, found):
    where = [[bisect_right(starts, h[0]) for h in hits] for hits in found]
    common = set(where[0]).intersection(*where[1:])
    if not common:
        return None
    return [
        h
        for hits, places in zip(found, where, strict=True)
        for h, place in zip(hits, places, strict=True)
        if place in common
    ]


def _plain_outside(hits, masks):
    masks = masks or []
    kept = [h for h in hits if not any(m[0] <= h[0] and h[1] <= m[1] for m in masks)]
    return kept or None


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.integers(1, 40), max_size=6).map(lambda s: [0, *sorted(set(s))]),
    st.lists(st.lists(_HIT, max_size=4), min_size=1, max_size=3),
)
def test_together_is_its_plain_definition(starts, found):
    assert together(starts, found) == _plain_together(starts, found)


@settings(max_examples=300, deadline=None)
@given(st.lists(_HIT, max_size=5), st.none() | st.lists(_HIT, max_size=3))
def test_outside_is_its_plain_definition(hits, masks):
    kept = outside(hits, masks)
    assert kept == _plain_outside(hits, masks)
    assert kept is not hits  # a list of its own: the rules may extend it


_PIECES = ["如果", "主要是", "要是", "需要是", "应该", "应该是", "是", "最好", "最好的", "希望",
           "就好了", "能不能", "可不可以", "倘若", "万一", "但愿", "盼着", "该多好", "假如",
           "假设", "若是", "要", "好", "。", "a"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=20))
def test_the_hypotheticals_lookahead_matches_as_the_plain_alternation(pieces):
    text = "".join(pieces)
    plain = re.compile(HYPOTHETICAL_CUES)
    assert [m.span() for m in _HYPOTHETICAL.finditer(text)] == [
        m.span() for m in plain.finditer(text)
    ]


_NEGATION_PIECES = ["不", "没", "未", "无法", "毫无", "并非", "从未", "不错", "不少",
                    "差不多", "没想到", "做不完", "好不好", "合作", "，", "。", "：", "a",
                    "支持"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_NEGATION_PIECES), max_size=20), st.data())
def test_negated_is_a_negation_cue_in_the_window_of_the_hits_clause(pieces, data):
    from coding.textview import _NEGATION, _NOT_NEGATION, NEGATION_WINDOW, TextView

    text = "".join(pieces) + "x"
    view = TextView(text, {})
    for at in data.draw(st.lists(st.integers(0, len(text) - 1), max_size=6)):
        clause = max(s for s in view.clause_starts() if s <= at)
        window = text[max(clause, at - NEGATION_WINDOW) : at]
        plain = bool(_NEGATION.search(_NOT_NEGATION.sub("__", window)))
        assert view.negated((at, at + 1, "x")) is plain
