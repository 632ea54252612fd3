"""Bringing filled workbooks back: every check before anything is stored, all or nothing.

A workbook is checked in three passes, each collecting every problem it finds as
``file, sheet, cell: what`` — its signed metadata against this project and codebook,
the header row against the exported one, then every row (unit, text checksum, done
mark, one value per code) — and only when no workbook has a problem are all of them
stored, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from coding.codebook import Codebook
from coding.common.safezip import check_office_zip
from coding.errors import DocumentError, SheetError
from coding.sheets.adjudicate import parse_adjudication
from coding.sheets.layout import (
    ADJUDICATION,
    DONE_COLUMN,
    DONE_LABEL,
    DONE_VALUES,
    FIXED_COLUMNS,
    NOT_DONE_VALUES,
    SHEET_CODING,
    STANCE_ALIASES,
    STANCE_LABELS,
    SheetImport,
    cell_value,
)
from coding.sheets.meta import SheetMeta, check_units, read_meta, text_hash
from coding.sheets.people import reserved_coder
from coding.store import CodingRow, Store


@dataclass
class ParsedSheet:
    """What one valid workbook will store."""

    coder: str
    unit_ids: list[str]  # the units marked done or given a code
    codings: list[CodingRow]
    scope: list[str] | None  # the codes judged (None: all)


def import_coding_sheets(
    store: Store, codebook: Codebook, paths: list[str | Path], coder: str | None = None
) -> SheetImport:
    """Validate every workbook, then store all their codings in one transaction."""
    parsed: list[ParsedSheet] = []
    problems: list[str] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            problems.append(f"{path}: no such file")
            continue
        try:
            parsed.append(_parse_workbook(store, codebook, path, coder))
        except SheetError as exc:
            problems += exc.problems
    if problems:
        raise SheetError(problems)
    report = SheetImport(files=len(parsed))
    with store.transaction():
        for sheet in parsed:
            store.register_coder(sheet.coder, "human", codebook.hash, codebook.version)
            store.save_codings(sheet.coder, sheet.unit_ids, sheet.codings, sheet.scope)
            report.units_done += len(sheet.unit_ids)
            report.codings += len(sheet.codings)
            if sheet.coder not in report.coders:
                report.coders.append(sheet.coder)
    return report


def _open_workbook(path: Path):
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise DocumentError("a coding workbook must be an .xlsx file", path)
    check_office_zip(path, "Excel workbook", "xl/workbook.xml")
    try:
        # formulas are read as formulas, so one in a code cell is named, not read as empty
        return load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for broken workbooks
        raise DocumentError(f"this workbook cannot be read ({type(exc).__name__})", path) from None


def _parse_workbook(store: Store, codebook: Codebook, path: Path, coder: str | None):
    book = _open_workbook(path)
    meta = read_meta(book, path, store)
    if meta.format == ADJUDICATION:
        return ParsedSheet(*parse_adjudication(store, codebook, path, book, meta))
    problems = _check_meta(store, codebook, path, meta)
    who = coder or meta.coder
    if reserved_coder(store, who):
        problems.append(
            f"{path}: '{who}' is a machine coder or the adjudicated consensus; "
            "a coding sheet can only be imported as a person"
        )
        raise SheetError(problems)
    if SHEET_CODING not in book.sheetnames:
        problems.append(f"{path}: the sheet '{SHEET_CODING}' is missing")
        raise SheetError(problems)
    sheet = book[SHEET_CODING]
    where = f"{path}, sheet {SHEET_CODING}"
    if sheet.merged_cells.ranges:
        first = sorted(str(r) for r in sheet.merged_cells.ranges)[0]
        problems.append(f"{where}, cell {first.split(':')[0]}: merged cells; unmerge them")
    rows = sheet.iter_rows(values_only=True)
    header_problems = _check_header(where, meta.header, next(rows, ()))
    if header_problems:
        raise SheetError(problems + header_problems)
    unit_ids, codings = _read_rows(where, meta, rows, problems)
    if problems:
        raise SheetError(problems)
    return ParsedSheet(who, unit_ids, codings, meta.codes)


def _check_meta(store: Store, codebook: Codebook, path: Path, meta: SheetMeta) -> list[str]:
    """Return the problems of a workbook's metadata against this project and codebook."""
    problems = []
    if meta.codebook_hash != codebook.hash:
        problems.append(
            f"{path}: made with codebook version {meta.codebook_version} "
            f"(hash {meta.codebook_hash[:12]}), but this project codes with "
            f"{codebook.version} ({codebook.hash[:12]}); export a new sheet"
        )
    problems += check_units(store, path, meta)
    return problems


