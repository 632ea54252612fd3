"""Model-assisted coding: the estimator contract, training against the rules, suggestions."""

import shutil

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from coding.agree import project_agreement
from coding.codebook import load_codebook
from coding.project import open_project
from coding.suggest import (
    CodeSuggester,
    ModelError,
    interview_halves,
    learning_curve,
    load_model,
    per_code_summary,
    suggest,
    train,
    training_data,
)

TEXTS = [
    "我们商会去年组织大家一起去广交会参展",
    "商会牵头搞了联合采购，成本降了不少",
    "政府给了补贴，我们就去参加展会了",
    "行业协会定了标准，大家都按标准做",
    "协会出面跟政府谈土地的事情",
    "这个没什么好说的，生意一般",
    "价格战打得很厉害，谁也不信谁",
    "我们自己做自己的，不跟别人合作",
] * 3
CODES = [
    {"ACT.ASSOC", "FORM.FAIR"},
    {"ACT.ASSOC"},
    {"ACT.GOV", "FORM.FAIR"},
    {"ACT.ASSOC"},
    {"ACT.ASSOC", "ACT.GOV"},
    set(),
    set(),
    set(),
] * 3


def test_estimator_contract():
    model = CodeSuggester(min_examples=5, C=2.0)
    assert model.get_params() == {"min_examples": 5, "C": 2.0, "random_state": 0, "n_jobs": None}
    assert not hasattr(model, "classes_")  # the constructor stores parameters only
    with pytest.raises(NotFittedError):
        model.predict_proba(["商会"])
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    assert model.fit(TEXTS, CODES) is model
    # ACT.GOV has 6 examples, FORM.FAIR 6, ACT.ASSOC 12; min_examples=7 drops two
    assert model.classes_ == ["ACT.ASSOC", "ACT.GOV", "FORM.FAIR"]
    assert CodeSuggester(min_examples=7).fit(TEXTS, CODES).classes_ == ["ACT.ASSOC"]
    proba = model.predict_proba(["商会组织大家参展", "价格战，谁也不信谁"])
    assert proba.shape == (2, 3) and ((proba >= 0) & (proba <= 1)).all()
    assert proba[0, 0] > proba[1, 0]  # a new sentence about the chamber, not about price wars
    assert model.predict(["商会组织大家参展"], threshold=0.0) == [set(model.classes_)]
    assert model.predict(["商会组织大家参展"], threshold={}) == [set()]
    with pytest.raises(ValueError, match="at least 2"):
        CodeSuggester(min_examples=1).fit(TEXTS, CODES)
    with pytest.raises(ValueError, match="differ in length"):
        clone(model).fit(TEXTS, CODES[:-1])


def test_tokens_and_strings_give_the_same_features():
    tokens = [["商会", "组织", "参展"], ["价格战", "厉害"]]
    model = CodeSuggester(min_examples=5).fit(TEXTS, CODES)
    joined = model.predict_proba(["商会组织参展", "价格战厉害"])
    assert np.allclose(model.predict_proba(tokens), joined, atol=0.2)


@pytest.fixture(scope="module")
def trained(sample_project, tmp_path_factory):
    root = tmp_path_factory.mktemp("model") / "proj"
    shutil.copytree(sample_project, root)  # the shared sample project stays model-free
    book = load_codebook(root / "codebooks" / "collective_action.yaml")
    with open_project(root) as store:
        result = train(store, book, ["consensus", "human"], folds=3)
    return root, book, result


def test_training_scores_model_rules_and_hybrid_on_the_same_units(trained):
    root, book, result = trained
    table = result.per_code
    assert set(table["coder"]) == {"rules", "model", "hybrid"}
    with open_project(root) as store:
        human = store.codings(result.coder)
        assert result.units == len(store.coded_units(result.coder))
    support = human.groupby("code_id")["unit_id"].nunique()
    for coder, rows in table.groupby("coder"):
        rows = rows.set_index("code_id")
        # every coder is scored against the same human codes
        assert (rows["tp"] + rows["fn"]).to_dict() == support.to_dict(), coder
    # the hybrid only adds to the rules, so its recall is never lower
    pooled = result.per_dimension.set_index(["dimension", "coder"])
    assert pooled.loc[("all", "hybrid"), "recall"] >= pooled.loc[("all", "rules"), "recall"]
    assert all(support[c] >= 8 for c in result.learned)
    summary = per_code_summary(result).set_index("code_id")
    assert summary["examples"].to_dict() == support.to_dict()
    assert (summary["learned"] == (summary["examples"] >= 8)).all()
    assert summary["threshold"].dropna().between(0, 1).all()


