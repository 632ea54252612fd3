"""The whole path as a researcher runs it (``clusterqda ingest`` then ``clusterqda code``)
beside a hand-written baseline and the speed of its parts.

For each corpus size (default 10 and 20 MB, built from the sample transcripts) it
prints, from one run:

* the whole path: ``clusterqda init``, ``ingest`` and ``code`` (default coder, then
  ``--coder rules`` on a copy of the ingested project), each a new CLI process as a
  user types it, start-up and storage included, with its peak RSS (the process and
  its workers); ``code`` again with nothing left to do, which is its start-up;
* the baseline, in this process: ``jieba.lcut`` over every turn, then pandas
  ``str.contains`` once per codebook term over the turns' matching views;
* the parts, in this process: ``rjieba.cut`` over the same turns, and one
  pyahocorasick automaton of every codebook term over the same views;
* the ratios: the baseline's time over the whole path's, and the whole path's
  over the parts' (the limit the path could approach).

A quarter-size corpus runs the whole path too, to show peak memory does not grow
with the corpus.

Usage: python benchmarks/pipeline.py [--mb 10 20] [--quarter-of 10] [--no-baseline]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CLI = [sys.executable, "-m", "cli"]


@dataclass
class Run:
    """One CLI call: wall time and the peak RSS of it and its workers."""

    seconds: float
    peak_mb: float


def cli(*args: str) -> Run:
    """Run one clusterqda command in a new process as a user would; time it."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [*CLI, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    # wait4 reports the child's peak, and its reaped workers' (RUSAGE_BOTH in the kernel)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        err = child.stderr.read().decode() if child.stderr else ""
        sys.exit(f"clusterqda {' '.join(args)} failed:\n{err}")
    return Run(seconds, usage.ru_maxrss / 1024)


def turns(db: Path) -> tuple[list[str], list[str]]:
    """Return every turn's text and its matching view, as stored."""
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT text, COALESCE(match_text, text) FROM units").fetchall()
    conn.close()
    return [r[0] for r in rows], [r[1] for r in rows]


def baseline(texts: list[str], views: list[str], terms: list[str]) -> tuple[float, float]:
    """Return the seconds of jieba.lcut over the turns and of pandas per term."""
    import jieba
    import pandas as pd

    jieba.setLogLevel(60)
    jieba.initialize()
    started = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    cut = time.perf_counter() - started
    series = pd.Series(views)
    started = time.perf_counter()
    for term in terms:
        series.str.contains(term, regex=False)
    return cut, time.perf_counter() - started


def parts(texts: list[str], views: list[str], terms: list[str]) -> tuple[float, float]:
    """Return the seconds of rjieba over the turns and of Aho-Corasick over the views."""
    import ahocorasick
    import rjieba

    rjieba.cut("预热")  # its dictionary loads on first use
    started = time.perf_counter()
    for text in texts:
        rjieba.cut(text)
    cut = time.perf_counter() - started
    automaton = ahocorasick.Automaton()
    for term in terms:
        automaton.add_word(term, term)
    automaton.make_automaton()
    started = time.perf_counter()
    for view in views:
        for _ in automaton.iter(view):
            pass
    return cut, time.perf_counter() - started


def whole_path(corpus: Path, tmp: Path) -> dict[str, Run]:
    """Run init, ingest, code (default), code again (nothing to do), code --coder rules."""
    project, rules = tmp / "project", tmp / "rules"
    cli("init", str(project))
    runs = {"ingest": cli("ingest", str(corpus), "--project", str(project))}
    shutil.copytree(project, rules)
    runs["code"] = cli("code", "--project", str(project))
    runs["code, nothing to do"] = cli("code", "--project", str(project))
    runs["code --coder rules"] = cli("code", "--project", str(rules), "--coder", "rules")
    shutil.rmtree(rules)
    return runs


def report(mb: float, chars: int, runs: dict[str, Run], base, limit) -> None:
    """Print one corpus's table."""
    path = runs["ingest"].seconds + runs["code"].seconds
    print(f"\n{mb:g} MB corpus, {chars:,} characters of turns")
    print("| step | s | M chars/s | peak RSS MB |")
    print("| --- | --- | --- | --- |")
    for name, run in runs.items():
        print(
            f"| `clusterqda {name}` | {run.seconds:.2f} | {chars / run.seconds / 1e6:.2f} "
            f"| {run.peak_mb:.0f} |"
        )
    print(f"| whole path: ingest + code | {path:.2f} | {chars / path / 1e6:.2f} | |")
    if base:
        cut, contains = base
        print(f"| baseline: jieba.lcut over the turns | {cut:.2f} | {chars / cut / 1e6:.2f} | |")
        print(f"| baseline: pandas str.contains per term | {contains:.2f} | "
              f"{chars / contains / 1e6:.2f} | |")  # fmt: skip
    cut, matched = limit
    print(f"| part: rjieba over the turns | {cut:.2f} | {chars / cut / 1e6:.2f} | |")
    print(f"| part: Aho-Corasick, all terms | {matched:.2f} | {chars / matched / 1e6:.2f} | |")
    rules_path = runs["ingest"].seconds + runs["code --coder rules"].seconds
    if base:
        total = sum(base)
        print(
            f"whole path {path:.2f} s vs baseline {total:.2f} s: {total / path:.2f}x "
            f"(with --coder rules {total / rules_path:.2f}x); "
            f"code alone {base[1] / runs['code'].seconds:.2f}x pandas, "
            f"--coder rules {base[1] / runs['code --coder rules'].seconds:.2f}x"
        )
    print(f"whole path vs the parts' limit ({sum(limit):.2f} s): {path / sum(limit):.1f}x slower")


def main() -> None:
    """Build the corpora, run the whole path, the baseline and the parts; print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[10.0, 20.0])
    parser.add_argument("--quarter-of", type=float, default=10.0, help="0: no memory check")
    parser.add_argument("--no-baseline", action="store_true", help="skip jieba and pandas")
    args = parser.parse_args()

    from benchmarks.ingest_segment import build_corpus
    from coding.codebook import load_codebook

    book = load_codebook()
    terms = sorted(book.terms())
    print(f"codebook {book.version}: {len(terms):,} terms; cores: {os.cpu_count()}")
    for mb in args.mb:
        with tempfile.TemporaryDirectory() as tmp:
            size = build_corpus(Path(tmp) / "corpus", mb)
            print(f"\ncorpus {size / 1e6:.1f} MB, {len(list((Path(tmp) / 'corpus').iterdir()))}"
                  " files")  # fmt: skip
            runs = whole_path(Path(tmp) / "corpus", Path(tmp))
            texts, views = turns(Path(tmp) / "project" / "clusterqda.sqlite")
            chars = sum(map(len, texts))
            base = None if args.no_baseline else baseline(texts, views, terms)
            report(mb, chars, runs, base, parts(texts, views, terms))
    if args.quarter_of:
        with tempfile.TemporaryDirectory() as tmp:
            build_corpus(Path(tmp) / "corpus", args.quarter_of / 4)
            runs = whole_path(Path(tmp) / "corpus", Path(tmp))
            print(f"\nmemory, {args.quarter_of / 4:g} MB corpus: " + ", ".join(
                f"{name} {run.peak_mb:.0f} MB" for name, run in runs.items()))  # fmt: skip


if __name__ == "__main__":
    main()
