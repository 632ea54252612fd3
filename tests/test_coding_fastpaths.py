"""The coder's fast paths give what the plain definitions give: cue counts of sentence
spans from one pass per text, and the model's features found for a whole batch."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
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


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=30),
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), min_size=1, max_size=8),
)
def test_stance_of_many_spans_of_one_view_is_each_span_read_alone(pieces, spans):
    # one view asked again and again, as a unit's codings ask it: its cached stances and
    # cue marks give the plain stance of each span's sentences
    text = "".join(pieces)
    view = TextView(text, {})
    for a, b in spans:
        start = a % len(text)
        end = start + 1 + b % (len(text) - start)
        first, last = view.sentences_span(start, end)
        expected = stance_from_counts(*polarity_counts(text[first:last]))
        assert stance_of(view, start, end) == expected
        assert stance_of(view, start, end) == expected  # now from the view's cache


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
    # the scores `code` uses, found without SciPy, are the sparse product's bit for bit
    without = coder.weights.proba_of_pairs(units, columns, len(texts))
    assert without.tobytes() == coder.weights.proba_of(batched).tobytes()


@pytest.mark.parametrize("text", ["好", "", "。", "🙂"])
def test_a_batch_of_one_character_is_coded_as_its_features_say(text):
    """A batch whose texts hold one character or none has no n-gram: no error, and the
    model's P is that of the unit's spelt features."""
    from coding.codebook import load_codebook
    from coding.hybrid.coder import HybridCoder, shipped_weights
    from coding.hybrid.features import unit_features

    book = load_codebook()
    coder = HybridCoder(book, shipped_weights(book))
    analysed, proba = coder.analyse([text])
    view, codings = analysed[0]
    plain = coder.weights.predict_proba([unit_features(view, codings)])
    assert proba.tobytes() == plain.tobytes()
    assert coder.code_views([text]) == coder.combine_all(analysed, proba)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_tfidf_rows_and_their_product_are_scipys(data):
    """``matrix_of`` equals the tf-idf product SciPy builds, and ``_sparse_dot`` adds a row's
    entries in SciPy's order, on random pairs with repeats, empty rows and long rows."""
    import numpy as np
    from scipy.sparse import csr_matrix

    from coding.hybrid.weights import LearnedWeights, _normalise_rows, _sparse_dot

    n, width, codes = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 40)), 3
    pairs = data.draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, width - 1)), max_size=300)
    )
    rows = np.asarray([p[0] for p in pairs], dtype=np.int64)
    columns = np.asarray([p[1] for p in pairs], dtype=np.int64)
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    coef = rng.normal(size=(codes, width)) * 10.0 ** rng.integers(-3, 2, (codes, width))
    weights = LearnedWeights(
        "t", "v", "h", ["a", "b", "c"], [str(i) for i in range(width)],
        rng.uniform(0.5, 5, width), coef.astype(np.float32), rng.normal(size=codes),
        np.ones((codes, 2)), {}, {},
    )  # fmt: skip
    got = weights.matrix_of(rows, columns, n)
    # the definition: counts as a sparse matrix, SciPy's product with the idf, then norms
    ones = csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(n, width))
    ones.sum_duplicates()
    ones.data = 1.0 + np.log(ones.data)
    tfidf = ones.multiply(weights.idf).tocsr()
    tfidf.sort_indices()
    _normalise_rows(tfidf.data, tfidf.indptr)
    assert (got.indptr == tfidf.indptr).all() and (got.indices == tfidf.indices).all()
    assert got.data.tobytes() == tfidf.data.tobytes()
    dense = weights.dense_coef()
    product = _sparse_dot(got.data, got.indices, got.indptr, dense)
    assert product.tobytes() == np.asarray(got @ dense).tobytes()
    assert weights.proba_of_pairs(rows, columns, n).tobytes() == weights.proba_of(got).tobytes()


@given(st.lists(st.lists(st.floats(-1e6, 1e6), max_size=40), max_size=12))
def test_rows_are_normalised_by_their_squares_summed_in_order(rows):
    """``_normalise_rows`` divides each row by the root of its squares added one after the
    other from zero (scikit-learn's order); a row of zeros stays."""
    import math

    import numpy as np

    from coding.hybrid.weights import _normalise_rows

    data = np.asarray([v for row in rows for v in row], dtype=np.float64)
    indptr = np.cumsum([0, *map(len, rows)])
    expected = []
    for row in rows:
        total = 0.0
        for v in row:
            total += v * v
        norm = math.sqrt(total) or 1.0
        expected += [v / norm for v in row]
    _normalise_rows(data, indptr)
    assert data.tobytes() == np.asarray(expected, dtype=np.float64).tobytes()


