"""The default coder: shipped model, reproducible training, provenance, stance."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from coding.autocode import text_coder
from coding.codebook import load_codebook
from coding.errors import ModelError
from coding.hybrid.coder import HybridCoder, find_shipped, project_coder, shipped_weights
from coding.hybrid.features import HYPOTHETICAL, NEGATED, QUESTION, ROLE, RULE, unit_features
from coding.hybrid.gold import GOLD, parse_stances, read_training_gold, sample_question
from coding.hybrid.learn import Examples, fit_weights
from coding.hybrid.weights import load_weights
from coding.project import open_project


@pytest.fixture(scope="module")
def book():
    return load_codebook()


def test_a_model_is_shipped_for_the_shipped_codebook(book):
    weights = shipped_weights(book)
    assert weights is not None and weights.codebook_hash == book.hash
    assert weights.coder == f"hybrid@{weights.version}"
    assert set(weights.codes) <= set(book.codes)
    # what the shipped model learned from never includes the held-out gold
    assert weights.made_from["units"] == sum(
        len(read_training_gold(GOLD / n, book)) for n in weights.made_from["sets"]
    )
    assert "gold_heldout.csv" not in weights.made_from["sets"]


def test_changed_weights_are_refused(book, tmp_path):
    shipped = find_shipped(book)
    copy = tmp_path / shipped.name
    shutil.copy(shipped, copy)
    coef = np.load(shipped.with_suffix(".npy"))
    coef[0, 0] += 1.0
    np.save(copy.with_suffix(".npy"), coef)
    with pytest.raises(ModelError, match="checksum"):
        load_weights(copy)


def test_an_edited_codebook_falls_back_to_the_rules(book, tmp_path):
    from pathlib import Path

    edited = tmp_path / "book.yaml"
    edited.write_text(Path(book.path).read_text(encoding="utf-8") + "\n# edited\n", "utf-8")
    other = load_codebook(edited)
    assert other.hash != book.hash
    assert text_coder(other, "hybrid").coder == other.coder  # rules@…


def _small_examples(book, rows: slice) -> Examples:
    from coding.autocode import RuleCoder
    from coding.hybrid.ship import gold_examples, training_frame

    frame = training_frame(book).iloc[rows].reset_index(drop=True)
    return gold_examples(frame, RuleCoder(book))


def _small_stance(book, rows: slice):
    from coding.autocode import RuleCoder
    from coding.hybrid.ship import stance_examples, training_frame
    from coding.hybrid.stancemodel import fit_stance

    frame = training_frame(book)
    frame = frame[frame["source"].eq("setB.csv")].iloc[rows].reset_index(drop=True)
    return fit_stance(stance_examples(frame, RuleCoder(book)), folds=3)


def test_training_is_reproducible(book, tmp_path):
    examples = _small_examples(book, slice(0, 260))
    stance = _small_stance(book, slice(0, 200))
    first = fit_weights(examples, book, stance=stance)
    second = fit_weights(examples, book, stance=_small_stance(book, slice(0, 200)))
    assert first.version == second.version
    # the stance model is part of what the id is a hash of
    assert first.made_from["stance"] == stance.digest()
    a, b = first.save(tmp_path / "a"), second.save(tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    assert a.with_suffix(".npy").read_bytes() == b.with_suffix(".npy").read_bytes()
    # the integer tables are saved beside the model, the same bytes, and load as its own
    assert a.with_suffix(".tables.npy").read_bytes() == b.with_suffix(".tables.npy").read_bytes()
    assert load_weights(a).tables is not None
    # other data, another id
    assert fit_weights(_small_examples(book, slice(0, 250)), book).version != first.version
    loaded = load_weights(a)
    probe = examples.features[:5]
    assert np.allclose(loaded.predict_proba(probe), first.predict_proba(probe))


def test_features_mark_negation_wishes_question_role_and_rules(book):
    coder = HybridCoder(book, shipped_weights(book))
    view, codings = coder.rules.code_view("我们从来没有跟别的厂合作过。如果政府牵头就好了。")
    features = unit_features(view, codings, "你们合作过吗？", "ACT.FIRM")
    assert NEGATED + "合作" in features and HYPOTHETICAL + "牵头" in features
    assert NEGATED + "牵头" not in features  # the wish is not negated
    assert QUESTION + "合作" in features and ROLE + "ACT.FIRM" in features
    assert RULE + "AGENCY.WILL" in features


def test_questions_of_sample_units_come_from_the_transcripts():
    # aluminium-01's first interviewee turn (#2) follows the interviewer's opening (#1)
    assert sample_question("aluminium-01#2").startswith("梁科长，今天主要想请您谈一谈")
    assert sample_question("dev2-001") == ""


@pytest.mark.parametrize(
    ("codes", "stances", "expected"),
    [
        (
            "CA.MH;EVAL.SUCCESS",
            "neutral;positive",
            {"CA.MH": "neutral", "EVAL.SUCCESS": "positive"},
        ),
        ("CA.MH;EVAL.SUCCESS", "EVAL.SUCCESS:positive", {"EVAL.SUCCESS": "positive"}),
        ("CA.MH", "", {}),
    ],
)
def test_stance_cells(codes, stances, expected):
    assert parse_stances(codes, stances) == expected


@pytest.mark.parametrize(
    ("text", "code", "stance"),
    [
        ("小厂自己搞不起。", "AGENCY.CAPACITY", "negative"),
        ("没什么合作，各扫门前雪。", "EVAL.TOOLITTLE", "negative"),
        ("那个展会后来再没开过。", "EVAL.FAILURE", "negative"),
        ("如果政府牵头就好了。", "EVAL.TOOLITTLE", "negative"),  # a wish that says: too little
    ],
)
def test_the_default_coder_gets_plain_negative_stances(book, text, code, stance):
    coded = {c.code_id: c for c in text_coder(book, "hybrid").code_text(text)}
    assert coded[code].stance == stance


def test_projects_store_rules_and_hybrid_with_provenance(sample_project, tmp_path, book):
    root = tmp_path / "proj"
    shutil.copytree(sample_project, root)
    weights = shipped_weights(book)
    with open_project(root) as store:
        assert project_coder(store, book) == weights.coder  # the demo used the default coder
        assert store.count_uncoded(book.coder) == 0  # and stored the rules' codings too
        hybrid = store.codings(weights.coder)
        rules = store.codings(book.coder)
    by_model = hybrid[hybrid["rule_id"] == "model"]
    assert len(by_model) > 0
    assert by_model["start"].isna().all() and by_model["probability"].notna().all()
    for row in by_model.itertuples():
        assert row.probability >= weights.thresholds[row.code_id]
        assert weights.policy[row.code_id] in ("union", "model")
    # every code the rules decide alone is the rules' coding, evidence and all
    ruled = hybrid[~hybrid["code_id"].map(lambda c: weights.policy.get(c, "rules") != "rules")]
    key = ["unit_id", "code_id", "start", "end", "stance"]
    mine = rules[~rules["code_id"].map(lambda c: weights.policy.get(c, "rules") != "rules")]

    def keyed(frame):
        # the learned stance decides COND, EVAL and AGENCY codings' stance, not the rules
        frame = frame.astype({"start": int, "end": int})
        learned = frame["code_id"].str.split(".").str[0].isin(weights.stance.dimensions)
        frame = frame.assign(stance=frame["stance"].where(~learned, "learned"))
        return sorted(map(tuple, frame[key].values))

    assert keyed(ruled) == keyed(mine)


def test_stance_accuracy_counts_only_codes_both_gave():
    from coding.metrics import stance_accuracy

    truth = [{"EVAL.FAILURE": "negative", "CA.MH": "neutral"}, {"EVAL.SUCCESS": "positive"}]
    coded = [{"EVAL.FAILURE": "negative", "CA.MH": "positive"}, {"CA.BH": "neutral"}]
    table = stance_accuracy(truth, coded).set_index("dimension")
    # by hand: EVAL 1 of 1 right (EVAL.SUCCESS was not coded), CA 0 of 1, all 1 of 2
    assert table.loc["EVAL", ["n", "correct"]].tolist() == [1, 1]
    assert table.loc["CA", ["n", "correct"]].tolist() == [1, 0]
    assert table.loc["all", "accuracy"] == 0.5
