"""Which units carry which codes, read from the compact codings table by integer ids.

The ``codings`` view joins every row to its unit, coder and labels by text; a
query that joins it again on ``unit_id`` and ``coder`` (each unit's trusted
coder) cannot use ``coding_data``'s integer indexes and took minutes on the
20 MB benchmark project. Here units are their rowids, as ``coding_data`` keeps
them, and each answer comes back as a few long ``group_concat`` strings that
NumPy parses at once, instead of hundreds of thousands of Python tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from coding.store.connection import Connection
from coding.store.search import UnitFilter

if TYPE_CHECKING:  # NumPy loads when a query counts, not with the store
    import numpy as np


def _ids(joined: str | None) -> np.ndarray:
    """Return the integers of a comma-joined ``group_concat`` (empty for NULL)."""
    import numpy as np

    if not joined:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(joined, dtype=np.int64, sep=",")  # text mode: not deprecated


def _sorted_unique(parts: list[np.ndarray]) -> np.ndarray:
    """Return the sorted unique integers of some arrays, as ``np.unique`` of them all.

    One coder's codings of a code come out of the table in unit order, each
    unit once, almost always: then they are the answer already, and sorting
    them again cost ``matrix`` 50 ms of its 240 on the 20 MB benchmark project.
    """
    import numpy as np

    if len(parts) == 1 and (ids := parts[0]).size and bool(np.all(ids[1:] > ids[:-1])):
        return ids
    # a few sorted runs (a coder's codes, then its 'also' ones): a stable sort merges runs
    # in linear time, where np.unique hashed them (25 ms of `words --by code`)
    ids = np.concatenate(parts)
    ids.sort(kind="stable")
    if ids.size:
        ids = ids[np.concatenate(([True], ids[1:] != ids[:-1]))]
    return ids


def group_index(
    documents: list[tuple[object, np.ndarray]], label: Callable[[object], str]
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return, from ``unit_rowids_by_group``'s rows, the groups' labels (sorted) and every
    unit's rowid (sorted) with its group's position among those labels."""
    import numpy as np

    names = sorted({label(g) for g, _ in documents})
    number = {n: k for k, n in enumerate(names)}
    rowids = np.concatenate([ids for _, ids in documents] or [np.zeros(0, np.int64)])
    groups = np.repeat(
        np.array([number[label(g)] for g, _ in documents], dtype=np.int64),
        [ids.size for _, ids in documents],
    )
    order = np.argsort(rowids)
    return names, rowids[order], groups[order]


