"""Rebuild the default coder's shipped model from the training gold (never the held-out set).

Usage: python codebooks/models/rebuild.py [--codebook codebooks/collective_action.yaml]

Writes codebooks/models/<codebook name>-<version>.json and .npy (the codes' model and the
learned stance) and .tables.npy (the integer tables made from them, which workers would
otherwise make at every start) and removes the older files of that codebook. The same gold
and codebook give the same version and bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    """Fit, write and describe the model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codebook", type=Path, default=None, help="codebook YAML")
    args = parser.parse_args()

    from coding.codebook import load_codebook
    from coding.hybrid.gold import training_paths
    from coding.hybrid.ship import build_model

    book = load_codebook(args.codebook)
    paths = training_paths()
    weights, path = build_model(book, paths)
    names = ", ".join(p.name for p in paths)
    print(f"trained on {weights.made_from['units']} units from {names}")
    print(f"wrote {path.relative_to(ROOT)} ({len(weights.vocabulary)} features)")
    print(f"coder {weights.coder}")
    policies = {
        p: sorted(c for c, q in weights.policy.items() if q == p) for p in ("union", "model")
    }
    for policy, codes in policies.items():
        print(f"  {policy}: {', '.join(codes) or 'none'}")
    stance = weights.stance
    if stance is not None:
        print(
            f"stance learned for {', '.join(stance.dimensions) or 'no dimension'}; fixed: "
            + ", ".join(f"{c} {s}" for c, s in stance.fixed.items())
        )
        for row in stance.metrics["cross_validated"]:
            print(
                f"  {row['dimension']}: cue words {row['cue']:.3f}, learned {row['learned']:.3f}"
                f" ({row['n']} stances, leave-cluster-out)"
            )


if __name__ == "__main__":
    main()
