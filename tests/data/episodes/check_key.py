"""Check a held-out episode key against its transcripts.

Usage: python tests/data/episodes/check_key.py heldout2 [UNITS.csv]
(the key is key_<folder>.csv beside the folder).

The check counts turns in the files themselves, so it needs no clusterqda project:
a turn is a line starting with a speaker label (问/問/答 and a colon); any other
non-empty line after the front matter would continue the previous turn. With the CSV
that `clusterqda export units` writes for an ingested copy, the key's ids are checked
against the project's interviewee units too.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ["episode_id", "cluster", "name", "year_start", "unit_ids"]
LABEL = re.compile(r"^(问|問|答)[：:]")
UNIT = re.compile(r"^(?P<doc>[a-z]+-\d{2})#(?P<turn>[1-9]\d*)$")


@dataclass
class Transcript:
    """One transcript: its front matter and the speaker label of each turn."""

    meta: dict[str, str]
    speakers: list[str]


def read_transcript(path: Path) -> Transcript:
    """Parse the front matter and count labelled turns of one transcript."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0] != "---":
        raise ValueError(f"{path.name}: no front matter")
    end = lines.index("---", 1)
    meta = dict(line.split(": ", 1) for line in lines[1:end])
    speakers: list[str] = []
    for line in lines[end + 1 :]:
        match = LABEL.match(line)
        if match:
            speakers.append("答" if match.group(1) == "答" else "问")
        elif line.strip() and not speakers:
            raise ValueError(f"{path.name}: text before the first turn")
    return Transcript(meta, speakers)


def check(folder: Path, key: Path, units_csv: Path | None = None) -> list[str]:
    """Return a list of problems with the key (empty when it is consistent)."""
    docs = {p.stem: read_transcript(p) for p in sorted(folder.glob("*.txt"))}
    problems: list[str] = []
    for doc_id, doc in docs.items():
        if doc.meta.get("id") != doc_id:
            problems.append(f"{doc_id}: front-matter id {doc.meta.get('id')!r}")
        pairs = doc.speakers.count("问")
        if not 8 <= pairs <= 20:
            problems.append(f"{doc_id}: {pairs} question/answer pairs")
    exported: dict[str, dict[str, str]] = {}
    if units_csv is not None:
        with units_csv.open(encoding="utf-8-sig", newline="") as fh:
            exported = {row["unit_id"]: row for row in csv.DictReader(fh)}
    with key.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            problems.append(f"key columns {reader.fieldnames}")
        rows = list(reader)
    ids = Counter(row["episode_id"] for row in rows)
    problems += [f"episode id {e} repeated" for e, n in ids.items() if n > 1]
    for row in rows:
        eid = row["episode_id"]
        if row["year_start"] and not re.fullmatch(r"(19|20)\d\d", row["year_start"]):
            problems.append(f"{eid}: year_start {row['year_start']!r}")
        if not row["name"].strip():
            problems.append(f"{eid}: no name")
        units = row["unit_ids"].split(";")
        if len(set(units)) != len(units):
            problems.append(f"{eid}: a unit listed twice")
        for unit in units:
            match = UNIT.match(unit)
            if not match:
                problems.append(f"{eid}: unit id {unit!r} does not parse")
                continue
            doc = docs.get(match["doc"])
            turn = int(match["turn"])
            if doc is None:
                problems.append(f"{eid}: {unit} names no transcript")
            elif turn > len(doc.speakers):
                problems.append(f"{eid}: {unit} past the last turn ({len(doc.speakers)})")
            elif doc.speakers[turn - 1] != "答":
                problems.append(f"{eid}: {unit} is an interviewer turn")
            elif doc.meta.get("cluster") != row["cluster"]:
                problems.append(f"{eid}: {unit} is in cluster {doc.meta.get('cluster')}")
            if exported:
                unit_row = exported.get(unit)
                if unit_row is None:
                    problems.append(f"{eid}: {unit} not in the exported units")
                elif unit_row["is_interviewer"] != "False":
                    problems.append(f"{eid}: {unit} is an interviewer unit after ingest")
    return problems


def summary(folder: Path, key: Path) -> str:
    """Counts for the README: files, turns, episodes, triangulated episodes, units."""
    docs = {p.stem: read_transcript(p) for p in sorted(folder.glob("*.txt"))}
    with key.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    units = [row["unit_ids"].split(";") for row in rows]
    tellers = [{u.split("#")[0] for u in us} for us in units]
    return (
        f"files {len(docs)}, turns {sum(len(d.speakers) for d in docs.values())}, "
        f"interviewee turns {sum(d.speakers.count('答') for d in docs.values())}, "
        f"episodes {len(rows)}, told by two or more interviewees "
        f"{sum(len(t) >= 2 for t in tellers)}, key units {sum(map(len, units))} "
        f"({len({u for us in units for u in us})} distinct turns)"
    )


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or not (HERE / sys.argv[1]).is_dir():
        sys.exit("usage: python tests/data/episodes/check_key.py <folder> [UNITS.csv]")
    folder, key = HERE / sys.argv[1], HERE / f"key_{sys.argv[1]}.csv"
    found = check(folder, key, Path(sys.argv[2]) if len(sys.argv) == 3 else None)
    for problem in found:
        print(problem)
    print(summary(folder, key))
    print("OK" if not found else f"{len(found)} problem(s)")
    sys.exit(1 if found else 0)
