"""Excel coding sheets for research assistants: export, validated import, adjudication.

A coding workbook has three visible sheets — 说明 (instructions), 编码本 (the
codebook of the chosen dimensions) and 编码 (one row per interviewee turn, one
column per code with a stance dropdown) — and a very hidden ``_meta`` sheet,
signed under a project secret (``meta.py``). ``export.py`` writes it,
``importer.py`` checks and stores a filled one, ``adjudicate.py`` settles two
coders' disagreements; ``layout.py`` holds what every workbook shares.
"""

from coding.errors import SheetError
from coding.sheets.adjudicate import disagreements, export_adjudication
from coding.sheets.export import UnitOrder, export_coding_sheet
from coding.sheets.importer import import_coding_sheets
from coding.sheets.layout import (
    CONSENSUS,
    DONE_COLUMN,
    DONE_LABEL,
    SHEET_ADJUDICATE,
    SHEET_CODING,
    SHEET_META,
    STANCE_LABELS,
    SheetExport,
    SheetImport,
)
from coding.sheets.meta import SHEET_KEY, SheetMeta, fingerprint
from coding.sheets.people import reserved_coder

__all__ = [
    "CONSENSUS",
    "DONE_COLUMN",
    "DONE_LABEL",
    "SHEET_ADJUDICATE",
    "SHEET_CODING",
    "SHEET_KEY",
    "SHEET_META",
    "STANCE_LABELS",
    "SheetError",
    "SheetExport",
    "SheetImport",
    "SheetMeta",
    "UnitOrder",
    "disagreements",
    "export_adjudication",
    "export_coding_sheet",
    "fingerprint",
    "import_coding_sheets",
    "reserved_coder",
]