# rules of every kind over a few terms, and texts made of those terms with negation,
# wishes, sentence and clause ends around them
_TERMS = ["合作", "协会", "政府", "牵头", "合作社", "作社"]
_TEXT_PIECES = [*_TERMS, "不", "没有", "如果", "希望", "。", "，", "\n", "我们", "好", "就好了"]


def _rules() -> st.SearchStrategy[str]:
    leaf = st.sampled_from(_TERMS).map(lambda t: f"'{t}'")

    def grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        pair = st.tuples(inner, inner)
        return st.one_of(
            st.lists(inner, min_size=2, max_size=3).map(lambda p: "(" + " OR ".join(p) + ")"),
            st.lists(inner, min_size=2, max_size=3).map(lambda p: "(" + " AND ".join(p) + ")"),
            pair.map(lambda p: f"({p[0]} AND NOT {p[1]})"),
            pair.map(lambda p: f"({p[0]} OR NOT {p[1]})"),  # may hold with no evidence
            inner.map(lambda p: f"({p} OR role(ACT.FIRM))"),
            st.tuples(st.sampled_from(["near", "tnear", "before"]), inner, inner,
                      st.integers(0, 6)).map(lambda c: f"{c[0]}({c[1]}, {c[2]}, {c[3]})"),
            st.tuples(st.sampled_from(["sent", "clause"]),
                      st.lists(inner, min_size=2, max_size=3)).map(
                lambda c: f"{c[0]}({', '.join(c[1])})"),
            st.tuples(st.sampled_from(["fact", "real", "wish", "neg"]), inner).map(
                lambda c: f"{c[0]}({c[1]})"),
            pair.map(lambda p: f"except({p[0]}, {p[1]})"),
            inner.map(lambda p: f"({p} AND role(ACT.FIRM, ACT.GOV))"),
        )  # fmt: skip

    return st.recursive(leaf, grow, max_leaves=8)


def _hits(text: str) -> dict:
    from coding.textview import Hit

    found: dict = {}
    for end in range(1, len(text) + 1):  # as the automaton gives them: by where they end
        for term in _TERMS:
            if text.endswith(term, 0, end):
                found.setdefault(term, []).append(Hit(end - len(term), end, term))
    return found


def _outcome(rule, *args):
    try:
        return rule(*args)
    except ValueError as error:  # tnear without tokens
        return repr(error)


# a drawn rule that does not parse is skipped: some seeds skip most of the first ones
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    _rules(),
    st.lists(st.lists(st.sampled_from(_TEXT_PIECES), max_size=14), min_size=1, max_size=4),
    st.sampled_from([None, "ACT.FIRM", "ACT.ASSOC"]),
    st.booleans(),
)
def test_rules_compiled_to_source_give_the_closures_evidence(rule, texts, role, tokens):
    from hypothesis import assume

    from coding.errors import RuleSyntaxError
    from coding.rulecompile import RuleSets, compile_source
    from coding.rules import compile_rule, parse_rule

    try:
        node = parse_rule(rule)
    except RuleSyntaxError:
        assume(False)
    sets = RuleSets()
    source = compile_source(node, sets)
    closures = compile_rule(node)
    for pieces in texts:
        text = "".join(pieces)
        hits = _hits(text)
        cut = list(text) if tokens else None
        expected = _outcome(closures, TextView(text, hits, cut, role))
        got = _outcome(source, TextView(text, hits, cut, role), hits, sets.set_hits(hits))
        assert got == expected
        # hits as the rule coder makes them: plain tuples, read by index
        plain = {term: [tuple(h) for h in found] for term, found in hits.items()}
        view = TextView(text, plain, cut, role)
        assert _outcome(source, view, plain, sets.set_hits(plain)) == expected
        assert _outcome(closures, TextView(text, plain, cut, role)) == expected


