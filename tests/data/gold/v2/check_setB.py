"""Check gold set B: columns, ids, code ids, stances and style counts (run once by hand)."""

import csv
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
TEXT_COLUMNS = [
    "id",
    "cluster",
    "trade",
    "region",
    "style",
    "role",
    "doc",
    "turn",
    "question",
    "text",
]
CODE_COLUMNS = ["id", "codes", "stances", "coder"]
STYLES = {"official", "grower", "owner", "rambling", "short", "traditional"}
STANCES = {"positive", "negative", "neutral", "mixed"}
STANCE_DIMENSIONS = ("COND", "EVAL", "AGENCY")


def codebook_ids() -> set[str]:
    """Return the code ids: the keys of `codes:` in the shipped codebook."""
    import yaml

    book = yaml.safe_load((ROOT / "codebooks" / "collective_action.yaml").read_text("utf-8"))
    codes = book["codes"]
    return set(codes) if isinstance(codes, dict) else {c["id"] for c in codes}


def read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    """Read one CSV of the set with its header."""
    with open(HERE / name, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def main() -> int:
    """Print the counts and every problem found; return 1 when there is one."""
    problems: list[str] = []
    head, rows = read("setB.csv")
    chead, codes = read("setB.codes1.csv")
    if head != TEXT_COLUMNS:
        problems.append(f"setB.csv columns {head}")
    if chead != CODE_COLUMNS:
        problems.append(f"setB.codes1.csv columns {chead}")
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        problems.append("duplicate ids")
    if ids != [f"B-{i:04d}" for i in range(1, len(ids) + 1)]:
        problems.append("ids are not B-0001... in order")
    if [c["id"] for c in codes] != ids:
        problems.append("codes1 ids differ from setB ids")
    valid = codebook_ids()
    per_code: Counter[str] = Counter()
    for r, c in zip(rows, codes, strict=True):
        if r["role"] not in valid or not r["role"].startswith("ACT."):
            problems.append(f"{r['id']} role {r['role']}")
        if r["style"] not in STYLES:
            problems.append(f"{r['id']} style {r['style']}")
        n = len(r["text"])
        if r["style"] == "short" and n > 20:
            problems.append(f"{r['id']} short turn of {n} characters")
        if r["style"] == "rambling" and not 150 <= n <= 400:
            problems.append(f"{r['id']} rambling turn of {n} characters")
        if not r["question"].strip() or not r["text"].strip():
            problems.append(f"{r['id']} empty question or text")
        given = [x for x in c["codes"].split(";") if x]
        per_code.update(given)
        for x in given:
            if x not in valid:
                problems.append(f"{r['id']} unknown code {x}")
        stanced = {x for x in given if x.split(".")[0] in STANCE_DIMENSIONS}
        seen = set()
        for s in [x for x in c["stances"].split(";") if x]:
            code, _, value = s.partition("=")
            seen.add(code)
            if value not in STANCES:
                problems.append(f"{r['id']} stance value {s}")
            if code not in stanced:
                problems.append(f"{r['id']} stance for a code not given: {s}")
        if seen != stanced:
            problems.append(f"{r['id']} stance missing for {sorted(stanced - seen)}")
        if c["coder"] != "coder1-setB":
            problems.append(f"{r['id']} coder {c['coder']}")
    styles = Counter(r["style"] for r in rows)
    for s in STYLES:
        if styles[s] < 120:
            problems.append(f"style {s} only {styles[s]} times")
    trad = [r for r in rows if r["style"] == "traditional"]
    simp = sum(1 for r in trad if re.search("[们这个说会们国来时为还对没]", r["text"]))
    print(
        f"turns {len(rows)}; clusters {len(set(r['cluster'] for r in rows))}; "
        f"interviews {len(set(r['doc'] for r in rows))}"
    )
    print("styles", dict(sorted(styles.items())))
    print("traditional turns with simplified-only characters:", simp)
    print("clusters", dict(Counter(r["cluster"] for r in rows)))
    print("roles", dict(Counter(r["role"] for r in rows)))
    print("uncoded turns", sum(1 for c in codes if not c["codes"]))
    dims: Counter[str] = Counter()
    for code, k in per_code.items():
        dims[code.split(".")[0]] += k
    print("codes per dimension", dict(sorted(dims.items())))
    print("per code", dict(sorted(per_code.items())))
    unused = sorted(valid - set(per_code))
    print("codes never given", unused)
    stance_values = Counter(
        s.partition("=")[2] for c in codes for s in c["stances"].split(";") if s
    )
    print("stances", dict(stance_values))
    for p in problems:
        print("PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
