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

With ``--before DIR`` (a checkout of older code, e.g. ``git archive main |
tar -x -C DIR``) export and import are also run with that code, on the same
project and file, right after the new code's: before and after from one run,
on the same machine load.

With ``--qdpx FILE`` (a file exported from the corpus of that --mb, as
``benchmarks/import_identity.py make`` writes it) only ingest and import are
measured, ``--repeat`` times each, alternating: the yardstick without the long
rule-coding of the corpus; ``--project DIR`` (that corpus ingested and coded)
adds its export.

Usage: python benchmarks/exchange.py [--mb 20] [--workers N] [--before DIR]
       python benchmarks/exchange.py --mb 5 --qdpx FILE [--project DIR] [--repeat 3]
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
            done = export_qdpx(store, book, qdpx)  # its own choice of workers
            seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        return {"s": seconds, "cpu": cpu, "mb": _peak_mb(), "selections": done.selections}
    from coding.exchange import import_qdpx

    init_project(project)
    with open_project(project) as store:
        started, cpu = time.perf_counter(), _cpu()
        summary = import_qdpx(store, book, qdpx)
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    return {"s": seconds, "cpu": cpu, "mb": _peak_mb(), "rows": summary.coding_rows}


def in_child(*args: str, root: Path = ROOT) -> dict:
    """Run ``step`` in a fresh interpreter, with the code under ``root``; return its figures."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from benchmarks.exchange import step;"
        "print(json.dumps(step(*sys.argv[2:])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(root), *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(corpus: Path, tmp: Path, workers: str, before: Path | None) -> dict:
    """Ingest, code, export and import one corpus (and with the code ``before``);
    return every step's figures."""
    first, second, qdpx = str(tmp / "p1"), str(tmp / "p2"), str(tmp / "p.qdpx")
    figures = {"ingest": in_child("ingest", str(corpus), first, qdpx, workers)}
    figures["code"] = in_child("code", str(corpus), first, qdpx, workers)
    figures["export"] = in_child("export", str(corpus), first, qdpx, workers)
    if before is not None:
        old = str(tmp / "before.qdpx")
        figures["export before"] = in_child("export", str(corpus), first, old, workers, root=before)
    figures["import"] = in_child("import", str(corpus), second, qdpx, workers)
    if before is not None:
        figures["import before"] = in_child(
            "import", str(corpus), str(tmp / "p3"), qdpx, workers, root=before
        )
    figures["qdpx_mb"] = Path(qdpx).stat().st_size / 1e6
    return figures


def _line(name: str, r: dict, ingest: dict) -> str:
    return (
        f"  {name:14s} {r['s']:7.2f} s ({r['s'] / ingest['s']:.2f}x ingest), "
        f"CPU {r['cpu']:6.2f} s ({r['cpu'] / ingest['cpu']:.2f}x ingest), "
        f"peak memory {r['mb']:5.0f} MB"
    )


def main() -> None:
    """Build the corpora, measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    parser.add_argument("--qdpx", type=Path, default=None, help="measure only its import")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step with --qdpx")
    parser.add_argument("--project", type=Path, default=None, help="with --qdpx: export it too")
    parser.add_argument("--before", type=Path, default=None, help="older code to run beside")
    args = parser.parse_args()
    from benchmarks.ingest_segment import build_corpus

    if args.qdpx is not None:
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus"
            written = build_corpus(corpus, args.mb)
            print(
                f"corpus {written / 1e6:.1f} MB; "
                f"{args.qdpx.name} {args.qdpx.stat().st_size / 1e6:.1f} MB"
            )
            for n in range(args.repeat):
                w = str(args.workers)
                ingest = in_child("ingest", str(corpus), f"{tmp}/i{n}", str(args.qdpx), w)
                if args.project is not None:
                    out = f"{tmp}/e{n}.qdpx"
                    exported = in_child("export", str(corpus), str(args.project), out, w)
                    print(
                        f"  run {n + 1}: export {exported['s']:6.2f} s "
                        f"({exported['s'] / ingest['s']:.2f}x) CPU {exported['cpu']:6.2f} s "
                        f"({exported['cpu'] / ingest['cpu']:.2f}x), peak {exported['mb']:.0f} MB"
                    )
                imported = in_child("import", str(corpus), f"{tmp}/m{n}", str(args.qdpx), w)
                print(
                    f"  run {n + 1}: ingest {ingest['s']:6.2f} s CPU {ingest['cpu']:6.2f} s; "
                    f"import {imported['s']:6.2f} s ({imported['s'] / ingest['s']:.2f}x) "
                    f"CPU {imported['cpu']:6.2f} s ({imported['cpu'] / ingest['cpu']:.2f}x), "
                    f"peak {ingest['mb']:.0f} / {imported['mb']:.0f} MB, {imported['rows']:,} rows"
                )
        return

    with tempfile.TemporaryDirectory() as tmp:
        for label, size in (("full", args.mb), ("quarter", args.mb / 4)):
            corpus = Path(tmp) / label / "corpus"
            written = build_corpus(corpus, size)
            f = measure(corpus, Path(tmp) / label, str(args.workers), args.before)
            ingest = f["ingest"]
            print(
                f"[{label}] corpus {written / 1e6:.1f} MB, {ingest['units']:,} units, "
                f"{f['code']['codings']:,} codings; .qdpx {f['qdpx_mb']:.1f} MB"
            )
            for key in ("ingest", "export", "export before", "import", "import before"):
                if key in f:
                    name = key.replace("port", "port qdpx", 1)
                    print(_line(name, f[key], ingest))


if __name__ == "__main__":
    main()
