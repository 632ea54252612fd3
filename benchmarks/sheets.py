"""Coding-sheet export speed and memory for 100,000 units, and the import of it back.

Builds a project with at least --units interviewee turns from copies of the
sample transcripts (ingested and rule-coded, not timed), then exports one
coding workbook of all of them in a fresh process and reports wall time and
peak memory (the resident set size high-water mark of that process), then
imports the workbook back (filled with 完成 on every
row) and times that too. Targets: export of 100,000 units in at most 20 s and
150 MB.

Usage: python benchmarks/sheets.py [--units 100000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def export_in_child(project: Path, out: Path) -> dict:
    """Export the sheet in a fresh interpreter; return its time and memory."""
    code = f"""
import json, sys, time
sys.path.insert(0, {str(ROOT)!r})
from coding.codebook import load_codebook
from coding.project import open_project
from coding.sheets import export_coding_sheet
book = load_codebook()
def hwm():
    # VmHWM is this process's own peak; ru_maxrss would include the parent's before exec
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
before = hwm()
started = time.perf_counter()
with open_project({str(project)!r}) as store:
    result = export_coding_sheet(store, book, "bench", {str(out)!r})
seconds = time.perf_counter() - started
print(json.dumps({{"units": result.units, "codes": result.codes, "seconds": seconds,
    "rss_mb": hwm(), "rss_before_mb": before}}))
"""
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Build the project, export, import, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000, help="interviewee turns")
    args = parser.parse_args()

    import openpyxl

    from benchmarks.ingest_segment import build_corpus
    from coding.autocode import code_project
    from coding.codebook import load_codebook
    from coding.ingest import ingest
    from coding.project import init_project, open_project
    from coding.sheets import SHEET_CODING, import_coding_sheets

    book = load_codebook()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # the sample transcripts give about 4,100 interviewee turns per MB
        build_corpus(root / "corpus", args.units / 4_000)
        init_project(root / "p")
        with open_project(root / "p") as store:
            ingest(store, [root / "corpus"])
            code_project(store, book)
            turns = int((~store.units()["is_interviewer"]).sum())
        print(f"project: {turns:,} interviewee turns, rule-coded")
        out = root / "sheet.xlsx"
        r = export_in_child(root / "p", out)
        print(
            f"export: {r['units']:,} units x {r['codes']} codes in {r['seconds']:.1f} s; "
            f"peak RSS {r['rss_mb']:.0f} MB (after imports {r['rss_before_mb']:.0f} MB); file "
            f"{out.stat().st_size / 1e6:.1f} MB"
        )
        wb = openpyxl.load_workbook(out)
        ws = wb[SHEET_CODING]
        done = [c.value for c in ws[1]].index("完成 done") + 1
        for row in range(2, ws.max_row + 1):
            ws.cell(row, done).value = "是"
        wb.save(out)
        with open_project(root / "p") as store:
            started = time.perf_counter()
            report = import_coding_sheets(store, book, [out])
            seconds = time.perf_counter() - started
        print(f"import: {report.units_done:,} units validated and stored in {seconds:.1f} s")


if __name__ == "__main__":
    main()
