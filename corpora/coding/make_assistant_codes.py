"""Make wang_codes.csv and li_codes.csv: what two (simulated) research assistants code in the demo.

The assistant's codes are the hand codes of tests/data/gold/gold_dev.csv
(204 interviewee turns of the flower and lighting transcripts, coded by
careful reading); the stance of each code is the rule coder's where it gave
the same code, otherwise 中性. `clusterqda demo` exports a coding sheet for the
assistant, types these answers into it as the assistant would (coding/demo.py,
`fill_sheet`), and imports it. A row with no code_id is a turn read and marked
done with nothing to code.

li_codes.csv is a second assistant who codes 30 turns of each of the two
clusters again, blind, so that the demo has double-coded units: people's
agreement can be measured and their disagreements adjudicated. It is a
*simulation*, said as such wherever it is used: the same dev gold, with
disagreements drawn at random (fixed seed) at rates typical of two trained
coders: a code of a concrete dimension (ACT, FORM, CA) is missed 8% of the
time and one of its sibling codes given instead 4%; of an interpretive
dimension (GOAL, EVAL, AGENCY, MODE, COND) missed 22% and swapped 10%.

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
SECOND = ROOT / "corpora" / "coding" / "li_codes.csv"
SECOND_PER_CLUSTER = 30
CONCRETE = ("ACT", "FORM", "CA")
RATES = {True: (0.08, 0.04), False: (0.22, 0.10)}  # concrete? -> (miss, swap)
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
    _write(ASSISTANT_CODES, rows)
    print(f"wrote {ASSISTANT_CODES.relative_to(ROOT)}: {len(gold)} units, {len(rows)} rows")
    second = _second_coder(gold, [u for u in order if u in gold], book, stance)
    _write(SECOND, second)
    print(f"wrote {SECOND.relative_to(ROOT)}: {len({r[0] for r in second})} units")


def _second_coder(gold, order, book, stance) -> list[tuple[str, str, str]]:
    """Recode every third gold turn (30 per cluster) with simulated, seeded disagreements."""
    import random

    rng = random.Random(20261204)
    picked: list[str] = []
    for prefix in ("flowers", "lighting"):
        units = [u for u in order if u.startswith(prefix)]
        picked += units[::3][:SECOND_PER_CLUSTER]
    rows = []
    for unit_id in picked:
        codes = []
        for code in (c for c in book.codes if c in gold[unit_id]):
            dimension = code.split(".")[0]
            miss, swap = RATES[dimension in CONCRETE]
            draw = rng.random()
            if draw < miss:
                continue
            if draw < miss + swap:
                siblings = [c for c in book.codes if c.split(".")[0] == dimension and c != code]
                code = rng.choice(siblings)
            codes.append(code)
        codes = list(dict.fromkeys(codes))
        rows += [(unit_id, c, LABEL[stance.get((unit_id, c)) or "neutral"]) for c in codes]
        rows += [] if codes else [(unit_id, "", "")]
    return rows


def _write(path: Path, rows: list[tuple[str, str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", "code_id", "stance"])
        writer.writerows(rows)


if __name__ == "__main__":
    main()
