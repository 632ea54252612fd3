"""Check a survey file against its schema while streaming it, and turn answers into numbers.

``check_survey`` reads the file a chunk at a time and keeps only what is
wrong: the first ``MAX_PROBLEMS_KEPT`` problems as one-line messages, the
count of all of them, and the positions of the rows that have any. Messages
name the row (``row <id>``, or ``row #n`` when the id is empty or unfit to
print) and the column, never the text of an answer. Problems come in row
order, with duplicate ids last: duplicates are found after the whole file
has been read, from a 64-bit hash of every id (8 bytes a row, where a set
of the ids themselves would grow with their length); rows whose hashes
match are read again and their ids compared, so a collision is no repeat.

``read_survey`` does the same and also keeps every row in memory, for the
statistics that need the whole table (reliability); ingest streams instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from coding.errors import InputError
from coding.survey.read import read_chunks
from coding.survey.schema import SurveySchema

MAX_PROBLEMS_KEPT = 1000
MAX_ID_SHOWN = 40  # longer ids are shown as row numbers, to keep messages one short line
_HASH_KEY = "clusterqda-ids-1"  # 16 characters, as pandas' hash needs


@dataclass
class SurveyCheck:
    """What checking a survey file found: its size and every problem (the first ones kept)."""

    schema: SurveySchema
    path: str
    encoding: str | None = None
    sheet: str | None = None
    rows: int = 0
    problems: list[str] = field(default_factory=list)  # the first MAX_PROBLEMS_KEPT
    problem_count: int = 0
    structural: bool = False  # the data and the schema do not name the same columns
    invalid_rows: set[int] = field(default_factory=set)  # data positions (0-based)
    signature: tuple[int, int] = (0, 0)  # the file's size and mtime when checked

    @property
    def problems_not_kept(self) -> int:
        """Return how many problems were counted beyond those kept."""
        return self.problem_count - len(self.problems)

    def add(self, problem: str) -> None:
        """Count a problem; keep its message while fewer than MAX_PROBLEMS_KEPT are kept."""
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)


@dataclass
class SurveyData(SurveyCheck):
    """A checked survey held in memory: raw text and numeric item values."""

    raw: pd.DataFrame = field(default_factory=pd.DataFrame)  # every column as text, data order
    values: pd.DataFrame = field(default_factory=pd.DataFrame)  # NaN = no answer; not reversed

    @property
    def ids(self) -> pd.Series:
        """Return the respondent ids, as text."""
        return self.raw[self.schema.id_column]

    def scored(self) -> pd.DataFrame:
        """Return item values with reverse items turned (min + max - x), indexed by id."""
        from coding.survey.scoring import reverse_scored

        scored = reverse_scored(self.values, self.schema)
        scored.index = self.ids.to_numpy()
        return scored


def check_survey(
    path: str | Path, schema: SurveySchema, encoding: str | None = None, sheet: str | None = None
) -> SurveyCheck:
    """Check a CSV/xlsx survey while streaming it; problems are collected, not raised."""
    result = SurveyCheck(schema, str(path), encoding, sheet, signature=file_signature(path))
    _scan(result, None)
    return result


def read_survey(
    path: str | Path, schema: SurveySchema, encoding: str | None = None, sheet: str | None = None
) -> SurveyData:
    """Read a CSV/xlsx survey into memory and check it; problems are collected, not raised."""
    result = SurveyData(schema, str(path), encoding, sheet, signature=file_signature(path))
    raw: list[pd.DataFrame] = []
    values: list[pd.DataFrame] = []

    def keep(chunk: pd.DataFrame, numbers: pd.DataFrame) -> None:
        raw.append(chunk)
        values.append(numbers)

    _scan(result, keep)
    result.raw = pd.concat(raw) if raw else pd.DataFrame()
    result.values = pd.concat(values) if values else pd.DataFrame(index=result.raw.index)
    return result


def file_signature(path: str | Path) -> tuple[int, int]:
    """Return a file's size and modification time, to notice a change between two reads."""
    stat = Path(path).stat() if Path(path).is_file() else None
    return (stat.st_size, stat.st_mtime_ns) if stat else (0, 0)


def item_values(chunk: pd.DataFrame, schema: SurveySchema) -> tuple[pd.DataFrame, dict]:
    """Return a chunk's item values (NaN = blank or invalid) and, per item, its bad cells.

    The bad cells of an item are (unknown, outside): boolean arrays of answers
    that are neither a number nor a label, and numbers outside the scale.
    """
    items = [item for item in schema.items if item in chunk.columns]
    cells = chunk[items].to_numpy(dtype=object)
    # the items share a handful of distinct answers: turn each into a number once
    codes, uniques = pd.factorize(cells.ravel())
    codes = codes.reshape(cells.shape)
    distinct = pd.Series(uniques, dtype=object)
    numbers = distinct.map(schema.labels).astype(float)
    numbers = numbers.fillna(pd.to_numeric(distinct, errors="coerce")).to_numpy()
    answered = (distinct != "").to_numpy()
    whole = float(schema.scale_min).is_integer() and float(schema.scale_max).is_integer()
    unknown = answered & np.isnan(numbers)
    outside = (
        answered
        & ~np.isnan(numbers)
        & (
            (numbers < schema.scale_min)
            | (numbers > schema.scale_max)
            | (whole & (numbers % 1 != 0))
        )
    )
    valid = np.where(unknown | outside, np.nan, numbers)
    values = pd.DataFrame(valid[codes], index=chunk.index, columns=items, dtype=float)
    unknown, outside = unknown[codes], outside[codes]
    bad = {item: (unknown[:, j], outside[:, j]) for j, item in enumerate(items)}
    return values, bad


