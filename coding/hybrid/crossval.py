"""Leave-cluster-out cross-validation of the whole default coder on the training gold.

Each outer fold holds out whole clusters of the v2 sets (and whole interviews of the dev
sets); the coder is built on the rest exactly as ``ship.build_model`` builds the shipped
one (its own inner cross-validation choosing policies, thresholds and where the learned
stance decides) and codes the held-out clusters. So the figures say how the coder does
on text from places and authors it never saw, not how well it fits what it learned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coding.codebook import Codebook
from coding.hybrid.coder import HybridCoder
from coding.hybrid.learn import FOLDS, fit_weights
from coding.hybrid.ship import gold_examples, stance_examples
from coding.hybrid.stancemodel import fit_stance
from coding.rulecoder import RuleCoder


@dataclass
class CodedGold:
    """Gold rows with what each coder said: per row a dict code -> stance."""

    frame: pd.DataFrame  # the gold rows (``gold.GOLD_COLUMNS``)
    rules: list[dict[str, str]]
    hybrid: list[dict[str, str]]


def build_coder(frame: pd.DataFrame, codebook: Codebook, folds: int = FOLDS) -> HybridCoder:
    """Fit the codes' and the stance model on gold rows; return the coder (not saved)."""
    rules = RuleCoder(codebook)
    stance = fit_stance(stance_examples(frame, rules), folds=folds)
    weights = fit_weights(gold_examples(frame, rules), codebook, folds=folds, stance=stance)
    return HybridCoder(codebook, weights)


def code_frame(coder: HybridCoder, frame: pd.DataFrame) -> CodedGold:
    """Code gold rows with a hybrid coder; return its and its rules' codes with stances."""
    from coding.ingest.normalize import match_view

    analysed, proba = coder.analyse(
        [match_view(t) for t in frame["text"]],
        None,
        [r or None for r in frame["role"]],
        [match_view(q or "") or None for q in frame["question"]],
    )
    hybrid = [coder.combine(v, c, p) for (v, c), p in zip(analysed, proba, strict=True)]
    return CodedGold(
        frame.reset_index(drop=True),
        [{c.code_id: c.stance for c in codings} for _, codings in analysed],
        [{c.code_id: c.stance for c in coded} for coded in hybrid],
    )


def cluster_folds(groups: list[str], folds: int = FOLDS) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return (train, test) positions of folds that keep each group (cluster) whole."""
    from sklearn.model_selection import GroupKFold

    index = np.arange(len(groups))
    return list(GroupKFold(folds).split(index, groups=groups))


def cross_validate(
    frame: pd.DataFrame,
    codebook: Codebook,
    folds: int = FOLDS,
    share: float = 1.0,
    inner_folds: int = FOLDS,
) -> CodedGold:
    """Code every gold row with a coder built without its cluster's fold.

    ``share`` < 1 builds each fold's coder from that share of its training clusters (the
    first ones in a fixed shuffled order), for a learning curve on the same test folds.
    """
    frame = frame.reset_index(drop=True)
    groups = [str(g) for g in frame["group"]]
    rules: list[dict[str, str]] = [{} for _ in range(len(frame))]
    hybrid: list[dict[str, str]] = [{} for _ in range(len(frame))]
    order = {g: k for k, g in enumerate(np.random.default_rng(0).permutation(sorted(set(groups))))}
    for train, test in cluster_folds(groups, folds):
        if share < 1.0:
            ranked = sorted({groups[i] for i in train}, key=order.__getitem__)
            kept = set(ranked[: max(inner_folds, round(len(ranked) * share))])
            train = np.array([i for i in train if groups[i] in kept])
        coder = build_coder(frame.iloc[train], codebook, inner_folds)
        coded = code_frame(coder, frame.iloc[test])
        for k, i in enumerate(test):
            rules[i], hybrid[i] = coded.rules[k], coded.hybrid[k]
    return CodedGold(frame, rules, hybrid)


def scores(coded: CodedGold) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return micro-F1 per dimension (rules and hybrid side by side) and stance accuracy per
    dimension on the codes both the coder and the gold gave (rules and hybrid)."""
    from coding.metrics import by_dimension, score_coders, stance_accuracy

    truth = [set(g) for g in coded.frame["gold"]]
    codes = sorted({c for s in truth for c in s})
    sets = {"rules": [set(r) for r in coded.rules], "hybrid": [set(h) for h in coded.hybrid]}
    table = by_dimension(score_coders(truth, sets, codes))
    f1 = table.pivot(index="dimension", columns="coder", values="f1")[["rules", "hybrid"]]
    stances = coded.frame["stances"].tolist()
    accuracy = pd.concat(
        {
            name: stance_accuracy(stances, coded_).set_index("dimension")["accuracy"]
            for name, coded_ in (("rules", coded.rules), ("hybrid", coded.hybrid))
        },
        axis=1,
    )
    return f1, accuracy
