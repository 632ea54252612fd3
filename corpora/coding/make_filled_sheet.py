"""Make wang_filled.xlsx: the coding workbook of a (simulated) research assistant.

The assistant's codes are the hand codes of tests/data/gold/gold_dev.csv
(204 interviewee turns of the flower and lighting transcripts, coded by
careful reading); the stance of each code is the rule coder's where it gave
the same code, otherwise 中性. The workbook is exported by clusterqda itself
and filled in as an assistant would, so `clusterqda demo` can import it and
show real disagreements between the rules and a person.

Run from the repository root after any codebook change:
    python corpora/coding/make_filled_sheet.py
"""

from __future__ import annotations

import csv
import sys
import tempfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from coding.autocode import code_project  # noqa: E402
from coding.codebook import load_codebook  # noqa: E402
from coding.demo import DEMO_ASSISTANT, FILLED_SHEET, build_project  # noqa: E402
from coding.sheets import SHEET_CODING, export_coding_sheet  # noqa: E402

GOLD = ROOT / "tests" / "data" / "gold" / "gold_dev.csv"
LABEL = {"positive": "正面", "negative": "负面", "neutral": "中性", "mixed": "混合"}


def main() -> None:
    """Export a sheet for the demo assistant and fill it from the dev gold set."""
    with open(GOLD, encoding="utf-8", newline="") as handle:
        gold = {row["id"]: [c for c in row["codes"].split(";") if c] for row in csv.DictReader(handle)}
    book = load_codebook()
    with tempfile.TemporaryDirectory() as tmp:
        store, _, _ = build_project(Path(tmp) / "p")
        with store:
            code_project(store, book)
            rules = store.codings(book.coder)
            stance = {(u, c): s for u, c, s in zip(rules["unit_id"], rules["code_id"],
                                                   rules["stance"], strict=True)}
            units = Path(tmp) / "units.txt"
            units.write_text("\n".join(gold), encoding="utf-8")
            export_coding_sheet(store, book, DEMO_ASSISTANT, FILLED_SHEET, units_file=units)
    wb = openpyxl.load_workbook(FILLED_SHEET)
    ws = wb[SHEET_CODING]
    header = [c.value for c in ws[1]]
    column = {h.split(" ")[0]: i + 1 for i, h in enumerate(header) if h}
    for r in range(2, ws.max_row + 1):
        unit_id = ws.cell(r, 1).value
        ws.cell(r, column["完成"]).value = "是"
        for code_id in gold[unit_id]:
            ws.cell(r, column[code_id]).value = LABEL[stance.get((unit_id, code_id), "neutral")]
    wb.save(FILLED_SHEET)
    print(f"wrote {FILLED_SHEET.relative_to(ROOT)}: {ws.max_row - 1} units")


if __name__ == "__main__":
    main()
