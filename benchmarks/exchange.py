"""REFI-QDA export and import of the benchmark corpus, beside `clusterqda ingest` of it.

Builds a corpus of at least --mb megabytes from the sample transcripts
(benchmarks/ingest_segment.build_corpus), then, each step in a fresh
interpreter so that peak memory is its own:

* ingest: `clusterqda ingest` of the corpus (read, normalise, turns, segment);
* export: rule-code the project (not timed), then `export qdpx` of it;
* import: `import qdpx` of that file into a fresh project.

The issue's target: export and import each within 2x of ingest. The same is
run on a corpus a quarter the size: peak memory that does not grow with the
corpus is what streaming the zip buys. CPU seconds (the step's process and its
workers) are shown beside wall seconds: on a shared machine the wall clock
says more about the neighbours than about the code.

Usage: python benchmarks/exchange.py [--mb 20] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """Return the CPU seconds of this process and of its finished workers."""
    return sum(
        r.ru_utime + r.ru_stime
        for r in (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
    )


def step(name: str, corpus: str, project: str, qdpx: str, workers: str) -> dict:
    """Run one step (called in a child process) and return its seconds and peak memory."""
    from coding.codebook import load_codebook
    from coding.project import init_project, open_project

    book = load_codebook()
    w = None if workers == "None" else int(workers)
    if name == "ingest":
        from coding.ingest import ingest

        init_project(project)
        with open_project(project) as store:
            started, cpu = time.perf_counter(), _cpu()
            report = ingest(store, [corpus], workers=w)
            seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        return {"s": seconds, "cpu": cpu, "mb": _peak_mb(), "units": report.units}
    if name == "code":
        from coding.autocode import code_project

        with open_project(project) as store:
            coded = code_project(store, book, workers=w)
        return {"codings": coded.codings}
    if name == "export":
        from coding.exchange import export_qdpx

        with open_project(project) as store:
            started, cpu = time.perf_counter(), _cpu()
            done = export_qdpx(store, book, qdpx)
            seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        return {"s": seconds, "cpu": cpu, "mb": _peak_mb(), "selections": done.selections}
    from coding.exchange import import_qdpx

    init_project(project)
    with open_project(project) as store:
        started, cpu = time.perf_counter(), _cpu()
        summary = import_qdpx(store, book, qdpx)
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    return {"s": seconds, "cpu": cpu, "mb": _peak_mb(), "rows": summary.coding_rows}


def in_child(*args: str) -> dict:
    """Run ``step`` in a fresh interpreter and return its figures."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from benchmarks.exchange import step;"
        "print(json.dumps(step(*sys.argv[2:])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(corpus: Path, tmp: Path, workers: str) -> dict:
    """Ingest, code, export and import one corpus; return every step's figures."""
    first, second, qdpx = str(tmp / "p1"), str(tmp / "p2"), str(tmp / "p.qdpx")
    figures = {"ingest": in_child("ingest", str(corpus), first, qdpx, workers)}
    figures["code"] = in_child("code", str(corpus), first, qdpx, workers)
    figures["export"] = in_child("export", str(corpus), first, qdpx, workers)
    figures["import"] = in_child("import", str(corpus), second, qdpx, workers)
    figures["qdpx_mb"] = Path(qdpx).stat().st_size / 1e6
    return figures


def main() -> None:
    """Build the corpora, measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    args = parser.parse_args()
    from benchmarks.ingest_segment import build_corpus

    with tempfile.TemporaryDirectory() as tmp:
        for label, size in (("full", args.mb), ("quarter", args.mb / 4)):
            corpus = Path(tmp) / label / "corpus"
            written = build_corpus(corpus, size)
            f = measure(corpus, Path(tmp) / label, str(args.workers))
            ingest, export, imported = f["ingest"], f["export"], f["import"]
            print(
                f"[{label}] corpus {written / 1e6:.1f} MB, {ingest['units']:,} units, "
                f"{f['code']['codings']:,} codings; .qdpx {f['qdpx_mb']:.1f} MB"
            )
            for name, r in (("ingest", ingest), ("export qdpx", export), ("import qdpx", imported)):
                print(
                    f"  {name:12s} {r['s']:7.2f} s ({r['s'] / ingest['s']:.2f}x ingest), "
                    f"CPU {r['cpu']:6.2f} s ({r['cpu'] / ingest['cpu']:.2f}x ingest), "
                    f"peak memory {r['mb']:5.0f} MB"
                )


if __name__ == "__main__":
    main()
