"""The learned stance, held-out files in the v2 layout, and folds that keep clusters whole."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coding.autocode import text_coder
from coding.codebook import load_codebook
from coding.hybrid.crossval import cluster_folds
from coding.hybrid.gold import GOLD, read_heldout, read_training_gold
from coding.hybrid.stancemodel import (
    StanceExamples,
    StanceWeights,
    evidence_sentences,
    fit_stance,
    span_parts,
    stance_features,
)
from coding.model import Coding
from coding.textview import Hit, TextView


@pytest.fixture(scope="module")
def book():
    return load_codebook()


def _examples() -> StanceExamples:
    """Synthetic codings: 但是 after a success makes it mixed, else positive; the cue-word
    stance (the baseline) always says positive, so the model can only win by learning."""
    texts = [f"第{i}次展会效果很好{'，但是后来没人管' if i % 3 == 0 else ''}。" for i in range(60)]
    features, labels = [], []
    for text in texts:
        view = TextView(text, {})
        coding = Coding("EVAL.SUCCESS", "positive", 0, len(text), (), "model", 0.9)
        features.append(stance_features(view, coding))
        labels.append("mixed" if "但是" in text else "positive")
    groups = [f"g{i % 5}" for i in range(60)]
    return StanceExamples(features, labels, ["positive"] * 60, ["EVAL"] * 60, groups)


def test_the_stance_model_learns_hedges_and_survives_json():
    examples = _examples()
    model = fit_stance(examples, folds=3)
    # by construction the cue words are right 40 of 60 times; the model must beat that
    row = model.metrics["cross_validated"][0]
    assert row["cue"] == pytest.approx(40 / 60) and row["learned"] > row["cue"]
    assert model.dimensions == ["EVAL"]
    again = StanceWeights.from_json(model.to_json())
    assert again.predict(examples.features) == model.predict(examples.features)
    assert again.predict(examples.features[:3]) == ["mixed", "positive", "positive"]
    assert again.digest() == model.digest()


def test_a_dimension_keeps_the_cue_words_where_the_model_is_not_better():
    examples = _examples()
    # the cue words right every time: the model cannot be better, so it decides nowhere
    examples.cue = list(examples.labels)
    assert fit_stance(examples, folds=3).dimensions == []


@pytest.mark.parametrize(
    ("text", "code", "stance"),
    [
        ("小厂自己搞不起。", "AGENCY.CAPACITY", "negative"),
        ("没什么合作，各扫门前雪。", "EVAL.TOOLITTLE", "negative"),
        ("那个展会后来再没开过。", "EVAL.FAILURE", "negative"),
    ],
)
def test_the_issue_cases_hold_with_the_learned_stance(book, text, code, stance):
    coded = {c.code_id: c for c in text_coder(book, "hybrid").code_text(text)}
    assert coded[code].stance == stance
    # a fair that never met again is a failure, not a shock from outside
    assert "COND.SHOCK" not in coded


def test_a_fair_that_never_opened_again_is_no_shock_to_the_rules_either(book):
    coded = {c.code_id for c in text_coder(book, "rules").code_text("那个展会后来再没开过。")}
    assert "EVAL.FAILURE" in coded and "COND.SHOCK" not in coded


def test_heldout_files_in_the_v2_layout_are_read(book, tmp_path):
    part = tmp_path / "part.csv"
    part.write_text(
        "id,cluster,trade,region,style,role,doc,turn,question,text\n"
        "H-1,某镇,x,y,short,ACT.FIRM,H-cl01-i1,2,你们合作过吗？,没什么合作，各扫门前雪。\n"
        "H-2,某镇,x,y,short,ACT.FIRM,H-cl02-i1,4,,展会办得很成功。\n",
        encoding="utf-8",
    )
    codes = tmp_path / "codes.csv"
    codes.write_text(
        "id,codes,stances\nH-1,EVAL.TOOLITTLE,EVAL.TOOLITTLE=negative\nH-2,EVAL.SUCCESS,\n",
        encoding="utf-8",
    )
    frame = read_heldout(part, codes, book)
    assert frame["gold"].tolist() == [frozenset({"EVAL.TOOLITTLE"}), frozenset({"EVAL.SUCCESS"})]
    assert frame["stances"].tolist() == [{"EVAL.TOOLITTLE": "negative"}, {}]
    assert frame["question"].tolist() == ["你们合作过吗？", ""]
    assert frame["group"].nunique() == 2  # one per cluster


def test_v2_units_are_grouped_by_cluster_and_folds_keep_clusters_whole(book):
    frame = read_training_gold(GOLD / "v2" / "setA.csv", book)
    # every interview of a cluster (A-cl01-i1, A-cl01-i2, ...) shares one group
    assert frame["group"].nunique() == 15
    groups = frame["group"].tolist()
    for train, test in cluster_folds(groups, 5):
        assert not {groups[i] for i in train} & {groups[i] for i in test}
        assert len(np.intersect1d(train, test)) == 0


def test_the_batched_stance_is_the_stance_of_each_unit_alone(book):
    """``StanceBatch`` looks n-grams up as integers for many units at once; on real turns
    (the dev gold, plus a model coding of the whole unit each) it must give exactly the
    stances ``StanceWeights.restance`` gives unit by unit from the spelt features."""
    import pandas as pd

    from coding.hybrid.coder import shipped_weights
    from coding.hybrid.stancebatch import StanceBatch
    from coding.ingest.normalize import match_view
    from coding.rulecoder import RuleCoder

    model = shipped_weights(book).stance
    rules = RuleCoder(book)
    texts = pd.read_csv(GOLD / "gold_dev.csv")["text"].dropna().tolist()
    texts += ["小厂自己搞不起。", "没什么合作，各扫门前雪。", "", "。", "效果𠀀很好"]
    units = []
    for text in texts:
        view, codings = rules.code_view(match_view(text))
        units.append((view, [*codings, Coding("EVAL.SUCCESS", "positive", 0, 0, (), "model")]))
    one_by_one = [model.restance(TextView(v.text, v.hits), c) for v, c in units]
    batched = StanceBatch(model).restance(units)
    assert batched == one_by_one
    # 1-grams are found by their code point, those beyond the Basic Multilingual Plane (an
    # emoji, 𠀀) searched: with them (above) and without
    plane = [k for k, (view, _c) in enumerate(units) if all(ord(ch) < 0x10000 for ch in view.text)]
    assert len(plane) < len(units)
    assert StanceBatch(model).restance([units[k] for k in plane]) == [one_by_one[k] for k in plane]
    before = [c.stance for _view, codings in units for c in codings]
    after = [c.stance for codings in batched for c in codings]
    assert before != after  # the model does decide some stances here


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_column_sums_are_predicts_sums_bit_for_bit(data):
    """``column_sums`` scores every coding of a batch with ``bincount``; each row must be
    the very floats ``predict``'s ``coef[:, columns].sum(axis=1)`` gives (weights of very
    different sizes, so that another order of adding would round otherwise)."""
    from coding.hybrid.stancebatch import column_sums

    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    width = data.draw(st.integers(1, 400))
    coef = rng.standard_normal((4, width)) * 10.0 ** rng.integers(-8, 6, (4, width))
    lengths = data.draw(st.lists(st.integers(0, min(width, 300)), min_size=1, max_size=20))
    columns = [np.sort(rng.choice(width, n, replace=False)) for n in lengths]
    rows = np.repeat(np.arange(len(lengths)), lengths)
    flat = np.concatenate(columns).astype(np.intp)
    got = column_sums(coef, rows, flat, len(lengths))
    expected = np.array([coef[:, list(c)].sum(axis=1) for c in columns]).reshape(got.shape)
    assert got.tobytes() == expected.tobytes()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="好不😀𠀀a，", max_size=12), min_size=1, max_size=6))
def test_the_gram_table_finds_what_a_dict_of_the_vocabulary_finds(texts):
    """``_Table.rows_at`` looks 1-grams up by code point (searching those beyond the Basic
    Multilingual Plane) and 2-grams in the sorted keys: it must find every gram a dict of
    the spelt features finds, at that feature's column."""
    from coding.hybrid.stancebatch import _Table, gram_table

    vocabulary = [
        "c:X",
        "e:好",
        "e:😀",
        "e:𠀀",
        "e:好😀",
        "e:😀😀",
        "e:不好",
        "e:a",
        "n:好",
        "e:，a",
    ]
    table = _Table(*gram_table(vocabulary, ("e:",)))
    got = []
    for r, text in enumerate(texts):
        # every text's 1-grams and 2-grams, looked up from its code points
        for rows in table.rows_at(np.array([ord(ch) for ch in text], dtype=np.int64)):
            got += [(r, table.columns[at, 0]) for at in rows[rows >= 0].tolist()]
    got.sort()
    index = {f: i for i, f in enumerate(vocabulary)}
    grams = [
        (r, t[i : i + n])
        for r, t in enumerate(texts)
        for n in (1, 2)
        for i in range(len(t) - n + 1)
    ]
    expected = sorted((r, index["e:" + g]) for r, g in grams if "e:" + g in index)
    assert got == expected


