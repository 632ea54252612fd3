"""Stream a survey table (CSV or xlsx) in chunks of rows, every cell as stripped text.

A survey can have a million rows, so nothing here holds the whole file: a CSV
is decoded and parsed a chunk at a time (the stdlib csv module: pandas'
chunked reader grows with the file), an xlsx sheet is read row by row
(openpyxl's read-only mode). Rows whose cells are all empty
are dropped; each chunk's index is the row's position among the data rows
(0-based), which messages show as ``row #n`` (n = position + 1).

Line ends are taken from the header line: LF, CRLF, or a bare CR (old Mac
files). In an LF or CRLF file a bare CR is part of its field, quoted or not,
so text pasted with a CR never starts a new respondent.

Encodings: ``encoding`` if given; else a byte-order mark (UTF-8, UTF-16);
UTF-16 without a mark (many NUL bytes, all at odd or all at even offsets);
UTF-8 if the whole file is valid UTF-8; else GB18030 or Big5 as
charset-normalizer finds. The chosen encoding is checked over the whole file
first, so a bad byte is reported with its line before any row is used.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd
from charset_normalizer import from_bytes

from coding.common.tables import xlsx_rows
from coding.errors import DecodingError, InputError

CHUNK_ROWS = 5_000  # a chunk's answers as tuples stay a few tens of MB
SAMPLE_BYTES = 1 << 16  # enough to see the header's line end and NUL patterns
DETECT_BYTES = 1 << 20  # what charset-normalizer sees when the file is not UTF-8
BLOCK_BYTES = 1 << 20
LEGACY_ENCODINGS = ["gb18030", "big5"]
SAVE_AS = "save the survey as CSV UTF-8 or as .xlsx"
MAX_FIELD_CHARS = 16 * 1024 * 1024  # the csv module's default limit is 128 KB a cell
# Private-use characters stand in for a CR or LF inside a line while the csv module reads it.
_HIDE = str.maketrans({"\r": "\ue000", "\n": "\ue001"})
_SHOW = str.maketrans({"\ue000": "\r", "\ue001": "\n"})


def read_chunks(
    path: str | Path,
    encoding: str | None = None,
    sheet: str | None = None,
    rows: int | None = None,
) -> Iterator[pd.DataFrame]:
    """Yield a CSV/xlsx survey as DataFrames of stripped text, ``rows`` rows at a time.

    The first chunk may be empty (a header without rows); it still has the columns.
    """
    path = Path(path)
    rows = rows or CHUNK_ROWS
    if not path.is_file():
        raise InputError("no such file", path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        chunks = _xlsx_chunks(path, sheet, rows)
    elif suffix in (".csv", ".txt", ".tsv"):
        chunks = _csv_chunks(path, encoding, rows, "\t" if suffix == ".tsv" else ",")
    else:
        raise InputError("unsupported table type; use .csv or .xlsx", path)
    position = 0
    for chunk in chunks:
        columns = [str(c).strip() for c in chunk.columns]
        cells = _stripped(chunk.to_numpy(dtype=object))
        if len(cells):
            cells = cells[(cells != "").any(axis=1)]
        yield pd.DataFrame(
            cells, columns=columns, index=pd.RangeIndex(position, position + len(cells))
        )
        position += len(cells)


def _stripped(cells: np.ndarray) -> np.ndarray:
    """Return the cells as stripped text ("" for missing), stripping each distinct value once."""
    # scale columns hold a handful of distinct answers; strip those, not every cell
    codes, uniques = pd.factorize(cells.ravel())
    texts = np.array([str(u).translate(_SHOW).strip() for u in uniques] + [""], dtype=object)
    return texts[codes].reshape(cells.shape)  # code -1 (missing) picks the trailing ""


def detect_encoding(path: Path, encoding: str | None = None) -> str:
    """Return the encoding of a text table, checked over the whole file."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if not head.strip():
        raise InputError("the file is empty", path)
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise DecodingError(f"unknown encoding {encoding!r}", path) from None
        return _checked(
            path, encoding, f"the bytes are not valid {encoding}; try another --encoding"
        )
    if head.startswith(codecs.BOM_UTF8):
        return _checked(
            path, "utf-8-sig", "it starts with a UTF-8 byte-order mark but is not UTF-8"
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(path, "utf-16", f"it is not valid UTF-16; {SAVE_AS}")
    if b"\x00" in head:
        utf16 = _utf16_without_mark(head)
        if utf16 is None:
            raise InputError(f"this is not a text table (it has NUL bytes); {SAVE_AS}", path)
        return _checked(path, utf16, f"it looks like UTF-16 but is not valid UTF-16; {SAVE_AS}")
    if _first_bad_line(path, "utf-8") is None:
        return "utf-8"
    with path.open("rb") as handle:
        best = from_bytes(handle.read(DETECT_BYTES), cp_isolation=LEGACY_ENCODINGS).best()
    hint = "pass --encoding with the file's real encoding, or " + SAVE_AS
    if best is None:
        line = _first_bad_line(path, "utf-8")
        raise DecodingError(f"cannot decode it as UTF-8, GB18030 or Big5; {hint}", path, line=line)
    return _checked(path, best.encoding, f"the bytes are not valid {best.encoding}; {hint}")


def _utf16_without_mark(head: bytes) -> str | None:
    """Return utf-16-le/-be if the sample looks like UTF-16 text without a byte-order mark."""
    head = head[: len(head) // 2 * 2]
    pairs = len(head) // 2
    # In UTF-16 the commas, digits and line ends of a CSV have one NUL byte:
    # the second of the pair in little-endian, the first in big-endian.
    even, odd = head[0::2].count(0), head[1::2].count(0)
    for name, many, few in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if many >= pairs * 0.05 and few <= many * 0.05:
            text = head.decode(name, errors="replace")
            # a text table, not binary data that happens to have NULs in a pattern
            printable = sum(c.isprintable() or c in "\r\n\t" for c in text)
            if text.count("\ufffd") <= 1 and printable >= len(text) * 0.95:
                return name
    return None


def _checked(path: Path, encoding: str, message: str) -> str:
    """Return ``encoding`` if the whole file decodes with it; else raise naming the line."""
    line = _first_bad_line(path, encoding)
    if line is not None:
        raise DecodingError(message, path, line=line or None)
    return encoding


def _first_bad_line(path: Path, encoding: str) -> int | None:
    """Return the line of the first byte that does not decode (0 if unknown), or None."""
    decoder = codecs.getincrementaldecoder(encoding)()
    # counting b"\n" gives lines only where LF is one byte
    count_lines = "16" not in encoding and "32" not in encoding
    lines = 1
    with path.open("rb") as handle:
        while True:
            block = handle.read(BLOCK_BYTES)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                if not count_lines:
                    return 0
                return lines + block.count(b"\n", 0, max(exc.start, 0))
            if not block:
                return None
            lines += block.count(b"\n")


def _line_end(path: Path, encoding: str) -> str:
    """Return the character that ends rows: the header line's end (a bare CR in old Mac files)."""
    with path.open(encoding=encoding, newline="") as handle:
        head = handle.read(SAMPLE_BYTES)
    lf, cr = head.find("\n"), head.find("\r")
    if cr != -1 and (lf == -1 or cr < lf) and head[cr + 1 : cr + 2] != "\n":
        return "\r"
    return "\n"  # a CRLF file: its lines end in "\n", and the csv module takes the CR with it


def _lines(handle: TextIO) -> Iterator[str]:
    """Yield the file's lines with any CR or LF inside a line hidden from the csv module.

    The handle splits lines at the file's own line end only; the csv module
    would end a record at any CR or LF outside quotes, so those become
    placeholders here and are turned back in ``_stripped``.
    """
    for line in handle:
        ends = 2 if line.endswith("\r\n") else 1 if line.endswith(("\n", "\r")) else 0
        if line.count("\r") + line.count("\n") == ends:  # the usual line: nothing to hide
            yield line
            continue
        cut = len(line) - ends
        yield line[:cut].translate(_HIDE) + line[cut:]


def _csv_chunks(path: Path, encoding: str | None, rows: int, sep: str) -> Iterator[pd.DataFrame]:
    used = detect_encoding(path, encoding)
    # the stdlib reader: pandas' chunked reader grows with the file, this one does not
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS))
    with path.open(encoding=used, newline=_line_end(path, used)) as handle:
        reader = csv.reader(_lines(handle), delimiter=sep)
        try:
            header = next(reader, None)
            if header is None:
                raise InputError("the table is empty", path)
            width = len(header)
            first = True
            while batch := list(islice(reader, rows)):
                if set(map(len, batch)) != {width}:  # short rows are padded, long ones refused
                    batch = [_fitted(row, width, path, reader.line_num) for row in batch]
                yield _frame(batch, header)
                first = False
            if first:  # the first chunk carries the columns even without rows
                yield _frame([], header)
        except csv.Error as exc:
            reason = str(exc).split(" - ")[0]  # the csv module's reasons never quote cells
            raise InputError(
                f"not a valid CSV table ({reason})", path, line=reader.line_num
            ) from None


def _fitted(row: list[str], width: int, path: Path, line: int) -> list[str]:
    if len(row) > width:
        raise InputError(
            f"not a valid CSV table (a row has {len(row)} fields, the header {width};"
            f" at or before line {line})",
            path,
        )
    return row + [""] * (width - len(row))


def _frame(batch: list[list[str]], header: list[str]) -> pd.DataFrame:
    cells = np.empty((len(batch), len(header)), dtype=object)
    cells[:] = batch if batch else cells
    return pd.DataFrame(cells, columns=header)


def _xlsx_chunks(path: Path, sheet: str | None, rows: int) -> Iterator[pd.DataFrame]:
    with xlsx_rows(path, sheet) as (columns, cells):
        first = True
        while batch := list(islice(cells, rows)):
            yield pd.DataFrame(batch, columns=columns, dtype=str)
            first = False
        if first:  # the first chunk carries the columns even without rows
            yield pd.DataFrame([], columns=columns, dtype=str)
