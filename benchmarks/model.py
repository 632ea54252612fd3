"""Model-assisted coding: quality on a held-out gold set, and training/suggesting speed.

Quality: the model learns from the dev gold set (the 204 turns the demo's
assistant coded), hybrid thresholds come from cross-validation on it, and
rules, model and hybrid are scored on the held-out gold set, which neither
the rules nor the model were tuned on.

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

    from coding.autocode import RuleCoder
    from coding.codebook import load_codebook
    from coding.evaluate import read_gold
    from coding.ingest.normalize import match_view
    from coding.suggest import (
        CodeSuggester,
        TrainingData,
        by_dimension,
        codes_above,
        cross_validate,
        score_coders,
    )

    book = load_codebook()
    rules = RuleCoder(book)
    gold = ROOT / "tests" / "data" / "gold"

    def load(name: str) -> TrainingData:
        frame = read_gold(gold / name, book)
        roles = frame["role"].fillna("") if "role" in frame else [""] * len(frame)
        ruled = [
            {c.code_id for c in rules.code(match_view(t), role=r or None)}
            for t, r in zip(frame["text"], roles, strict=True)
        ]
        texts = [jieba.lcut(t) for t in frame["text"]]
        truth = [set(g) for g in frame["gold"]]
        return TrainingData(list(frame["id"]), texts, truth, ruled, "", "")

    dev, held = load("gold_dev.csv"), load("gold_heldout.csv")
    _, thresholds = cross_validate(dev, CodeSuggester(n_jobs=-1), 5)
    model = CodeSuggester(n_jobs=-1).fit(dev.texts, dev.codes)
    proba = model.predict_proba(held.texts)
    added = codes_above(model.classes_, proba, thresholds)
    sets = {
        "rules": held.rules,
        "model": codes_above(model.classes_, proba, 0.5),
        "hybrid": [r | a for r, a in zip(held.rules, added, strict=True)],
    }
    scored = score_coders(held.codes, sets, sorted({c for s in held.codes for c in s}))
    table = by_dimension(scored)
    print(f"trained on {len(dev.texts)} dev turns, {len(model.classes_)} codes learned;")
    print(f"scored on {len(held.texts)} held-out items (micro F1):")
    print(table.pivot(index="dimension", columns="coder", values="f1").round(3).to_string())
    switched_on = sorted(c for c, t in thresholds.items() if t <= 1)
    print(f"codes where the hybrid uses the model: {', '.join(switched_on) or 'none'}")

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
