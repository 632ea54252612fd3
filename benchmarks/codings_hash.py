"""A hash of every coding, to show that a change to storage or speed changed no coding.

Three sources, each hashed over what a coding is (unit, code, coder, stance, start,
end, evidence, rule, plus the rule's terms and a model's probability):

* ``db PATH``: a project database (read with plain SQL from the ``codings`` the
  readers see, whatever layout stands behind it);
* ``demo``: ``clusterqda demo`` into a temporary folder, then its database;
* ``gold``: ``clusterqda code-table`` over the dev gold (both coders), its CSVs.

Usage: python benchmarks/codings_hash.py demo|gold|db PATH
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLD = sorted((ROOT / "tests" / "data" / "gold").glob("gold_*.csv"))
COLUMNS = 'unit_id, code_id, coder, stance, start, "end", evidence, rule_id, terms, probability'


def codings_hash(db: Path) -> tuple[dict[str, int], str]:
    """Return the number of codings per coder and a SHA-256 over all of them, sorted."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(f"SELECT {COLUMNS} FROM codings").fetchall()
    finally:
        conn.close()
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    # terms are compared as lists (not as their JSON spelling), probability by its repr
    canonical = sorted(
        (*row[:8], json.dumps(json.loads(row[8]) if row[8] else None, ensure_ascii=False),
         repr(row[9]))
        for row in rows
    )  # fmt: skip
    for row in canonical:
        digest.update(repr(row).encode("utf-8"))
        counts[row[2]] = counts.get(row[2], 0) + 1
    return counts, digest.hexdigest()


def demo_hash() -> tuple[dict[str, int], str]:
    """Run ``clusterqda demo`` in a temporary folder and hash its codings."""
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "demo"
        subprocess.run(
            [sys.executable, "-m", "cli", "demo", "--project", str(project)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        return codings_hash(project / "clusterqda.sqlite")


def gold_hash() -> tuple[dict[str, int], str]:
    """Code the dev gold with ``code-table`` (both coders); hash the CSVs written."""
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in GOLD:
            header = path.open(encoding="utf-8").readline().strip().split(",")
            question = ["--question-col", "question"] if "question" in header else []
            for coder in ("rules", "hybrid"):
                out = Path(tmp) / f"{path.stem}-{coder}.csv"
                subprocess.run(
                    [sys.executable, "-m", "cli", "code-table", str(path), "--text-col", "text",
                     "--id-col", "id", "--role-col", "role", *question,
                     "--coder", coder, "--out", str(out)],
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                )  # fmt: skip
                data = out.read_bytes()
                digest.update(data)
                counts[f"{path.stem}/{coder}"] = data.count(b"\n") - 1
    return counts, digest.hexdigest()


def main() -> None:
    """Print the codings per coder and the hash of one source."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", choices=["demo", "gold", "db"])
    parser.add_argument("path", nargs="?", type=Path, help="the database, for 'db'")
    args = parser.parse_args()
    if args.source == "db":
        if args.path is None:
            parser.error("db needs the database path")
        counts, digest = codings_hash(args.path)
    else:
        counts, digest = demo_hash() if args.source == "demo" else gold_hash()
    for name, n in counts.items():
        print(f"{name}: {n:,}")
    print(f"{args.source} codings sha256 {digest}")


if __name__ == "__main__":
    main()