@pytest.mark.parametrize(
    "rule, role",
    [
        ("'合作' AND ('协会' OR NOT '政府')", None),
        ("'合作' AND ('协会' OR role(ACT.FIRM))", "ACT.FIRM"),
    ],
)
def test_an_and_whose_part_holds_without_evidence_is_not_cut_short(rule, role):
    from coding.rulecompile import RuleSets, compile_source
    from coding.rules import compile_rule, parse_rule

    node = parse_rule(rule)
    sets = RuleSets()
    source, closures = compile_source(node, sets), compile_rule(node)
    text = "我们合作"
    hits = _hits(text)
    expected = closures(TextView(text, hits, None, role))
    assert expected  # the OR holds by its NOT or role: the evidence is the first part's
    assert source(TextView(text, hits, None, role), hits, sets.set_hits(hits)) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*_TEXT_PIECES, "未", "无法", "不错", "应该"]), max_size=20))
def test_hit_filters_keep_the_hits_their_tests_keep(pieces):
    from coding.rules import HIT_FILTERS

    text = "".join(pieces)
    hits = [h for found in _hits(text).values() for h in found]
    if not hits:
        return
    plain = {
        "fact": lambda v, h: not v.negated(h) and not v.hypothetical(h),
        "neg": lambda v, h: v.negated(h),
        "real": lambda v, h: v.hypothetical(h) is False,
        "wish": lambda v, h: v.hypothetical(h) is True,
    }
    for name, keep in plain.items():
        expected = [h for h in hits if keep(TextView(text, {}), h)] or None
        assert HIT_FILTERS[name](TextView(text, {}), hits) == expected


def test_the_rule_coder_codes_the_gold_as_with_the_closures(monkeypatch):
    import csv

    import coding.rulecoder as rulecoder
    from coding.codebook import load_codebook
    from coding.hybrid.gold import GOLD

    book = load_codebook()
    with (GOLD / "gold_dev.csv").open(encoding="utf-8") as f:
        rows = [(r["text"], r.get("role") or None) for r in csv.DictReader(f)]
    compiled = rulecoder.RuleCoder(book)

    def refuse(*_args, **_kwargs):
        raise SyntaxError("as if Python could not compile the rule")

    monkeypatch.setattr(rulecoder, "compile_source", refuse)
    closures = rulecoder.RuleCoder(book)
    given = [compiled.code_text(text, role) for text, role in rows]
    assert given == [closures.code_text(text, role) for text, role in rows]
    assert sum(map(len, given)) > len(rows)  # the gold is coded, not left empty


_CLAUSE_PIECES = [
    *["如果", "主要是", "要是", "应该", "是", "最好", "的", "不", "不错", "没", "无法", "并非"],
    *["合作", "好", "。", "，", "；", "、", "就好了", "a", "搞不起", "\n"],
]


def _plain_marked_clauses(view: TextView, limit: int) -> list:
    """marked_clauses as first written: every clause looked at, each sentence searched."""
    from coding.textview import _HYPOTHETICAL

    def wished(start: int) -> bool:
        index = max(i for i, s in enumerate(view.sentence_starts()) if s <= start)
        first, last = view.sentence_span(index)
        return bool(_HYPOTHETICAL.search(view.text, first, last))

    starts, out = view.clause_starts(), []
    for i, start in enumerate(starts):
        if start >= limit:
            break
        end = min(starts[i + 1] if i + 1 < len(starts) else len(view.text), limit)
        if end - start >= 2 and (view.clause_negated(start, end) or wished(start)):
            out.append((start, end, view.clause_negated(start, end), wished(start)))
    return out


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_CLAUSE_PIECES), max_size=40), st.integers(0, 80))
def test_marked_clauses_are_those_of_every_clause_looked_at(pieces, limit):
    from coding.hybrid.features import marked_clauses

    text = "".join(pieces)
    assert marked_clauses(TextView(text, {}), limit) == _plain_marked_clauses(
        TextView(text, {}), limit
    )


def test_coding_keeps_a_frozen_dataclass_behaviour():
    """``Coding`` has its own fast __init__: still frozen, compared, hashed, replaced and
    pickled by its fields."""
    import dataclasses
    import pickle

    import pytest

    from coding.model import Coding

    a = Coding("CA.BH", "positive", 1, 3, ("合作",), "CA.BH")
    b = Coding(code_id="CA.BH", stance="positive", start=1, end=3, terms=("合作",),
               rule_id="CA.BH", probability=None)  # fmt: skip
    assert a == b and hash(a) == hash(b) and a.probability is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.stance = "negative"  # type: ignore[misc]
    c = dataclasses.replace(a, stance="mixed", probability=0.5)
    assert (c.stance, c.probability, c.code_id) == ("mixed", 0.5, "CA.BH") and c != a
    assert pickle.loads(pickle.dumps(c)) == c
    assert dataclasses.astuple(a) == ("CA.BH", "positive", 1, 3, ("合作",), "CA.BH", None)
    # the fields are the instance's own dict (set whole by __init__), one per instance
    assert vars(c) == {"code_id": "CA.BH", "stance": "mixed", "start": 1, "end": 3,
                       "terms": ("合作",), "rule_id": "CA.BH", "probability": 0.5}  # fmt: skip
    assert vars(a) is not vars(b) and vars(a) == vars(b)


