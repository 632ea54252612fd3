"""Inter-coder agreement: percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha.

All statistics take reliability data as a coders x units array (``numpy.nan``
for a missing judgement) or a long table ``unit, coder, value``, and return
full precision; only the CLI and reports round. The unit of agreement is the
coded unit (a turn or an answer), never characters.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import suppress
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coding.errors import AgreementError

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def reliability_matrix(long: pd.DataFrame) -> tuple[np.ndarray, list, list]:
    """Turn a long ``unit, coder, value`` table into a coders x units array."""
    missing = {"unit", "coder", "value"} - set(long.columns)
    if missing:
        raise AgreementError(
            f"reliability data needs the columns unit, coder, value; missing: "
            f"{', '.join(sorted(missing))}"
        )
    duplicated = long.duplicated(["unit", "coder"])
    if duplicated.any():
        first = long[duplicated].iloc[0]
        raise AgreementError(
            f"coder '{first['coder']}' judged unit '{first['unit']}' more than once"
        )
    wide = long.pivot(index="coder", columns="unit", values="value")
    return wide.to_numpy(dtype=float), list(wide.index), list(wide.columns)


def _pairable(data: np.ndarray) -> np.ndarray:
    """Keep the units that at least two coders judged."""
    return data[:, (~np.isnan(data)).sum(axis=0) >= 2]


def _delta(values: np.ndarray, counts: np.ndarray, level: str) -> np.ndarray:
    """Return the squared difference function between every pair of values."""
    c, k = np.meshgrid(values, values, indexing="ij")
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        total = c + k
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(total == 0, 0.0, ((c - k) / total) ** 2)
        return out
    if level == "ordinal":
        cumulative = np.cumsum(counts)
        index = np.arange(len(values))
        i, j = np.meshgrid(index, index, indexing="ij")
        lo, hi = np.minimum(i, j), np.maximum(i, j)
        between = cumulative[hi] - np.where(lo > 0, cumulative[lo - 1], 0)
        return (between - (counts[i] + counts[j]) / 2) ** 2
    raise AgreementError(f"unknown level '{level}'; use one of {', '.join(LEVELS)}")


def coincidences(data: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Return the coincidence matrix of pairable units (all units judged at least twice)."""
    # units x values table of how many coders gave each value
    counts = np.stack([(data == v).sum(axis=0) for v in values], axis=1).astype(float)
    m = counts.sum(axis=1)
    pairs = counts[:, :, None] * counts[:, None, :]
    pairs[:, np.arange(len(values)), np.arange(len(values))] -= counts
    return (pairs / (m - 1)[:, None, None]).sum(axis=0)


def krippendorff_alpha(data: np.ndarray, level: str = "nominal") -> float:
    """Return Krippendorff's alpha for a coders x units array with NaN for missing.

    Formula: alpha = 1 - (n - 1) * sum(o_ck * d_ck) / sum(n_c * n_k * d_ck), from
    the coincidence matrix o (Krippendorff 2011, "Computing Krippendorff's
    Alpha-Reliability"). Example: that paper's 4 coders x 12 units data give
    0.743 (nominal), 0.815 (ordinal), 0.849 (interval), 0.797 (ratio).

    Without variation (every pairable judgement the same value, so the expected
    disagreement sum(n_c * n_k * d_ck) is 0) alpha is 0/0: undefined, and NaN is
    returned, not 1. Coders who never use a code have not shown that they
    agree on it. The ``krippendorff`` package refuses such data ("There has to
    be more than one value in the domain").
    """
    data = _pairable(np.asarray(data, dtype=float))
    if data.shape[1] == 0:
        raise AgreementError("no unit was judged by two coders or more")
    values = np.unique(data[~np.isnan(data)])
    if len(values) == 1:
        return float("nan")  # no variation: agreement is undefined
    coincidence = coincidences(data, values)
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    delta = _delta(values, n_c, level)
    expected = (np.outer(n_c, n_c) * delta).sum()
    if expected == 0:
        return float("nan")
    return float(1 - (n - 1) * (coincidence * delta).sum() / expected)


