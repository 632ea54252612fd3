"""Reliability gating: each coder measured against people, each dimension judged by its weakest."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coding.agree import Judged, dimension_agreement, krippendorff_alpha
from coding.codebook import load_codebook
from coding.evaluate import evaluate_gold, read_gold, read_validation
from coding.gating import (
    ALPHA_MINIMUM,
    ALPHA_RELIABLE,
    BASIS_GOLD,
    BASIS_SCOPE,
    RELIABLE,
    TENTATIVE,
    UNMEASURED,
    UNRELIABLE,
    provenance,
    validation_table,
    verdict,
)
from coding.project import SHIPPED_CODEBOOKS, VALIDATION, open_project
from coding.report.data import cluster_units

DATA = Path(__file__).parent / "data"


def test_verdicts_follow_krippendorffs_convention():
    assert verdict(ALPHA_RELIABLE) == RELIABLE and ALPHA_RELIABLE == 0.667
    assert verdict(0.6669) == TENTATIVE and verdict(ALPHA_MINIMUM) == TENTATIVE
    assert verdict(0.4999) == UNRELIABLE and verdict(-0.2) == UNRELIABLE
    assert verdict(float("nan")) == TENTATIVE  # unmeasured is never reliable


def test_pooled_alpha_matches_the_krippendorff_package():
    """Two coders' judgements of two codes on 30 units: alpha as the reference package has it."""
    kd = pytest.importorskip("krippendorff")
    book = load_codebook()
    rng = np.random.default_rng(3)
    codes = ["CA.MH", "CA.BH"]
    first, second = {}, {}
    matrix = []
    for i in range(30):
        a = {c for c in codes if rng.random() < 0.4}
        b = set(a) ^ ({codes[0]} if rng.random() < 0.2 else set())
        first[f"u{i}"], second[f"u{i}"] = Judged(frozenset(a)), Judged(frozenset(b))
        matrix.append([[float(c in a) for c in codes], [float(c in b) for c in codes]])
    table = dimension_agreement(first, second, book, bootstrap=300).set_index("dimension")
    ca = [c.id for c in book.codes.values() if c.dimension == "CA"]
    data = np.array(
        [[float(c in side[u].given) for u in sorted(first) for c in ca] for side in (first, second)]
    )
    expected = kd.alpha(reliability_data=data, level_of_measurement="nominal")
    assert table.loc["CA", "alpha"] == pytest.approx(expected)
    assert table.loc["CA", "n_units"] == 30
    assert table.loc["CA", "alpha_low"] < expected < table.loc["CA", "alpha_high"]


def test_the_interval_resamples_units_as_the_slow_way_does():
    """The vectorised bootstrap agrees with resampling units and calling krippendorff_alpha."""
    book = load_codebook()
    ca = [c.id for c in book.codes.values() if c.dimension == "CA"]
    rng = np.random.default_rng(7)
    first, second = {}, {}
    for i in range(40):
        a = {c for c in ca if rng.random() < 0.3}
        b = {c for c in ca if (c in a) != (rng.random() < 0.12)}
        first[f"u{i:02}"], second[f"u{i:02}"] = Judged(frozenset(a)), Judged(frozenset(b))
    row = dimension_agreement(first, second, book, bootstrap=2000).set_index("dimension").loc["CA"]
    units = sorted(first)
    cube = np.array(
        [[[float(c in side[u].given) for c in ca] for u in units] for side in (first, second)]
    )
    slow = []
    pick_rng = np.random.default_rng(11)
    for _ in range(400):
        pick = pick_rng.integers(0, len(units), len(units))
        slow.append(krippendorff_alpha(cube[:, pick, :].reshape(2, -1)))
    slow_low, slow_high = np.quantile(slow, [0.025, 0.975])
    assert row["alpha_low"] < row["alpha"] < row["alpha_high"]
    assert row["alpha_low"] == pytest.approx(slow_low, abs=0.05)
    assert row["alpha_high"] == pytest.approx(slow_high, abs=0.05)


