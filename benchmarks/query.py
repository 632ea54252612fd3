"""The query layer on the benchmark corpus: search against pandas, the others against status.

Builds a corpus of at least --mb megabytes from the sample transcripts
(``ingest_segment.build_corpus``), each copy given its original's role from
``corpora/manifest.csv`` (so that ``--by role`` has groups), then in the same run:

* ingest cost of the search index: the same corpus ingested (without
  segmentation, so the index's share is the largest it can be) into a project
  with the index and into one whose index is a view that keeps nothing,
  alternately, each in a fresh process (``ingest_segment.index_run``), --repeat
  times; the least CPU time (the process and its workers: steady on a busy
  machine) and the least wall time;
* search: the exact set of units holding the pattern from the index (one to
  three characters from the index alone, longer ones checked in SQL) against
  ``pandas.Series.str.contains(regex=False)`` over the same units' matching
  views already in memory, for a one-, two-, three- and four-character
  pattern; and the whole concordance;
* the commands as a researcher runs them, start-up included (a fresh
  ``clusterqda`` process each): search, retrieve, words, matrix beside status,
  wall time and the child's CPU time (the CPU time is steadier on a busy machine);
  ``words`` once first on its own, since that run counts every document and caches
  the counts (``word_counts``) that the later runs sum.

With --before DIR (a checkout of earlier code, e.g. ``git worktree add``) each
command of that code is timed too, just before this code's, on the same project.

Usage: python benchmarks/query.py [--mb 20] [--repeat 3] [--keep DIR] [--before DIR]
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PATTERNS = ["花", "联保", "合作社", "龙头企业"]


def best_of(repeat: int, func) -> tuple[float, object]:
    """Return the fastest of ``repeat`` runs (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def give_roles(project: Path) -> None:
    """Give each copied document its original's role (front matter, else the manifest), as
    the demo has them: ``build_corpus`` keeps only id and cluster."""
    from coding.ingest import collect_files, parse_document
    from coding.project import SAMPLE_CORPORA, open_project

    with open(SAMPLE_CORPORA / "manifest.csv", encoding="utf-8", newline="") as handle:
        roles = {row["id"]: row["role"] for row in csv.DictReader(handle)}
    for path in collect_files([SAMPLE_CORPORA]):
        doc = parse_document(path)
        roles[doc.doc_id] = doc.metadata.get("role") or roles.get(doc.doc_id, "")
    with open_project(project) as store, store.transaction():
        for doc_id, role in roles.items():
            store.conn.execute(
                "UPDATE documents SET metadata = json_set(metadata, '$.role', ?)"
                " WHERE doc_id >= ? AND doc_id < ?",
                (role, f"{doc_id}-", f"{doc_id}-\uffff"),
            )


def cli_time(args: list[str], repeat: int, root: Path = ROOT) -> tuple[float, float]:
    """Return the fastest wall time and CPU time (user + system) of a fresh ``clusterqda``
    process (of the code in ``root``)."""
    import resource

    command = [sys.executable, "-c", "from cli import app; app()", *args]
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, cwd=root, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return min(walls), min(cpus)


def main() -> None:
    """Build the corpus and print every measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best is kept)")
    parser.add_argument("--keep", type=Path, help="build the project here and keep it")
    parser.add_argument(
        "--before", type=Path, help="a checkout of earlier code: its commands timed beside"
    )
    args = parser.parse_args()

    from benchmarks.ingest_segment import build_corpus, index_share
    from coding.autocode import code_project
    from coding.codebook import load_codebook
    from coding.ingest import ingest
    from coding.project import init_project, open_project, project_dictionary
    from coding.query.filters import unit_filter
    from coding.query.search import concordance, pattern_view
    from coding.segment import segment_project

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        size = build_corpus(corpus, args.mb)
        print(f"corpus: {size / 1e6:.1f} MB")
        index_share(corpus, args.repeat)
        project = args.keep or Path(tmp) / "p0"
        init_project(project)
        with open_project(project) as store:
            units = ingest(store, [corpus], segment=False).units
        give_roles(project)
        with open_project(project) as store:
            seg = segment_project(store, project_dictionary(project))
            coded = code_project(store, load_codebook())
        print(f"({units} units; segmented {seg.units}, coded {coded.units}: not timed)")

        with open_project(project) as store:
            frame = store.units_with_views()
            views = frame["view"]
            flt = unit_filter()
            print("\nsearch: units containing the pattern (index vs pandas str.contains)")
            for pattern in PATTERNS:
                needle = pattern_view(pattern)
                scan, expected = best_of(
                    args.repeat, lambda n=needle: int(views.str.contains(n, regex=False).sum())
                )
                index, found = best_of(
                    args.repeat,
                    lambda n=needle: len(store.rowids_containing(n, flt)),
                )
                assert found == expected, (pattern, found, expected)
                whole, hits = best_of(args.repeat, lambda p=pattern: concordance(store, p, flt))
                print(
                    f"  {pattern} ({len(pattern)} chars, {found} units): "
                    f"pandas {scan * 1000:.0f} ms, "
                    f"index {index * 1000:.1f} ms ({scan / index:.0f}x); "
                    f"whole concordance of {len(hits)} hits {whole * 1000:.0f} ms"
                )

        print("\ncommands, start-up included (fresh process, best of --repeat): wall, CPU")
        p = ["-p", str(project)]
        status, status_cpu = cli_time(["status", *p], args.repeat)
        print(f"  {'status':<35} {status:.2f} s, CPU {status_cpu:.2f} s")
        # the first words run counts every document once and caches the counts
        first, first_cpu = cli_time(["words", *p], 1)
        print(
            f"  {'words, first run (builds the cache)':<35} {first:.2f} s "
            f"({first / status:.2f} x status), CPU {first_cpu:.2f} s"
            f" ({first_cpu / status_cpu:.2f} x)"
        )
        for label, command in [
            ("search 联保", ["search", "联保", *p]),
            ("search 龙头企业 --word", ["search", "龙头企业", "--word", *p]),
            ("retrieve FORM.FINANCE", ["retrieve", "FORM.FINANCE", *p]),
            ("words", ["words", *p]),
            ("words --by cluster", ["words", "--by", "cluster", *p]),
            ("words --by role", ["words", "--by", "role", *p]),
            ("words --by code", ["words", "--by", "code", *p]),
            ("matrix --by cluster", ["matrix", "--by", "cluster", *p]),
            ("matrix --by role", ["matrix", "--by", "role", *p]),
        ]:
            before = ""
            if args.before:
                try:
                    old_wall, old_cpu = cli_time(command, args.repeat, args.before)
                    before = f"; before: {old_wall:.2f} s, CPU {old_cpu:.2f} s"
                except subprocess.CalledProcessError:  # e.g. a schema newer than it knows
                    before = "; before: failed on this project"
            wall, cpu = cli_time(command, args.repeat)
            print(
                f"  {label:<35} {wall:.2f} s ({wall / status:.2f} x status), "
                f"CPU {cpu:.2f} s ({cpu / status_cpu:.2f} x){before}"
            )


if __name__ == "__main__":
    main()
