"""Model-assisted coding: quality on a held-out gold set, and training/suggesting speed.

Quality: the model learns from the dev gold set (the 204 turns the demo's
assistant coded), hybrid thresholds come from cross-validation on it, and
rules, model and hybrid are scored on the held-out gold set, which neither
the rules nor the model were tuned on. Then a learning curve: random shares
of all three dev gold sets (502 human-coded units) for training, the same
held-out set for scoring, and a paired bootstrap interval for the hybrid's
gain over the rules with every dev unit learned.

Speed: a synthetic project of --train coded units (two random dev turns
joined, their codes united) is cut once with jieba (not timed, as the
project caches tokens); then fitting, 5-fold cross-validation and
suggesting for --suggest units are timed.

Usage: python benchmarks/model.py [--train 20000] [--suggest 100000] [--cv]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    """Run the quality comparison and the timings; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=20_000, help="coded units to train on")
    parser.add_argument("--suggest", type=int, default=100_000, help="units to suggest for")
    parser.add_argument("--cv", action="store_true", help="also time 5-fold cross-validation")
    args = parser.parse_args()

    import jieba
    import numpy as np
    from scipy.stats import bootstrap

    from coding.autocode import RuleCoder
    from coding.codebook import load_codebook
    from coding.evaluate import read_gold
    from coding.metrics import by_dimension, score_coders
    from coding.suggest import CodeSuggester, TrainingData, codes_above, cross_validate

    book = load_codebook()
    rules = RuleCoder(book)
    gold = ROOT / "tests" / "data" / "gold"

    def load(name: str) -> TrainingData:
        frame = read_gold(gold / name, book)
        roles = frame["role"].fillna("") if "role" in frame else [""] * len(frame)
        ruled = [
            {c.code_id for c in rules.code_text(t, r or None)}
            for t, r in zip(frame["text"], roles, strict=True)
        ]
        texts = [jieba.lcut(t) for t in frame["text"]]
        truth = [set(g) for g in frame["gold"]]
        return TrainingData(list(frame["id"]), texts, truth, ruled, "", "")

    def joined(parts: list[TrainingData]) -> TrainingData:
        return TrainingData(
            [u for p in parts for u in p.unit_ids],
            [t for p in parts for t in p.texts],
            [c for p in parts for c in p.codes],
            [r for p in parts for r in p.rules],
            "",
            "",
        )

    def hybrid_on_held(train: TrainingData) -> tuple[list[set[str]], list[set[str]], dict]:
        """Fit on ``train`` (thresholds from its own cross-validation); code the held-out set."""
        _, thresholds = cross_validate(train, CodeSuggester(n_jobs=-1), 5)
        model = CodeSuggester(n_jobs=-1).fit(train.texts, train.codes)
        proba = model.predict_proba(held.texts)
        added = codes_above(model.classes_, proba, thresholds)
        hybrid = [r | a for r, a in zip(held.rules, added, strict=True)]
        return hybrid, codes_above(model.classes_, proba, 0.5), thresholds

    def counts(sets: list[set[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Per held-out item: codes right, and codes wrong (missed or extra)."""
        tp = np.array([len(t & s) for t, s in zip(held.codes, sets, strict=True)])
        wrong = np.array([len(t ^ s) for t, s in zip(held.codes, sets, strict=True)])
        return tp, wrong

    def f1(tp: np.ndarray, wrong: np.ndarray, axis: int = -1):
        return 2 * tp.sum(axis) / (2 * tp.sum(axis) + wrong.sum(axis))

    def micro_f1(sets: list[set[str]]) -> float:
        return float(f1(*counts(sets)))

    dev, held = load("gold_dev.csv"), load("gold_heldout.csv")
    hybrid, model_sets, thresholds = hybrid_on_held(dev)
    sets = {"rules": held.rules, "model": model_sets, "hybrid": hybrid}
    scored = score_coders(held.codes, sets, sorted({c for s in held.codes for c in s}))
    table = by_dimension(scored)
    print(f"trained on the {len(dev.texts)} dev turns (the demo's coded units);")
    print(f"scored on {len(held.texts)} held-out items (micro F1):")
    print(table.pivot(index="dimension", columns="coder", values="f1").round(3).to_string())
    switched_on = sorted(c for c, t in thresholds.items() if t <= 1)
    print(f"codes where the hybrid uses the model: {', '.join(switched_on) or 'none'}")

    # Learning curve on every human-coded dev unit (the three dev gold sets),
    # always scored on the held-out set that neither the rules nor the model saw.
    pool = joined([dev, load("gold_dev2.csv"), load("gold_dev3.csv")])
    everyone = len(pool.texts) + len(held.texts)
    print(
        f"learning curve: random shares of {len(pool.texts)} human-coded dev units "
        f"({everyone} human-coded in all, half is {everyone // 2}); rules alone "
        f"{micro_f1(held.rules):.3f} on the held-out set"
    )
    for size in (100, 200, everyone // 2, len(pool.texts)):
        seeds = range(3) if size < len(pool.texts) else range(1)
        runs = []
        for seed in seeds:
            pick = sorted(np.random.default_rng(seed).permutation(len(pool.texts))[:size])
            part = pool.subset(pick)
            hybrid, model_sets, _ = hybrid_on_held(part)
            runs.append((micro_f1(hybrid), micro_f1(model_sets)))
        print(
            f"  {size:4d} units: hybrid "
            + ", ".join(f"{h:.3f}" for h, _ in runs)
            + "; model alone "
            + ", ".join(f"{m:.3f}" for _, m in runs)
        )

    # Paired bootstrap over held-out items of F1(hybrid) - F1(rules), all dev units.
    def gain(tp_h, wrong_h, tp_r, wrong_r, axis=-1):
        return f1(tp_h, wrong_h, axis) - f1(tp_r, wrong_r, axis)

    hybrid, _, _ = hybrid_on_held(pool)
    data = (*counts(hybrid), *counts(held.rules))
    ci = bootstrap(data, gain, paired=True, n_resamples=4999, random_state=0).confidence_interval
    print(
        f"hybrid minus rules, trained on all {len(pool.texts)}: {gain(*data):+.4f} F1, "
        f"95% paired bootstrap CI {ci.low:+.4f} to {ci.high:+.4f} over {len(held.texts)} items"
    )

    rng = np.random.default_rng(0)
    pairs = rng.integers(0, len(dev.texts), size=(max(args.train, args.suggest), 2))
    texts = [dev.texts[a] + ["。"] + dev.texts[b] for a, b in pairs]
    codes_of = [dev.codes[a] | dev.codes[b] for a, b in pairs]
    train_texts, train_codes = texts[: args.train], codes_of[: args.train]
    chars = sum(len("".join(t)) for t in train_texts)

    start = time.perf_counter()
    fitted = CodeSuggester(n_jobs=-1).fit(train_texts, train_codes)
    fit_s = time.perf_counter() - start
    print(
        f"fit on {args.train:,} units ({chars / 1e6:.1f} M chars, {len(fitted.classes_)} codes):"
        f" {fit_s:.1f} s (target 60 s)"
    )
    start = time.perf_counter()
    for first in range(0, args.suggest, 5000):
        fitted.predict_proba(texts[first : min(first + 5000, args.suggest)])
    print(f"suggest for {args.suggest:,} units: {time.perf_counter() - start:.1f} s (target 30 s)")
    if args.cv:
        big = TrainingData([], train_texts, train_codes, [set() for _ in train_texts], "", "")
        start = time.perf_counter()
        cross_validate(big, CodeSuggester(n_jobs=-1), 5)
        print(f"5-fold cross-validation on them: {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
