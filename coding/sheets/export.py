"""Writing a coding workbook for one research assistant: instructions, codebook, coding sheet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.dimensions import ColumnDimension

from coding.autocode import RuleCoder
from coding.codebook import Codebook
from coding.common.excel import cell
from coding.common.files import atomic_write
from coding.common.textwidth import display_width
from coding.errors import InputError, NothingToDoError, OptionError
from coding.sheets.layout import (
    DONE_COLUMN,
    DONE_LABEL,
    FIXED_COLUMNS,
    FORMAT,
    GREY,
    INSTRUCTIONS,
    MEMO_COLUMN,
    SHEET_CODEBOOK,
    SHEET_CODING,
    SHEET_INFO,
    STANCE_LABELS,
    SUGGESTION_COLUMN,
    UNLOCKED,
    WRAP,
    SheetExport,
    safe_value,
    style_of,
    text_cell,
)
from coding.sheets.meta import MetaWriter, SheetMeta, fingerprint
from coding.sheets.people import reserved_coder
from coding.store import SheetRow, Store

INFO_WIDTH = 70  # the instructions' column, in characters of Latin text: printed, within A4
LINE_PT = 16  # the height of one wrapped line of a sheet's text, in points

# Reorders the unit ids of a sheet, e.g. the least certain for a model first.
UnitOrder = Callable[[list[str]], list[str]]


def export_coding_sheet(
    store: Store,
    codebook: Codebook,
    coder: str,
    out: str | Path,
    cluster: str | None = None,
    dimensions: list[str] | None = None,
    units_file: str | Path | None = None,
    blind: bool = False,
    order: UnitOrder | None = None,
) -> SheetExport:
    """Write a coding workbook for one research assistant.

    ``order`` puts the units in another order than the documents' (for example
    the model's least certain first, so the assistant's time goes where the
    model learns most).
    """
    codes = codebook.select(dimensions)
    if not codes:
        raise OptionError(f"no codes in the dimensions {', '.join(dimensions or [])}")
    if reserved_coder(store, coder):
        raise OptionError(
            f"'{coder}' is kept for a machine coder or the adjudicated consensus; "
            "name the person who will code this sheet"
        )
    n, doc_ids, rows = _sheet_rows(
        store, codebook, cluster, Path(units_file) if units_file else None, blind
    )
    if order is not None:
        listed = {row.unit_id: row for row in rows}
        rows = iter([listed[u] for u in order(list(listed))])
    code_headers = [f"{c.id} {c.label}" for c in codes]
    header = [
        *FIXED_COLUMNS,
        *([] if blind else [SUGGESTION_COLUMN]),
        DONE_COLUMN,
        *code_headers,
        MEMO_COLUMN,
    ]
    documents = store.documents()
    documents = documents[documents["doc_id"].isin(doc_ids)]
    meta = SheetMeta(
        format=FORMAT,
        fingerprint=fingerprint(documents),
        codebook_hash=codebook.hash,
        codebook_version=codebook.version,
        coder=coder,
        codes=[c.id for c in codes],
        header=header,
    )
    book = Workbook(write_only=True)
    _info_sheet(book)
    _codebook_sheet(book, codes)
    sheet = book.create_sheet(SHEET_CODING)
    # written beside the coding sheet, row for row, rather than from a list at the end
    signed = MetaWriter(book, store, meta, n)
    _lay_out(sheet, header, n, len(codes), blind)
    sheet.append([cell(sheet, h, bold=True) for h in header])
    wrapped = style_of(sheet, alignment=WRAP)
    greyed = style_of(sheet, fill=GREY)
    for row in rows:
        cells = [
            safe_value(sheet, row.unit_id),
            safe_value(sheet, row.doc_id),
            safe_value(sheet, row.speaker or ""),
            text_cell(sheet, row.context or "", wrapped),
            text_cell(sheet, row.text, wrapped),
        ]
        if not blind and row.suggestion:
            cells.append(text_cell(sheet, "; ".join(sorted(row.suggestion.split(";"))), greyed))
        sheet.append(cells)
        signed.add(row.unit_id, row.text)
    signed.close()
    with atomic_write(out, "wb") as handle:
        book.save(handle)
    return SheetExport(Path(out), n, len(codes))


def _lay_out(sheet, header: list[str], n: int, n_codes: int, blind: bool) -> None:
    """Set widths, locks, filters and dropdowns of the coding sheet before any row."""
    widths = [16, 12, 10, 30, 60, *([] if blind else [22]), 8, *[9] * n_codes, 24]
    editable_from = len(FIXED_COLUMNS) + (0 if blind else 1)
    for i, width in enumerate(widths):
        # Cells left empty take their column's style: the coding columns are
        # unlocked there, so no cell needs writing until the assistant types.
        dim = ColumnDimension(sheet, index=get_column_letter(i + 1), width=width)
        if i >= editable_from:
            dim.protection = UNLOCKED
        if i == editable_from - 1 and not blind:
            dim.fill = GREY
        if i in (3, 4, len(widths) - 1):
            dim.alignment = WRAP
        sheet.column_dimensions[dim.index] = dim
    sheet.freeze_panes = "F2"
    first_edit = editable_from + 1  # 1-based column of 完成
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{n + 1}"
    done = DataValidation(type="list", formula1=f'"{DONE_LABEL},否"', allow_blank=True)
    done.add(f"{get_column_letter(first_edit)}2:{get_column_letter(first_edit)}{n + 1}")
    stance = DataValidation(
        type="list",
        formula1='"' + ",".join(STANCE_LABELS) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="无效的值",
        error="请从下拉菜单选择：正面、负面、中性、混合",
    )
    stance.add(
        f"{get_column_letter(first_edit + 1)}2:{get_column_letter(first_edit + n_codes)}{n + 1}"
    )
    sheet.data_validations.append(done)
    sheet.data_validations.append(stance)
    sheet.protection.sheet = True
    sheet.protection.autoFilter = False  # filtering is fine; sorting stays locked


def _read_unit_list(path: Path) -> list[str]:
    """Return the unit ids a file lists, each once (a CSV of codings lists a unit per code)."""
    from coding.common.tables import read_table

    if path.suffix.lower() == ".txt":
        ids = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    else:
        ids = list(read_table(path, required=["unit_id"])["unit_id"])
    return list(dict.fromkeys(u for u in ids if u))


def _sheet_rows(
    store: Store, codebook: Codebook, cluster: str | None, units_file: Path | None, blind: bool
) -> tuple[int, set[str], Iterator[SheetRow]]:
    """Return how many units the sheet has, their documents and an iterator over the
    units (streamed)."""
    rows = store.interviewee_turns(cluster) if blind else _suggested(store, codebook, cluster)
    if units_file is None:
        counts = store.interviewee_counts(cluster)
        if not counts:
            raise NothingToDoError("no interviewee units to export; ingest transcripts first")
        return sum(counts.values()), set(counts), rows
    wanted = _read_unit_list(units_file)
    wanted_set = set(wanted)
    picked = {row.unit_id: row for row in rows if row.unit_id in wanted_set}
    unknown = [u for u in wanted if u not in picked]
    if unknown:
        raise InputError(
            f"unit ids not in this project (or interviewer turns): {', '.join(unknown[:5])}",
            units_file,
        )
    return len(wanted), {picked[u].doc_id for u in wanted}, (picked[u] for u in wanted)


def _suggested(store: Store, codebook: Codebook, cluster: str | None) -> Iterator[SheetRow]:
    """Yield the units with the codes the project's machine coder gave them, or with the
    rules' codes found now if it has not coded them all."""
    # only here: finding the machine coder loads the shipped model (57 MB at its peak),
    # which a blind sheet has no use for
    from coding.hybrid.coder import project_coder

    machine = project_coder(store, codebook)
    if store.count_uncoded(machine) == 0:
        return store.interviewee_turns(cluster, machine)
    return _with_live_suggestions(store.interviewee_turns(cluster), RuleCoder(codebook))