def percent_agreement(data: np.ndarray) -> float:
    """Return the share of agreeing coder pairs, averaged over units with two judgements or more.

    With two coders this is the share of units on which they agree.
    """
    data = _pairable(np.asarray(data, dtype=float))
    if data.shape[1] == 0:
        raise AgreementError("no unit was judged by two coders or more")
    shares = []
    for column in data.T:
        present = column[~np.isnan(column)]
        _, counts = np.unique(present, return_counts=True)
        m = len(present)
        shares.append((counts * (counts - 1)).sum() / (m * (m - 1)))
    return float(np.mean(shares))


def cohen_kappa(first: Sequence, second: Sequence) -> float:
    """Return Cohen's kappa for two coders' judgements of the same units.

    kappa = (p_o - p_e) / (1 - p_e) (Cohen 1960). Example (Wikipedia, "Cohen's
    kappa"): 50 proposals, 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no give 0.4.
    With one label only (p_e = 1) kappa is 0/0 and NaN is returned, as
    scikit-learn's ``cohen_kappa_score`` does.
    """
    a, b = np.asarray(first), np.asarray(second)
    if len(a) != len(b) or len(a) == 0:
        raise AgreementError("Cohen's kappa needs two equally long, non-empty lists")
    labels = np.unique(np.concatenate([a, b]))
    p_o = float(np.mean(a == b))
    p_e = float(sum(np.mean(a == v) * np.mean(b == v) for v in labels))
    if p_e == 1:
        return float("nan")  # no variation: agreement is undefined
    return (p_o - p_e) / (1 - p_e)


def fleiss_kappa(counts: np.ndarray) -> float:
    """Return Fleiss' kappa from a units x categories table of rating counts.

    Every unit must have the same number of ratings (Fleiss 1971). Example
    (Wikipedia, "Fleiss' kappa"): 10 subjects rated by 14 raters into 5
    categories give 0.210. With one category only (P_e = 1) kappa is 0/0 and
    NaN is returned.
    """
    counts = np.asarray(counts, dtype=float)
    raters = counts.sum(axis=1)
    if len(counts) == 0 or not np.all(raters == raters[0]) or raters[0] < 2:
        raise AgreementError(
            "Fleiss' kappa needs the same number (two or more) of ratings for every unit"
        )
    n = raters[0]
    p_j = counts.sum(axis=0) / counts.sum()
    p_i = ((counts * (counts - 1)).sum(axis=1)) / (n * (n - 1))
    p_bar, p_e = p_i.mean(), (p_j**2).sum()
    if p_e == 1:
        return float("nan")  # no variation: agreement is undefined
    return float((p_bar - p_e) / (1 - p_e))


