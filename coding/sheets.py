"""Excel coding sheets for research assistants: export, validated import, adjudication."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.dimensions import ColumnDimension

from coding.autocode import RuleCoder
from coding.codebook import Codebook
from coding.errors import ClusterQDAError, DocumentError, InputError
from coding.excel import cell
from coding.files import atomic_write
from coding.safezip import check_office_zip
from coding.store import Store
from coding.suggest import uncertainty

FORMAT = "clusterqda-coding-sheet/1"
ADJUDICATION = "clusterqda-adjudication/1"
SHEET_INFO, SHEET_CODEBOOK, SHEET_CODING, SHEET_META = "说明", "编码本", "编码", "_meta"
SHEET_ADJUDICATE = "裁定"
# The metadata rows before the unit list, and the row that signs them all: a keyed
# hash (HMAC-SHA256) under a secret kept in the project database, so that nobody
# can change the coder, the codes or the unit list of a workbook unnoticed.
META_FIELDS = 9
SIGNATURE = "signature"
SHEET_KEY = "sheets"
# What an assistant picks in a code cell, and what each means.
STANCE_LABELS = {"正面": "positive", "负面": "negative", "中性": "neutral", "混合": "mixed"}
# Also accepted on import, since people type and other programs convert.
STANCE_ALIASES = {
    **{k: v for k, v in STANCE_LABELS.items()},
    **{v: v for v in STANCE_LABELS.values()},
    "+": "positive", "-": "negative", "0": "neutral", "±": "mixed", "1": "neutral",
    "x": "neutral", "√": "neutral", "✓": "neutral", "有": "neutral", "是": "neutral",
}  # fmt: skip
DONE_LABEL = "是"
DONE_VALUES = {"是", "完成", "已完成", "yes", "y", "1", "true", "x", "√", "✓", "done"}
NOT_DONE_VALUES = {"", "否", "no", "n", "0", "false"}
FIXED_COLUMNS = ["unit_id", "文档 doc", "说话人 speaker", "上一轮 context", "文本 text"]
SUGGESTION_COLUMN = "自动编码建议 suggestion"
DONE_COLUMN = "完成 done"
MEMO_COLUMN = "备注 memo"
GREY = PatternFill("solid", fgColor="EEEEEE")
HEADER = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)
MAX_PROBLEMS_SHOWN = 20

# What the assistant reads first, in Chinese; kept as a file so a team can adapt it.
INSTRUCTIONS = Path(__file__).parent / "resources" / "sheet_instructions.txt"


class SheetError(ClusterQDAError):
    """A coding workbook failed validation; every problem is listed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        text = "; ".join(shown) + (f"; and {more} more" if more else "")
        count = f"{len(problems)} problems" if len(problems) > 1 else "1 problem"
        super().__init__(f"{count}, nothing imported: {text}")


@dataclass
class SheetExport:
    """What an export wrote."""

    path: Path
    units: int
    codes: int


@dataclass
class SheetImport:
    """What an import stored."""

    coders: list[str] = field(default_factory=list)
    files: int = 0
    units_done: int = 0
    codings: int = 0


def _text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def fingerprint(documents: pd.DataFrame) -> str:
    """Return the identity of a set of documents: their ids and content hashes."""
    pairs = sorted(
        f"{d}:{h}" for d, h in zip(documents["doc_id"], documents["content_hash"], strict=True)
    )
    return hashlib.sha256("\n".join(pairs).encode()).hexdigest()[:24]


