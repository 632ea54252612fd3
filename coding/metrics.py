"""Precision, recall and F1 of coders against people's codes, per code and per dimension.

One way of counting for every stage that scores a coder (``evaluate`` for the
rules against a gold table, ``suggest`` for rules, model and hybrid in
cross-validation): true positives, false positives and false negatives per
code, then micro-averaged scores per dimension (the prefix of the code id) and
over ``all`` codes. A unit counts only for the codes its coder judged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ALL = "all"


def code_counts(
    truth: list[set[str]], predicted: list[set[str]], codes: list[str], judged=None
) -> pd.DataFrame:
    """Return ``code_id, tp, fp, fn`` per code, counting only the codes judged per unit."""
    if judged is not None:
        predicted = [p if j is None else p & j for p, j in zip(predicted, judged, strict=True)]
    pairs = list(zip(truth, predicted, strict=True))
    rows = [
        (
            code,
            sum(code in t and code in p for t, p in pairs),
            sum(code not in t and code in p for t, p in pairs),
            sum(code in t and code not in p for t, p in pairs),
        )
        for code in codes
    ]
    return pd.DataFrame(rows, columns=["code_id", "tp", "fp", "fn"])


def score_coders(
    truth: list[set[str]], coders: dict[str, list[set[str]]], codes: list[str], judged=None
) -> pd.DataFrame:
    """Return tp/fp/fn per code for each named coder's code sets against the same truth."""
    return pd.concat(
        [
            code_counts(truth, sets, codes, judged).assign(coder=name)
            for name, sets in coders.items()
        ],
        ignore_index=True,
    )


def prf(counts: pd.DataFrame) -> pd.DataFrame:
    """Add precision, recall and F1 to tp/fp/fn counts (NaN where undefined)."""
    out = counts.copy()
    out["precision"] = out["tp"] / (out["tp"] + out["fp"]).replace(0, np.nan)
    out["recall"] = out["tp"] / (out["tp"] + out["fn"]).replace(0, np.nan)
    out["f1"] = 2 * out["tp"] / (2 * out["tp"] + out["fp"] + out["fn"]).replace(0, np.nan)
    return out


def by_dimension(table: pd.DataFrame) -> pd.DataFrame:
    """Pool per-code counts (with a ``coder`` column) into micro scores per dimension and
    coder, plus the dimension ``all``; ``macro_f1`` is the mean of the codes' F1."""
    table = prf(table.assign(dimension=table["code_id"].str.split(".").str[0]))
    keys = ["dimension", "coder"]
    pooled = table.groupby(keys)[["tp", "fp", "fn"]].sum()
    pooled["macro_f1"] = table.groupby(keys)["f1"].mean()
    overall = table.groupby("coder")[["tp", "fp", "fn"]].sum()
    overall["macro_f1"] = table.groupby("coder")["f1"].mean()
    overall = overall.reset_index().assign(dimension=ALL)
    return prf(pd.concat([pooled.reset_index(), overall], ignore_index=True)[
        ["dimension", "coder", "tp", "fp", "fn", "macro_f1"]
    ])  # fmt: skip


def stance_accuracy(truth: list[dict[str, str]], coded: list[dict[str, str]]) -> pd.DataFrame:
    """Return ``dimension, n, correct, accuracy``: how often a coder's stance equals the
    gold's, over the codes both gave a unit (the gold with a stance), per dimension and
    ``all``; each list holds per unit a dict code -> stance."""
    pairs = [
        (code.split(".")[0], stance == mine[code])
        for gold, mine in zip(truth, coded, strict=True)
        for code, stance in gold.items()
        if code in mine and stance
    ]
    frame = pd.DataFrame(pairs, columns=["dimension", "correct"])
    rows = [
        (dim, len(part), int(part["correct"].sum()))
        for dim, part in [*frame.groupby("dimension"), (ALL, frame)]
    ]
    out = pd.DataFrame(rows, columns=["dimension", "n", "correct"])
    out["accuracy"] = out["correct"] / out["n"].replace(0, np.nan)
    return out


def f1_difference(
    truth: list[set[str]], first: list, second: list, resamples: int = 4999
) -> tuple[float, float, float]:
    """Return micro-F1 of ``first`` minus that of ``second`` against the same truth (each a
    list of per-unit code collections), with a 95% paired bootstrap interval over units."""
    from scipy.stats import bootstrap

    def per_unit(sets: list) -> tuple[np.ndarray, np.ndarray]:
        tp = np.array([len(t & set(s)) for t, s in zip(truth, sets, strict=True)])
        wrong = np.array([len(t ^ set(s)) for t, s in zip(truth, sets, strict=True)])
        return tp, wrong

    def gain(tp_a, wrong_a, tp_b, wrong_b, axis=-1):
        def score(tp, wrong):
            return 2 * tp.sum(axis) / (2 * tp.sum(axis) + wrong.sum(axis))

        return score(tp_a, wrong_a) - score(tp_b, wrong_b)

    data = (*per_unit(first), *per_unit(second))
    ci = bootstrap(
        data, gain, paired=True, n_resamples=resamples, random_state=0
    ).confidence_interval
    return float(gain(*data)), float(ci.low), float(ci.high)
