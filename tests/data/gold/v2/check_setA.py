"""Check set A of the v2 gold: columns, ids, code ids, stances and style counts.

Run from the repository root: ``python tests/data/gold/v2/check_setA.py``.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import yaml

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
STYLES = ["official", "grower", "owner", "rambling", "short", "traditional"]
STANCES = {"positive", "negative", "neutral", "mixed"}
STANCE_DIMS = ("COND.", "EVAL.", "AGENCY.")


def codebook_ids() -> set[str]:
    """Return the code ids listed under the codebook's ``codes:`` key."""
    book = yaml.safe_load((ROOT / "codebooks" / "collective_action.yaml").read_text("utf-8"))
    return {entry["id"] for entry in book["codes"]}


def split(cell: str) -> list[str]:
    """Split a ``;``-separated cell, ignoring blanks."""
    return [part for part in str(cell).split(";") if part]


def check(prefix: str = "setA") -> list[str]:
    """Return every problem found in the set's text and code files."""
    problems: list[str] = []
    text = pd.read_csv(HERE / f"{prefix}.csv", dtype=str, keep_default_na=False)
    codes = pd.read_csv(HERE / f"{prefix}.codes1.csv", dtype=str, keep_default_na=False)
    if list(text.columns) != TEXT_COLUMNS:
        problems.append(f"text columns {list(text.columns)}")
    if list(codes.columns) != CODE_COLUMNS:
        problems.append(f"code columns {list(codes.columns)}")
    letter = prefix[-1]
    expected = [f"{letter}-{i:04d}" for i in range(1, len(text) + 1)]
    if list(text["id"]) != expected:
        problems.append("ids are not consecutive and unique")
    if list(codes["id"]) != list(text["id"]):
        problems.append("code rows do not match text rows")
    if (text["text"].str.strip() == "").any():
        problems.append("empty text")
    valid = codebook_ids()
    roles = {c for c in valid if c.startswith("ACT.")}
    for role in sorted(set(text["role"]) - roles):
        problems.append(f"role {role} is not an ACT code")
    for doc, turns in text.groupby("doc", sort=False):
        if list(turns["turn"].astype(int)) != list(range(1, len(turns) + 1)):
            problems.append(f"{doc}: turns not numbered 1..n")
        if not re.fullmatch(rf"{letter}-cl\d\d-i\d", doc):
            problems.append(f"bad doc {doc}")
    for row in codes.itertuples():
        given = split(row.codes)
        for code in given:
            if code not in valid:
                problems.append(f"{row.id}: unknown code {code}")
        if len(given) != len(set(given)):
            problems.append(f"{row.id}: repeated code")
        stanced = {c for c in given if c.startswith(STANCE_DIMS)}
        seen = set()
        for item in split(row.stances):
            code, _, value = item.partition("=")
            seen.add(code)
            if value not in STANCES:
                problems.append(f"{row.id}: bad stance {item}")
            if code not in stanced:
                problems.append(f"{row.id}: stance for uncoded {code}")
        if stanced - seen:
            problems.append(f"{row.id}: no stance for {sorted(stanced - seen)}")
        if row.coder != f"coder1-{prefix}":
            problems.append(f"{row.id}: coder {row.coder}")
    styles = Counter(text["style"])
    for style in STYLES:
        if styles[style] < 120:
            problems.append(f"style {style}: only {styles[style]} turns")
    for style in set(styles) - set(STYLES):
        problems.append(f"unknown style {style}")
    short = text[text["style"] == "short"]["text"].str.len()
    if (short > 20).any():
        problems.append(f"short turns over 20 characters: {int((short > 20).sum())}")
    return problems


def main() -> int:
    """Print the problems and the counts; return 1 when any problem is found."""
    problems = check()
    text = pd.read_csv(HERE / "setA.csv", dtype=str, keep_default_na=False)
    codes = pd.read_csv(HERE / "setA.codes1.csv", dtype=str, keep_default_na=False)
    print(len(text), "turns;", text["doc"].nunique(), "interviews")
    print(Counter(text["style"]))
    print(Counter(text["cluster"]))
    per_code = Counter(c for cell in codes["codes"] for c in split(cell))
    per_dim = Counter(c.split(".")[0] for c in per_code.elements())
    print(dict(per_dim))
    print(sorted(per_code.items()))
    print("\n".join(problems) or "no problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
