"""Fitting the default coder's model on gold: features, cross-validated calibration,
per-code thresholds and the choice of how each code is decided, on training data only."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coding.codebook import Codebook
from coding.errors import ModelError
from coding.hybrid.stancemodel import StanceWeights
from coding.hybrid.weights import LearnedWeights

# Fewer positives than this leave a code to the rules: with five folds, a fold then
# sees one or two, and the out-of-fold scores cannot place a threshold.
MIN_EXAMPLES = 8
# A code leaves the rules alone only when cross-validation finds it this much F1 better,
# so that one lucky fold does not switch the model on.
GAIN = 0.02
FOLDS = 5
C = 4.0
GRID = np.round(np.arange(0.1, 0.95, 0.05), 2)


@dataclass
class Examples:
    """Human-coded units as the learner sees them."""

    ids: list[str]
    groups: list[str]  # units of one interview share a group: folds keep them together
    features: list[list[str]]
    codes: list[set[str]]
    rules: list[set[str]]

    def subset(self, index) -> Examples:
        """Return the units at these positions."""
        return Examples(
            [self.ids[i] for i in index],
            [self.groups[i] for i in index],
            [self.features[i] for i in index],
            [self.codes[i] for i in index],
            [self.rules[i] for i in index],
        )

    def fingerprint(self) -> str:
        """Return a SHA-256 of the units, their features' inputs and codes."""
        body = [
            (i, sorted(c), sorted(r), hashlib.sha1("\x1f".join(f).encode()).hexdigest())
            for i, f, c, r in zip(self.ids, self.features, self.codes, self.rules, strict=True)
        ]
        return hashlib.sha256(json.dumps(body, ensure_ascii=False).encode()).hexdigest()


def _vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer

    # features are ready-made strings; min_df=2 drops what only one unit ever said
    return TfidfVectorizer(analyzer=_identity, min_df=2, sublinear_tf=True, lowercase=False)


def _identity(features: list[str]) -> list[str]:
    return features


def _fit_scores(train: Examples, test_features: list[list[str]], codes: list[str], c: float):
    """Fit one logistic regression per code on ``train``; return decision scores on test."""
    vectorizer = _vectorizer()
    x = vectorizer.fit_transform(train.features)
    x_test = vectorizer.transform(test_features)
    scores = np.zeros((len(test_features), len(codes)))
    for j, code in enumerate(codes):
        y = np.array([code in s for s in train.codes], dtype=int)
        if 0 < y.sum() < len(y):
            scores[:, j] = _logistic(c).fit(x, y).decision_function(x_test)
        else:
            scores[:, j] = -10.0
    return scores


def _logistic(c: float):
    from sklearn.linear_model import LogisticRegression

    # balanced weights stop rare codes being drowned by the many units without them
    return LogisticRegression(C=c, class_weight="balanced", solver="liblinear")


def out_of_fold(examples: Examples, codes: list[str], c: float = C, folds: int = FOLDS):
    """Return every unit's decision score per code from a model that never saw its group."""
    from sklearn.model_selection import GroupKFold

    scores = np.zeros((len(examples.ids), len(codes)))
    for train, test in GroupKFold(folds).split(examples.ids, groups=examples.groups):
        part = examples.subset(train)
        scores[test] = _fit_scores(part, [examples.features[i] for i in test], codes, c)
    return scores


def _platt(score: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Sigmoid calibration (Platt) of out-of-fold scores: P = 1/(1+exp(-(a*s+b)))."""
    from sklearn.linear_model import LogisticRegression

    if truth.min() == truth.max():
        return 0.0, -10.0
    fit = LogisticRegression(C=1e4).fit(score.reshape(-1, 1), truth)
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def _f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    tp = int((truth & predicted).sum())
    denominator = int(truth.sum() + predicted.sum())
    return 2 * tp / denominator if denominator else 0.0


def choose(
    truth: np.ndarray, ruled: np.ndarray, proba: np.ndarray
) -> tuple[str, float, dict[str, float]]:
    """Pick how a code is decided (rules, union or model) and its threshold by F1."""
    scores = {"rules": _f1(truth, ruled)}
    best = ("rules", 1.1, scores["rules"])
    for policy in ("union", "model"):
        top = 0.0
        for t in GRID:
            said = proba >= t
            f1 = _f1(truth, ruled | said if policy == "union" else said)
            top = max(top, f1)
            if f1 > best[2] + (GAIN if best[0] == "rules" else 0.0):
                best = (policy, float(t), f1)
        scores[policy] = top
    return best[0], best[1], scores


def fit_weights(
    examples: Examples,
    codebook: Codebook,
    c: float = C,
    folds: int = FOLDS,
    sets: list[str] | None = None,
    stance: StanceWeights | None = None,
) -> LearnedWeights:
    """Cross-validate, calibrate and choose per code on ``examples``; fit on all of them.

    ``stance``, a stance model fitted on the same gold, ships with the codes' model and
    its digest is part of the version."""
    import sklearn

    counts = pd.Series([c for s in examples.codes for c in s], dtype=object).value_counts()
    codes = sorted(str(k) for k, n in counts.items() if n >= MIN_EXAMPLES)
    if not codes or len(set(examples.groups)) < folds:
        raise ModelError("too few coded units to learn from; code more turns first")
    oof = out_of_fold(examples, codes, c, folds)
    calibration = np.zeros((len(codes), 2))
    thresholds: dict[str, float] = {}
    policy: dict[str, str] = {}
    choice_rows = []
    for j, code in enumerate(codes):
        truth = np.array([code in s for s in examples.codes])
        ruled = np.array([code in s for s in examples.rules])
        a, b = _platt(oof[:, j], truth.astype(int))
        calibration[j] = a, b
        proba = 1 / (1 + np.exp(-(a * oof[:, j] + b)))
        policy[code], thresholds[code], f1s = choose(truth, ruled, proba)
        choice_rows.append({"code_id": code, "support": int(truth.sum()), **f1s})
    vectorizer = _vectorizer()
    x = vectorizer.fit_transform(examples.features)
    coef = np.zeros((len(codes), x.shape[1]), dtype=np.float32)
    intercept = np.zeros(len(codes))
    for j, code in enumerate(codes):
        fitted = _logistic(c).fit(x, np.array([code in s for s in examples.codes], dtype=int))
        coef[j] = fitted.coef_[0]
        intercept[j] = fitted.intercept_[0]
    made_from = {
        "codebook": codebook.hash,
        "training": examples.fingerprint(),
        "units": len(examples.ids),
        "sets": sets or [],
        "params": {"C": c, "folds": folds, "min_examples": MIN_EXAMPLES, "gain": GAIN},
        "sklearn": sklearn.__version__,
    }
    if stance is not None:
        made_from["stance"] = stance.digest()
    version = hashlib.sha256(json.dumps(made_from, sort_keys=True).encode()).hexdigest()[:12]
    return LearnedWeights(
        codebook.name,
        version,
        codebook.hash,
        codes,
        [str(f) for f in vectorizer.get_feature_names_out()],
        vectorizer.idf_.astype(np.float64),
        coef,
        intercept,
        calibration,
        thresholds,
        policy,
        made_from,
        {"cross_validated": choice_rows},
        stance,
    )