def row_label(position: int, rid: str) -> str:
    """Return how messages name a row: by its id, or by its number if the id cannot be shown."""
    if rid and len(rid) <= MAX_ID_SHOWN and rid.isprintable():
        return f"row {rid}"
    return f"row #{position + 1}"


def _scan(result: SurveyCheck, keep) -> None:
    """Check every chunk of the file into ``result``; hand each chunk to ``keep`` if given."""
    schema = result.schema
    id_col = schema.id_column
    hashes: list[np.ndarray] = []
    allowed = ", ".join(schema.labels) if schema.labels else "no labels"
    for number, chunk in enumerate(read_chunks(result.path, result.encoding, result.sheet)):
        if number == 0:
            for column in dict.fromkeys(schema.columns()):
                if column not in chunk.columns:
                    result.add(f"column {column}: named in the schema but not in the data")
                    result.structural = True
        result.rows += len(chunk)
        values, bad = item_values(chunk, schema)
        if keep is not None:
            keep(chunk, values)
        if id_col not in chunk.columns:
            continue
        ids = chunk[id_col].to_numpy()
        found: list[tuple[int, int, str]] = []  # (position, column order, message)
        for position in chunk.index[ids == ""]:
            found.append(
                (position, -1, f"row #{position + 1}, column {id_col}: the respondent id is empty")
            )
        for order, (item, (unknown, outside)) in enumerate(bad.items()):
            for position in chunk.index[unknown]:
                where = row_label(position, ids[position - chunk.index[0]])
                found.append(
                    (
                        position,
                        order,
                        f"{where}, column {item}: neither a number nor a scale label ({allowed})",
                    )
                )
            for position in chunk.index[outside]:
                where = row_label(position, ids[position - chunk.index[0]])
                value = _number_text(chunk.at[position, item])
                found.append(
                    (
                        position,
                        order,
                        f"{where}, column {item}: {value} is outside the scale "
                        f"{schema.scale_min:g}–{schema.scale_max:g}",
                    )
                )
        for position, _, message in sorted(found, key=lambda f: f[:2]):
            result.add(message)
            result.invalid_rows.add(int(position))
        hashes.append(_hash_ids(chunk[id_col]))
    if result.rows == 0:
        raise InputError("the table has no rows", result.path)
    if hashes:
        _duplicates(result, np.concatenate(hashes))


def _number_text(text: str) -> str:
    """Return an answer outside the scale as messages show it: the number, never other text."""
    try:
        return f"{float(text):g}"
    except ValueError:  # pandas read a number that Python does not: say only that it is one
        return "the number"


def _hash_ids(ids: pd.Series) -> np.ndarray:
    """Return a 64-bit hash per id; 0 for an empty id."""
    array = ids.to_numpy(dtype=object)
    hashes = pd.util.hash_array(array, hash_key=_HASH_KEY)
    hashes[array == ""] = 0
    return hashes


def _duplicates(result: SurveyCheck, hashes: np.ndarray) -> None:
    """Add a problem for each repeat of an id, naming the data row of its first use."""
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    same = (ordered[1:] == ordered[:-1]) & (ordered[1:] != 0)
    if not same.any():
        return
    # equal hashes are only candidates: the ids themselves decide (a collision is not a repeat)
    where = np.flatnonzero(same)
    candidates = set(order[where].tolist()) | set(order[where + 1].tolist())
    names = _ids_at(result, candidates)
    first_seen: dict[str, int] = {}
    id_col = result.schema.id_column
    for position in sorted(candidates):
        rid = names[position]
        if rid not in first_seen:
            first_seen[rid] = position
            continue
        result.add(
            f"{row_label(position, rid)}, column {id_col}: duplicate id "
            f"(also data row #{first_seen[rid] + 1})"
        )
        result.invalid_rows.add(position)


def _ids_at(result: SurveyCheck, positions: set[int]) -> dict[int, str]:
    """Read the file again for the ids at some positions (only when there are duplicates)."""
    names = {}
    for chunk in read_chunks(result.path, result.encoding, result.sheet):
        column = chunk[result.schema.id_column]
        for position in positions.intersection(chunk.index):
            names[position] = column.at[position]
    return names
