"""Proposing episodes on the benchmark corpus, beside `code` on the same corpus.

Builds a corpus of --mb megabytes from the sample transcripts (``ingest_segment.build_corpus``),
ingests, segments and rule-codes it (``code`` is timed), then times proposing and
describing every cluster's episodes (``coding.episodes.proposed_episodes``) in a fresh
process, whose peak resident memory is reported (``ru_maxrss``). Run it at two sizes to
see whether memory grows with the corpus.

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
    """Build the corpus, code it, propose episodes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    parser.add_argument("--propose", type=Path, help=argparse.SUPPRESS)  # the child's mode
    args = parser.parse_args()
    if args.propose:
        _propose(args.propose)
        return

    from benchmarks.ingest_segment import build_corpus
    from coding.autocode import code_project
    from coding.codebook import load_codebook
    from coding.ingest import ingest
    from coding.project import init_project, open_project, project_dictionary
    from coding.segment import segment_project

    book = load_codebook()
    with tempfile.TemporaryDirectory() as tmp:
        size = build_corpus(Path(tmp) / "corpus", args.mb)
        root = Path(tmp) / "p"
        init_project(root)
        with open_project(root) as store:
            ingest(store, [Path(tmp) / "corpus"], workers=args.workers)
            segment_project(store, project_dictionary(root), workers=args.workers)
            report = code_project(store, book, workers=args.workers)
            print(
                f"corpus {size / 1e6:.1f} MB; code: {report.units:,} units in "
                f"{report.seconds:.1f} s"
            )
        child = subprocess.run(
            [sys.executable, __file__, "--propose", str(root)],
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = float(child.stdout.split()[0])
        print(
            f"propose + describe: {' '.join(child.stdout.split()[1:])}; "
            f"{seconds / report.seconds:.2f}x code"
        )


def _propose(root: Path) -> None:
    """Propose every cluster's episodes in this (fresh) process; print time and peak memory."""
    from coding.codebook import load_codebook
    from coding.episodes import episode_table, proposed_episodes
    from coding.project import open_project

    with open_project(root) as store:
        started = time.perf_counter()
        table = episode_table(proposed_episodes(store, load_codebook()))
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(
        f"{seconds:.2f} {len(table):,} episodes from {int(table['n_units'].sum()):,} mentions "
        f"in {seconds:.1f} s, peak resident memory {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