# sentence ends, wish and condition cues, negation: spans meet every case
_PIECES = ["好", "希望", "如果", "不", "没有", "应该", "。", "！", "\n", "，", "效果", "a"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=30), st.data())
def test_evidence_sentences_and_the_wish_flag_are_the_hit_based_ones(pieces, data):
    """``evidence_sentences`` and ``span_parts`` find sentences by bisecting the view's
    starts: the same spans and wish flags as ``sentence_of``, ``sentence_span`` and
    ``hypothetical`` of a Hit."""
    text = "".join(pieces)
    view = TextView(text, {})
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start, len(text)))
    coding = Coding("EVAL.X", "neutral", start, end, (), data.draw(st.sampled_from(["A", "model"])))
    if coding.rule_id == "model" or end <= start:
        want = (0, len(text))
    else:
        first = view.sentence_of(Hit(start, start + 1, ""))
        last = view.sentence_of(Hit(max(start, end - 1), max(start, end - 1) + 1, ""))
        want = (view.sentence_span(first)[0], view.sentence_span(last)[1])
    assert evidence_sentences(view, coding) == want
    span = evidence_sentences(view, coding)
    wished = TextView(text, {}).hypothetical(Hit(span[0], max(span[0] + 1, span[1]), ""))
    assert ("hyp" in span_parts(view, *span)[3]) == wished


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_the_fast_choices_are_the_argmax_of_predicts_sums(data):
    """``StanceBatch.choices`` adds each coding's weights in another order and sums again in
    ``predict``'s order only where the rounding could change the highest class; its classes
    must be ``argmax(column_sums + intercept)`` exactly, ties and near ties included."""
    from coding.hybrid.stancebatch import StanceBatch, column_sums

    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    width = data.draw(st.integers(1, 300))
    coef = rng.standard_normal((4, width)) * 10.0 ** rng.integers(-8, 4, (4, width))
    ties = ["none", "equal", "ulp", "scaled", "float32", "float32 ulp", "huge", "subnormal"]
    tie = data.draw(st.sampled_from(ties))
    if tie == "equal":  # two classes the same: the first must win, as in argmax
        coef[2] = coef[1]
    elif tie == "ulp":  # a class one rounding away from another
        coef[3] = np.nextafter(coef[0], np.inf)
    elif tie == "scaled":  # equal real sums that round differently
        coef[1] = coef[0] * 3.0 / 3.0 + 1e-17
    elif tie == "float32":  # classes apart by less than float32 tells apart
        coef[1] = coef[0] * (1.0 + rng.uniform(-1e-7, 1e-7, width))
    elif tie == "float32 ulp":  # a class one float32 rounding away from another
        coef[3] = np.nextafter(coef[0].astype(np.float32), np.float32(np.inf)).astype(np.float64)
    elif tie == "huge":  # weights beyond float32: summed in float64
        coef[2] = coef[0] * 2.0**120
    elif tie == "subnormal":  # weights float32 keeps only roughly (or as 0)
        coef[:] = coef * 1e-40
        coef[1] = coef[0] + 1e-46
    intercept = rng.standard_normal(4) * data.draw(st.sampled_from([0.0, 1e-12, 1.0]))
    if tie != "none" and data.draw(st.booleans()):
        intercept[:] = 0.0
    model = StanceWeights(
        ["mixed", "negative", "neutral", "positive"],
        [f"c:{i}" for i in range(width)],
        coef,
        intercept,
        ["EVAL"],
    )
    lengths = data.draw(st.lists(st.integers(0, min(width, 200)), min_size=1, max_size=20))
    columns = [np.sort(rng.choice(width, n, replace=False)) for n in lengths]
    rows = np.repeat(np.arange(len(lengths)), lengths)
    flat = np.concatenate(columns).astype(np.intp)
    batch = StanceBatch(model)
    expected = np.argmax(column_sums(coef, rows, flat, len(lengths)) + intercept, axis=1)
    assert batch.choices(rows, flat, len(lengths)).tolist() == expected.tolist()


