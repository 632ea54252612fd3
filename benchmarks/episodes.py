"""Proposing episodes on the benchmark corpus, beside `code` on the same corpus.

Builds a corpus of --mb megabytes from the sample transcripts (``ingest_segment.build_corpus``),
ingests, segments and rule-codes it (``code`` is timed), then times proposing and
describing every cluster's episodes (``coding.episodes.proposed_episodes``) in a fresh
process, whose peak resident memory is reported (``ru_maxrss``). The same is run on a
corpus a quarter the size: a peak that does not grow with the corpus is what proposing
one cluster and one block of interviews at a time buys. Wall and CPU seconds are both
shown, since a shared machine slows the wall clock.

Usage: python benchmarks/episodes.py [--mb 20] [--workers N]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    """Build the corpora, code them, propose episodes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    parser.add_argument("--propose", type=Path, help=argparse.SUPPRESS)  # the child's mode
    args = parser.parse_args()
    if args.propose:
        _propose(args.propose)
        return
    for label, size in (("full", args.mb), ("quarter", args.mb / 4)):
        measure(label, size, args.workers)


def measure(label: str, mb: float, workers: int | None) -> None:
    """Build, code and propose one corpus; print its figures."""
    from benchmarks.ingest_segment import build_corpus
    from coding.autocode import code_project
    from coding.codebook import load_codebook
    from coding.ingest import ingest
    from coding.project import init_project, open_project, project_dictionary
    from coding.segment import segment_project

    book = load_codebook()
    with tempfile.TemporaryDirectory() as tmp:
        size = build_corpus(Path(tmp) / "corpus", mb)
        root = Path(tmp) / "p"
        init_project(root)
        with open_project(root) as store:
            ingest(store, [Path(tmp) / "corpus"], workers=workers)
            segment_project(store, project_dictionary(root), workers=workers)
            report = code_project(store, book, workers=workers)
        child = subprocess.run(
            [sys.executable, __file__, "--propose", str(root)],
            capture_output=True,
            text=True,
            check=True,
        )
        seconds, cpu, episodes, mentions, peak = child.stdout.split()
        print(
            f"[{label}] corpus {size / 1e6:.1f} MB, {report.units:,} units; "
            f"code {report.seconds:.1f} s; propose + describe {float(seconds):.1f} s "
            f"({float(cpu):.1f} s CPU, {float(seconds) / report.seconds:.2f}x code): "
            f"{int(episodes):,} episodes from {int(mentions):,} mentions, "
            f"peak resident memory {float(peak):.0f} MB"
        )


def _propose(root: Path) -> None:
    """Propose every cluster's episodes in this (fresh) process; print time and peak memory."""
    from coding.codebook import load_codebook
    from coding.episodes import episode_table, proposed_episodes
    from coding.project import open_project

    with open_project(root) as store:
        started, cpu = time.perf_counter(), time.process_time()
        table = episode_table(proposed_episodes(store, load_codebook()))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(f"{seconds:.2f} {cpu:.2f} {len(table)} {int(table['n_units'].sum())} {peak:.0f}")


if __name__ == "__main__":
    main()
