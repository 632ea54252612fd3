"""Ideas for the default coder's codes, tried by the same leave-cluster-out folds.

A lighter twin of ``benchmarks/model.py``'s cross-validation, for the codes only (no
stance): the training gold in five folds that keep clusters whole; inside each outer
fold, inner group folds give out-of-fold scores, a sigmoid calibration and each code's
policy and threshold (``coding.hybrid.learn.choose``, as the shipped coder chooses
them); the model fitted on the outer fold's training part then codes its test part.
``base`` is the shipped method and reproduces ``model.py``'s micro-F1. Each other
variant changes one thing:

- ``prev-rules``: the rules' codes of the turn before, as features;
- ``prev-text``: character 2-grams of the turn before (its first 300 characters);
- ``nbsvm``: logistic regression over naive-Bayes-scaled binary features (Wang and
  Manning 2012), C = 1;
- ``ensemble``: the shipped model's and the nbsvm model's decision scores summed;
- ``at-most-one``: the shipped model, keeping only the likeliest CA code of a turn.

Printed: micro-F1 per dimension for the rules, each variant, and each variant's gain
over ``base`` with a 95% paired bootstrap interval over the turns.

Usage: python benchmarks/model_variants.py [--variants base,nbsvm,...] [--folds 5]
(about 3 minutes per variant on two cores, 6 for ensemble).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VARIANTS = ("base", "prev-rules", "prev-text", "nbsvm", "ensemble", "at-most-one")


def main() -> None:
    """Print micro-F1 per dimension of each variant and its gain over the shipped method."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated")
    parser.add_argument("--folds", type=int, default=5, help="outer and inner group folds")
    args = parser.parse_args()
    wanted = [v for v in args.variants.split(",") if v]
    unknown = sorted(set(wanted) - set(VARIANTS))
    if unknown:
        sys.exit(f"unknown variant(s): {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")

    import pandas as pd

    from coding.codebook import load_codebook
    from coding.hybrid.ship import gold_examples, training_frame
    from coding.metrics import by_dimension, f1_difference, score_coders
    from coding.rulecoder import RuleCoder

    book = load_codebook()
    frame = training_frame(book)
    examples = gold_examples(frame, RuleCoder(book))
    truth = examples.codes
    codes = sorted({c for s in truth for c in s})
    print(f"{len(frame)} training turns, {frame['group'].nunique()} groups, {args.folds} folds")
    coded: dict[str, list[set[str]]] = {"rules": examples.rules}
    for name in ["base"] + [v for v in wanted if v != "base"]:
        start = time.perf_counter()
        coded[name] = _cross_validate(name, frame, examples, args.folds)
        print(f"  {name}: {time.perf_counter() - start:.0f} s", flush=True)
    table = by_dimension(score_coders(truth, coded, codes))
    f1 = table.pivot(index="dimension", columns="coder", values="f1")[list(coded)]
    print("micro-F1 per dimension:\n" + f1.round(3).to_string())
    rows = []
    for name in coded:
        if name in ("rules", "base"):
            continue
        diff, low, high = f1_difference(truth, coded[name], coded["base"])
        rows.append({"variant": name, "gain": diff, "ci_low": low, "ci_high": high})
    if rows:
        print("gain over base, micro-F1 of all codes (95% paired bootstrap over turns):")
        print(pd.DataFrame(rows).round(4).to_string(index=False))


