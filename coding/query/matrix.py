"""Code matrices: which codes meet in one unit, and how codes spread over groups.

Codes of a unit are its most trusted coder's (``trust.py``), or one coder's.
Co-occurrence counts units that carry both codes, with Jaccard's index
|A∩B| / |A∪B|. The crosstab of codes by a group (role, cluster, or any key of
the documents' metadata or the respondents' attributes) tests each code's
presence across the groups with ``stats.presence_test`` (χ² under Cochran's
rule, else Fisher's exact test for two groups, else not tested), adjusts the
p-values over the table's family (Holm by default, ``stats.adjust``) and gives
each cell its adjusted standardised residual (``stats.adjusted_residuals``;
Agresti 2007, section 2.4.5).

The tables are computed as arrays and made DataFrames only when asked for
(files, tests): the command prints its rows without importing pandas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
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
TEXT_COLUMNS = frozenset({"code", "group", "test", "effect_measure", "code_a", "code_b"})


@dataclass(frozen=True)
class CodeMatrix:
    """Every table of `matrix`: co-occurrence (long and as counts), crosstab and its tests.

    Held as arrays; ``tests``, ``crosstab``, ``cooccurrence`` and ``counts`` are
    their DataFrames, made on first use.
    """

    by: str
    codes: list[str]  # the codes some unit has, sorted
    groups: list[str]  # the groups, sorted
    sizes: np.ndarray  # units per group
    with_code: np.ndarray  # groups × codes: units of the group with the code
    residual: np.ndarray  # groups × codes: adjusted standardised residuals (NaN: no variation)
    both: np.ndarray  # codes × codes: units with both (diagonal: units with the code)
    test_rows: list[tuple]  # TEST_COLUMNS' values, a row per code in ``codes``' order
    units: int  # units looked at (the filter's, with a coding or not)

    def tests_by_p(self) -> list[tuple]:
        """Return the test rows, smallest adjusted p first, untested rows last (stable)."""
        return sorted(self.test_rows, key=lambda row: (row[-1] != row[-1], row[-1]))

    @cached_property
    def cooccurrence_rows(self) -> list[tuple]:
        """Return COOCCURRENCE_COLUMNS' values, each pair once (code_a < code_b), most
        units with both first, then highest Jaccard (stable)."""
        both, codes = self.both.tolist(), self.codes
        rows = []
        for i, a in enumerate(codes):
            for j in range(i + 1, len(codes)):
                union = both[i][i] + both[j][j] - both[i][j]
                jaccard = both[i][j] / union if union else math.nan
                rows.append((a, codes[j], both[i][i], both[j][j], both[i][j], jaccard))
        return sorted(rows, key=lambda r: (-r[4], r[5] != r[5], -r[5] if r[5] == r[5] else 0))

    @cached_property
    def tests(self) -> pd.DataFrame:
        """Return the tests (``TEST_COLUMNS``), a row per code."""
        import pandas as pd

        return pd.DataFrame(self.test_rows, columns=TEST_COLUMNS)

    @cached_property
    def crosstab(self) -> pd.DataFrame:
        """Return the crosstab's cells (``CROSSTAB_COLUMNS``), code by code, groups sorted."""
        import pandas as pd

        codes, groups = len(self.codes), len(self.groups)
        sizes = np.tile(self.sizes, codes)
        with_code = self.with_code.T.reshape(-1)
        expected = np.outer(self.with_code.sum(axis=0), self.sizes) / self.sizes.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(sizes > 0, with_code / np.where(sizes > 0, sizes, 1), np.nan)
        return pd.DataFrame(
            {
                "code": np.repeat(np.array(self.codes, dtype=object), groups),
                "group": np.array(self.groups * codes, dtype=object),
                "units": sizes,
                "with_code": with_code,
                "share": share,
                "expected": expected.reshape(-1),
                "residual": self.residual.T.reshape(-1),
            },
            columns=CROSSTAB_COLUMNS,
        )

    @cached_property
    def cooccurrence(self) -> pd.DataFrame:
        """Return the co-occurrence (``COOCCURRENCE_COLUMNS``) as ``cooccurrence_rows``."""
        import pandas as pd

        return pd.DataFrame(self.cooccurrence_rows, columns=COOCCURRENCE_COLUMNS)

    @cached_property
    def counts(self) -> pd.DataFrame:
        """Return code × code units with both (diagonal: units with the code)."""
        import pandas as pd

        return pd.DataFrame(self.both, index=self.codes, columns=self.codes)

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
    group_names = sorted(set(labels))
    index = {g: k for k, g in enumerate(group_names)}
    # each unit's group as an integer, a document at a time
    groups = np.repeat([index[g] for g in labels], [ids.size for _, ids in documents])
    by_code = code_units(store, coder)
    if codes:
        by_code = {c: u for c, u in by_code.items() if any(matches(c, a) for a in codes)}
    names, present = _presence(rowids, by_code)
    if not names:
        raise QueryError("none of these units has a coding; run 'clusterqda code' first")
    if len(group_names) < 2:
        raise QueryError(f"the units fall in fewer than two groups of '{by}'; nothing to compare")
    sizes, with_code, residual, rows = _crosstab(present, names, groups, len(group_names))
    p_adjusted = adjust([row[-1] for row in rows], adjustment).tolist()
    tests = [(*row, q) for row, q in zip(rows, p_adjusted, strict=True)]
    both = np.rint(present.T @ present).astype(np.int64)
    return CodeMatrix(
        by, names, group_names, sizes, with_code, residual, both, tests, int(rowids.size)
    )


