"""Read survey data, check every cell against the schema, and turn answers into numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from coding.survey.schema import SurveySchema
from coding.tables import read_table


@dataclass
class SurveyData:
    """Survey answers: raw text, numeric item values, and every problem found."""

    schema: SurveySchema
    path: str
    raw: pd.DataFrame  # every column as text, one row per respondent (data order)
    values: pd.DataFrame  # item values as numbers (NaN = no answer), before reverse scoring
    problems: list[str] = field(default_factory=list)
    invalid_rows: set[int] = field(default_factory=set)  # positions in raw

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


def read_survey(
    path: str | Path, schema: SurveySchema, encoding: str | None = None, sheet: str | None = None
) -> SurveyData:
    """Read a CSV/xlsx survey and check it; problems are collected, not raised."""
    raw = read_table(path, sheet=sheet, encoding=encoding)
    raw = raw.apply(lambda col: col.astype(str).str.strip())
    problems: list[str] = []
    invalid: set[int] = set()
    missing = [c for c in dict.fromkeys(schema.columns()) if c not in raw.columns]
    for column in missing:
        problems.append(f"column {column}: named in the schema but not in the data")
    id_col = schema.id_column
    if id_col not in raw.columns:
        return SurveyData(
            schema, str(path), raw, pd.DataFrame(index=raw.index), problems, set(range(len(raw)))
        )
    ids = raw[id_col]
    label = {i: (f"row {v}" if v else f"row #{i + 1}") for i, v in enumerate(ids)}
    for position in np.flatnonzero(ids.to_numpy() == ""):
        problems.append(f"{label[position]}, column {id_col}: the respondent id is empty")
        invalid.add(int(position))
    duplicated = ids[(ids != "") & ids.duplicated(keep=False)]
    first_seen: dict[str, int] = {}
    for position, value in duplicated.items():
        if value in first_seen:
            problems.append(
                f"row {value}, column {id_col}: duplicate id "
                f"(also data row #{first_seen[value] + 1})"
            )
            invalid.add(int(position))
        else:
            first_seen[value] = int(position)
    values = pd.DataFrame(index=raw.index)
    allowed = ", ".join(schema.labels) if schema.labels else "no labels"
    whole = float(schema.scale_min).is_integer() and float(schema.scale_max).is_integer()
    for item in schema.items:
        if item not in raw.columns:
            continue
        text = raw[item]
        number = text.map(schema.labels).astype(float)
        number = number.fillna(pd.to_numeric(text, errors="coerce"))
        answered = text != ""
        unknown = answered & number.isna()
        outside = (
            answered
            & number.notna()
            & (
                (number < schema.scale_min)
                | (number > schema.scale_max)
                | (whole & (number % 1 != 0))
            )
        )
        for position in np.flatnonzero(unknown.to_numpy()):
            problems.append(
                f"{label[position]}, column {item}: '{text.iat[position]}' is neither "
                f"a number nor a scale label ({allowed})"
            )
        for position in np.flatnonzero(outside.to_numpy()):
            problems.append(
                f"{label[position]}, column {item}: {text.iat[position]} is outside "
                f"the scale {schema.scale_min:g}–{schema.scale_max:g}"
            )
        invalid.update(int(p) for p in np.flatnonzero((unknown | outside).to_numpy()))
        values[item] = number.where(~(unknown | outside))
    return SurveyData(schema, str(path), raw, values, problems, invalid)
