"""A hash of everything ingest stores, to show that a change for speed changed nothing stored.

Hashed per table, each over its rows sorted:

* documents: every column but ``ingested_at`` (a time);
* units: every column, with the rowid (the search index refers to it);
* tokens: unit, dictionary version, the stored bytes and the tokens decoded
  against the unit's matching view (so a cache that no longer fits shows);
* search index: every (trigram, unit rowid) the FTS5 index holds, read from
  its ``fts5vocab`` table, and FTS5's own integrity check.

Sources: ``db PATH`` (a project database), or ``corpus DIR`` (``clusterqda init``
and ``clusterqda ingest DIR`` into a temporary folder, as a user runs them,
then its database; paths are stored as given, so use the same DIR to compare).

Usage: python benchmarks/ingest_hash.py db PATH | corpus DIR [--engine auto]
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = {
    "documents": "SELECT doc_id, path, content_hash, encoding, cluster, metadata,"
    " original_text, text FROM documents",
    "units": 'SELECT rowid, unit_id, doc_id, turn, speaker, is_interviewer, start, "end",'
    " timestamp, text, match_text FROM units",
    "tokens": "SELECT t.unit_id, t.dict_version, t.tokens, COALESCE(u.match_text, u.text)"
    " FROM tokens t JOIN units u USING (unit_id)",
    "index": "SELECT term, doc FROM unit_search_terms",
}


def ingest_hashes(db: Path) -> dict[str, tuple[int, str]]:
    """Return (rows, SHA-256) per table of what ingest stores."""
    from coding.store.tokencodec import decode_tokens

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    out: dict[str, tuple[int, str]] = {}
    try:
        for name, query in QUERIES.items():
            rows = conn.execute(query).fetchall()
            if name == "tokens":
                rows = [(u, v, bytes(b), decode_tokens(b, view)) for u, v, b, view in rows]
            digest = hashlib.sha256()
            for row in sorted(rows, key=repr):
                digest.update(repr(row).encode("utf-8"))
            out[name] = (len(rows), digest.hexdigest())
        # raises if the index does not hold exactly what units say it should
        conn.execute("INSERT INTO unit_search (unit_search, rank) VALUES ('integrity-check', 0)")
    except sqlite3.OperationalError as exc:
        if "readonly" not in str(exc):
            raise
        # the check writes nothing, but FTS5 opens it as a write: check on a copy
        conn.close()
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "copy.sqlite"
            src = sqlite3.connect(db)
            dst = sqlite3.connect(copy)
            src.backup(dst)
            src.close()
            dst.execute("INSERT INTO unit_search (unit_search, rank) VALUES ('integrity-check', 0)")
            dst.close()
    finally:
        conn.close()
    return out


def corpus_hashes(corpus: Path, engine: str) -> dict[str, tuple[int, str]]:
    """Ingest ``corpus`` with the CLI into a fresh project; hash its database."""
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        for args in (["init", str(project)], ["ingest", str(corpus), "--project", str(project),
                                              "--engine", engine]):  # fmt: skip
            subprocess.run(
                [sys.executable, "-m", "cli", *args], cwd=ROOT, check=True, capture_output=True
            )
        return ingest_hashes(project / "clusterqda.sqlite")


def main() -> None:
    """Print rows and hash per table, and one hash over them all."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", choices=["db", "corpus"])
    parser.add_argument("path", type=Path)
    parser.add_argument("--engine", default="auto")
    args = parser.parse_args()
    if args.source == "db":
        hashes = ingest_hashes(args.path)
    else:
        hashes = corpus_hashes(args.path.resolve(), args.engine)
    for name, (rows, digest) in hashes.items():
        print(f"{name}: {rows:,} rows, sha256 {digest[:16]}")
    whole = hashlib.sha256("".join(d for _, d in hashes.values()).encode()).hexdigest()
    print(f"ingest sha256 {whole}")


if __name__ == "__main__":
    main()