def _label(group: object) -> str:
    """Return a group's name; a missing or empty value is a group of its own."""
    return str(group) if group is not None and str(group) != "" else NO_GROUP


def _presence(rowids: np.ndarray, by_code: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    """Return the codes some unit has and the units × codes 0/1 matrix (units as given), in
    floats: BLAS multiplies them (integers it does not), exact for counts below 2**53."""
    position = np.full(int(rowids.max()) + 1, -1, dtype=np.int64)
    position[rowids] = np.arange(rowids.size)
    names, columns = [], []
    for code in sorted(by_code):
        ids = by_code[code]
        rows = position[ids[ids < position.size]]
        rows = rows[rows >= 0]
        if rows.size:
            names.append(code)
            columns.append(rows)
    matrix = np.zeros((rowids.size, len(names)), dtype=np.float64)
    for j, rows in enumerate(columns):
        matrix[rows, j] = 1.0
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


def crosstab(present: pd.DataFrame, groups: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the cells (``CROSSTAB_COLUMNS``) and tests (``TEST_COLUMNS`` without
    ``p_adjusted``) of a unit × code 0/1 table by the units' groups."""
    import pandas as pd

    codes = list(present.columns)
    names = sorted(set(groups))
    index = {g: k for k, g in enumerate(names)}
    sizes, with_code, residual, rows = _crosstab(
        present.to_numpy(dtype=np.float64), codes, np.array([index[g] for g in groups]), len(names)
    )
    tests = [(*row, np.nan) for row in rows]
    matrix = CodeMatrix("", codes, names, sizes, with_code, residual, np.zeros(0), tests, 0)
    return matrix.crosstab, pd.DataFrame(rows, columns=TEST_COLUMNS[:-1])


def _crosstab(
    present: np.ndarray, codes: list[str], groups: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple]]:
    """Return the sizes of the groups (numbered ``0 .. size - 1`` in ``groups``), the groups
    × codes counts of units with each code and their adjusted residuals, and a test row per
    code."""
    from coding.stats import adjusted_residuals, presence_test

    sizes = np.bincount(groups, minlength=size).astype(np.int64)
    # each group's rows summed: units sorted by group, one reduceat (a groups × units 0/1
    # product took seconds in OpenBLAS for this shape, and grows with the groups)
    order = np.argsort(groups, kind="stable")
    ranked = groups[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]]) if ranked.size else ranked
    counts = np.zeros((size, present.shape[1]), dtype=np.int64)
    if ranked.size:
        sums = np.add.reduceat(present[order], starts, axis=0)
        counts[ranked[starts]] = np.rint(sums).astype(np.int64)
    residuals = np.full(counts.shape, np.nan)  # no variation: nothing stands out
    tests = []
    for j, code in enumerate(codes):
        with_code = counts[:, j]
        table = np.column_stack([sizes - with_code, with_code])  # groups × (absent, present)
        result = presence_test(table)
        tests.append(
            (
                code,
                result.test,
                result.statistic,
                result.df,
                result.n,
                result.effect_size,
                result.effect_measure,
                result.p,
            )
        )
        if 0 < with_code.sum() < sizes.sum():
            residuals[:, j] = adjusted_residuals(table)[:, 1]
    return sizes, counts, residuals, tests
