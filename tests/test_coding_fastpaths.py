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


def _unit_by_unit(coder, analysed, questions, roles):
    """The model's tf-idf rows as the plain definition builds them: one list per unit."""
    from coding.hybrid.features import unit_features

    lists = [
        unit_features(view, codings, q, r)
        for (view, codings), q, r in zip(analysed, questions, roles, strict=True)
    ]
    return coder.weights.matrix(lists)


def test_batched_features_are_the_units_features_bit_for_bit():
    import csv

    from coding.codebook import load_codebook
    from coding.hybrid.coder import HybridCoder, shipped_weights
    from coding.hybrid.featurebatch import FeatureBatch
    from coding.hybrid.gold import GOLD
    from coding.ingest.normalize import match_view

    book = load_codebook()
    coder = HybridCoder(book, shipped_weights(book))
    with (GOLD / "gold_dev.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:300]
    texts = [match_view(r["text"]) for r in rows]
    # edges: empty, punctuation only or first, the marks of the feature families inside
    # the text, characters beyond the BMP, a long turn cut at MAX_CHARS
    texts += ["", "，。", "，不合作。", "¬合作?如果a", "我们没有𠀋合作🙂过", "合作不好。" * 400]
    questions = [match_view(r.get("question") or "") or None for r in rows]
    questions += [None, "？", "q:合作", None, "你们合作过吗？", "为什么"]
    roles = [r.get("role") or None for r in rows] + [None, "ACT.FIRM", None, None, "x", None]
    analysed = [coder.rules.code_view(t, None, r) for t, r in zip(texts, roles, strict=True)]
    units, columns = FeatureBatch(coder.weights.vocabulary).columns_of(analysed, questions, roles)
    batched = coder.weights.matrix_of(units, columns, len(texts))
    plain = _unit_by_unit(coder, analysed, questions, roles)
    assert (batched.indptr == plain.indptr).all() and (batched.indices == plain.indices).all()
    assert batched.data.tobytes() == plain.data.tobytes()
    assert plain.nnz > 10 * len(texts)  # the comparison is not of empty rows
