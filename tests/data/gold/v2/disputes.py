"""Write a set's disputes for adjudication, and build its gold from the decisions.

    python tests/data/gold/v2/disputes.py write B   -> setB.disputes.csv
    python tests/data/gold/v2/disputes.py build B   -> setB.gold.csv
    python tests/data/gold/v2/disputes.py write tests/data/gold/heldout2/partC
                                                    -> partC.disputes.csv beside it

A dispute is a code one coder gave and the other did not, or a code both gave
with different stances. The adjudicator fills `decision` with `keep` or
`drop` (and `stance` for a kept COND/EVAL/AGENCY code). The gold holds the
codes both coders gave (with their stance when they agree) and the kept ones.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).parent
STANCED = ("COND.", "EVAL.", "AGENCY.")


def prefix(name: str) -> Path:
    """Return the path stem of a set: a v2 set's letter, or a path such as heldout2/partC."""
    return Path(name) if "/" in name else HERE / f"set{name}"


def _file(name: str, suffix: str) -> Path:
    stem = prefix(name)
    return stem.with_name(stem.name + suffix)


def _read(path: Path) -> dict[str, tuple[set[str], dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {
            r["id"]: (
                {c for c in r["codes"].split(";") if c},
                dict(s.split("=", 1) for s in r["stances"].split(";") if "=" in s),
            )
            for r in csv.DictReader(handle)
        }


def write(name: str) -> None:
    """Write the disputes of set ``name`` with the turn and its question."""
    with open(_file(name, ".csv"), encoding="utf-8", newline="") as handle:
        turns = {r["id"]: r for r in csv.DictReader(handle)}
    one, two = (_read(_file(name, f".codes{i}.csv")) for i in (1, 2))
    rows = []
    for unit, (codes, stances) in one.items():
        other, other_stances = two[unit]
        for code in sorted(codes ^ other):
            given = "1" if code in codes else "2"
            stance = (stances if given == "1" else other_stances).get(code, "")
            rows.append((unit, code, f"coder{given}", stance, ""))
        for code in sorted(codes & other):
            if code.startswith(STANCED) and stances.get(code) != other_stances.get(code):
                pair = f"{stances.get(code)}|{other_stances.get(code)}"
                rows.append((unit, code, "both (stance differs)", pair, ""))
    with open(_file(name, ".disputes.csv"), "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "code", "given_by", "stance", "decision", "question", "text"])
        for unit, code, by, stance, decision in rows:
            t = turns[unit]
            out.writerow([unit, code, by, stance, decision, t["question"], t["text"]])
    print(f"set {name}: {len(rows)} disputes in {len({r[0] for r in rows})} turns")


def build(name: str) -> None:
    """Build set ``name``'s gold from the agreed codes and the adjudicated disputes."""
    one, two = (_read(_file(name, f".codes{i}.csv")) for i in (1, 2))
    decided: dict[tuple[str, str], tuple[str, str]] = {}
    for path in sorted(prefix(name).parent.glob(f"{prefix(name).name}.disputes*.decided.csv")):
        with open(path, encoding="utf-8", newline="") as handle:
            for r in csv.DictReader(handle):
                decided[(r["id"], r["code"])] = (r["decision"].strip(), r["stance"].strip())
    rows, missing = [], 0
    for unit, (codes, stances) in one.items():
        other, other_stances = two[unit]
        final: dict[str, str] = {}
        for code in sorted(codes | other):
            agreed = code in codes and code in other
            if agreed and stances.get(code) == other_stances.get(code):
                final[code] = stances.get(code, "")
                continue
            decision, stance = decided.get((unit, code), ("", ""))
            if decision not in ("keep", "drop"):
                missing += 1
                continue
            if decision == "keep":
                final[code] = stance if code.startswith(STANCED) else ""
        rows.append(
            (
                unit,
                ";".join(final),
                ";".join(f"{c}={s}" for c, s in final.items() if c.startswith(STANCED) and s),
            )
        )
    if missing:
        raise SystemExit(f"{missing} disputes have no keep/drop decision")
    with open(_file(name, ".gold.csv"), "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "codes", "stances"])
        out.writerows(rows)
    print(f"set {name}: gold of {len(rows)} turns")


if __name__ == "__main__":
    {"write": write, "build": build}[sys.argv[1]](sys.argv[2])
