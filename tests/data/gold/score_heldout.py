"""Score the default coder shipped in this checkout, once, on a held-out set's parts.

Usage (from the repository root): python tests/data/gold/score_heldout.py heldout3

A held-out folder's parts (``part<X>.csv`` with ``part<X>.gold.csv`` and the two
people's ``part<X>.codes1.csv``, ``.codes2.csv``) were written, coded twice blind
and adjudicated after the coder's method was fixed, by people who never saw its rules or model, from
clusters, authors and wording new to the project. This prints, per dimension,
micro-F1 against the adjudicated gold for the rules alone and the default coder
(rules plus the shipped model), the stance accuracy on the codes both the coder
and the gold gave, a 95% paired bootstrap interval of the difference, and the
two human coders scored the same way against the same gold (what people reach).
Each revision of the coder is scored once; nothing here is trained or tuned on.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
GOLD = Path(__file__).parent


def _codes(path: Path) -> dict[str, tuple[set[str], dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {
            r["id"]: (
                {c for c in r["codes"].split(";") if c},
                dict(s.split("=", 1) for s in r["stances"].split(";") if "=" in s),
            )
            for r in csv.DictReader(handle)
        }


def main() -> None:
    """Print the held-out scores of the shipped default coder and of the two people."""
    from coding.codebook import load_codebook
    from coding.hybrid.coder import HybridCoder, shipped_weights
    from coding.ingest.normalize import match_view
    from coding.metrics import by_dimension, f1_difference, score_coders, stance_accuracy

    if len(sys.argv) != 2 or not (GOLD / sys.argv[1]).is_dir():
        sys.exit("usage: python tests/data/gold/score_heldout.py <held-out folder, e.g. heldout3>")
    folder = GOLD / sys.argv[1]
    parts = sorted(p.name[4:-9] for p in folder.glob("part*.gold.csv"))
    here = folder
    book = load_codebook()
    weights = shipped_weights(book)
    if weights is None:
        sys.exit("no model is shipped for this codebook")
    learned = [s for s in weights.made_from["sets"] if s.startswith(f"{folder.name}/")]
    if learned:
        sys.exit(f"{weights.coder} learned from {', '.join(learned)}: that is no held-out score")
    rows, gold, people = [], {}, {"coder1": {}, "coder2": {}}
    for part in parts:
        with open(here / f"part{part}.csv", encoding="utf-8", newline="") as handle:
            rows += list(csv.DictReader(handle))
        gold.update(_codes(here / f"part{part}.gold.csv"))
        for i in (1, 2):
            people[f"coder{i}"].update(_codes(here / f"part{part}.codes{i}.csv"))
    coder = HybridCoder(book, weights)
    views, proba = coder.analyse(
        [match_view(r["text"]) for r in rows],
        None,
        [r["role"] or None for r in rows],
        [match_view(r["question"]) or None for r in rows],
    )
    hybrid = [
        {c.code_id: c.stance for c in coder.combine(v, c, p)}
        for (v, c), p in zip(views, proba, strict=True)
    ]
    ruled = [{c.code_id: c.stance for c in codings} for _, codings in views]
    truth = [gold[r["id"]][0] for r in rows]
    stances = [gold[r["id"]][1] for r in rows]
    coded = {
        "rules": ruled,
        "hybrid": hybrid,
        **{name: [dict.fromkeys(p[r["id"]][0], "") | p[r["id"]][1] for r in rows]
           for name, p in people.items()},
    }  # fmt: skip
    codes = sorted({c for s in truth for c in s})
    table = by_dimension(score_coders(truth, {k: [set(v) for v in c] for k, c in coded.items()},
                                      codes))  # fmt: skip
    print(
        f"{weights.coder} (codebook {book.version}) on {len(rows)} held-out turns "
        f"(parts {', '.join(parts)}, adjudicated gold)"
    )
    print("micro-F1 per dimension (coder1 and coder2: the two people, against the same gold):")
    wide = table.pivot(index="dimension", columns="coder", values="f1").round(3)
    print(wide[["rules", "hybrid", "coder1", "coder2"]].to_string())
    for name in ("rules", "hybrid"):
        acc = stance_accuracy(stances, coded[name]).round(3)
        print(f"stance accuracy of {name} on codes both it and the gold gave:")
        print(acc.to_string(index=False))

    diff, low, high = f1_difference(truth, hybrid, ruled)
    print(
        f"default coder minus rules: {diff:+.4f} micro-F1, 95% paired bootstrap CI "
        f"{low:+.4f} to {high:+.4f} over {len(rows)} turns"
    )


if __name__ == "__main__":
    main()
