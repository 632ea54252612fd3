"""Make wang_codes.csv: what a (simulated) research assistant codes in the demo.

The assistant's codes are the hand codes of tests/data/gold/gold_dev.csv
(204 interviewee turns of the flower and lighting transcripts, coded by
careful reading); the stance of each code is the rule coder's where it gave
the same code, otherwise 中性. `clusterqda demo` exports a coding sheet for the
assistant, types these answers into it as the assistant would (coding/demo.py,
`fill_sheet`), and imports it. A row with no code_id is a turn read and marked
done with nothing to code.

Run from the repository root after any codebook change:
    python corpora/coding/make_assistant_codes.py
"""

from __future__ import annotations

import csv
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from coding.autocode import code_project  # noqa: E402
from coding.codebook import load_codebook  # noqa: E402
from coding.demo import ASSISTANT_CODES, build_project  # noqa: E402

GOLD = ROOT / "tests" / "data" / "gold" / "gold_dev.csv"
LABEL = {"positive": "正面", "negative": "负面", "neutral": "中性", "mixed": "混合"}


def main() -> None:
    """Write the assistant's codes: the dev gold codes with the rules' stance where they agree."""
    with open(GOLD, encoding="utf-8", newline="") as handle:
        gold = {row["id"]: [c for c in row["codes"].split(";") if c] for row in csv.DictReader(handle)}
    book = load_codebook()
    with tempfile.TemporaryDirectory() as tmp:
        store, _, _ = build_project(Path(tmp) / "p")
        with store:
            code_project(store, book)
            rules = store.codings(book.coder)
            order = list(store.units()["unit_id"])
    stance = dict(zip(zip(rules["unit_id"], rules["code_id"]), rules["stance"], strict=True))
    rows = []
    for unit_id in (u for u in order if u in gold):
        codes = [c for c in book.codes if c in gold[unit_id]]
        rows += [(unit_id, c, LABEL[stance.get((unit_id, c)) or "neutral"]) for c in codes]
        rows += [] if codes else [(unit_id, "", "")]
    with open(ASSISTANT_CODES, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", "code_id", "stance"])
        writer.writerows(rows)
    print(f"wrote {ASSISTANT_CODES.relative_to(ROOT)}: {len(gold)} units, {len(rows)} rows")


if __name__ == "__main__":
    main()
