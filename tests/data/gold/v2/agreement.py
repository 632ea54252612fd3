"""Agreement of the two independent codings of a v2 gold set, per dimension.

Usage (from the repository root): python tests/data/gold/v2/agreement.py B
(or a set's path stem, e.g. tests/data/gold/heldout2/partC)
Prints Krippendorff's alpha per dimension (presence of each code, pooled by
dimension, 95% bootstrap interval over turns) between codes1 and codes2, and
the share of codes both gave with the same stance.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))

from coding.agree import Judged, dimension_agreement  # noqa: E402
from coding.codebook import load_codebook  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from disputes import prefix  # noqa: E402


def read(path: Path) -> dict[str, tuple[frozenset[str], dict[str, str]]]:
    """Return id -> (codes, stances) of one coding file."""
    out = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            codes = frozenset(c for c in row["codes"].split(";") if c)
            stances = dict(s.split("=", 1) for s in row["stances"].split(";") if "=" in s)
            out[row["id"]] = (codes, stances)
    return out


def main(name: str) -> None:
    """Print the agreement of set ``name``'s two codings."""
    book = load_codebook()
    stem = prefix(name)
    first, second = (read(stem.with_name(f"{stem.name}.codes{i}.csv")) for i in (1, 2))
    table = dimension_agreement(
        {u: Judged(c) for u, (c, _) in first.items()},
        {u: Judged(c) for u, (c, _) in second.items()},
        book,
        bootstrap=1000,
    )
    print(f"set {name}: {len(first)} turns coded twice")
    print("dimension  alpha  95% interval    judgements")
    for r in table.itertuples():
        interval = f"[{r.alpha_low:.3f}, {r.alpha_high:.3f}]"
        print(f"{r.dimension:9}  {r.alpha:.3f}  {interval}  {r.n_judgements}")
    both = same = 0
    for unit, (codes, stances) in first.items():
        other_codes, other_stances = second[unit]
        for code in codes & other_codes:
            if code in stances and code in other_stances:
                both += 1
                same += stances[code] == other_stances[code]
    print(f"stance: same on {same} of {both} codes both coders gave ({same / both:.3f})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "B")