class CodePresenceTable(Connection):
    """Compact reads of units, their groups and their codes for ``matrix`` and ``words``."""

    def unit_rowids_by_group(self, flt: UnitFilter, by: str) -> list[tuple[object, np.ndarray]]:
        """Return ``(group value, unit rowids)`` per filtered document: its role, cluster, or
        the metadata key ``by`` (the document's, else the respondent's attribute)."""
        where, params = flt.where()
        key_params: list[object] = []
        if by == "role":
            group = "json_extract(d.metadata, '$.role')"
        elif by == "cluster":
            group = "d.cluster"
        else:
            quoted = '"' + by.replace('"', '""') + '"'
            group = "COALESCE(json_extract(d.metadata, ?), json_extract(d.metadata, ?))"
            key_params = [f"$.{quoted}", f"$.attributes.{quoted}"]
        # per document: the group is a document's, and its JSON is read once, not per unit
        cursor = self.conn.execute(
            f"SELECT {group}, group_concat(u.rowid) FROM units u JOIN documents d USING (doc_id)"
            f" WHERE {where} GROUP BY u.doc_id ORDER BY u.doc_id",
            [*key_params, *params],
        )
        return [(value, _ids(rowids)) for value, rowids in cursor]

    def code_unit_counts(self, coder: str, no_cluster: str) -> list[tuple[str, str, int]]:
        """Return (code_id, cluster, interviewee units) of a coder's codes, in that order;
        ``no_cluster`` stands for documents without a cluster."""
        import numpy as np

        # each code's units from the coder's index, each unit's cluster from one read, counted
        # with NumPy: joining the codings to units and documents in SQL took 0.85 s of
        # `code`'s end on the 20 MB benchmark project
        documents = self.unit_rowids_by_group(UnitFilter(speaker="interviewee"), "cluster")
        names, rowids, clusters = group_index(
            documents, lambda c: no_cluster if c is None else str(c)
        )
        out: list[tuple[str, str, int]] = []
        for code, units in self.code_units(coder).items():
            at = np.minimum(np.searchsorted(rowids, units), max(rowids.size - 1, 0))
            mine = at[rowids[at] == units] if rowids.size else at[:0]
            counts = np.bincount(clusters[mine], minlength=len(names))
            out += [(code, names[k], int(n)) for k, n in enumerate(counts.tolist()) if n]
        return out

    def unit_rowids(self, flt: UnitFilter) -> np.ndarray:
        """Return the rowids of the filtered units (in no particular order)."""
        where, params = flt.where()
        (joined,) = self.conn.execute(
            "SELECT group_concat(u.rowid) FROM units u JOIN documents d USING (doc_id)"
            f" WHERE {where}",
            params,
        ).fetchone()
        return _ids(joined)

    def unit_ids_of(self, rowids: Iterable[int]) -> dict[int, str]:
        """Return the unit id of each unit rowid given."""
        out: dict[int, str] = {}
        values = [int(r) for r in rowids]
        for start in range(0, len(values), 5000):
            chunk = values[start : start + 5000]
            out.update(
                self.conn.execute(
                    "SELECT rowid, unit_id FROM units WHERE rowid IN"
                    f" ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return out

    def code_units(
        self, coder: str | None = None, *, trusted: Sequence[str] | None = None
    ) -> dict[str, np.ndarray]:
        """Return each code's units (sorted unique rowids) over the whole project.

        ``coder`` keeps that coder's codings; else ``trusted`` (coders, most
        trusted first) keeps each unit's codings of the first of them that
        looked at it (``coded_units``), as ``trust.trusted_coders`` chooses;
        else every coding.
        """
        import numpy as np

        self.map_file()  # a scan of every coding: pages read in place, not copied
        if coder is not None:
            return self._codes_of([(coder, None)])
        if trusted is None:
            rows = self.conn.execute(
                "SELECT code_id, group_concat(unit) FROM coding_data NOT INDEXED GROUP BY code_id"
            )
            return {code: _sorted_unique([_ids(units)]) for code, units in rows}
        total = self.conn.execute("SELECT COUNT(*) FROM units").fetchone()[0]
        chosen: list[tuple[str, np.ndarray | None]] = []
        claimed = np.zeros(0, dtype=np.int64)  # units a more trusted coder looked at
        for name in trusted:
            looked = self.conn.execute(
                "SELECT COUNT(*) FROM coded_units WHERE coder = ?", (name,)
            ).fetchone()[0]
            if not looked:
                continue
            if looked == total and not claimed.size:
                chosen.append((name, None))  # looked at every unit: no one after it counts
                break
            units = self._looked_at(name)
            mine = np.setdiff1d(units, claimed, assume_unique=True)
            chosen.append((name, mine))
            claimed = np.union1d(claimed, units)
            if looked == total:
                break
        return self._codes_of(chosen)

    def _looked_at(self, coder: str) -> np.ndarray:
        """Return the sorted rowids of the units a coder looked at."""
        import numpy as np

        (joined,) = self.conn.execute(
            "SELECT group_concat(u.rowid) FROM coded_units s CROSS JOIN units u"
            " ON u.unit_id = s.unit_id WHERE s.coder = ?",
            (coder,),
        ).fetchone()
        return np.unique(_ids(joined))

    def _codes_of(self, chosen: list[tuple[str, np.ndarray | None]]) -> dict[str, np.ndarray]:
        """Return each code's units from coders' codings, each coder's kept to its units
        (None: all of them)."""
        import numpy as np

        parts: dict[str, list[np.ndarray]] = {}
        for name, units in chosen:
            row = self.conn.execute("SELECT rowid FROM coders WHERE coder = ?", (name,)).fetchone()
            if row is None:
                continue
            # each arm read from its covering index in code and unit order: no table rows,
            # no sort (a scan of the table grouped by code took 0.24 s of the 20 MB
            # benchmark project's 0.07 s now)
            arms = (
                "SELECT code_id, group_concat(unit) FROM coding_data WHERE coder = ?1"
                " GROUP BY code_id",
                "SELECT code_id, group_concat(unit) FROM coding_data WHERE also = ?1"
                " GROUP BY code_id",
            )
            for sql in arms:
                for code, joined in self.conn.execute(sql, (row[0],)):
                    ids = _ids(joined)
                    if units is not None:
                        ids = ids[np.isin(ids, units)]
                    if ids.size:
                        parts.setdefault(code, []).append(ids)
        out = {code: _sorted_unique(p) for code, p in parts.items()}
        return {code: ids for code, ids in sorted(out.items()) if ids.size}
