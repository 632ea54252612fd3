"""Ingest + segment throughput against plain single-process ``jieba.lcut``.

Builds a corpus of at least --mb megabytes from the bundled sample
transcripts, then measures in one run:

* baseline: ``jieba.lcut`` over the same texts, one process, default dictionary;
* the whole clusterqda path (ingest -> segment into a fresh project) with the
  jieba engine, the rjieba engine, and ``auto`` (the default: rjieba once it
  has cut a sample exactly like jieba), each in a fresh child process so
  that its peak memory (ru_maxrss of the process and its workers) is its own;
* the same path on a corpus a quarter the size, to show that peak memory does
  not grow with the corpus.

Each pipeline runs --repeat times (default 3) and the median run is shown.

With --index-share it measures instead what the search index adds to ingest
(without segmenting, where its share is largest): the corpus ingested into a
project with the index and into one whose index is a view that keeps nothing
(as ``benchmarks/query.py`` does), alternately, each in a fresh process; CPU
time of the process and its workers (steadier than wall time on a busy
machine), the least of --repeat runs.

Usage: python benchmarks/ingest_segment.py [--mb 20] [--workers N] [--repeat 3] [--index-share]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_corpus(folder: Path, megabytes: float) -> int:
    """Write copies of the sample transcripts (each with its own id) until big enough."""
    from coding.ingest import collect_files, parse_document
    from coding.project import SAMPLE_CORPORA

    samples = [parse_document(p) for p in collect_files([SAMPLE_CORPORA])]
    bodies = [(d.doc_id, d.cluster or "未指定", d.text.split("\n---\n", 1)[-1]) for d in samples]
    target = int(megabytes * 1024 * 1024)
    written = copy = 0
    folder.mkdir(parents=True, exist_ok=True)
    while written < target:
        for doc_id, cluster, body in bodies:
            text = f"---\nid: {doc_id}-{copy:05d}\ncluster: {cluster}\n---\n{body}"
            data = text.encode("utf-8")
            (folder / f"{doc_id}-{copy:05d}.txt").write_bytes(data)
            written += len(data)
        copy += 1
    return written


def corpus_texts(folder: Path):
    """Yield the texts the baseline cuts: each file's transcript body."""
    for path in sorted(folder.glob("*.txt")):
        yield path.read_text(encoding="utf-8").split("\n---\n", 1)[1]


def baseline(folder: Path) -> tuple[int, float]:
    """Return (characters, seconds) for plain jieba.lcut over the corpus."""
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    chars = 0
    started = time.perf_counter()
    for text in corpus_texts(folder):
        jieba.lcut(text)
        chars += len(text)
    return chars, time.perf_counter() - started


def run_pipeline(folder: Path, engine: str, workers: int | None) -> dict:
    """Ingest and segment ``folder`` into a fresh project (called in a child process)."""
    from coding.ingest import ingest
    from coding.project import init_project, open_project
    from coding.segment import segment_project, user_dictionary

    user_dictionary()  # warm imports outside the timed region
    with tempfile.TemporaryDirectory() as tmp:
        init_project(tmp)
        with open_project(tmp) as store:
            started = time.perf_counter()
            ingested = ingest(store, [folder], workers=workers, engine=engine)
            middle = time.perf_counter()
            segmented = segment_project(store, engine=engine, workers=workers)
            ended = time.perf_counter()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "engine": ingested.engine,
        "documents": len(ingested.added),
        "units": ingested.segmented + segmented.units,
        "ingest_s": middle - started,
        "segment_s": ended - middle,
        "total_s": ended - started,
        "peak_main_mb": own / 1024,
        "peak_worker_mb": kids / 1024,
    }


def index_run(folder: Path, with_index: bool) -> dict:
    """Ingest ``folder`` without segmenting, with or without the index (in a child process)."""
    from coding.ingest import ingest
    from coding.project import init_project, open_project

    def cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    with tempfile.TemporaryDirectory() as tmp:
        init_project(tmp)
        with open_project(tmp) as store:
            if not with_index:  # a view that takes the same inserts and keeps nothing
                for statement in (
                    "DROP TABLE unit_search_terms",
                    "DROP TABLE unit_search",
                    "CREATE VIEW unit_search(rowid, body) AS SELECT 0, '' WHERE 0",
                    "CREATE TRIGGER unit_search_ignore INSTEAD OF INSERT ON unit_search"
                    " BEGIN SELECT 1; END",
                ):
                    store.conn.execute(statement)
            started, spent = time.perf_counter(), cpu()
            ingest(store, [folder], segment=False)
            return {"wall_s": time.perf_counter() - started, "cpu_s": cpu() - spent}