def test_classes_float32_orders_otherwise_are_summed_again():
    """With e = 2**-23 (a float32 step at 1.0), the first class's weights 1 + 0.45e and
    0.45e sum to 1.0 in float32 in either order, the second's 1 + 0.6e rounds to 1 + e:
    float32 ranks the second class first, ``predict`` the first (1 + 0.9e). The bound
    must send such a coding to ``predict``'s sums."""
    from coding.hybrid.stancebatch import StanceBatch

    e = 2.0**-23
    coef = np.array([[1.0 + 0.45 * e, 0.45 * e], [1.0 + 0.6 * e, 0.0]])
    model = StanceWeights(["a", "b"], ["c:0", "c:1"], coef, np.zeros(2), ["EVAL"])
    rows, columns = np.array([0, 0, 1]), np.array([0, 1, 0])
    assert StanceBatch(model).choices(rows, columns, 2).tolist() == [0, 1]


_GRAM_PIECES = ["好", "|", "😀", "𠀀", "。", "不好", "希望", "效果", "a", "\n", "没有", "差"]
# grams just inside and just beyond the evidence's 400 characters and the neighbours' 80
_GRAM_PIECES += ["好" * 399 + "a😀", "😀" + "好" * 78 + "。", "好" * 79 + "😀", "|好" * 30]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(_GRAM_PIECES), max_size=16), min_size=1, max_size=5),
    st.data(),
)
def test_the_grams_read_from_each_units_text_are_the_spelt_ones(texts, data):
    """``StanceBatch`` looks each unit's text up once and reads each coding's evidence and
    neighbours (with the bar between them, and the 400 and 80 characters' limits) from
    it: the stances and the columns must be those of the spelt grams (``restance``),
    on a vocabulary of such grams (the bar's, beyond the plane's, of every family)."""
    from coding.hybrid.stancebatch import StanceBatch

    grams = ["好", "|", "😀", "𠀀", "。", "不", "a", "好好", "好|", "|好", "😀|", "|𠀀", "。|"]
    grams.append("|\n")
    families = ["e:", "eEVAL:", "eCOND:", "n:"]
    vocabulary = ["c:EVAL.X", "d:EVAL", *(f + g for f in families for g in grams)]
    # the named features of the span's cue words, its neighbours' and its flags: a wrong
    # span or stance read by the batch's loop changes the columns
    stances = ["positive", "negative", "neutral", "mixed"]
    vocabulary += [f"cue:{s}" for s in stances] + [f"around:EVAL|{s}" for s in stances]
    vocabulary += ["neg:EVAL", "hyp:EVAL", "neg:COND", "hyp:COND", "rule:model", "rule:rule"]
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    classes = ["mixed", "negative", "neutral", "positive"]
    model = StanceWeights(
        classes,
        vocabulary,
        rng.standard_normal((len(classes), len(vocabulary))),
        rng.standard_normal(len(classes)) * 0.1,
        ["EVAL", "COND"],
    )
    units = []
    for pieces in texts:
        text = "".join(pieces)
        codings = []
        for _ in range(data.draw(st.integers(0, 3))):
            start = data.draw(st.integers(0, len(text)))
            end = data.draw(st.integers(start, len(text)))
            code = data.draw(st.sampled_from(["EVAL.X", "COND.Y", "CA.Z"]))
            rule = data.draw(st.sampled_from(["A", "model"]))
            codings.append(Coding(code, "neutral", start, end, (), rule))
        units.append((TextView(text, {}), codings))
    one_by_one = [model.restance(TextView(v.text, {}), c) for v, c in units]

    class Seeing(StanceBatch):
        def choices(self, rows, columns, n):
            self.seen = [columns[rows == k].tolist() for k in range(n)]
            return super().choices(rows, columns, n)

        def _columns(self, texts, spans, families, named):
            self.spans = list(zip(spans[1].tolist(), spans[2].tolist(), strict=True))
            return super()._columns(texts, spans, families, named)

    batch = Seeing(model)
    assert batch.restance(units) == one_by_one
    # and each coding's columns are those of its spelt features, not only its stance
    asked = [(v, c) for v, codings in units for c in codings if not c.code_id.startswith("CA")]
    spelt = [stance_features(TextView(v.text, {}), c) for v, c in asked]
    index = model.index
    # the batch's loop finds each coding's sentences as ``evidence_sentences`` does
    assert getattr(batch, "spans", []) == [evidence_sentences(v, c) for v, c in asked]
    assert getattr(batch, "seen", []) == [
        sorted({index[f] for f in s if f in index}) for s in spelt
    ]
