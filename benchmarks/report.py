"""Report speed: every format for 300 interviews and 2,000 survey respondents.

Builds a project from copies of the sample transcripts (300 documents) and a
generated questionnaire of 2,000 respondents (ingested and coded, not timed),
then times writing all report formats for all clusters, and the HTML of one
cluster alone. Targets: 60 s and 5 s.

Usage: python benchmarks/report.py [--interviews 300] [--respondents 2000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    """Build the project, then time the reports."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=300)
    parser.add_argument("--respondents", type=int, default=2000)
    args = parser.parse_args()
    from benchmarks.ingest_segment import build_corpus
    from benchmarks.survey import make_survey
    from coding.autocode import code_project
    from coding.codebook import load_codebook
    from coding.ingest import ingest
    from coding.project import init_project, open_project
    from coding.report.build import write_reports
    from coding.survey.check import read_survey
    from coding.survey.ingest import ingest_survey
    from coding.survey.schema import load_schema

    book = load_codebook()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build_corpus(root / "corpus", args.interviews * 5_000 / 1e6)  # ~5 KB a transcript
        files = sorted((root / "corpus").glob("*.txt"))[: args.interviews]
        csv, schema = make_survey(root, args.respondents)
        init_project(root / "p")
        with open_project(root / "p") as store:
            ingest(store, files)
            ingest_survey(store, read_survey(csv, load_schema(schema)))
            code_project(store, book)
            units = store.conn.execute("SELECT COUNT(*) FROM units").fetchone()[0]
            print(
                f"project: {len(files)} interviews, {args.respondents:,} respondents, "
                f"{units:,} units, coded"
            )
            started = time.perf_counter()
            paths = write_reports(store, book, root / "reports")
            everything = time.perf_counter() - started
            started = time.perf_counter()
            write_reports(store, book, root / "one", ["古镇灯饰"], ["html"])
            one = time.perf_counter() - started
        print(
            f"all formats, all clusters: {len(paths)} files in {everything:.1f} s "
            f"(target 60 s); HTML of one cluster: {one:.1f} s (target 5 s)"
        )


if __name__ == "__main__":
    main()
