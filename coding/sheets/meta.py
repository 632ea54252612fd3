"""A workbook's very hidden ``_meta`` sheet: what it was made from, signed by the project.

Rows, in order: nine ``key, value`` fields (format, fingerprint, codebook_hash,
codebook_version, coder, codes as JSON, header as JSON, created_at, units), then one
``unit_id, text hash`` row per unit, then ``signature, <HMAC-SHA256>`` over all of
them under a random secret kept in the project database. Nobody without the project
can change the coder, the codes or the unit list unnoticed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from coding.common.excel import cell
from coding.errors import SheetError
from coding.sheets.layout import ADJUDICATION, FORMAT, SHEET_META, cell_value
from coding.store import Store

FIELDS = ("format", "fingerprint", "codebook_hash", "codebook_version", "coder", "codes",
          "header", "created_at", "units")  # fmt: skip
SIGNATURE = "signature"
SHEET_KEY = "sheets"


@dataclass
class SheetMeta:
    """What a workbook was made from; ``units`` pairs each unit id with its text hash."""

    format: str
    fingerprint: str
    codebook_hash: str
    codebook_version: str
    coder: str
    codes: list[str]
    header: list[str]
    units: list[tuple[str, str]] = field(default_factory=list)
    created_at: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )

    def rows(self) -> list[tuple[str, str]]:
        """Return the metadata as the rows written to the sheet (before the signature)."""
        return self.head(len(self.units)) + [_as_read(row) for row in self.units]

    def head(self, units: int) -> list[tuple[str, str]]:
        """Return the rows of the fields, for a workbook of ``units`` units."""
        values = {
            **{k: getattr(self, k) for k in FIELDS if k not in ("codes", "header", "units")},
            "codes": json.dumps(self.codes),
            "header": json.dumps(self.header, ensure_ascii=False),
            "units": str(units),
        }
        return [_as_read((k, values[k])) for k in FIELDS]


def _as_read(row: tuple[str, str]) -> tuple[str, str]:
    """Return a metadata row as import reads it back."""
    return cell_value(row[0]), cell_value(row[1])


def text_hash(text: str) -> str:
    """Return the short checksum that shows a unit's text was not edited."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def fingerprint(documents: pd.DataFrame) -> str:
    """Return the identity of a set of documents: their ids and content hashes."""
    pairs = sorted(
        f"{d}:{h}" for d, h in zip(documents["doc_id"], documents["content_hash"], strict=True)
    )
    return hashlib.sha256("\n".join(pairs).encode()).hexdigest()[:24]


def signature(store: Store, rows: list[tuple[str, str]]) -> str:
    """Return the keyed hash of metadata rows under the project's own secret."""
    payload = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hmac.new(store.secret(SHEET_KEY), payload, hashlib.sha256).hexdigest()


def write_meta(book, store: Store, meta: SheetMeta) -> None:
    """Add the very hidden metadata sheet, signed, to a write-only workbook."""
    sheet = book.create_sheet(SHEET_META)
    sheet.sheet_state = "veryHidden"
    rows = meta.rows()
    for key, value in [*rows, (SIGNATURE, signature(store, rows))]:
        sheet.append([cell(sheet, key), cell(sheet, value)])


class MetaWriter:
    """The metadata sheet of a write-only workbook written while its units stream: each
    unit's row goes to the sheet and into the signature at once, so that no list of
    every unit is kept (100,000 of them held 40 MB until the end). The same sheet as
    ``write_meta`` writes for the same units."""

    def __init__(self, book, store: Store, meta: SheetMeta, units: int) -> None:
        self._sheet = book.create_sheet(SHEET_META)
        self._sheet.sheet_state = "veryHidden"
        self._units, self._added = units, 0
        # the signature is the HMAC of the rows' JSON list, fed one row at a time
        self._mac = hmac.new(store.secret(SHEET_KEY), b"[", hashlib.sha256)
        self._first = True
        for row in meta.head(units):
            self._write(row)

    def add(self, unit_id: str, text: str) -> None:
        """Write the row of the next unit (its id and text hash)."""
        self._write(_as_read((unit_id, text_hash(text))))
        self._added += 1

    def close(self) -> None:
        """Write the signature row, once every unit announced has been added."""
        if self._added != self._units:
            raise SheetError(
                [f"the workbook's metadata lists {self._units} units, "
                 f"but {self._added} were written"]
            )  # fmt: skip
        self._mac.update(b"]")
        self._sheet.append([cell(self._sheet, SIGNATURE), cell(self._sheet, self._mac.hexdigest())])

    def _write(self, row: tuple[str, str]) -> None:
        data = json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._mac.update(data if self._first else b"," + data)
        self._first = False
        self._sheet.append([cell(self._sheet, row[0]), cell(self._sheet, row[1])])


def read_meta(
    book, path: Path, store: Store, formats: tuple[str, ...] = (FORMAT, ADJUDICATION)
) -> SheetMeta:
    """Return a workbook's metadata once its signature holds and its format is one of
    ``formats``; raise SheetError otherwise."""
    if SHEET_META not in book.sheetnames:
        raise SheetError([f"{path}: not a clusterqda coding workbook (its metadata sheet is gone)"])
    rows = [
        (cell_value(a), cell_value(b))
        for a, b, *_ in book[SHEET_META].iter_rows(values_only=True, max_col=2)
    ]
    if not rows or rows[-1][0] != SIGNATURE:
        raise SheetError(
            [f"{path}: the workbook's metadata carries no signature (made by an older "
             "clusterqda, or edited); export a new sheet"]
        )  # fmt: skip
    if not hmac.compare_digest(signature(store, rows[:-1]), rows[-1][1]):
        raise SheetError(
            [f"{path}: the workbook's hidden metadata was changed, or the workbook was "
             "made for another project; export a new sheet"]
        )  # fmt: skip
    rows = rows[:-1]
    info = dict(rows[: len(FIELDS)])
    if info.get("format") not in formats:
        raise SheetError([f"{path}: not a clusterqda coding workbook (unknown format)"])
    lists = {}
    for key in ("codes", "header"):
        try:
            lists[key] = json.loads(info[key])
        except (KeyError, ValueError):
            row = next((i for i, (k, _) in enumerate(rows, 1) if k == key), 1)
            raise SheetError(
                [f"{path}, sheet {SHEET_META}, cell B{row}: the list of {key} is not valid"]
            ) from None
    return SheetMeta(
        format=info["format"],
        fingerprint=info.get("fingerprint", ""),
        codebook_hash=info.get("codebook_hash", ""),
        codebook_version=info.get("codebook_version", ""),
        coder=info.get("coder", ""),
        codes=lists["codes"],
        header=lists["header"],
        units=rows[len(FIELDS) :],
        created_at=info.get("created_at", ""),
    )


def check_units(store: Store, path: Path, meta: SheetMeta) -> list[str]:
    """Return why a workbook's units are not this project's current transcripts (none: [])."""
    expected = [u for u, _ in meta.units]
    known = store.units_with_views().set_index("unit_id")
    missing = [u for u in expected if u not in known.index]
    if missing:
        return [
            f"{path}: the workbook belongs to another project "
            f"(unit {missing[0]} is not in this one)"
        ]
    docs = store.documents()
    mine = docs[docs["doc_id"].isin(set(known.loc[expected, "doc_id"]))]
    if fingerprint(mine) != meta.fingerprint:
        return [
            f"{path}: the workbook was made from other versions of these "
            "transcripts (re-ingested since?); export a new sheet"
        ]
    return []