def _cross_validate(name: str, frame, examples, folds: int) -> list[set[str]]:
    """Code every training turn by a model of ``name`` built without its cluster's fold."""
    import numpy as np

    from coding.hybrid.crossval import cluster_folds
    from coding.hybrid.learn import MIN_EXAMPLES, choose

    features = _features(name, frame, examples)
    counts = Counter(c for s in examples.codes for c in s)
    codes = sorted(c for c, n in counts.items() if n >= MIN_EXAMPLES)
    said: list[set[str]] = [set() for _ in examples.ids]
    for train, test in cluster_folds(examples.groups, folds):
        inner = cluster_folds([examples.groups[i] for i in train], folds)
        oof = np.zeros((len(train), len(codes)))
        for fit, held in inner:
            oof[held] = _scores(name, features, examples, train[fit], train[held], codes)
        outer = _scores(name, features, examples, train, test, codes)
        proba = np.zeros_like(outer)
        for j, code in enumerate(codes):
            truth = np.array([code in examples.codes[i] for i in train])
            ruled = np.array([code in examples.rules[i] for i in train])
            a, b = _platt(oof[:, j], truth)
            policy, threshold, _ = choose(truth, ruled, 1 / (1 + np.exp(-(a * oof[:, j] + b))))
            proba[:, j] = 1 / (1 + np.exp(-(a * outer[:, j] + b)))
            for k, i in enumerate(test):
                by_rules = code in examples.rules[i]
                if policy == "rules":
                    yes = by_rules
                elif policy == "union":
                    yes = by_rules or proba[k, j] >= threshold
                else:
                    yes = proba[k, j] >= threshold
                if yes:
                    said[i].add(code)
        if name == "at-most-one":
            _keep_likeliest(said, test, proba, codes, "CA")
    for i, rules in enumerate(examples.rules):
        said[i] |= {c for c in rules if counts[c] < MIN_EXAMPLES}
    return said


def _features(name: str, frame, examples) -> list[list[str]]:
    """Each turn's feature strings for a variant (the shipped ones, perhaps with context)."""
    from coding.hybrid.features import char_grams
    from coding.ingest.normalize import match_view

    if name not in ("prev-rules", "prev-text"):
        return examples.features
    texts = [match_view(t) for t in frame["text"]]
    out = []
    for i, own in enumerate(examples.features):
        # the row before in the same cluster or interview is the turn before in the gold files
        same = i > 0 and examples.groups[i - 1] == examples.groups[i]
        if name == "prev-rules":
            extra = ["pr:" + c for c in sorted(examples.rules[i - 1])] if same else []
        else:
            extra = char_grams(texts[i - 1][:300], (2,), "p:") if same else []
        out.append(own + extra)
    return out


def _scores(name, features, examples, train, test, codes):
    """Decision scores per code on ``test`` of a model fitted on ``train`` (positions)."""
    import numpy as np
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from coding.hybrid.learn import C

    vectorizer = TfidfVectorizer(analyzer=list, min_df=2, sublinear_tf=True, lowercase=False)
    x = vectorizer.fit_transform([features[i] for i in train])
    x_test = vectorizer.transform([features[i] for i in test])
    binary, binary_test = (x > 0).astype(np.float64), (x_test > 0).astype(np.float64)
    out = np.full((len(test), len(codes)), -10.0)
    for j, code in enumerate(codes):
        y = np.array([code in examples.codes[i] for i in train], dtype=int)
        if not 0 < y.sum() < len(y):
            continue
        score = np.zeros(len(test))
        if name in ("nbsvm", "ensemble"):
            # log-count ratio of each feature between the code's turns and the others
            p = 1 + np.asarray(binary[y == 1].sum(0)).ravel()
            q = 1 + np.asarray(binary[y == 0].sum(0)).ravel()
            scale = sp.diags(np.log((p / p.sum()) / (q / q.sum())))
            fitted = LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear")
            score += fitted.fit(binary @ scale, y).decision_function(binary_test @ scale)
        if name != "nbsvm":
            fitted = LogisticRegression(C=C, class_weight="balanced", solver="liblinear")
            score += fitted.fit(x, y).decision_function(x_test)
        out[:, j] = score
    return out


def _platt(score, truth) -> tuple[float, float]:
    """Sigmoid calibration of out-of-fold scores, as the shipped coder's."""
    from sklearn.linear_model import LogisticRegression

    if truth.min() == truth.max():
        return 0.0, -10.0
    fit = LogisticRegression(C=1e4).fit(score.reshape(-1, 1), truth.astype(int))
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def _keep_likeliest(said, test, proba, codes, dimension: str) -> None:
    """Keep only the likeliest code of a dimension where a turn was given several."""
    columns = {c: j for j, c in enumerate(codes)}
    for k, i in enumerate(test):
        given = [c for c in said[i] if c.split(".")[0] == dimension and c in columns]
        if len(given) > 1:
            best = max(given, key=lambda c: proba[k, columns[c]])
            said[i] -= set(given) - {best}


if __name__ == "__main__":
    main()
