"""Check key_heldout3.csv against the transcripts in heldout3/ (run: python check_key3.py).

Turns are counted in the files themselves, so no clusterqda project is needed: after
the front matter every non-empty line starts with a speaker label (问/問/答 and a
full-width colon), numbered from 1. Optionally pass the CSV written by
`clusterqda export units` to check the same ids against an ingested project too.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FOLDER = HERE / "heldout3"
KEY = HERE / "key_heldout3.csv"
COLUMNS = ["episode_id", "cluster", "name", "year_start", "unit_ids"]
LABEL = re.compile(r"^(问|問|答)：")
UNIT = re.compile(r"^([a-z]+-\d{2})#(\d+)$")


def read_transcript(path: Path) -> tuple[dict[str, str], list[str]]:
    """Front-matter fields and the speaker label of each turn, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if lines[0] != "---":
        raise ValueError(f"{path.name}: no front matter")
    end = lines.index("---", 1)
    meta = dict(line.split(": ", 1) for line in lines[1:end])
    speakers = []
    for line in lines[end + 1 :]:
        if not line.strip():
            continue
        match = LABEL.match(line)
        if match is None:
            raise ValueError(f"{path.name}: line without a speaker label: {line[:30]}")
        speakers.append(match.group(1))
    return meta, speakers


def check(units_csv: Path | None = None) -> list[str]:
    """Every problem found in the key; an empty list means the key is consistent."""
    problems: list[str] = []
    docs = {p.stem: read_transcript(p) for p in sorted(FOLDER.glob("*.txt"))}
    for doc, (meta, speakers) in docs.items():
        if meta.get("id") != doc:
            problems.append(f"{doc}: id field {meta.get('id')!r} differs from the file name")
        pairs = speakers.count("答")
        if not 8 <= pairs <= 20:
            problems.append(f"{doc}: {pairs} answers, expected 8-20")
    exported: dict[str, dict[str, str]] = {}
    if units_csv is not None:
        with units_csv.open(encoding="utf-8-sig") as fh:
            exported = {row["unit_id"]: row for row in csv.DictReader(fh)}
    with KEY.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            problems.append(f"columns {reader.fieldnames} != {COLUMNS}")
        rows = list(reader)
    seen: set[str] = set()
    for row in rows:
        eid = row["episode_id"]
        if eid in seen:
            problems.append(f"{eid}: duplicate episode id")
        seen.add(eid)
        if row["year_start"] and not re.fullmatch(r"(19|20)\d\d", row["year_start"]):
            problems.append(f"{eid}: bad year_start {row['year_start']!r}")
        ids = row["unit_ids"].split(";")
        if len(ids) != len(set(ids)):
            problems.append(f"{eid}: a unit is listed twice")
        for unit in ids:
            match = UNIT.match(unit)
            if match is None:
                problems.append(f"{eid}: unparsable unit id {unit!r}")
                continue
            doc, turn = match.group(1), int(match.group(2))
            if doc not in docs:
                problems.append(f"{eid}: no transcript {doc}")
                continue
            meta, speakers = docs[doc]
            if meta.get("cluster") != row["cluster"]:
                problems.append(f"{eid}: {unit} is in cluster {meta.get('cluster')}")
            if not 1 <= turn <= len(speakers):
                problems.append(f"{eid}: {unit} past the last turn ({len(speakers)})")
            elif speakers[turn - 1] != "答":
                problems.append(f"{eid}: {unit} is an interviewer turn")
            if exported:
                unit_row = exported.get(unit)
                if unit_row is None:
                    problems.append(f"{eid}: {unit} not in the exported units")
                elif unit_row["is_interviewer"] != "False":
                    problems.append(f"{eid}: {unit} is an interviewer unit after ingest")
    return problems


def summary() -> str:
    """Counts of files, turns, episodes, triangulated episodes and key units."""
    turns = sum(len(read_transcript(p)[1]) for p in FOLDER.glob("*.txt"))
    with KEY.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    units = [row["unit_ids"].split(";") for row in rows]
    triangulated = sum(len({u.split("#")[0] for u in ids}) >= 2 for ids in units)
    return (
        f"files {len(list(FOLDER.glob('*.txt')))}, turns {turns}, episodes {len(rows)}, "
        f"triangulated {triangulated}, key units {sum(map(len, units))}"
    )


if __name__ == "__main__":
    found = check(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    for problem in found:
        print(problem)
    print(summary())
    sys.exit(1 if found else 0)