def test_the_shipped_validation_is_what_evaluate_measures():
    """codebooks/validation.csv holds the rules' alpha on the held-out gold, as measured now."""
    book = load_codebook()
    shipped = read_validation(SHIPPED_CODEBOOKS / VALIDATION)
    rules = (shipped["codebook_hash"] == book.hash) & (shipped["coder"] == book.coder)
    mine = shipped[rules].set_index("dimension")
    assert len(mine) == len(book.dimensions), "run clusterqda evaluate ... --validation"
    gold = DATA / "gold" / "gold_heldout.csv"
    measured = evaluate_gold(book, read_gold(gold, book)).agreement.set_index("dimension")
    for dimension in book.dimensions:
        assert mine.loc[dimension, "alpha"] == pytest.approx(measured.loc[dimension, "alpha"])
        assert mine.loc[dimension, "n_units"] == measured.loc[dimension, "n_units"] == 166


def test_provenance_uses_the_clusters_own_double_coded_units_first(sample_project):
    book = load_codebook()
    validation = validation_table(None, SHIPPED_CODEBOOKS / VALIDATION)
    with open_project(sample_project) as store:
        lighting = provenance(store, book, cluster_units(store, "古镇灯饰"), validation)
        aluminium = provenance(store, book, cluster_units(store, "大沥铝型材"), validation)
    # 古镇: the assistants are measured on each other in-cluster; the default coder's model
    # learned from every turn they coded there (the dev gold), so it is measured on its
    # held-out validation instead, never on those turns
    rows = lighting.agreement
    hybrid = rows["coder"].str.startswith("hybrid@")
    assert hybrid.any()
    assert (rows.loc[~hybrid, "basis"] == BASIS_SCOPE).all()
    assert rows.loc[hybrid, "basis"].str.startswith(BASIS_GOLD).all()
    assert set(rows["coder"]) == set(lighting.coders["coder"])
    # the figure of a dimension is the lowest of the coders counted
    for dim in book.dimensions:
        part = rows[rows["dimension"] == dim]
        assert lighting.alpha(dim) == pytest.approx(part["alpha"].min())
    # 大沥: the default coder alone, nobody double-coded there: its held-out validation
    assert aluminium.agreement["basis"].str.startswith(BASIS_GOLD).all()
    assert aluminium.double_coded.empty


def test_a_coder_nobody_checked_is_unmeasured_and_tentative(sample_project, tmp_path):
    """A person whose units nobody else coded leaves every dimension tentative, not reliable."""
    import shutil
    import sqlite3

    project = tmp_path / "p"
    shutil.copytree(sample_project, project)
    with sqlite3.connect(project / "clusterqda.sqlite") as conn:
        for table in ("codings", "coded_units"):
            conn.execute(f"DELETE FROM {table} WHERE coder IN ('李助理', 'consensus')")
        conn.execute("DELETE FROM coders WHERE coder IN ('李助理', 'consensus')")
    book = load_codebook()
    with open_project(project) as store:
        result = provenance(
            store,
            book,
            cluster_units(store, "陈村花卉"),
            pd.DataFrame(columns=read_validation(SHIPPED_CODEBOOKS / VALIDATION).columns),
        )
    from coding.hybrid.coder import shipped_weights

    # the demo coded with the default coder (the hybrid), trusted above the rules
    assert list(result.coders["coder"]) == ["王助理", shipped_weights(book).coder]
    person = result.agreement[result.agreement["coder"] == "王助理"]
    assert person["alpha"].isna().all() and (person["basis"] == UNMEASURED).all()
    assert all(result.status(d) == TENTATIVE for d in book.dimensions)
    assert all(math.isnan(result.alpha(d)) for d in book.dimensions)


def test_the_shipped_model_s_training_turns_are_known():
    from coding.hybrid.coder import shipped_coder
    from coding.hybrid.gold import shipped_learned_units

    book = load_codebook()
    learned = shipped_learned_units(book, shipped_coder(book))
    dev = read_gold(DATA / "gold" / "gold_dev.csv", book)
    assert set(dev["id"]) <= learned  # the sample transcripts' turns it learned from
    assert not learned & set(read_gold(DATA / "gold" / "gold_heldout.csv", book)["id"])
    assert shipped_learned_units(book, "hybrid@another") == frozenset()