def test_suggestions_are_stored_with_probabilities(trained):
    root, book, result = trained
    with open_project(root) as store:
        report = suggest(store, book)
        coder, stored = report.coder, report.codings
        assert coder == f"model@{result.version}" and stored > 0
        rows = store.conn.execute(
            "SELECT code_id, probability FROM codings WHERE coder = ?", (coder,)
        ).fetchall()
        assert len(rows) == stored
        assert {c for c, _ in rows} <= set(result.learned)
        assert all(0.5 <= p <= 1 for _, p in rows)
        assert coder in store.coders()
        # the hybrid, when stored, is the rules' codings plus model codes
        rules = set(store.coded_pairs(book.coder))
        pooled = result.per_dimension.set_index(["dimension", "coder"])["f1"]
        better = pooled["all", "hybrid"] > max(pooled["all", "rules"], pooled["all", "model"])
        assert (report.hybrid is not None) == better
        if report.hybrid:
            hybrid = set(store.coded_pairs(report.hybrid))
            looked_at = set(store.coded_units(report.hybrid))
            assert len(looked_at) == report.units
            assert {p for p in rules if p[0] in looked_at} <= hybrid
            assert all(c in result.learned for u, c in hybrid - rules)
        # the model is compared with people like any coder
        per_code, _, _ = project_agreement(store, book, [result.coder, coder], bootstrap=0)
        assert not per_code.empty
        # a changed blob is refused rather than unpickled
        # (the copied demo project holds the demo's model too: touch only this one)
        version = result.version
        (blob,) = store.conn.execute(
            "SELECT blob FROM models WHERE version = ?", (version,)
        ).fetchone()
        store.conn.execute(
            "UPDATE models SET blob = substr(blob, 1, length(blob) - 1) WHERE version = ?",
            (version,),
        )
        with pytest.raises(ModelError, match="corrupt"):
            load_model(store, book)
        store.conn.execute("UPDATE models SET blob = ? WHERE version = ?", (blob, version))
        assert load_model(store, book).version == result.version


def test_no_human_codings_is_a_clear_error(tmp_path):
    from typer.testing import CliRunner

    from cli import app

    CliRunner().invoke(app, ["init", str(tmp_path)])
    result = CliRunner().invoke(app, ["model", "train", "--project", str(tmp_path)])
    assert result.exit_code == 1
    assert "no units coded by consensus or human" in result.output
    result = CliRunner().invoke(app, ["model", "suggest", "--project", str(tmp_path)])
    assert result.exit_code == 1 and "model train" in result.output


def test_learning_curve_scores_every_size_on_the_same_held_out_half(trained):
    root, book, result = trained
    with open_project(root) as store:
        data = training_data(store, book, [result.coder])
    curve, per_dimension = learning_curve(data, steps=2)
    order, half = interview_halves(data.unit_ids)
    assert int(curve["training_units"].max()) == half
    learned = {data.unit_ids[i].split("#")[0] for i in order[:half]}
    tested = {data.unit_ids[i].split("#")[0] for i in order[half:]}
    assert learned and tested and not learned & tested  # no interview on both sides
    assert sorted(order) == list(range(len(data.texts)))
    assert sorted(set(curve["training_units"])) == [round(half / 2), half]
    assert set(curve["test_units"]) == {len(data.texts) - half}
    rules = curve[curve["coder"] == "rules"]["f1"]
    assert rules.nunique() == 1  # rules do not learn: same units, same score
    assert set(per_dimension["coder"]) == {"rules", "model", "hybrid"}


def test_sheet_in_uncertainty_order_puts_the_least_sure_units_first(trained, tmp_path):
    from openpyxl import load_workbook

    from coding.sheets import SHEET_CODING, export_coding_sheet
    from coding.suggest import uncertainty, uncertainty_order

    root, book, _ = trained
    with open_project(root) as store:
        exported = export_coding_sheet(
            store, book, "li", tmp_path / "li.xlsx", order=uncertainty_order(store, book)
        )
        sheet = load_workbook(tmp_path / "li.xlsx", read_only=True)[SHEET_CODING]
        ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
        scores = uncertainty(store, book, ids)
        assert len(set(ids)) == len(ids) == exported.units  # every interviewee turn, once
        assert (scores[:-1] >= scores[1:]).all() and scores[0] > scores[-1]


