"""The default coder by leave-cluster-out cross-validation, its learning curve, one
held-out set, and the project model's speed.

Cross-validation (the figures the coder was chosen by): the training gold (dev sets and
v2 sets A and B) in five folds that keep whole clusters together (the dev sets' whole
interviews); each fold's coder is built from the other folds exactly as the shipped one
is (codebooks/models/rebuild.py: inner cross-validation for policies, thresholds and the
learned stance) and codes the held-out clusters. Printed: micro-F1 per dimension, rules
alone and the hybrid, and stance accuracy per dimension on the codes both the coder and
the gold gave. Learning curve (--curve): the same folds, each coder built from a share
of its training clusters.

Held-out: the shipped model and the rules scored once on a set neither was tuned on:
tests/data/gold/gold_heldout.csv, or --heldout PART.csv (v2 layout: id, cluster, ...,
role, doc, turn, question, text) with its codes (--heldout-codes, default the sibling
codes.csv or <stem>.gold.csv: id, codes, stances); with a paired bootstrap interval of
the hybrid's gain over the rules.

Speed (--speed): the project model of `model train` (CodeSuggester) fitted on --train
synthetic coded units and suggesting for --suggest units.

Usage: python benchmarks/model.py [--heldout PART.csv [--heldout-codes CODES.csv]]
       [--no-cv] [--curve] [--folds 5] [--speed] [--train 20000] [--suggest 100000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    """Print the cross-validated figures, the learning curve, one held-out set, timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heldout", type=Path, default=None, help="held-out units (v2 layout)")
    parser.add_argument("--heldout-codes", type=Path, default=None, help="its id,codes,stances")
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation")
    parser.add_argument("--curve", action="store_true", help="also the learning curve")
    parser.add_argument("--folds", type=int, default=5, help="cluster folds")
    parser.add_argument("--speed", action="store_true", help="also time the project model")
    parser.add_argument("--train", type=int, default=20_000, help="coded units to train on")
    parser.add_argument("--suggest", type=int, default=100_000, help="units to suggest for")
    args = parser.parse_args()

    import pandas as pd

    from coding.codebook import load_codebook
    from coding.hybrid.ship import training_frame

    book = load_codebook()
    frame = training_frame(book)
    if not args.no_cv:
        _cross_validation(frame, book, args.folds, args.curve)
    _heldout(book, args.heldout, args.heldout_codes)
    if args.speed:
        _stance_speed(frame, book)
        _speed(args.train, args.suggest, frame, pd)


def _stance_speed(frame, book) -> None:
    """Time the default coder on the training turns with and without the learned stance."""
    from dataclasses import replace

    from coding.hybrid.coder import HybridCoder, shipped_weights

    weights = shipped_weights(book)
    texts = [_view(t) for t in frame["text"]]
    roles = [r or None for r in frame["role"]]
    questions = [_view(q) or None for q in frame["question"]]
    chars = sum(map(len, texts))
    for name, chosen in (("learned", weights), ("cue words", replace(weights, stance=None))):
        coder, best = HybridCoder(book, chosen), float("inf")
        for _ in range(3):
            start = time.perf_counter()
            analysed, proba = coder.analyse(texts, None, roles, questions)
            [coder.combine(v, c, p) for (v, c), p in zip(analysed, proba, strict=True)]
            best = min(best, time.perf_counter() - start)
        print(
            f"default coder, stance by {name}: {len(texts)} turns in {best:.2f} s "
            f"({chars / best / 1e6:.3f} M chars/s, rules and model, no storage)"
        )


def _cross_validation(frame, book, folds: int, curve: bool) -> None:
    """Print the leave-cluster-out figures and, if asked, the learning curve."""
    from coding.hybrid.crossval import cross_validate, scores

    clusters = frame["group"].nunique()
    start = time.perf_counter()
    coded = cross_validate(frame, book, folds)
    f1, accuracy = scores(coded)
    print(
        f"leave-cluster-out cross-validation: {len(frame)} training turns, {clusters} "
        f"clusters or interviews, {folds} folds ({time.perf_counter() - start:.0f} s)"
    )
    print("micro-F1 per dimension:\n" + f1.round(3).to_string())
    print("stance accuracy on codes both the coder and the gold gave:")
    print(accuracy.round(3).to_string())
    if curve:
        groups = coded.frame["group"]
        print("learning curve (micro-F1 of all codes, same folds; share of training clusters):")
        for share in (0.25, 0.5):
            part, _ = scores(cross_validate(frame, book, folds, share=share))
            print(
                f"  {share:4.0%} of ~{round(clusters * (folds - 1) / folds)}: "
                f"hybrid {part.loc['all', 'hybrid']:.3f}"
            )
        print(
            f"  100%: hybrid {f1.loc['all', 'hybrid']:.3f}, rules {f1.loc['all', 'rules']:.3f}"
            f" ({groups.nunique()} groups)"
        )


def _heldout(book, part: Path | None, codes: Path | None) -> None:
    """Score the shipped model and the rules once on a held-out set."""
    from coding.hybrid.coder import HybridCoder, shipped_weights
    from coding.hybrid.crossval import code_frame, scores
    from coding.hybrid.gold import GOLD, HELD_OUT, read_heldout, read_training_gold
    from coding.metrics import f1_difference

    weights = shipped_weights(book)
    if weights is None:
        sys.exit("no model shipped for this codebook: run codebooks/models/rebuild.py")
    if part is None:
        held = read_training_gold(GOLD / HELD_OUT, book)
    else:
        if codes is None:
            sibling = part.with_name("codes.csv")
            codes = sibling if sibling.is_file() else part.with_suffix(".gold.csv")
        held = read_heldout(part, codes, book)
    coded = code_frame(HybridCoder(book, weights), held)
    f1, accuracy = scores(coded)
    print(
        f"{weights.coder}: trained on {weights.made_from['units']} units "
        f"({', '.join(weights.made_from['sets'])}); scored on {len(held)} held-out items "
        f"of {held['source'].iloc[0]}"
    )
    print("micro-F1 per dimension (held-out):\n" + f1.round(3).to_string())
    if held["stances"].map(bool).any():
        print("stance accuracy on codes both gave (held-out):\n" + accuracy.round(3).to_string())
    else:
        print("stance accuracy: the held-out gold has no stances")
    truth = [set(g) for g in held["gold"]]
    diff, low, high = f1_difference(truth, coded.hybrid, coded.rules)
    print(
        f"hybrid minus rules: {diff:+.4f} F1, 95% paired bootstrap CI "
        f"{low:+.4f} to {high:+.4f} over {len(held)} items"
    )


def _view(text: str) -> str:
    from coding.ingest.normalize import match_view

    return match_view(text or "")


def _speed(train: int, suggest: int, frame, pd) -> None:
    """Time the project model (``model train``) on synthetic units made of gold turns."""
    import jieba
    import numpy as np

    from coding.suggest import CodeSuggester

    texts = [jieba.lcut(t) for t in frame["text"]]
    codes = [set(g) for g in frame["gold"]]
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, len(texts), size=(max(train, suggest), 2))
    joined = [texts[a] + ["。"] + texts[b] for a, b in pairs]
    code_sets = [codes[a] | codes[b] for a, b in pairs]
    start = time.perf_counter()
    fitted = CodeSuggester(n_jobs=-1).fit(joined[:train], code_sets[:train])
    print(f"project model: fit on {train:,} units in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    for first in range(0, suggest, 5000):
        fitted.predict_proba(joined[first : min(first + 5000, suggest)])
    print(f"project model: suggest for {suggest:,} units in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
