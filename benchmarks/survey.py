"""Survey speed: check + ingest + beliefs for 10,000 respondents x 40 items.

Generates a questionnaire of --respondents rows (8 constructs of 5 items, a
quarter of the answers as labels, some blanks, one open answer each), then
times in one process: reading and checking it, ingesting it into a fresh
project, coding the open answers (shown, not part of the target) and building
the attitude and belief data. Target: check + ingest + beliefs in 30 s.

With --scale N [N ...] it times only check + ingest, each size in a fresh
child process, and prints rows, seconds (and the CPU seconds of the child,
steadier on a busy machine), rows/s and the child's peak RSS (and its RSS
after imports, before reading the survey). --baseline DIR runs
the same measurement against another source tree (e.g. an old commit
unpacked with `git archive <commit> | tar -x -C DIR`), stopped after
--timeout seconds.

Usage: python benchmarks/survey.py [--respondents 10000]
       python benchmarks/survey.py --scale 100000 1000000 [--baseline DIR]
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

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LABELS = {1: "非常不同意", 2: "不同意", 3: "一般", 4: "同意", 5: "非常同意"}
ANSWERS = [
    "协会组织我们去参展，效果不错。",
    "同行之间不信任，怕被人抄。",
    "如果政府牵头搞个检测平台就好了。",
    "有的人不交会费，活动照样来。",
    "",
]


def make_survey(folder: Path, n: int, seed: int = 1, block: int = 100_000) -> tuple[Path, Path]:
    """Write a schema and an n-respondent CSV (in blocks, to bound memory); return their paths."""
    constructs = [f"C{i}" for i in range(1, 9)]
    csv = folder / "survey.csv"
    for first in range(0, max(n, 1), block):
        size = min(block, n - first)
        rng = np.random.default_rng([seed, first])
        data = {
            "编号": [f"P{i:07d}" for i in range(first, first + size)],
            "所在集群": rng.choice(["陈村花卉", "古镇灯饰", "大沥铝型材"], size),
            "身份": rng.choice(["政府官员", "协会工作人员", "中小企业"], size),
        }
        for c in constructs:
            latent = rng.normal(3, 0.8, size)
            for j in range(1, 6):
                noise = rng.normal(0, 0.7, size)
                points = np.clip(np.rint(latent + noise), 1, 5).astype(int)
                column = points.astype(str).astype(object)
                as_label = rng.random(size) < 0.25
                column[as_label] = [LABELS[p] for p in points[as_label]]
                column[rng.random(size) < 0.03] = ""
                data[f"{c}_{j}"] = column
        data["开放题"] = rng.choice(ANSWERS, size)
        pd.DataFrame(data).to_csv(
            csv,
            index=False,
            mode="w" if first == 0 else "a",
            header=first == 0,
            encoding="utf-8-sig" if first == 0 else "utf-8",
        )
    schema = folder / "schema.yaml"
    lines = [
        "id_column: 编号",
        "attributes: {cluster: 所在集群, role: 身份}",
        "scale: {min: 1, max: 5, labels: {非常不同意: 1, 不同意: 2, 一般: 3, 同意: 4, "
        "非常同意: 5}}",
        "constructs:",
    ]
    lines += [
        f"  {c}: {{label: 构念{c}, items: [{', '.join(f'{c}_{j}' for j in range(1, 6))}],"
        f" reverse: [{c}_5]}}"
        for c in constructs
    ]
    lines += [
        "open_ended: [开放题]",
        "role_codes: {政府官员: ACT.GOV, 协会工作人员: ACT.ASSOC, 中小企业: ACT.FIRM.SMALL}",
    ]
    schema.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return csv, schema


def _child(source: str, csv: str, schema_path: str, project: str) -> None:
    """Time check + ingest of one survey with the code in ``source``; print JSON."""
    sys.path.insert(0, source)
    from coding.project import init_project, open_project
    from coding.survey import check
    from coding.survey.ingest import ingest_survey
    from coding.survey.schema import load_schema

    init_project(Path(project))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu = time.perf_counter(), time.process_time()
    # the streaming check where the code has one, else the old in-memory reader
    reader = getattr(check, "check_survey", None) or check.read_survey
    data = reader(csv, load_schema(schema_path))
    with open_project(Path(project)) as store:
        report = ingest_survey(store, data)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = {"rows": report.respondents, "seconds": seconds, "cpu": cpu}
    figures |= {"rss0": before, "peak": peak}
    print(json.dumps(figures))


def _measure(source: Path, n: int, timeout: float) -> str:
    """Run one check + ingest of n rows in a child process; return a result line."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        csv, schema = make_survey(root, n)
        command = [sys.executable, __file__, "--child", str(source), str(csv), str(schema)]
        try:
            done = subprocess.run(
                [*command, str(root / "p")],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=True,
            )
        except subprocess.TimeoutExpired:
            return f"{n:>9,} rows: not finished in {timeout:.0f} s"
        except subprocess.CalledProcessError as exc:
            return f"{n:>9,} rows: failed ({exc.stderr.strip().splitlines()[-1]})"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return (
        f"{result['rows']:>9,} rows: {result['seconds']:7.1f} s "
        f"(CPU {result['cpu']:.1f} s), "
        f"{result['rows'] / result['seconds']:9,.0f} rows/s, peak RSS "
        f"{result['peak'] / 1024:6.0f} MB ({result['rss0'] / 1024:.0f} MB after imports)"
    )


def scale(sizes: list[int], baseline: Path | None, timeout: float) -> None:
    """Print check + ingest figures for each size, for this code and the baseline."""
    for label, source in [("this code", ROOT), ("baseline", baseline)]:
        if source is None:
            continue
        print(f"check + ingest, {label} ({source}):", flush=True)
        for n in sizes:
            print("  " + _measure(source, n, timeout), flush=True)


def main() -> None:
    """Generate, then time check, ingest, coding and beliefs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=10_000)
    parser.add_argument("--scale", type=int, nargs="+", help="Time check + ingest only.")
    parser.add_argument("--baseline", type=Path, help="Another source tree to compare.")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    if args.scale:
        scale(args.scale, args.baseline, args.timeout)
        return
    from coding.autocode import code_project
    from coding.beliefs import analyse
    from coding.codebook import load_codebook
    from coding.project import init_project, open_project
    from coding.survey.check import read_survey
    from coding.survey.ingest import ingest_survey
    from coding.survey.schema import load_schema

    book = load_codebook()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        csv, schema_path = make_survey(root, args.respondents)
        init_project(root / "p")
        started = time.perf_counter()
        data = read_survey(csv, load_schema(schema_path))
        checked = time.perf_counter()
        with open_project(root / "p") as store:
            report = ingest_survey(store, data)
            ingested = time.perf_counter()
            coded = code_project(store, book)
            before_beliefs = time.perf_counter()
            beliefs = analyse(store, book)
            done = time.perf_counter()
        items = len(data.schema.items)
        print(
            f"{len(data.raw):,} respondents x {items} items, {len(data.problems)} problems, "
            f"{report.open_answers:,} open answers"
        )
        print(
            f"check {checked - started:.1f} s + ingest {ingested - checked:.1f} s + beliefs "
            f"{done - before_beliefs:.1f} s = {checked - started + ingested - checked + done - before_beliefs:.1f} s "  # noqa: E501
            f"(coding the open answers, not in the target: {coded.seconds:.1f} s); "
            f"{len(beliefs.types)} belief types"
        )


if __name__ == "__main__":
    main()