def test_uncertainty_order_needs_a_trained_model(sample_project, tmp_path):
    from coding.sheets import export_coding_sheet
    from coding.suggest import uncertainty_order

    root = tmp_path / "proj"
    shutil.copytree(sample_project, root)
    book = load_codebook(root / "codebooks" / "collective_action.yaml")
    with open_project(root) as store:
        store.conn.execute("DELETE FROM models")  # the demo trains one; forget it
        with pytest.raises(ModelError, match="model train"):
            export_coding_sheet(
                store, book, "li", tmp_path / "li.xlsx", order=uncertainty_order(store, book)
            )


def test_units_count_only_for_the_codes_their_sheet_judged():
    from coding.metrics import code_counts
    from coding.suggest import TrainingData

    # a text is no negative example for a code its coder never looked at
    only_act_assoc = [None if "ACT.GOV" in c else frozenset({"ACT.ASSOC"}) for c in CODES]
    model = CodeSuggester(min_examples=5).fit(TEXTS, CODES)
    narrowed = CodeSuggester(min_examples=5).fit(TEXTS, CODES, judged=only_act_assoc)
    assert "ACT.GOV" in model.classes_ and "ACT.GOV" not in narrowed.classes_
    # nor is a rule's code outside the sheet a false positive
    data = TrainingData(
        ["a", "b"],
        ["x", "y"],
        [{"CA.BH"}, set()],
        [{"CA.BH", "ACT.GOV"}, {"ACT.GOV"}],
        "li",
        "",
        [frozenset({"CA.BH"}), None],
    )
    scored = code_counts(data.codes, data.rules, ["CA.BH", "ACT.GOV"], data.scope()).set_index(
        "code_id"
    )
    assert scored.loc["ACT.GOV", "fp"] == 1 and scored.loc["CA.BH", "tp"] == 1


def test_the_same_data_give_the_same_model_version(trained):
    root, book, result = trained
    with open_project(root) as store:
        again = train(store, book, ["consensus", "human"], folds=3)
        assert again.version == result.version
        assert load_model(store, book).version == result.version


def test_f1_difference_is_micro_f1_minus_micro_f1_with_an_interval_around_it():
    from coding.metrics import f1_difference

    truth = [{"A"}, {"A", "B"}, set(), {"C"}] * 5
    perfect = [set(t) for t in truth]
    # by hand per 4 units: tp 1 (the A of unit 2), wrong 4 (A, B, C missed; D extra) -> 2/(2+4)
    weaker = [set(), {"A"}, {"D"}, set()] * 5
    diff, low, high = f1_difference(truth, perfect, weaker, resamples=999)
    assert diff == pytest.approx(1 - 2 / 6)
    assert low <= diff <= high


def test_a_project_model_is_never_measured_on_the_units_it_learned_from(trained, tmp_path):
    # gating: agreement with the people the model was trained on would measure nothing
    import json

    from coding.gating import (
        BASIS_SCOPE,
        project_learned_units,
        provenance,
        validation_table,
    )
    from coding.hybrid.coder import shipped_coder
    from coding.project import SHIPPED_CODEBOOKS, VALIDATION
    from coding.report.data import cluster_units

    root, book, result = trained
    project = tmp_path / "proj"
    shutil.copytree(root, project)
    with open_project(project) as store:
        report = suggest(store, book)
        with store.transaction():  # the shipped default coder out of the way: the model counts
            store.conn.execute("DELETE FROM codings WHERE coder = ?", (shipped_coder(book),))
            store.conn.execute("DELETE FROM coded_units WHERE coder = ?", (shipped_coder(book),))
        learned = project_learned_units(store, report.coder)
        assert learned == set(store.coded_units(result.coder)) and len(learned) == result.units
        assert project_learned_units(store, "model@unknown") == frozenset()
        validation = validation_table(None, SHIPPED_CODEBOOKS / VALIDATION)
        scope = cluster_units(store, "古镇灯饰")
        gated = provenance(store, book, scope, validation)
        people = set().union(*(store.coded_units(p) for p in ("王助理", "李助理", "consensus")))
        checked = people & set(scope["unit_id"])
        rows = gated.agreement[gated.agreement["coder"] == report.coder]
        assert len(rows) == len(book.dimensions)
        assert checked & learned  # the model learned from some of this cluster's turns...
        # ...and is measured on the others only
        assert (rows["basis"] == BASIS_SCOPE).all()
        assert (rows["n_units"] <= len(checked - learned)).all()
        # a model stored before the ids were kept: every unit its training coder coded
        with store.transaction():
            store.conn.execute(
                "UPDATE models SET training = ? WHERE version = ?",
                (json.dumps({"coder": result.coder, "units": result.units}), result.version),
            )
        assert project_learned_units(store, report.coder) == learned
