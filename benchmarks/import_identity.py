"""Fingerprints of what `import qdpx` stores, to show a faster import stores the same.

Imports a .qdpx into a fresh copy of a project (an empty one, or a given
project folder, to take the path where documents already exist) and writes one
JSON file: a SHA-256 and a row count per table (documents, units, the codings
view, coded_units, coders; times left out, since they differ by run), of the
imported codebook YAML if one was written, and the summary of the same file
imported with ``--dry-run`` and for real (``as_json``, paths made relative).
Two fingerprints are compared with ``compare``: same numbers, same import.

Usage:
  python benchmarks/import_identity.py make OUT_DIR [--mb 5]   # the benchmark's .qdpx
  python benchmarks/import_identity.py dump FILE.qdpx OUT.json [--into PROJECT] [--workers N]
  python benchmarks/import_identity.py compare A.json B.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# each table in a fixed order; the columns holding times are left out
TABLES = {
    "documents": "SELECT rowid, doc_id, path, content_hash, encoding, cluster, metadata,"
    " original_text, text FROM documents ORDER BY rowid",
    "units": 'SELECT rowid, unit_id, doc_id, turn, speaker, is_interviewer, start, "end",'
    " timestamp, text, match_text FROM units ORDER BY rowid",
    "codings": 'SELECT coding_id, unit_id, code_id, coder, stance, start, "end", evidence,'
    " rule_id, terms, probability FROM codings ORDER BY coding_id",
    # each coder's codings in its own order: what a layout storing two coders' shared
    # codings as one row (coding_ids apart from the other coder's) keeps
    "codings_by_coder": 'SELECT unit_id, code_id, coder, stance, start, "end", evidence,'
    " rule_id, terms, probability FROM codings ORDER BY coder, coding_id",
    "codings_by_content": 'SELECT unit_id, code_id, coder, stance, start, "end", evidence,'
    " rule_id, terms, probability FROM codings ORDER BY 1, 2, 3, 5, 6, 4",
    "coded_units": "SELECT unit_id, coder, scope FROM coded_units ORDER BY 1, 2",
    "coders": "SELECT rowid, coder, kind, codebook_hash, codebook_version FROM coders"
    " ORDER BY rowid",
    "search": "SELECT u.unit_id FROM unit_search s JOIN units u ON u.rowid = s.rowid"
    " WHERE unit_search MATCH '\"我们的\"' ORDER BY 1",
}


def _digest(rows) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    for row in rows:
        h.update(repr(tuple(row)).encode("utf-8"))
        h.update(b"\n")
        n += 1
    return h.hexdigest(), n


def _summary(summary, root: Path) -> dict:
    data = summary.as_json()
    data["file"] = Path(data["file"]).name
    if data["codebook"]:
        data["codebook"] = str(Path(data["codebook"]).relative_to(root))
    return data


def dump(qdpx: Path, out: Path, into: Path | None, workers: int | None = None) -> dict:
    """Import ``qdpx`` (dry run, then for real) into a fresh project; write its fingerprint.

    ``workers`` as ``import_qdpx`` takes it: 1 reads the file in this process, 2 in a
    second one, None lets the import choose.
    """
    from coding.codebook import load_codebook
    from coding.exchange import import_qdpx
    from coding.project import init_project, open_project, project_codebook

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "p"
        if into is None:
            init_project(project)
        else:
            shutil.copytree(into, project)
        with open_project(project) as store:
            book = load_codebook(project_codebook(project, None))
            dry = import_qdpx(store, book, qdpx, dry_run=True, root=project, workers=workers)
            done = import_qdpx(store, book, qdpx, root=project, workers=workers)
            conn = store.conn
            tables = {name: _digest(conn.execute(sql)) for name, sql in TABLES.items()}
        books = sorted((project / "codebooks").glob("imported_*.yaml"))
        result = {
            "file": qdpx.name,
            "into": into.name if into else None,
            "tables": tables,
            "codebooks": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in books},
            "dry_run": _summary(dry, project),
            "imported": _summary(done, project),
        }
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result


def compare(a: Path, b: Path) -> bool:
    """Print every difference between two fingerprints; return whether they are equal."""
    left, right = (json.loads(p.read_text(encoding="utf-8")) for p in (a, b))
    same = True
    for key in sorted(set(left) | set(right)):
        if left.get(key) != right.get(key):
            same = False
            if isinstance(left.get(key), dict) and isinstance(right.get(key), dict):
                for sub in sorted(set(left[key]) | set(right[key])):
                    if left[key].get(sub) != right[key].get(sub):
                        print(f"{key}.{sub}: {left[key].get(sub)!r} != {right[key].get(sub)!r}")
            else:
                print(f"{key}: {left.get(key)!r} != {right.get(key)!r}")
    counts = {k: v[1] for k, v in left["tables"].items()}
    print(("IDENTICAL " if same else "DIFFERENT ") + f"{a.name} {b.name} rows {counts}")
    return same


def make(out: Path, megabytes: float) -> Path:
    """Build, ingest, rule-code and export the benchmark corpus; return the .qdpx."""
    from benchmarks.ingest_segment import build_corpus
    from coding.autocode import code_project
    from coding.codebook import load_codebook
    from coding.exchange import export_qdpx
    from coding.ingest import ingest
    from coding.project import init_project, open_project

    out.mkdir(parents=True, exist_ok=True)
    qdpx = out / f"bench{megabytes:g}.qdpx"
    with tempfile.TemporaryDirectory() as tmp:
        corpus, project = Path(tmp) / "corpus", Path(tmp) / "p"
        build_corpus(corpus, megabytes)
        init_project(project)
        book = load_codebook()
        with open_project(project) as store:
            ingest(store, [corpus])
            code_project(store, book)
            export_qdpx(store, book, qdpx)
    return qdpx


def main() -> None:
    """Run one of make, dump, compare."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("make")
    p.add_argument("out", type=Path)
    p.add_argument("--mb", type=float, default=5.0)
    p = sub.add_parser("dump")
    p.add_argument("qdpx", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--into", type=Path, default=None)
    p.add_argument("--workers", type=int, default=None)
    p = sub.add_parser("compare")
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.command == "make":
        print(make(args.out, args.mb))
    elif args.command == "dump":
        dump(args.qdpx, args.out, args.into, args.workers)
    else:
        sys.exit(0 if compare(args.a, args.b) else 1)


if __name__ == "__main__":
    main()