def _with_live_suggestions(rows: Iterator[SheetRow], coder: RuleCoder) -> Iterator[SheetRow]:
    """Code units on the fly when the project was not coded with this codebook version."""
    for row in rows:
        codes = ";".join(c.code_id for c in coder.code(row.view, role=row.role))
        yield row._replace(suggestion=codes)


def _fit_height(sheet, row: int, cells: list[tuple[str | None, int]]) -> None:
    """Make a row as tall as the most lines any of its (text, column width) cells wraps
    to: LibreOffice (and Excel) open a row one line high however its text wraps, so a
    long instruction showed only its last line and a long label ran into the next row."""
    lines = max(
        sum(max(1, -(-display_width(part) // width)) for part in (text or "").split("\n"))
        for text, width in cells
    )
    if lines > 1:
        sheet.row_dimensions[row].height = LINE_PT * lines


def _info_sheet(book: Workbook) -> None:
    sheet = book.create_sheet(SHEET_INFO)
    sheet.column_dimensions["A"].width = INFO_WIDTH
    for row, line in enumerate(INSTRUCTIONS.read_text(encoding="utf-8").splitlines(), 1):
        c = cell(sheet, line)
        c.alignment = Alignment(wrap_text=True)
        _fit_height(sheet, row, [(line, INFO_WIDTH)])
        sheet.append([c])


def _codebook_sheet(book: Workbook, codes) -> None:
    sheet = book.create_sheet(SHEET_CODEBOOK)
    header = ["代码 code", "中文标签", "English", "定义", "何时使用", "何时不用", "例句", "反例"]
    widths = [22, 16, 26, 50, 36, 36, 50, 40]
    for i, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(i + 1)].width = width
    sheet.freeze_panes = "B2"
    sheet.append([cell(sheet, h, bold=True) for h in header])
    for row, c in enumerate(codes, 2):  # under the header
        values = [
            c.id,
            c.label,
            c.label_en,
            c.definition,
            c.include,
            c.exclude,
            "\n".join(c.examples),
            "\n".join(c.counter_examples),
        ]
        _fit_height(sheet, row, list(zip(values, widths, strict=True)))
        sheet.append([cell(sheet, v, wrap=True) for v in values])