def test_gram_tables_are_the_dict_built_ones():
    """The model's n-gram tables, built with NumPy, equal those a dict of each feature's
    ``gram_key`` builds (the shipped vocabularies and odd spellings)."""
    import numpy as np

    from coding.codebook import load_codebook
    from coding.hybrid import featurebatch, stancebatch
    from coding.hybrid.coder import shipped_weights

    weights = shipped_weights(load_codebook())
    odd = ["", ":", "x", "e:", "e:abc", "n::", "eEVAL:a", "n:𠀋a", "¬ab", "¬a", "?abc", "q:ab",
           "q:a", "q:abc", "ab", "𠀋好吗"]  # fmt: skip

    def by_dict(vocabulary, families, spelt):
        found: dict[int, list[int]] = {}
        for column, feature in enumerate(vocabulary):
            for family, key in spelt(feature):
                found.setdefault(key, [-1] * len(families))[family] = column
        keys = sorted(found)
        return np.asarray(keys, np.int64), np.asarray([found[k] for k in keys], np.int64)

    def model_grams(feature):
        for family, (prefix, orders) in enumerate(featurebatch._FAMILIES):
            gram = feature[len(prefix) :]
            if feature.startswith(prefix) and len(gram) in orders:
                yield family, featurebatch.gram_key(gram)

    vocabulary = weights.vocabulary + odd
    table = featurebatch.FeatureBatch(vocabulary)
    keys, columns = by_dict(vocabulary, featurebatch._FAMILIES, model_grams)
    assert (table.keys == keys).all() and (table.columns == columns).all()

    for families in (stancebatch._EVIDENCE, ("n:",)):

        def stance_grams(feature, families=families):
            head, colon, gram = feature.partition(":")
            if head + colon in families and 0 < len(gram) <= 2:
                yield families.index(head + colon), stancebatch.gram_key(gram)

        vocabulary = weights.stance.vocabulary + odd
        table = stancebatch._Table(*stancebatch.gram_table(vocabulary, families))
        keys, columns = by_dict(vocabulary, families, stance_grams)
        assert (table.keys == keys).all() and (
            table.columns == columns.reshape(table.columns.shape)
        ).all()


@cache
def _rule_coder():
    from coding.codebook import load_codebook
    from coding.rulecoder import RuleCoder

    return RuleCoder(load_codebook())


_CODES = ["EVAL.SUCCESS", "EVAL.OTHER", "COND.FREERIDE", "COND.TRUST", "COND.SHOCK", "AGENCY.WILL",
          "AGENCY.ACTION", "AGENCY.CAPACITY", "ACT.GOV", "FORM.INFO", "UNKNOWN"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([*_PIECES, "不愿意", "愿意", "合作"]), min_size=1, max_size=30),
    st.sampled_from(_CODES),
    st.data(),
)
def test_a_rule_codings_stance_is_code_stance_of_its_cues_and_negation(pieces, code, data):
    """The rule coder reads the cue words and negation only where they can change the
    stance; it must give ``code_stance`` of the evidence sentences' cues and of whether a
    hit of the evidence is negated, for codes of fixed, default and no valence."""
    from coding.stance import code_stance
    from coding.textview import Hit

    text = "".join(pieces)
    starts = data.draw(st.lists(st.integers(0, len(text) - 1), min_size=1, max_size=3))
    evidence = [Hit(s, data.draw(st.integers(s + 1, min(len(text), s + 4))), "t") for s in starts]
    coder = _rule_coder()
    # a plain view, and the rule coder's own (its cue marks from the terms' pass)
    for seen in (TextView(text, {}), coder.view(text)):
        got = coder._coding(code, code, evidence, seen)
        view = TextView(text, {})
        cue = stance_of(view, got.start, got.end)
        assert got.stance == code_stance(code, cue, any(view.negated(h) for h in evidence))


