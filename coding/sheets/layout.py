"""What a coding workbook looks like: sheet names, columns, the values a cell may hold."""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill, Protection

from coding.common.excel import cell

FORMAT = "clusterqda-coding-sheet/1"
ADJUDICATION = "clusterqda-adjudication/1"
SHEET_INFO, SHEET_CODEBOOK, SHEET_CODING, SHEET_META = "说明", "编码本", "编码", "_meta"
SHEET_ADJUDICATE = "裁定"
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
CONSENSUS = "consensus"  # the coder an adjudication workbook stores
NO_CODE = "无"
GREY = PatternFill("solid", fgColor="EEEEEE")
HEADER = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)

# What the assistant reads first, in Chinese; kept as a file so a team can adapt it.
INSTRUCTIONS = Path(__file__).resolve().parent.parent / "resources" / "sheet_instructions.txt"


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


def style_of(sheet, **style) -> object:
    """Return the internal style array of a cell styled once, to stamp on many cells."""
    proto = WriteOnlyCell(sheet)
    for name, value in style.items():
        setattr(proto, name, value)
    return proto._style


def text_cell(sheet, value, style=None):
    """Return a cell whose text is never a formula, carrying a prepared style, cheaply."""
    c = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        c.data_type = "s"  # openpyxl would otherwise take '=…' as a formula
    if style is not None:
        c._style = copy(style)
    return c


def editable_cell(sheet, wrap: bool = False):
    """Return an empty cell the coder may type in (the sheet is otherwise locked)."""
    c = cell(sheet, None)
    c.protection = UNLOCKED
    if wrap:
        c.alignment = WRAP
    return c


def cell_value(v) -> str:
    """Return a cell's value as the stripped text import compares (1.0 read as 1)."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def safe_value(sheet, value):
    """Return a plain value, or a text cell where openpyxl would make a formula of it."""
    if isinstance(value, str) and value.startswith("="):
        return text_cell(sheet, value)
    return value
