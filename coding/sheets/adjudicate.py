"""Settling two coders' disagreements: a workbook of only those, decided by a senior coder.

Importing the decided workbook stores the coder ``consensus``: the codes both
coders agreed on carry over, and each disagreement follows its decision.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from coding.codebook import Codebook
from coding.common.excel import cell
from coding.common.files import atomic_write
from coding.errors import NothingToDoError, OptionError, SheetError
from coding.sheets.layout import (
    ADJUDICATION,
    CONSENSUS,
    MEMO_COLUMN,
    NO_CODE,
    SHEET_ADJUDICATE,
    STANCE_LABELS,
    SheetExport,
    cell_value,
    editable_cell,
)
from coding.sheets.meta import SheetMeta, fingerprint, text_hash, write_meta
from coding.store import CodingRow, Store


def coder_values(store: Store, coder: str) -> dict[tuple[str, str], str]:
    frame = store.codings(coder)
    return {
        (u, c): st or "neutral"
        for u, c, st in zip(frame["unit_id"], frame["code_id"], frame["stance"], strict=True)
    }


def disagreements(
    store: Store, codebook: Codebook, first: str, second: str
) -> tuple[list[str], list[tuple[str, str, str | None, str | None]]]:
    """Return the units both coders looked at and each (unit, code, a, b) they differ on."""
    seen_a, seen_b = store.coded_units(first), store.coded_units(second)
    both = sorted(set(seen_a) & set(seen_b))
    if not both:
        raise NothingToDoError(f"coders {first} and {second} have no unit in common")
    a, b = coder_values(store, first), coder_values(store, second)
    order = {u: i for i, u in enumerate(both)}
    rows = []
    for unit_id, code_id in sorted(
        {k for k in a | b if k[0] in order}, key=lambda k: (order[k[0]], k[1])
    ):
        # only codes that both coders judged on this unit can be disagreed on
        judged = all(s is None or code_id in s for s in (seen_a[unit_id], seen_b[unit_id]))
        va, vb = a.get((unit_id, code_id)), b.get((unit_id, code_id))
        if judged and va != vb and code_id in codebook.codes:
            rows.append((unit_id, code_id, va, vb))
    return both, rows


def export_adjudication(
    store: Store, codebook: Codebook, coders: list[str], out: str | Path
) -> SheetExport:
    """Write the disagreements of two coders side by side for a senior coder to settle."""
    if len(coders) != 2:
        raise OptionError("adjudication takes exactly two coders: --coders A,B")
    first, second = coders
    both, rows = disagreements(store, codebook, first, second)
    units = store.units_with_views().set_index("unit_id")
    label = {v: k for k, v in STANCE_LABELS.items()}
    choices = [f"{first}的", f"{second}的", *STANCE_LABELS, NO_CODE]
    header = ["unit_id", "文本 text", "代码 code", first, second, "裁定 decision", MEMO_COLUMN]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_ADJUDICATE)
    for i, width in enumerate([16, 60, 24, 10, 10, 12, 24]):
        sheet.column_dimensions[get_column_letter(i + 1)].width = width
    sheet.freeze_panes = "B2"
    decision = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
    decision.add(f"F2:F{len(rows) + 1}")
    sheet.data_validations.append(decision)
    sheet.append([cell(sheet, h, bold=True) for h in header])
    for unit_id, code_id, va, vb in rows:
        code = codebook.codes[code_id]
        sheet.append(
            [
                cell(sheet, unit_id),
                cell(sheet, units.loc[unit_id, "text"], wrap=True),
                cell(sheet, f"{code_id} {code.label}"),
                cell(sheet, label.get(va or "", NO_CODE)),
                cell(sheet, label.get(vb or "", NO_CODE)),
                editable_cell(sheet),
                editable_cell(sheet, wrap=True),
            ]
        )
    docs = store.documents()
    docs = docs[docs["doc_id"].isin(set(units.loc[both, "doc_id"]))]
    meta = SheetMeta(
        format=ADJUDICATION,
        fingerprint=fingerprint(docs),
        codebook_hash=codebook.hash,
        codebook_version=codebook.version,
        coder=CONSENSUS,
        codes=list(coders),
        header=header,
        units=[(u, text_hash(units.loc[u, "text"])) for u in both],
    )
    write_meta(book, store, meta)
    with atomic_write(out, "wb") as handle:
        book.save(handle)
    return SheetExport(Path(out), len(rows), len(codebook.codes))


def parse_adjudication(store: Store, codebook: Codebook, path: Path, book, meta: SheetMeta):
    """Return (coder, units, codings, scope) of a filled adjudication workbook."""
    problems: list[str] = []
    first, second = meta.codes
    if meta.codebook_hash != codebook.hash:
        problems.append(
            f"{path}: made with another codebook version "
            f"({meta.codebook_version}); export a new adjudication sheet"
        )
        raise SheetError(problems)
    both, rows = disagreements(store, codebook, first, second)
    open_rows = {(u, c): (va, vb) for u, c, va, vb in rows}
    a, b = coder_values(store, first), coder_values(store, second)
    where = f"{path}, sheet {SHEET_ADJUDICATE}"
    if SHEET_ADJUDICATE not in book.sheetnames:
        raise SheetError([f"{path}: the sheet '{SHEET_ADJUDICATE}' is missing"])
    decided: dict[tuple[str, str], str | None] = {}
    for r, values in enumerate(
        book[SHEET_ADJUDICATE].iter_rows(min_row=2, values_only=True), start=2
    ):
        values = [cell_value(v) for v in values] + [""] * 7
        if not any(values[:6]):
            continue
        unit_id, code_id = values[0], values[2].split(" ")[0]
        if (unit_id, code_id) not in open_rows:
            problems.append(
                f"{where}, cell A{r}: '{unit_id}' {code_id} is not a disagreement "
                "of these coders (coded again since the export?)"
            )
            continue
        choice = values[5]
        va, vb = open_rows[(unit_id, code_id)]
        if choice == f"{first}的":
            decided[(unit_id, code_id)] = va
        elif choice == f"{second}的":
            decided[(unit_id, code_id)] = vb
        elif choice == NO_CODE:
            decided[(unit_id, code_id)] = None
        elif choice in STANCE_LABELS:
            decided[(unit_id, code_id)] = STANCE_LABELS[choice]
        else:
            problems.append(
                f"{where}, cell F{r}: "
                + (f"'{choice}' is not a decision" if choice else "no decision yet")
            )
    undecided = [k for k in open_rows if k not in decided]
    if undecided and not problems:
        problems.append(
            f"{where}: {len(undecided)} disagreements have no row (deleted?), "
            f"first {undecided[0][0]} {undecided[0][1]}"
        )
    if problems:
        raise SheetError(problems)
    codings = []
    wanted = set(both)
    for key in sorted({k for k in a | b if k[0] in wanted}):
        # agreed codes carry over; settled ones follow the decision
        stance = (
            decided[key] if key in decided else a.get(key) if a.get(key) == b.get(key) else None
        )
        if stance is not None:
            codings.append(CodingRow(key[0], key[1], stance))
    return CONSENSUS, both, codings, common_scope(store, codebook, first, second, both)


def common_scope(store, codebook, first, second, units) -> list[str] | None:
    """Return the codes both coders judged on every unit (None: all codes)."""
    seen_a, seen_b = store.coded_units(first), store.coded_units(second)
    scopes = [s for u in units for s in (seen_a[u], seen_b[u]) if s is not None]
    if not scopes:
        return None
    common = frozenset.intersection(*scopes)
    return [c for c in codebook.codes if c in common]