# cue words inside longer ones, negators of one to three characters and look-alikes, so
# that a window's edge cuts a cue, a longer cue or the negator before one
_EDGE_PIECES = [*_PIECES, "没什么用", "有用", "用", "不愿意", "愿意", "不了了之", "了之",
                "没什么合作", "没有什么合作", "并不", "不太", "从不", "不是很", "不错"]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_EDGE_PIECES), max_size=40), st.data(), st.integers(0, 12))
def test_around_counts_are_the_counts_of_the_joined_window(pieces, data, width):
    """Counted on the cue marks (of the view's own pass or of the rule coder's shared
    pass) where no cue can cross a window edge, read again where one can: the plain count."""
    from coding.stance import around_counts

    text = "".join(pieces)
    shared = data.draw(st.booleans())
    view = _rule_coder().view(text) if shared else TextView(text, {})
    edges = sorted({*view.sentence_starts(), len(text)})
    i = data.draw(st.integers(0, len(edges) - 1))
    j = data.draw(st.integers(i, len(edges) - 1))
    start, end = edges[i], edges[j]
    joined = text[max(0, start - width) : start] + text[end : end + width]
    assert around_counts(view, start, end, width) == polarity_counts(joined)


@cache
def _cue_pieces() -> list[str]:
    from coding.stance import cue_words

    words = cue_words() or {}
    terms = _rule_coder().codebook.terms()
    # cue words that are terms too, cue words alone, terms alone, and what splits sentences
    both = sorted(w for w in words if w in terms)[:12]
    alone = sorted(w for w in words if w not in terms)[:12]
    return [*both, *alone, *sorted(terms)[:8], *_PIECES]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_cue_marks_found_with_the_terms_are_the_lexicons_own(data):
    """The rule coder finds the stance cue words in its terms' pass; the cue marks made from
    them, and the terms' hits, are those of a plain view and of the terms' own pass."""
    from coding.stance import _cue_marks
    from coding.textview import Hit

    coder = _rule_coder()
    text = "".join(data.draw(st.lists(st.sampled_from(_cue_pieces()), max_size=30)))
    view = coder.view(text)
    assert "_cue_found" in view.__dict__ or "_cue_marks" in view.__dict__
    assert _cue_marks(view) == _cue_marks(TextView(text, {}))
    terms = coder.codebook.terms()
    hits: dict[str, list[Hit]] = {}
    for start in range(len(text)):
        for end in range(start + 1, len(text) + 1):
            if text[start:end] in terms:
                hits.setdefault(text[start:end], []).append(Hit(start, end, text[start:end]))
    assert {t: sorted(h, key=lambda h: h[1]) for t, h in view.hits.items()} == {
        t: sorted(h, key=lambda h: h[1]) for t, h in hits.items()
    }


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *_PIECES,
                "错",
                "少",
                "差",
                "多",
                "了",
                "起",
                "做",
                "完",
                "上",
                "无",
                "论",
                "没",
                "想到",
                "人",
                "\n",
                "不不",
                "没没",
                "天",
                "法",
            ]
        ),  # fmt: skip
        max_size=30,
    )
)
def test_the_look_alikes_lookahead_masks_as_the_plain_alternation(pieces):
    """The look-alike pattern leaves a position at once unless 不, 没 or 无 stands first or
    second there: the text it masks is the plain alternation's."""
    import re

    from coding.textview import _LOOK_ALIKES, _NOT_NEGATION

    text = "".join(pieces)
    assert _NOT_NEGATION.sub("__", text) == re.compile(_LOOK_ALIKES).sub("__", text)


def test_text_view_attributes_after_lazy_ones():
    """A view's attributes, set as one dict by __init__, read the same before and after its
    lazy attributes are written into that dict."""
    from coding.textview import TextView

    hits = {"合作": [(0, 2, "合作")]}
    view = TextView("合作。不好", hits, None, "ACT.GOV")
    assert (view.text, view.hits, view.tokens, view.role) == ("合作。不好", hits, None, "ACT.GOV")
    assert view.found == frozenset({"合作"}) and view.may_negate
    assert (
        view.sentence_starts() == [0, 3]
        and view.stances == {}
        and not view.negated(hits["合作"][0])
    )
    assert vars(view)["text"] == "合作。不好" and view.hits is hits
