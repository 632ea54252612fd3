"""Code matrices: which codes meet in one unit, and how codes spread over groups.

Codes of a unit are its most trusted coder's (``trust.py``), or one coder's.
Co-occurrence counts units that carry both codes, with Jaccard's index
|A∩B| / |A∪B|. The crosstab of codes by a group (role, cluster, or any key of
the documents' metadata or the respondents' attributes) tests each code's
presence across the groups with ``stats.presence_test`` (χ² under Cochran's
rule, else Fisher's exact test for two groups, else not tested), adjusts the
p-values over the table's family (Holm by default, ``stats.adjust``) and gives
each cell its adjusted standardised residual (statsmodels'
``Table.standardized_resids``; Agresti 2007, section 2.4.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from coding.errors import OptionError, QueryError
from coding.store import Store, UnitFilter

if TYPE_CHECKING:
    import pandas as pd


COOCCURRENCE_COLUMNS = [
    "code_a",
    "code_b",
    "units_a",  # units with code_a
    "units_b",
    "both",  # units with both codes
    "jaccard",  # both / units with either
]
CROSSTAB_COLUMNS = [
    "code",
    "group",
    "units",  # units in the group
    "with_code",  # of them, units with the code
    "share",  # with_code / units
    "expected",  # with_code expected if the code ignored the groups
    "residual",  # adjusted standardised residual (|r| > 1.96: the cell stands out at 5%)
]
TEST_COLUMNS = [
    "code",
    "test",
    "statistic",
    "df",
    "n",
    "effect_size",
    "effect_measure",
    "p",
    "p_adjusted",  # within the family of this table's codes
]
NO_GROUP = "（未指定）"


@dataclass(frozen=True)
class CodeMatrix:
    """Every table of `matrix`: co-occurrence (long and as counts), crosstab and its tests."""

    by: str
    cooccurrence: pd.DataFrame  # COOCCURRENCE_COLUMNS, each pair once (code_a < code_b)
    counts: pd.DataFrame  # code × code units with both (diagonal: units with the code)
    crosstab: pd.DataFrame  # CROSSTAB_COLUMNS
    tests: pd.DataFrame  # TEST_COLUMNS
    units: int  # units looked at (the filter's, with a coding or not)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return the tables by sheet name, as a workbook holds them."""
        return {
            "tests": self.tests,
            "crosstab": self.crosstab,
            "residuals": self.residuals(),
            "cooccurrence": self.cooccurrence,
            "counts": self.counts.reset_index(names="code"),
        }

    def residuals(self) -> pd.DataFrame:
        """Return the adjusted residuals as a code × group table (a code per row)."""
        if self.crosstab.empty:
            return self.crosstab.copy()
        wide = self.crosstab.pivot(index="code", columns="group", values="residual")
        return wide.reset_index().rename_axis(columns=None)


def unit_codes(store: Store, flt: UnitFilter, coder: str | None = None) -> pd.DataFrame:
    """Return ``unit_id, code_id`` (each pair once) of the filtered units."""
    import pandas as pd

    rowids = store.unit_rowids(flt)
    by_code = code_units(store, coder)
    kept = {code: ids[np.isin(ids, rowids)] for code, ids in by_code.items()}
    names = store.unit_ids_of(np.unique(np.concatenate([*kept.values(), np.zeros(0, np.int64)])))
    pairs = [(names[int(u)], code) for code, ids in kept.items() for u in ids]
    return pd.DataFrame(pairs, columns=["unit_id", "code_id"])


def code_units(store: Store, coder: str | None = None) -> dict[str, np.ndarray]:
    """Return each code's units (rowids) in the project: ``coder``'s codings, else each
    unit's most trusted coder's."""
    if coder is not None and coder not in store.coder_kinds():
        known = ", ".join(store.coder_kinds()) or "none yet"
        raise OptionError(f"no coder '{coder}' in this project (coders: {known})")
    from coding.query.filters import trusted_order

    return store.code_units(coder, trusted=None if coder else trusted_order(store))


def code_matrix(
    store: Store,
    flt: UnitFilter,
    *,
    by: str = "role",
    coder: str | None = None,
    codes: list[str] | None = None,
    adjustment: str = "holm",
) -> CodeMatrix:
    """Return the co-occurrence and crosstab tables of the filtered units' codes.

    ``codes`` keeps those codes and their children (default: every code given).
    """
    from coding.query.retrieve import matches
    from coding.stats import adjust

    by = by.strip()
    if not by:
        raise OptionError("--by needs a group: role, cluster, or a metadata key")
    documents = store.unit_rowids_by_group(flt, by)
    if not documents or not any(ids.size for _, ids in documents):
        raise QueryError("no unit matches the filters")
    rowids = np.concatenate([ids for _, ids in documents])
    labels = [_label(g) for g, _ in documents]
    groups = np.repeat(np.array(labels, dtype=object), [ids.size for _, ids in documents])
    by_code = code_units(store, coder)
    if codes:
        by_code = {c: u for c, u in by_code.items() if any(matches(c, a) for a in codes)}
    names, present = _presence(rowids, by_code)
    if not names:
        raise QueryError("none of these units has a coding; run 'clusterqda code' first")
    if len(set(labels)) < 2:
        raise QueryError(f"the units fall in fewer than two groups of '{by}'; nothing to compare")
    cells, tests = _crosstab(present, names, groups)
    tests["p_adjusted"] = adjust(tests["p"].to_numpy(), adjustment)
    counts, cooccurrence = _cooccurrence(present, names)
    return CodeMatrix(by, cooccurrence, counts, cells, tests, int(rowids.size))


