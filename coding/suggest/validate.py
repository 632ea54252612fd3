"""Judging a model honestly: cross-validation by whole interviews, thresholds, curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import GroupKFold, KFold

from coding.errors import ModelError
from coding.metrics import by_dimension, prf, score_coders
from coding.suggest.data import TrainingData
from coding.suggest.estimator import CodeSuggester, codes_above

# A code's model threshold must beat the rules alone by this much F1 on the
# out-of-fold predictions, so one lucky fold does not switch the model on.
GAIN = 0.02


def cross_validate(
    data: TrainingData, model: CodeSuggester, folds: int = 5, seed: int = 0
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Score model, rules and the hybrid on the same folds; choose per-code thresholds.

    Returns one row per (coder, code) with tp/fp/fn/precision/recall/F1, and the
    threshold per code that maximises the hybrid's F1 over the out-of-fold
    probabilities (the model adds a code the rules missed above it).
    """
    n = len(data.texts)
    if n < 2 * folds:
        raise ModelError(f"only {n} coded units; cross-validation needs at least {2 * folds}")
    codes = sorted({c for s in data.codes for c in s})
    proba = pd.DataFrame(0.0, index=range(n), columns=codes)
    learned: set[str] = set()
    groups = [_document(u) for u in data.unit_ids]
    if len(set(groups)) >= folds:
        # whole interviews per fold: turns of one interview share names and wording
        splits = GroupKFold(folds).split(data.texts, groups=groups)
    else:
        splits = KFold(folds, shuffle=True, random_state=seed).split(data.texts)
    scope = data.scope()
    for train, test in splits:
        fitted = clone(model).fit(
            [data.texts[i] for i in train],
            [data.codes[i] for i in train],
            [scope[i] for i in train],
        )
        learned |= set(fitted.classes_)
        if fitted.classes_:
            p = fitted.predict_proba([data.texts[i] for i in test])
            proba.loc[test, fitted.classes_] = p
    grid = np.round(np.arange(0.1, 0.95, 0.05), 2)
    thresholds: dict[str, float] = {}
    for code in sorted(learned):
        seen = np.array([j is None or code in j for j in scope])
        truth = np.array([code in s for s in data.codes])[seen]
        ruled = np.array([code in s for s in data.rules])[seen]
        best = (_f1(truth, ruled), 1.1)  # 1.1: never add, the rules alone are better
        for t in grid:
            f1 = _f1(truth, ruled | (proba[code].to_numpy()[seen] >= t))
            if f1 > best[0] + GAIN:
                best = (f1, float(t))
        thresholds[code] = best[1]
    model_sets = [{c for c in learned if proba.at[i, c] >= 0.5} for i in range(n)]
    hybrid_sets = [
        data.rules[i] | {c for c, t in thresholds.items() if proba.at[i, c] >= t} for i in range(n)
    ]
    sets = {"rules": data.rules, "model": model_sets, "hybrid": hybrid_sets}
    table = prf(score_coders(data.codes, sets, codes, scope))
    table["learned"] = table["code_id"].isin(learned)
    return table, thresholds


def _f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    tp = int((truth & predicted).sum())
    denominator = int(truth.sum() + predicted.sum())
    return 2 * tp / denominator if denominator else 0.0


def _document(unit_id: str) -> str:
    """Return the document of a unit id (``<doc_id>#<turn>``)."""
    return unit_id.rsplit("#", 1)[0]


def interview_halves(unit_ids: list[str], seed: int = 0) -> tuple[np.ndarray, int]:
    """Shuffle interviews and return (unit positions, split point) nearest half the units.

    Whole interviews go to one side, so no interview is both learned and tested.
    """
    docs = list(dict.fromkeys(_document(u) for u in unit_ids))
    rank = {d: i for i, d in enumerate(np.random.default_rng(seed).permutation(docs))}
    order = np.array(sorted(range(len(unit_ids)), key=lambda i: rank[_document(unit_ids[i])]))
    doc_of = [_document(unit_ids[i]) for i in order]
    starts = [i for i in range(1, len(order)) if doc_of[i] != doc_of[i - 1]]
    half = min(starts, key=lambda i: abs(i - len(order) / 2)) if starts else len(order) // 2
    return order, half


def learning_curve(
    data: TrainingData, steps: int = 4, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train on growing shares of half the units; score on the other half, never tuned on.

    Returns micro-averaged precision/recall/F1 of rules, model and hybrid per
    training size, and the per-dimension scores at the largest size.
    """
    order, half = interview_halves(data.unit_ids, seed)
    test = data.subset(order[half:])
    if half < 12:
        raise ModelError(f"only {len(order)} coded units; a learning curve needs at least 24")
    codes = sorted({c for s in data.codes for c in s})
    rows, last = [], None
    for size in sorted({max(12, round(half * (k + 1) / steps)) for k in range(steps)}):
        train_part = data.subset(order[:size])
        # thresholds come from cross-validation inside the training part only
        _, thresholds = cross_validate(train_part, CodeSuggester(random_state=seed), 3, seed)
        model = CodeSuggester(random_state=seed).fit(
            train_part.texts, train_part.codes, train_part.scope()
        )
        proba = model.predict_proba(test.texts)
        added = codes_above(model.classes_, proba, thresholds)
        sets = {
            "rules": test.rules,
            "model": codes_above(model.classes_, proba, 0.5),
            "hybrid": [r | a for r, a in zip(test.rules, added, strict=True)],
        }
        last = by_dimension(score_coders(test.codes, sets, codes, test.scope()))
        overall = last[last["dimension"] == "all"].drop(columns="dimension")
        rows.append(overall.assign(training_units=size, test_units=len(test.texts)))
    curve = pd.concat(rows, ignore_index=True)
    curve = curve[["training_units", "test_units", "coder", "precision", "recall", "f1"]]
    return curve, last