def _read_unit_list(path: Path) -> list[str]:
    from coding.tables import read_table

    if path.suffix.lower() == ".txt":
        return [
            line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
    frame = read_table(path, required=["unit_id"])
    return [u for u in frame["unit_id"] if u]


def _sheet_rows(
    store: Store, codebook: Codebook, cluster: str | None, units_file: Path | None, blind: bool
) -> tuple[int, Iterator[tuple]]:
    """Return how many units the sheet has and an iterator over them (streamed)."""
    from_rules = not blind and store.count_uncoded(codebook.coder) == 0
    rows = store.sheet_rows(cluster, codebook.coder if from_rules else None)
    if not blind and not from_rules:
        rows = _with_live_suggestions(rows, RuleCoder(codebook))
    if units_file is None:
        count = sum(1 for _ in store.sheet_rows(cluster))
        if count == 0:
            raise ClusterQDAError("no interviewee units to export; ingest transcripts first")
        return count, rows
    wanted = _read_unit_list(units_file)
    picked = {row[0]: row for row in rows if row[0] in set(wanted)}
    unknown = [u for u in wanted if u not in picked]
    if unknown:
        raise InputError(
            f"unit ids not in this project (or interviewer turns): {', '.join(unknown[:5])}",
            units_file,
        )
    return len(wanted), (picked[u] for u in wanted)


def _with_live_suggestions(rows: Iterator[tuple], coder: RuleCoder) -> Iterator[tuple]:
    """Code units on the fly when the project was not coded with this codebook version."""
    for row in rows:
        codes = ";".join(c.code_id for c in coder.code(row[5], role=row[6]))
        yield (*row[:7], codes)


def export_coding_sheet(
    store: Store,
    codebook: Codebook,
    coder: str,
    out: str | Path,
    cluster: str | None = None,
    dimensions: list[str] | None = None,
    units_file: str | Path | None = None,
    blind: bool = False,
    order: str = "document",
) -> SheetExport:
    """Write a coding workbook for one research assistant.

    ``order="uncertainty"`` puts the units the trained model is least sure
    about first (active learning), so the assistant's time goes where the
    model learns most; the default keeps document order.
    """
    codes = codebook.select(dimensions)
    if not codes:
        raise ClusterQDAError(f"no codes in the dimensions {', '.join(dimensions or [])}")
    if reserved_coder(store, coder):
        raise ClusterQDAError(
            f"'{coder}' is kept for a machine coder or the adjudicated consensus; "
            "name the person who will code this sheet"
        )
    if order not in ("document", "uncertainty"):
        raise ClusterQDAError(f"unknown order '{order}'; use document or uncertainty")
    n, rows = _sheet_rows(store, codebook, cluster, Path(units_file) if units_file else None, blind)
    if order == "uncertainty":
        listed = list(rows)
        unsure = uncertainty(store, codebook, [row[0] for row in listed])
        rows = iter([listed[i] for i in np.argsort(-unsure, kind="stable")])
    code_headers = [f"{c.id} {c.label}" for c in codes]
    header = [
        *FIXED_COLUMNS,
        *([] if blind else [SUGGESTION_COLUMN]),
        DONE_COLUMN,
        *code_headers,
        MEMO_COLUMN,
    ]
    book = Workbook(write_only=True)
    _info_sheet(book)
    _codebook_sheet(book, codes)
    sheet = book.create_sheet(SHEET_CODING)
    widths = [16, 12, 10, 30, 60, *([] if blind else [22]), 8, *[9] * len(codes), 24]
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
    first_edit = len(FIXED_COLUMNS) + (0 if blind else 1) + 1  # 1-based column of 完成
    last_col = get_column_letter(len(header))
    sheet.auto_filter.ref = f"A1:{last_col}{n + 1}"
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
        f"{get_column_letter(first_edit + 1)}2:{get_column_letter(first_edit + len(codes))}{n + 1}"
    )
    sheet.data_validations.append(done)
    sheet.data_validations.append(stance)
    sheet.protection.sheet = True
    sheet.protection.autoFilter = False  # filtering is fine; sorting stays locked
    sheet.append([cell(sheet, h, bold=True) for h in header])
    hashes = []
    doc_ids: set[str] = set()
    wrapped = _style_of(sheet, alignment=WRAP)
    greyed = _style_of(sheet, fill=GREY)
    for unit_id, doc_id, speaker, context, text, _view, _role, suggestion in rows:
        cells = [
            _safe(sheet, unit_id),
            _safe(sheet, doc_id),
            _safe(sheet, speaker or ""),
            _fast(sheet, context or "", wrapped),
            _fast(sheet, text, wrapped),
        ]
        if not blind and suggestion:
            cells.append(_fast(sheet, "; ".join(sorted(suggestion.split(";"))), greyed))
        sheet.append(cells)
        hashes.append((unit_id, _text_hash(text)))
        doc_ids.add(doc_id)
    documents = store.documents()
    documents = documents[documents["doc_id"].isin(doc_ids)]
    info = {
        "format": FORMAT,
        "fingerprint": fingerprint(documents),
        "codebook_hash": codebook.hash,
        "codebook_version": codebook.version,
        "coder": coder,
        "codes": json.dumps([c.id for c in codes]),
        "header": json.dumps(header, ensure_ascii=False),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    _write_meta(book, store, info, hashes)
    with atomic_write(out, "wb") as handle:
        book.save(handle)
    return SheetExport(Path(out), n, len(codes))


def _style_of(sheet, **style) -> object:
    """Return the internal style array of a cell styled once, to stamp on many cells."""
    proto = WriteOnlyCell(sheet)
    for name, value in style.items():
        setattr(proto, name, value)
    return proto._style


def _safe(sheet, value):
    """Return a plain value, or a text cell where openpyxl would make a formula of it."""
    if isinstance(value, str) and value.startswith("="):
        return _fast(sheet, value)
    return value


def _fast(sheet, value, style=None):
    """Return a text cell (never a formula) carrying a prepared style, cheaply."""
    c = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        c.data_type = "s"
    if style is not None:
        c._style = copy(style)
    return c


def _locked(sheet, value, wrap: bool = False):
    c = cell(sheet, value)
    if wrap:
        c.alignment = WRAP
    return c


def _editable(sheet, wrap: bool = False):
    c = cell(sheet, None)
    c.protection = UNLOCKED
    if wrap:
        c.alignment = WRAP
    return c


def _info_sheet(book: Workbook) -> None:
    sheet = book.create_sheet(SHEET_INFO)
    sheet.column_dimensions["A"].width = 110
    for line in INSTRUCTIONS.read_text(encoding="utf-8").splitlines():
        c = cell(sheet, line)
        c.alignment = Alignment(wrap_text=True)
        sheet.append([c])


def _codebook_sheet(book: Workbook, codes) -> None:
    sheet = book.create_sheet(SHEET_CODEBOOK)
    header = ["代码 code", "中文标签", "English", "定义", "何时使用", "何时不用", "例句", "反例"]
    for i, width in enumerate([22, 16, 26, 50, 36, 36, 50, 40]):
        sheet.column_dimensions[get_column_letter(i + 1)].width = width
    sheet.freeze_panes = "B2"
    sheet.append([cell(sheet, h, bold=True) for h in header])
    for c in codes:
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
        sheet.append([cell(sheet, v, wrap=True) for v in values])


# import ------------------------------------------------------------------


def _open_workbook(path: Path):
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise DocumentError("a coding workbook must be an .xlsx file", path)
    check_office_zip(path, "Excel workbook", "xl/workbook.xml")
    try:
        # formulas are read as formulas, so one in a code cell is named, not read as empty
        return load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for broken workbooks
        raise DocumentError(f"this workbook cannot be read ({type(exc).__name__})", path) from None


def _value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _read_meta(book, path: Path, store: Store) -> tuple[dict, list[tuple[str, str]]]:
    if SHEET_META not in book.sheetnames:
        raise SheetError([f"{path}: not a clusterqda coding workbook (its metadata sheet is gone)"])
    rows = [
        (_value(a), _value(b))
        for a, b, *_ in book[SHEET_META].iter_rows(values_only=True, max_col=2)
    ]
    if not rows or rows[-1][0] != SIGNATURE:
        raise SheetError(
            [
                f"{path}: the workbook's metadata carries no signature (made by an older "
                "clusterqda, or edited); export a new sheet"
            ]
        )
    expected = _signature(store, rows[:-1])
    if not hmac.compare_digest(expected, rows[-1][1]):
        raise SheetError(
            [
                f"{path}: the workbook's hidden metadata was changed, or the workbook was "
                "made for another project; export a new sheet"
            ]
        )
    rows = rows[:-1]
    info = dict(rows[:META_FIELDS])
    if info.get("format") not in (FORMAT, ADJUDICATION):
        raise SheetError([f"{path}: not a clusterqda coding workbook (unknown format)"])
    for key in ("codes", "header"):
        try:
            info[key] = json.loads(info[key])
        except (KeyError, ValueError):
            row = next((i for i, (k, _) in enumerate(rows, 1) if k == key), 1)
            raise SheetError(
                [f"{path}, sheet {SHEET_META}, cell B{row}: the list of {key} is not valid"]
            ) from None
    return info, rows[META_FIELDS:]


def _signature(store: Store, rows: list[tuple[str, str]]) -> str:
    """Return the keyed hash of a sheet's metadata rows under the project's own secret."""
    payload = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hmac.new(store.secret(SHEET_KEY), payload, hashlib.sha256).hexdigest()


def _write_meta(book, store: Store, info: dict, units: list[tuple[str, str]]) -> None:
    """Write the very hidden metadata sheet: the fields, each unit's text hash, a signature."""
    meta = book.create_sheet(SHEET_META)
    meta.sheet_state = "veryHidden"
    rows = [(key, str(value)) for key, value in info.items()]
    rows.append(("units", str(len(units))))
    rows += units
    rows = [(_value(a), _value(b)) for a, b in rows]  # exactly as the import reads them back
    assert len(info) + 1 == META_FIELDS
    for key, value in [*rows, (SIGNATURE, _signature(store, rows))]:
        meta.append([cell(meta, key), cell(meta, value)])


def import_coding_sheets(
    store: Store, codebook: Codebook, paths: list[str | Path], coder: str | None = None
) -> SheetImport:
    """Validate every workbook, then store all their codings in one transaction."""
    parsed = []
    problems: list[str] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            problems.append(f"{path}: no such file")
            continue
        try:
            parsed.append(_parse_sheet(store, codebook, path, coder))
        except SheetError as exc:
            problems += exc.problems
    if problems:
        raise SheetError(problems)
    report = SheetImport(files=len(parsed))
    with store.transaction():
        for who, unit_ids, codings, scope in parsed:
            store.register_coder(who, "human", codebook.hash, codebook.version)
            store.save_codings(who, unit_ids, codings, scope)
            report.units_done += len(unit_ids)
            report.codings += len(codings)
            if who not in report.coders:
                report.coders.append(who)
    return report


def _parse_sheet(store, codebook, path, coder):
    book = _open_workbook(path)
    info, unit_rows = _read_meta(book, path, store)
    if info["format"] == ADJUDICATION:
        return _parse_adjudication(store, codebook, path, book, info)
    problems: list[str] = []
    if info["codebook_hash"] != codebook.hash:
        problems.append(
            f"{path}: made with codebook version {info['codebook_version']} "
            f"(hash {info['codebook_hash'][:12]}), but this project codes with "
            f"{codebook.version} ({codebook.hash[:12]}); export a new sheet"
        )
    expected_units = [u for u, _ in unit_rows]
    digests = dict(unit_rows)
    known = store.units_for_sheet().set_index("unit_id")
    missing = [u for u in expected_units if u not in known.index]
    docs = store.documents()
    if missing:
        problems.append(
            f"{path}: the workbook belongs to another project "
            f"(unit {missing[0]} is not in this one)"
        )
    else:
        mine = docs[docs["doc_id"].isin(set(known.loc[expected_units, "doc_id"]))]
        if fingerprint(mine) != info["fingerprint"]:
            problems.append(
                f"{path}: the workbook was made from other versions of these "
                "transcripts (re-ingested since?); export a new sheet"
            )
    if SHEET_CODING not in book.sheetnames:
        problems.append(f"{path}: the sheet '{SHEET_CODING}' is missing")
        raise SheetError(problems)
    sheet = book[SHEET_CODING]
    where = f"{path}, sheet {SHEET_CODING}"
    if sheet.merged_cells.ranges:
        first = sorted(str(r) for r in sheet.merged_cells.ranges)[0]
        problems.append(f"{where}, cell {first.split(':')[0]}: merged cells; unmerge them")
    header = info["header"]
    rows = sheet.iter_rows(values_only=True)
    got = [_value(v) for v in next(rows, ())]
    while got and got[-1] == "":
        got.pop()
    if got != header:
        for i, (want, have) in enumerate(
            zip(header + [""] * len(got), got + [""] * len(header), strict=False)
        ):
            if want != have:
                problems.append(
                    f"{where}, cell {get_column_letter(i + 1)}1: expected the "
                    f"column '{want}', found '{have}' (columns inserted, deleted "
                    "or renamed)"
                )
                break
        raise SheetError(problems)
    codes = info["codes"]
    done_col = header.index(DONE_COLUMN)
    text_col = FIXED_COLUMNS.index("文本 text")
    who = coder or info["coder"]
    if reserved_coder(store, who):
        problems.append(
            f"{path}: '{who}' is a machine coder or the adjudicated consensus; "
            "a coding sheet can only be imported as a person"
        )
        raise SheetError(problems)
    seen: set[str] = set()
    order: list[str] = []
    unit_ids: list[str] = []
    codings: list[tuple] = []
    for r, values in enumerate(rows, start=2):
        values = [_value(v) for v in values] + [""] * len(header)
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
        if _text_hash(values[text_col]) != digests[unit_id]:
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
            stance = STANCE_ALIASES.get(raw) or STANCE_ALIASES.get(raw.lower())
            if raw.startswith("="):
                problems.append(
                    f"{where}, cell {get_column_letter(done_col + 2 + j)}{r}: a formula; "
                    f"type one of {', '.join(STANCE_LABELS)} instead"
                )
                continue
            if stance is None:
                problems.append(
                    f"{where}, cell {get_column_letter(done_col + 2 + j)}{r}: "
                    f"'{raw}' is not one of {', '.join(STANCE_LABELS)}"
                )
                continue
            row_codes.append((unit_id, code_id, stance, None, None, None, None, None))
        if done in DONE_VALUES or row_codes:
            unit_ids.append(unit_id)
            codings += row_codes
    lost = [u for u in digests if u not in seen]
    if lost:
        problems.append(
            f"{where}: {len(lost)} exported rows are missing (deleted?), first {lost[0]}"
        )
    elif order != [u for u, _ in unit_rows]:
        first = next(
            i for i, (a, (b, _)) in enumerate(zip(order, unit_rows, strict=True)) if a != b
        )
        problems.append(
            f"{where}, cell A{first + 2}: rows were reordered or sorted; keep the exported order"
        )
    if problems:
        raise SheetError(problems)
    return who, unit_ids, codings, codes


# adjudication -----------------------------------------------------------------

CONSENSUS = "consensus"


def reserved_coder(store: Store, name: str) -> bool:
    """Return whether ``name`` is kept for machine coders (``kind@version``) or consensus."""
    return name == CONSENSUS or "@" in name or store.coder_kinds().get(name, "human") != "human"


NO_CODE = "无"


def _coder_values(store: Store, coder: str) -> dict[tuple[str, str], str]:
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
        raise ClusterQDAError(f"coders {first} and {second} have no unit in common")
    a, b = _coder_values(store, first), _coder_values(store, second)
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
        raise ClusterQDAError("adjudication takes exactly two coders: --coders A,B")
    first, second = coders
    both, rows = disagreements(store, codebook, first, second)
    units = store.units_for_sheet().set_index("unit_id")
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
                cell(sheet, label.get(va, NO_CODE)),
                cell(sheet, label.get(vb, NO_CODE)),
                _editable(sheet),
                _editable(sheet, wrap=True),
            ]
        )
    docs = store.documents()
    docs = docs[docs["doc_id"].isin(set(units.loc[both, "doc_id"]))]
    info = {
        "format": ADJUDICATION,
        "fingerprint": fingerprint(docs),
        "codebook_hash": codebook.hash,
        "codebook_version": codebook.version,
        "coder": CONSENSUS,
        "codes": json.dumps(coders),
        "header": json.dumps(header, ensure_ascii=False),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    _write_meta(book, store, info, [(u, _text_hash(units.loc[u, "text"])) for u in both])
    with atomic_write(out, "wb") as handle:
        book.save(handle)
    return SheetExport(Path(out), len(rows), len(codebook.codes))


def _parse_adjudication(store, codebook, path, book, info):
    problems: list[str] = []
    first, second = info["codes"]
    if info["codebook_hash"] != codebook.hash:
        problems.append(
            f"{path}: made with another codebook version "
            f"({info['codebook_version']}); export a new adjudication sheet"
        )
        raise SheetError(problems)
    both, rows = disagreements(store, codebook, first, second)
    open_rows = {(u, c): (va, vb) for u, c, va, vb in rows}
    a, b = _coder_values(store, first), _coder_values(store, second)
    where = f"{path}, sheet {SHEET_ADJUDICATE}"
    if SHEET_ADJUDICATE not in book.sheetnames:
        raise SheetError([f"{path}: the sheet '{SHEET_ADJUDICATE}' is missing"])
    decided: dict[tuple[str, str], str | None] = {}
    for r, values in enumerate(
        book[SHEET_ADJUDICATE].iter_rows(min_row=2, values_only=True), start=2
    ):
        values = [_value(v) for v in values] + [""] * 7
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
            codings.append((key[0], key[1], stance, None, None, None, None, None))
    return CONSENSUS, both, codings, _common_scope(store, codebook, first, second, both)


def _common_scope(store, codebook, first, second, units) -> list[str] | None:
    """Return the codes both coders judged on every unit (None: all codes)."""
    seen_a, seen_b = store.coded_units(first), store.coded_units(second)
    scopes = [s for u in units for s in (seen_a[u], seen_b[u]) if s is not None]
    if not scopes:
        return None
    common = frozenset.intersection(*scopes)
    return [c for c in codebook.codes if c in common]
