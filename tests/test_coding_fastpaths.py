"""The coder's fast paths give what the plain definitions give: cue counts of sentence
spans from one pass per text, and the model's features found for a whole batch."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from coding.stance import polarity_counts, sentences_counts, stance_from_counts, stance_of
from coding.textview import TextView

# cue words, negators, look-alikes and sentence ends, so that spans meet every case
_PIECES = ["好", "支持", "不", "没有", "难", "不难", "不支持", "很好", "效果", "。", "！", "\n",
           "，", "；", "?", "合作", "从来不", "帮助", "矛盾", "a"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30), st.data())
def test_sentence_spans_count_as_their_own_text(pieces, data):
    text = "".join(pieces)
    view = TextView(text, {})
    starts = [*view.sentence_starts(), len(text)]
    i = data.draw(st.integers(0, len(starts) - 1))
    j = data.draw(st.integers(i, len(starts) - 1))
    start, end = starts[i], starts[j]
    assert sentences_counts(view, start, end) == polarity_counts(text[start:end])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=30), st.data())
def test_stance_of_is_the_stance_of_the_evidence_sentences(pieces, data):
    text = "".join(pieces)
    view = TextView(text, {})
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    starts = view.sentence_starts()
    first = max(i for i, s in enumerate(starts) if s <= start)
    last = max(i for i, s in enumerate(starts) if s <= max(start, end - 1))
    span_end = starts[last + 1] if last + 1 < len(starts) else len(text)
    expected = stance_from_counts(*polarity_counts(text[starts[first] : span_end]))
    assert stance_of(view, start, end) == expected