def index_share(folder: Path, repeat: int) -> None:
    """Print the ingest's CPU and wall time with and without the search index."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from benchmarks.ingest_segment import index_run; from pathlib import Path;"
        "print(json.dumps(index_run(Path(sys.argv[2]), sys.argv[3] == '1')))"
    )
    runs: dict[bool, list[dict]] = {False: [], True: []}
    for _ in range(repeat):  # alternately, so that a busy spell hits both
        for with_index in (False, True):
            out = subprocess.run(
                [sys.executable, "-c", code, str(ROOT), str(folder), str(int(with_index))],
                check=True,
                capture_output=True,
                text=True,
            )
            runs[with_index].append(json.loads(out.stdout.strip().splitlines()[-1]))
    for key, name in (("cpu_s", "CPU (process and workers)"), ("wall_s", "wall")):
        bare = min(r[key] for r in runs[False])
        indexed = min(r[key] for r in runs[True])
        print(
            f"ingest without segmenting, {name}, least of {repeat}: {bare:.2f} s without "
            f"the index, {indexed:.2f} s with it (+{indexed / bare - 1:.0%}); runs "
            f"{', '.join(f'{r[key]:.2f}' for r in runs[False])} and "
            f"{', '.join(f'{r[key]:.2f}' for r in runs[True])} s"
        )


def in_child(folder: Path, engine: str, workers: int | None) -> dict:
    """Run ``run_pipeline`` in a fresh interpreter and return its figures."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from benchmarks.ingest_segment import run_pipeline;"
        "from pathlib import Path;"
        "w = None if sys.argv[4] == 'None' else int(sys.argv[4]);"
        "print(json.dumps(run_pipeline(Path(sys.argv[2]), sys.argv[3], w)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), str(folder), engine, str(workers)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Build the corpora, run the baseline and the pipeline, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each pipeline; the median is shown"
    )
    parser.add_argument(
        "--index-share", action="store_true", help="measure what the search index adds instead"
    )
    args = parser.parse_args()
    from coding.segment import rjieba_available

    if args.index_share:
        with tempfile.TemporaryDirectory() as tmp:
            size = build_corpus(Path(tmp) / "corpus", args.mb)
            print(f"corpus: {size / 1e6:.1f} MB; cores: {os.cpu_count()}")
            index_share(Path(tmp) / "corpus", args.repeat)
        return

    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big", Path(tmp) / "small"
        size = build_corpus(big, args.mb)
        small_size = build_corpus(small, args.mb / 4)
        print(
            f"corpus: {size / 1e6:.1f} MB in {len(list(big.glob('*.txt')))} files; "
            f"small corpus {small_size / 1e6:.1f} MB; cores: {os.cpu_count()}"
        )
        # The baseline is timed before and after the pipeline runs and averaged:
        # on a shared machine one run alone can be off by a fifth.
        chars, first = baseline(big)
        small_chars = sum(len(t) for t in corpus_texts(small))
        results = []
        engines = ["jieba"] + (["rjieba"] if rjieba_available() else [])
        runs = [(e, label, f) for e in engines for label, f in (("full", big), ("quarter", small))]
        if rjieba_available():  # the default: rjieba after checking a sample against jieba
            runs.append(("auto", "full", big))
        for engine, label, folder in runs:
            # Runs of a few seconds swing by a fifth on a shared machine: take the median.
            timed = sorted(
                (in_child(folder, engine, args.workers) for _ in range(args.repeat)),
                key=lambda r: r["total_s"],
            )
            median = timed[len(timed) // 2]
            median["range"] = (timed[0]["total_s"], timed[-1]["total_s"])
            results.append((engine, label, folder, median))
        _, second = baseline(big)
        base = chars / ((first + second) / 2)
        print(
            f"baseline jieba.lcut, 1 process: {chars:,} chars in {first:.1f} s and "
            f"{second:.1f} s = {base / 1e6:.2f} M chars/s (mean)"
        )
        for engine, label, folder, r in results:
            # Both sides divide the same corpus (transcript bodies) by their time.
            corpus_chars = chars if folder is big else small_chars
            speed = corpus_chars / r["total_s"]
            print(
                f"clusterqda ingest+segment [{engine}, {label}]: {corpus_chars:,} chars, "
                f"{r['units']:,} units; ingest {r['ingest_s']:.1f} s + segment "
                f"{r['segment_s']:.1f} s = {speed / 1e6:.2f} M chars/s "
                f"= {speed / base:.2f}x baseline; peak RSS main {r['peak_main_mb']:.0f} MB, "
                f"largest worker {r['peak_worker_mb']:.0f} MB; median of {args.repeat} runs "
                f"({r['range'][0]:.1f}–{r['range'][1]:.1f} s)"
            )


if __name__ == "__main__":
    main()