def bootstrap_alpha(
    data: np.ndarray,
    level: str = "nominal",
    samples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Return a percentile bootstrap confidence interval for alpha, resampling units.

    Samples without variation (alpha undefined) are left out rather than counted
    as perfect agreement.
    """
    data = _pairable(np.asarray(data, dtype=float))
    rng = np.random.default_rng(seed)
    n = data.shape[1]
    estimates = []
    for _ in range(samples):
        sample = data[:, rng.integers(0, n, n)]
        try:
            estimate = krippendorff_alpha(sample, level)
        except AgreementError:
            continue
        if not np.isnan(estimate):
            estimates.append(estimate)
    if not estimates:
        raise AgreementError("no bootstrap sample could be scored")
    tail = (1 - confidence) / 2
    low, high = np.quantile(estimates, [tail, 1 - tail])
    return float(low), float(high)


def values_reliability(long: pd.DataFrame, level: str = "nominal") -> pd.DataFrame:
    """Score a long ``unit, coder, value`` table; return rows ``metric, value``.

    Always ``krippendorff_alpha``, ``percent_agreement``, ``n_units``,
    ``n_coders``; ``cohen_kappa`` with exactly two coders (units both judged);
    ``fleiss_kappa`` when every unit has the same number of judgements.
    """
    if level not in LEVELS:
        raise AgreementError(f"unknown level '{level}'; use one of {', '.join(LEVELS)}")
    data, coders, units = reliability_matrix(long)
    rows = [
        ("krippendorff_alpha", krippendorff_alpha(data, level)),
        ("percent_agreement", percent_agreement(data)),
        ("n_units", float(_pairable(data).shape[1])),
        ("n_coders", float(len(coders))),
    ]
    if len(coders) == 2:
        both = ~np.isnan(data).any(axis=0)
        if both.any():
            rows.append(("cohen_kappa", cohen_kappa(data[0, both], data[1, both])))
    judged = (~np.isnan(data)).sum(axis=0)
    if len(set(judged)) == 1 and judged[0] >= 2:
        values = np.unique(data[~np.isnan(data)])
        counts = np.stack([(data == v).sum(axis=0) for v in values], axis=1)
        rows.append(("fleiss_kappa", fleiss_kappa(counts)))
    return pd.DataFrame(rows, columns=["metric", "value"])


# agreement between the coders of a project ---------------------------------


def project_agreement(
    store,
    codebook,
    coders: list[str] | None = None,
    dimensions: list[str] | None = None,
    bootstrap: int = 500,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Compare coders on every code, over the units at least two of them looked at.

    A coder's judgement of a unit is 1 if it gave the code and 0 if it looked
    at the unit without giving it; units it never looked at are missing.
    Returns (per_code, per_dimension, disagreements). ``per_code`` columns:
    ``dimension, code_id, n_units, percent_agreement, cohen_kappa,
    fleiss_kappa, alpha, alpha_low, alpha_high, note``. ``per_dimension`` pools
    the (unit, code) judgements of a dimension: ``dimension, n_judgements,
    percent_agreement, alpha, note``. ``disagreements``: ``unit_id, code_id``
    and one column per coder. Where the judgements do not vary (no coder used
    the code, or every coder gave it to every unit) alpha and the kappas are
    undefined: NaN, and ``note`` says why; otherwise ``note`` is empty.
    """
    coders = coders or store.coders()
    if len(coders) < 2:
        raise AgreementError(
            f"agreement needs two coders or more; this project has {', '.join(coders) or 'none'}"
        )
    looked = {c: store.coded_units(c) for c in coders}
    unknown = [c for c in coders if not looked[c]]
    if unknown:
        raise AgreementError(f"coder {unknown[0]} has coded no unit in this project")
    units = sorted(
        u for u in set().union(*looked.values()) if sum(u in looked[c] for c in coders) >= 2
    )
    if not units:
        raise AgreementError(f"coders {', '.join(coders)} have no unit in common")
    position = {u: i for i, u in enumerate(units)}
    codes = codebook.select(dimensions)
    given: dict[str, np.ndarray] = {}
    for code in codes:
        data = np.full((len(coders), len(units)), np.nan)
        for i, coder in enumerate(coders):
            judged = [
                position[u]
                for u, scope in looked[coder].items()
                if u in position and (scope is None or code.id in scope)
            ]
            data[i, judged] = 0.0
        given[code.id] = data
    for i, coder in enumerate(coders):
        frame = store.codings(coder)
        for unit_id, code_id in zip(frame["unit_id"], frame["code_id"], strict=True):
            if code_id in given and unit_id in position:
                row = given[code_id][i]
                if not np.isnan(row[position[unit_id]]):  # a code outside its sheet stays unseen
                    row[position[unit_id]] = 1.0
    rows, disagreements = [], []
    for code in codes:
        data = given[code.id]
        if _pairable(data).shape[1] == 0:
            continue  # no two coders judged this code on the same unit
        all_judged = ~np.isnan(data).any(axis=0)
        alpha = krippendorff_alpha(data)
        note = _no_variation(data, len(coders))
        low, high = np.nan, np.nan
        if bootstrap and not note:
            with suppress(AgreementError):  # every resample lacked variation: no interval
                low, high = bootstrap_alpha(data, samples=bootstrap)
        kappa = np.nan
        if len(coders) == 2:
            both = all_judged
            kappa = cohen_kappa(data[0, both], data[1, both]) if both.any() else np.nan
        fleiss = np.nan
        if all_judged.any():
            full = data[:, all_judged]
            counts = np.stack([(full == 0).sum(axis=0), (full == 1).sum(axis=0)], axis=1)
            fleiss = fleiss_kappa(counts)
        rows.append(
            (
                code.dimension,
                code.id,
                len(units),
                percent_agreement(data),
                kappa,
                fleiss,
                alpha,
                low,
                high,
                note,
            )
        )
        for j in np.flatnonzero(np.nanmax(data, axis=0) != np.nanmin(data, axis=0)):
            disagreements.append((units[j], code.id, *data[:, j]))
    per_code = pd.DataFrame(
        rows,
        columns=[
            "dimension",
            "code_id",
            "n_units",
            "percent_agreement",
            "cohen_kappa",
            "fleiss_kappa",
            "alpha",
            "alpha_low",
            "alpha_high",
            "note",
        ],
    )
    summary = []
    scored = set(per_code["code_id"])
    for dimension in dict.fromkeys(c.dimension for c in codes if c.id in scored):
        pooled = np.hstack(
            [given[c.id] for c in codes if c.dimension == dimension and c.id in scored]
        )
        summary.append(
            (
                dimension,
                pooled.shape[1],
                percent_agreement(pooled),
                krippendorff_alpha(pooled),
                _no_variation(pooled, len(coders)),
            )
        )
    per_dimension = pd.DataFrame(
        summary, columns=["dimension", "n_judgements", "percent_agreement", "alpha", "note"]
    )
    frame = pd.DataFrame(disagreements, columns=["unit_id", "code_id", *coders])
    for coder in coders:
        frame[coder] = frame[coder].map({1.0: "coded", 0.0: "not coded"}).fillna("not seen")
    return per_code, per_dimension, frame


def _no_variation(data: np.ndarray, coders: int) -> str:
    """Say why agreement is undefined when every pairable judgement is the same, else ''."""
    values = np.unique(_pairable(data)[~np.isnan(_pairable(data))])
    if len(values) != 1:
        return ""
    who = "neither coder" if coders == 2 else "no coder"
    if values[0] == 0:
        return f"no variation: {who} used this code; agreement undefined"
    return "no variation: every coder gave this code to every unit; agreement undefined"


def read_values(path) -> pd.DataFrame:
    """Read a long reliability table (CSV or xlsx) with columns unit, coder, value."""
    from coding.common.tables import read_table

    frame = read_table(path, required=["unit", "coder", "value"])
    frame = frame[frame["value"].astype(str).str.strip() != ""]
    try:
        frame["value"] = pd.to_numeric(frame["value"])
    except ValueError:
        # categories given as text: nominal codes for each distinct label
        labels = {v: i for i, v in enumerate(sorted(frame["value"].unique()))}
        frame["value"] = frame["value"].map(labels)
    return frame[["unit", "coder", "value"]]


# one coder against another on a set of units, pooled per dimension ---------------------


@dataclass(frozen=True)
class Judged:
    """What one coder did with one unit: the codes it gave, and the codes it judged (None: all)."""

    given: frozenset[str]
    scope: frozenset[str] | None = None


def judgements(store, coder: str, units: Collection[str] | None = None) -> dict[str, Judged]:
    """Return a coder's judgements of the units it looked at (of ``units`` only, when given)."""
    looked = store.coded_units(coder)
    if units is not None:
        keep = set(units)
        looked = {u: s for u, s in looked.items() if u in keep}
    given: dict[str, set[str]] = {u: set() for u in looked}
    frame = store.codings(coder)
    for unit_id, code_id in zip(frame["unit_id"], frame["code_id"], strict=True):
        if unit_id in given:
            given[unit_id].add(code_id)
    return {u: Judged(frozenset(given[u]), looked[u]) for u in looked}


def dimension_agreement(
    first: dict[str, Judged],
    second: dict[str, Judged],
    codebook,
    bootstrap: int = 500,
    seed: int = 0,
) -> pd.DataFrame:
    """Krippendorff's alpha of two coders per dimension, over the units both judged.

    Each (unit, code) pair both coders judged is one presence judgement (1 given,
    0 not); a dimension pools its codes. The interval resamples *units* (all of a
    unit's judgements together), since judgements of one unit are not independent.
    Columns: ``dimension, n_units, n_judgements, alpha, alpha_low, alpha_high, note``.
    """
    units = sorted(set(first) & set(second))
    rows = []
    for dimension in codebook.dimensions:
        codes = [c.id for c in codebook.codes.values() if c.dimension == dimension]
        if not units or not codes:
            rows.append((dimension, 0, 0, np.nan, np.nan, np.nan, "no unit coded by both"))
            continue
        data = np.full((2, len(units), len(codes)), np.nan)
        for i, judged in enumerate((first, second)):
            for j, unit in enumerate(units):
                mine = judged[unit]
                for k, code in enumerate(codes):
                    if mine.scope is None or code in mine.scope:
                        data[i, j, k] = float(code in mine.given)
        both = ~np.isnan(data).any(axis=0)
        n_units = int(both.any(axis=1).sum())
        flat = data.reshape(2, -1)
        if n_units == 0:
            rows.append((dimension, 0, 0, np.nan, np.nan, np.nan, "no unit coded by both"))
            continue
        note = _no_variation(flat, 2)
        alpha = krippendorff_alpha(flat)
        low = high = np.nan
        if bootstrap and not note:
            low, high = _binary_interval(data, bootstrap, seed)
        rows.append((dimension, n_units, int(both.sum()), alpha, low, high, note))
    return pd.DataFrame(
        rows,
        columns=[
            "dimension",
            "n_units",
            "n_judgements",
            "alpha",
            "alpha_low",
            "alpha_high",
            "note",
        ],
    )


def _binary_interval(data: np.ndarray, samples: int, seed: int) -> tuple[float, float]:
    """95% percentile interval of alpha for two coders' 0/1 judgements, resampling units.

    ``data`` is coders (2) x units x codes with NaN for unjudged. With two
    coders and two values the coincidence matrix reduces to counts, so that
    alpha = 1 - (n - 1) * D / (n_0 * n_1), where D is the number of disagreeing
    pairs and n_c the number of judgements of value c in pairable pairs; a
    resample's figures are weighted sums of each unit's, so every resample is
    one matrix product instead of a loop (``test_agree_stats`` checks it
    against ``krippendorff_alpha``).
    """
    both = ~np.isnan(data).any(axis=0)  # units x codes judged by both
    first, second = np.nan_to_num(data[0]), np.nan_to_num(data[1])
    disagree = ((first != second) & both).sum(axis=1).astype(float)
    ones = ((first + second) * both).sum(axis=1).astype(float)
    total = 2.0 * both.sum(axis=1)
    rng = np.random.default_rng(seed)
    units = data.shape[1]
    weights = rng.multinomial(units, np.full(units, 1 / units), size=samples).astype(float)
    d, n1, n = weights @ disagree, weights @ ones, weights @ total
    n0 = n - n1
    with np.errstate(invalid="ignore", divide="ignore"):
        alphas = 1 - (n - 1) * d / (n0 * n1)
    alphas = alphas[(n0 > 0) & (n1 > 0)]  # resamples without variation: alpha undefined
    if len(alphas) == 0:
        return float("nan"), float("nan")
    low, high = np.quantile(alphas, [0.025, 0.975])
    return float(low), float(high)