def _label(group: object) -> str:
    """Return a group's name; a missing or empty value is a group of its own."""
    return str(group) if group is not None and str(group) != "" else NO_GROUP


def _presence(rowids: np.ndarray, by_code: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    """Return the codes some unit has and the units × codes 0/1 matrix (units as given)."""
    position = np.full(int(rowids.max()) + 1, -1, dtype=np.int64)
    position[rowids] = np.arange(rowids.size)
    names, columns = [], []
    for code in sorted(by_code):
        ids = by_code[code]
        rows = position[ids[ids < position.size]]
        rows = rows[rows >= 0]
        if rows.size:
            column = np.zeros(rowids.size, dtype=np.int64)
            column[rows] = 1
            names.append(code)
            columns.append(column)
    matrix = np.column_stack(columns) if columns else np.zeros((rowids.size, 0), np.int64)
    return names, matrix


def presence(unit_ids: pd.Series, pairs: pd.DataFrame) -> pd.DataFrame:
    """Return a unit × code 0/1 table (units in the order given, codes sorted) of
    ``unit_id, code_id`` pairs; set by position (``pd.crosstab`` took seconds on 138k units)."""
    import pandas as pd

    # lists first: a pandas column read item by item is slow
    ids, unit_of, code_of = unit_ids.tolist(), pairs["unit_id"].tolist(), pairs["code_id"].tolist()
    codes = sorted(set(code_of))
    row = {u: i for i, u in enumerate(ids)}
    column = {c: j for j, c in enumerate(codes)}
    table = np.zeros((len(row), len(codes)), dtype=np.int64)
    table[[row[u] for u in unit_of], [column[c] for c in code_of]] = 1
    return pd.DataFrame(
        table,
        index=pd.Index(ids, name="unit_id"),
        columns=pd.Index(codes, name="code_id"),
    )


def _cooccurrence(present: np.ndarray, codes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    import pandas as pd

    # in floats: BLAS multiplies them (integers it does not), exact for counts below 2**53
    matrix = present.astype(np.float64)
    both = np.rint(matrix.T @ matrix).astype(np.int64)
    counts = pd.DataFrame(both, index=codes, columns=codes)
    rows = []
    for i, a in enumerate(codes):
        for j in range(i + 1, len(codes)):
            union = both[i, i] + both[j, j] - both[i, j]
            jaccard = both[i, j] / union if union else np.nan
            rows.append((a, codes[j], both[i, i], both[j, j], both[i, j], jaccard))
    frame = pd.DataFrame(rows, columns=COOCCURRENCE_COLUMNS)
    frame = frame.sort_values(["both", "jaccard"], ascending=False, kind="stable")
    return counts, frame.reset_index(drop=True)


def crosstab(present: pd.DataFrame, groups: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the cells (``CROSSTAB_COLUMNS``) and tests (``TEST_COLUMNS`` without
    ``p_adjusted``) of a unit × code 0/1 table by the units' groups."""
    return _crosstab(present.to_numpy(dtype=np.int64), list(present.columns), groups)


def _crosstab(
    present: np.ndarray, codes: list[str], groups: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    import pandas as pd
    from statsmodels.stats.contingency_tables import Table

    from coding.stats import presence_test

    # groups as integers once; every code's counts per group in one product
    names = sorted(set(groups))
    index = {g: k for k, g in enumerate(names)}
    member = np.zeros((len(names), len(groups)), dtype=np.int64)
    member[[index[g] for g in groups], np.arange(len(groups))] = 1
    sizes = member.sum(axis=1)
    counts = member @ present  # groups × codes
    cells, tests = [], []
    for j, code in enumerate(codes):
        with_code = counts[:, j]
        table = np.column_stack([sizes - with_code, with_code])  # groups × (absent, present)
        result = presence_test(table)
        tests.append((code, *_fields(result)))
        expected = sizes * with_code.sum() / sizes.sum()
        if 0 < with_code.sum() < sizes.sum():
            residual = np.asarray(Table(table).standardized_resids)[:, 1]
        else:
            residual = np.full(len(names), np.nan)  # no variation: nothing stands out
        for k, group in enumerate(names):
            share = with_code[k] / sizes[k] if sizes[k] else np.nan
            cells.append((code, group, sizes[k], with_code[k], share, expected[k], residual[k]))
    return (
        pd.DataFrame(cells, columns=CROSSTAB_COLUMNS),
        pd.DataFrame(tests, columns=TEST_COLUMNS[:-1]),
    )


def _fields(result) -> tuple:
    return (
        result.test,
        result.statistic,
        result.df,
        result.n,
        result.effect_size,
        result.effect_measure,
        result.p,
    )
