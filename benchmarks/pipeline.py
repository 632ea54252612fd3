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

The machine's speed moves between runs (a fifth for the path, more for pandas), so with
``--repeat N`` (default 3) the path's ingest and default ``code`` and the baseline run N
times each, alternating, on one corpus; the tables show the best of the N (as ``timeit``
does: the least disturbed run) and a line gives every round's own ratio beside the ratio
of the bests.

The project's modules are byte-compiled first, as a user's earlier run of the CLI leaves
them: where ``PYTHONDONTWRITEBYTECODE`` is set (some sandboxes), every CLI process would
otherwise compile them again (about 0.04 s a command).

A quarter-size corpus runs the whole path too, to show peak memory does not grow
with the corpus.

Usage: python benchmarks/pipeline.py [--mb 10 20] [--repeat 3] [--quarter-of 10] [--no-baseline]
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
    """One CLI call: wall and CPU time, and the peak RSS of the CLI process and its workers."""

    seconds: float
    cpu: float
    peak_mb: float


# A small launcher: a fresh process of a few MB runs the CLI and reports its child's own
# peak (RUSAGE_CHILDREN: the CLI and the workers it reaped, the largest of them). A child
# forked from this benchmark would report the benchmark's own size, which holds the corpus.
LAUNCHER = """
import resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(code, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, file=sys.stderr)
"""


def cli(*args: str) -> Run:
    """Run one clusterqda command in a new process as a user would; time it."""
    child = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *CLI, *args], cwd=ROOT, capture_output=True, text=True
    )
    *errors, last = child.stderr.strip().splitlines() or [""]
    code, seconds, cpu, peak = last.split()
    if int(code):
        sys.exit(f"clusterqda {' '.join(args)} failed:\n" + "\n".join(errors))
    return Run(float(seconds), float(cpu), int(peak) / 1024)


def turns(db: Path) -> tuple[list[str], list[str]]:
    """Return every turn's text and its matching view, as stored."""
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT text, COALESCE(match_text, text) FROM units").fetchall()
    conn.close()
    return [r[0] for r in rows], [r[1] for r in rows]


class Clock:
    """Wall and CPU seconds of a block run in this process."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.run = Run(time.perf_counter() - self.wall, time.process_time() - self.cpu, 0.0)


def baseline(texts: list[str], views: list[str], terms: list[str]) -> tuple[Run, Run]:
    """Return the times of jieba.lcut over the turns and of pandas per term."""
    import jieba
    import pandas as pd

    jieba.setLogLevel(60)
    jieba.initialize()
    with Clock() as cut:
        for text in texts:
            jieba.lcut(text)
    series = pd.Series(views)
    with Clock() as contains:
        for term in terms:
            series.str.contains(term, regex=False)
    return cut.run, contains.run


def parts(texts: list[str], views: list[str], terms: list[str]) -> tuple[Run, Run]:
    """Return the times of rjieba over the turns and of Aho-Corasick over the views."""
    import ahocorasick
    import rjieba

    rjieba.cut("预热")  # its dictionary loads on first use
    with Clock() as cut:
        for text in texts:
            rjieba.cut(text)
    automaton = ahocorasick.Automaton()
    for term in terms:
        automaton.add_word(term, term)
    automaton.make_automaton()
    with Clock() as matched:
        for view in views:
            for _ in automaton.iter(view):
                pass
    return cut.run, matched.run


def edited_codebook(folder: Path, term: str = "协会牵头") -> Path:
    """Write the shipped codebook with one rule changed: its first code's rule ORed with one
    more term (OR binds loosest, so ``term OR <rule>`` is the rule or the term)."""
    from coding.codebook import SHIPPED, load_codebook

    code = next(iter(load_codebook().codes.values()))
    lines = SHIPPED.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i in range(code.line - 1, len(lines)) if lines[i].strip().startswith("rule:"))
    if lines[at].strip() in ("rule: >-", "rule: >", "rule: |"):
        indent = lines[at + 1][: len(lines[at + 1]) - len(lines[at + 1].lstrip())]
        lines.insert(at + 1, f"{indent}{term} OR\n")
    else:
        key, rule = lines[at].split("rule:", 1)
        lines[at] = f"{key}rule: {term} OR {rule.strip()}\n"
    path = folder / "codebook-edited.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def path_only(corpus: Path, tmp: Path) -> dict[str, Run]:
    """Run init, ingest and code (default) on a new project; remove it."""
    project = tmp / "again"
    cli("init", str(project))
    runs = {"ingest": cli("ingest", str(corpus), "--project", str(project))}
    runs["code"] = cli("code", "--project", str(project))
    shutil.rmtree(project)
    return runs


def best(runs: list[Run]) -> Run:
    """Return the fastest of several runs of one step (its peak: the largest of them)."""
    fastest = min(runs, key=lambda run: run.seconds)
    return Run(fastest.seconds, fastest.cpu, max(run.peak_mb for run in runs))


def whole_path(corpus: Path, tmp: Path) -> dict[str, Run]:
    """Run init, ingest, code (default), code again (nothing to do), code --coder rules,
    then code with one rule edited."""
    project, rules = tmp / "project", tmp / "rules"
    cli("init", str(project))
    runs = {"ingest": cli("ingest", str(corpus), "--project", str(project))}
    shutil.copytree(project, rules)
    runs["code"] = cli("code", "--project", str(project))
    runs["code, nothing to do"] = cli("code", "--project", str(project))
    runs["code --coder rules"] = cli("code", "--project", str(rules), "--coder", "rules")
    edited = edited_codebook(tmp)
    runs["code --coder rules, one rule edited"] = cli(
        "code", "--project", str(rules), "--coder", "rules", "--codebook", str(edited)
    )
    shutil.rmtree(rules)
    return runs


def report(
    mb: float, chars: int, runs: dict[str, Run], base, limit, distinct: int = 0, note: str = ""
) -> None:
    """Print one corpus's table: wall and CPU seconds, and the ratios on each."""
    path = Run(
        *(getattr(runs["ingest"], f) + getattr(runs["code"], f) for f in ("seconds", "cpu")), 0
    )
    rules = Run(
        *(getattr(runs["ingest"], f) + getattr(runs["code --coder rules"], f)
          for f in ("seconds", "cpu")), 0
    )  # fmt: skip
    rows = [(f"`clusterqda {name}`", run) for name, run in runs.items()]
    rows.append(("whole path: ingest + code", path))
    if base:
        rows += [("baseline: `jieba.lcut` over the turns", base[0]),
                 ("baseline: pandas `str.contains` per term", base[1])]  # fmt: skip
    rows += [("part: rjieba over the turns", limit[0]), ("part: Aho-Corasick, all terms", limit[1])]
    # the corpora are copies of the sample transcripts: a cache of texts already coded would
    # be timed here, not coding, so none is kept (see the number of distinct turns)
    print(f"\n{mb:g} MB corpus, {chars:,} characters of turns, {distinct:,} distinct turn texts"
          + note)  # fmt: skip
    print("| step | wall s | CPU s | M chars/s (wall) | peak RSS MB |")
    print("| --- | --- | --- | --- | --- |")
    for name, run in rows:
        peak = f"{run.peak_mb:.0f}" if run.peak_mb else ""
        print(f"| {name} | {run.seconds:.2f} | {run.cpu:.2f} | {chars / run.seconds / 1e6:.2f} "
              f"| {peak} |")  # fmt: skip
    for what, f in (("wall", "seconds"), ("CPU", "cpu")):
        part = sum(getattr(r, f) for r in limit)
        line = f"{what}: whole path {getattr(path, f):.2f} s"
        if base:
            total = sum(getattr(r, f) for r in base)
            line += (
                f" vs baseline {total:.2f} s: {total / getattr(path, f):.2f}x "
                f"(with --coder rules {total / getattr(rules, f):.2f}x); code alone "
                f"{getattr(base[1], f) / getattr(runs['code'], f):.2f}x pandas, --coder rules "
                f"{getattr(base[1], f) / getattr(runs['code --coder rules'], f):.2f}x"
            )
        print(line + f"; {getattr(path, f) / part:.1f}x the parts' limit ({part:.2f} s)")