def _check_header(where: str, header: list[str], first_row) -> list[str]:
    """Return the first difference between a sheet's header row and the exported one."""
    got = [cell_value(v) for v in first_row]
    while got and got[-1] == "":
        got.pop()
    if got == header:
        return []
    for i, (want, have) in enumerate(
        zip(header + [""] * len(got), got + [""] * len(header), strict=False)
    ):
        if want != have:
            return [
                f"{where}, cell {get_column_letter(i + 1)}1: expected the column '{want}', "
                f"found '{have}' (columns inserted, deleted or renamed)"
            ]
    return []


def _read_rows(where: str, meta: SheetMeta, rows, problems: list[str]):
    """Return the units done and their codings; add every row's problem to ``problems``."""
    header, codes = meta.header, meta.codes
    digests = dict(meta.units)
    done_col = header.index(DONE_COLUMN)
    text_col = FIXED_COLUMNS.index("文本 text")
    seen: set[str] = set()
    order: list[str] = []
    unit_ids: list[str] = []
    codings: list[CodingRow] = []
    for r, raw_values in enumerate(rows, start=2):
        values = [cell_value(v) for v in raw_values] + [""] * len(header)
        unit_id = values[0]
        if not any(values[: len(header)]):
            continue
        if unit_id not in digests:
            problems.append(f"{where}, cell A{r}: unit '{unit_id}' was not in this sheet")
            continue
        if unit_id in seen:
            problems.append(f"{where}, cell A{r}: unit '{unit_id}' appears twice")
            continue
        seen.add(unit_id)
        order.append(unit_id)
        if text_hash(values[text_col]) != digests[unit_id]:
            problems.append(
                f"{where}, cell {get_column_letter(text_col + 1)}{r}: "
                "the text was edited; texts must stay as exported"
            )
        done = values[done_col].lower()
        if done not in DONE_VALUES | NOT_DONE_VALUES:
            problems.append(
                f"{where}, cell {get_column_letter(done_col + 1)}{r}: "
                f"'{values[done_col]}' is not {DONE_LABEL} or 否"
            )
        row_codes = []
        for j, code_id in enumerate(codes):
            raw = values[done_col + 1 + j]
            if not raw:
                continue
            place = f"{where}, cell {get_column_letter(done_col + 2 + j)}{r}"
            if raw.startswith("="):
                problems.append(f"{place}: a formula; type one of {', '.join(STANCE_LABELS)}")
                continue
            stance = STANCE_ALIASES.get(raw) or STANCE_ALIASES.get(raw.lower())
            if stance is None:
                problems.append(f"{place}: '{raw}' is not one of {', '.join(STANCE_LABELS)}")
                continue
            row_codes.append(CodingRow(unit_id, code_id, stance))
        if done in DONE_VALUES or row_codes:
            unit_ids.append(unit_id)
            codings += row_codes
    lost = [u for u in digests if u not in seen]
    if lost:
        problems.append(
            f"{where}: {len(lost)} exported rows are missing (deleted?), first {lost[0]}"
        )
    elif order != list(digests):
        first = next(i for i, (a, b) in enumerate(zip(order, digests, strict=True)) if a != b)
        problems.append(
            f"{where}, cell A{first + 2}: rows were reordered or sorted; keep the exported order"
        )
    return unit_ids, codings