def precompile() -> None:
    """Byte-compile cli.py and coding/ (what the first run of the CLI writes)."""
    import compileall

    ok = compileall.compile_dir(ROOT / "coding", quiet=1) and compileall.compile_file(
        ROOT / "cli.py", quiet=1
    )
    flag = "set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "not set"
    print(f"project modules byte-compiled first: {'yes' if ok else 'FAILED'}"
          f" (PYTHONDONTWRITEBYTECODE {flag})")  # fmt: skip


def main() -> None:
    """Build the corpora, run the whole path, the baseline and the parts; print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[10.0, 20.0])
    parser.add_argument("--quarter-of", type=float, default=10.0, help="0: no memory check")
    parser.add_argument("--no-baseline", action="store_true", help="skip jieba and pandas")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of path and baseline")
    args = parser.parse_args()

    from benchmarks.ingest_segment import build_corpus
    from coding.codebook import load_codebook

    book = load_codebook()
    terms = sorted(book.terms())
    print(f"codebook {book.version}: {len(terms):,} terms; cores: {os.cpu_count()}")
    precompile()
    for mb in args.mb:
        with tempfile.TemporaryDirectory() as tmp:
            size = build_corpus(Path(tmp) / "corpus", mb)
            print(f"\ncorpus {size / 1e6:.1f} MB, {len(list((Path(tmp) / 'corpus').iterdir()))}"
                  " files")  # fmt: skip
            runs = whole_path(Path(tmp) / "corpus", Path(tmp))
            texts, views = turns(Path(tmp) / "project" / "clusterqda.sqlite")
            chars = sum(map(len, texts))
            rounds, bases = [runs], []
            for again in range(args.repeat):  # alternating: the machine's moods hit both
                if not args.no_baseline:
                    bases.append(baseline(texts, views, terms))
                if again < args.repeat - 1:
                    rounds.append(path_only(Path(tmp) / "corpus", Path(tmp)))
            each = (
                [
                    sum(r.seconds for r in b) / (one["ingest"].seconds + one["code"].seconds)
                    for one, b in zip(rounds, bases, strict=True)
                ]
                if bases
                else []
            )
            for step in ("ingest", "code"):
                runs[step] = best([one[step] for one in rounds])
            base = tuple(best([b[i] for b in bases]) for i in (0, 1)) if bases else None
            note = f"; best of {args.repeat} rounds" if args.repeat > 1 else ""
            report(mb, chars, runs, base, parts(texts, views, terms), len(set(views)), note)
            if len(each) > 1:
                print("wall ratio of each round (its baseline / its path): "
                      + ", ".join(f"{r:.2f}x" for r in each))  # fmt: skip
    if args.quarter_of:
        with tempfile.TemporaryDirectory() as tmp:
            build_corpus(Path(tmp) / "corpus", args.quarter_of / 4)
            runs = whole_path(Path(tmp) / "corpus", Path(tmp))
            peaks = ", ".join(f"{name} {run.peak_mb:.0f}" for name, run in runs.items())
            print(f"\npeak RSS MB, {args.quarter_of / 4:g} MB corpus (beside the tables above): "
                  + peaks)  # fmt: skip


if __name__ == "__main__":
    main()
