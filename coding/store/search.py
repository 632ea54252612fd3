"""What the query layer reads: units by filter, the trigram search index, tokens, codings.

The index (schema version 7, ``unit_search``) is an FTS5 table with the
trigram tokenizer over each unit's matching view; ``insert_documents`` adds
new units in one statement per batch, triggers on ``units`` remove deleted
ones. Its rowids are the units' rowids; nothing in clusterqda runs
VACUUM, which could renumber them (``rebuild_search_index`` makes it anew).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from coding.store.connection import Connection, query_frame
from coding.store.schema import SEARCH_PAD
from coding.store.tokencodec import decode_tokens

if TYPE_CHECKING:
    import pandas as pd

# The unit columns every query returns, with the document's cluster and role.
_UNIT_SELECT = (
    "SELECT u.unit_id, u.doc_id, u.turn, u.speaker, u.is_interviewer, d.cluster,"
    " json_extract(d.metadata, '$.role') AS role, u.text,"
    " COALESCE(u.match_text, u.text) AS view"
    " FROM units u JOIN documents d USING (doc_id)"
)
_ORDER = " ORDER BY u.doc_id, u.turn"
_LAST_CHAR = "\U0010ffff"
# FTS5 writes its pending terms out as a new segment once they take this many bytes
# (its default is 1 MiB, about 500,000 characters of views), and merges every four
# segments of a level into one: on the 21 MB benchmark corpus those merges were a
# third of the index's cost. At 16 MiB (some 8 million characters) an ingest's index
# statement of a few million characters is written as one segment.
SEARCH_HASH_BYTES = 16 << 20


@dataclass(frozen=True)
class UnitFilter:
    """Which units a query looks at; empty tuples mean every cluster, role or document.

    ``speaker`` is ``interviewee``, ``interviewer`` or ``all``; ``source`` is
    ``interviews``, ``survey`` (open answers) or ``all``.
    """

    clusters: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    docs: tuple[str, ...] = ()
    speaker: str = "all"
    source: str = "all"

    def where(self) -> tuple[str, list[object]]:
        """Return an SQL condition on ``u`` (units) and ``d`` (documents), and its values."""
        parts: list[str] = []
        params: list[object] = []
        for column, values in (
            ("d.cluster", self.clusters),
            ("json_extract(d.metadata, '$.role')", self.roles),
            ("u.doc_id", self.docs),
        ):
            if values:
                parts.append(f"{column} IN ({','.join('?' * len(values))})")
                params.extend(values)
        if self.speaker == "interviewee":
            parts.append("NOT u.is_interviewer")
        elif self.speaker == "interviewer":
            parts.append("u.is_interviewer")
        if self.source == "survey":
            parts.append("d.encoding = 'survey'")
        elif self.source == "interviews":
            parts.append("d.encoding != 'survey'")
        return " AND ".join(parts) or "1", params


class UnitRow(NamedTuple):
    """A unit as queries read it: where it is, who speaks, its text and matching view."""

    unit_id: str
    doc_id: str
    turn: int
    speaker: str | None
    is_interviewer: int
    cluster: str | None
    role: str | None
    text: str
    view: str


class SearchTable(Connection):
    """The ``unit_search`` index and the reads of the query layer."""

    def units_containing(self, pattern: str, flt: UnitFilter) -> list[UnitRow]:
        """Return the filtered units whose view contains ``pattern`` (a view string), in
        document and turn order."""
        candidates, args, exact = _candidates(pattern)
        where, params = flt.where()
        self.map_file()
        cursor = self.conn.execute(
            f"{_UNIT_SELECT} WHERE u.rowid IN ({candidates}) AND {where}{_ORDER}",
            [*args, *params],
        )
        rows = [UnitRow(*row) for row in cursor]
        return rows if exact else [row for row in rows if pattern in row.view]

    def rowids_containing(self, pattern: str, flt: UnitFilter) -> list[int]:
        """Return the rowids of the filtered units whose view contains ``pattern``.

        For one to three characters the index's answer is exact; for more it
        names the units that hold every trigram of the pattern, and each of
        those views is checked here, so the answer is always exact.
        """
        candidates, args, exact = _candidates(pattern)
        where, params = flt.where()
        self.map_file()
        if exact and not params and where == "1":
            return [rowid for (rowid,) in self.conn.execute(candidates, args)]
        join = " JOIN documents d USING (doc_id)" if params or where != "1" else ""
        # checked in SQL: instr() finds code points as `in` does, and no view is copied out
        check = "" if exact else " AND instr(COALESCE(u.match_text, u.text), ?) > 0"
        cursor = self.conn.execute(
            f"SELECT u.rowid FROM ({candidates}) c JOIN units u ON u.rowid = c.rowid{join}"
            f" WHERE {where}{check}",
            [*args, *params, *([] if exact else [pattern])],
        )
        return [rowid for (rowid,) in cursor]

    def units_by_rowid(self, rowids: Sequence[int]) -> list[UnitRow]:
        """Return the units of some rowids, in document and turn order."""
        rows: list[UnitRow] = []
        for start in range(0, len(rowids), 5000):
            cursor = self.conn.execute(
                f"{_UNIT_SELECT} WHERE u.rowid IN (SELECT value FROM json_each(?))",
                (json.dumps(list(rowids[start : start + 5000])),),
            )
            rows.extend(UnitRow(*row) for row in cursor)
        return sorted(rows, key=lambda u: (u.doc_id, u.turn))

    def filtered_units(self, flt: UnitFilter) -> Iterator[UnitRow]:
        """Yield every unit the filter keeps, in document and turn order."""
        where, params = flt.where()
        cursor = self.conn.execute(f"{_UNIT_SELECT} WHERE {where}{_ORDER}", params)
        yield from (UnitRow(*row) for row in cursor)

    def rebuild_search_index(self) -> int:
        """Index every unit anew (after a VACUUM, say); return how many units."""
        with self.transaction():
            self.conn.execute("INSERT INTO unit_search (unit_search) VALUES ('delete-all')")
            size_search_buffer(self.conn)
            return self.conn.execute(
                "INSERT INTO unit_search (rowid, body)"
                " SELECT rowid, COALESCE(match_text, text) || ? FROM units",
                (SEARCH_PAD,),
            ).rowcount

    def unit_tokens(self, flt: UnitFilter) -> Iterator[tuple[str, list[str]]]:
        """Yield (unit_id, tokens) of the filtered units from the newest dictionary that cut
        each; units without cached tokens are left out."""
        for _, unit_id, tokens in self.unit_token_rows(flt):
            yield unit_id, tokens

    def unit_token_rows(self, flt: UnitFilter) -> Iterator[tuple[int, str, list[str]]]:
        """Yield (rowid, unit_id, tokens) as ``unit_tokens`` yields (unit_id, tokens)."""
        where, params = flt.where()
        cursor = self.conn.execute(
            "SELECT u.rowid, u.unit_id, t.tokens, COALESCE(u.match_text, u.text)"
            " FROM units u JOIN documents d USING (doc_id) JOIN tokens t ON t.unit_id = u.unit_id"
            " JOIN dictionaries x ON x.dict_version = t.dict_version"
            f" WHERE {where} ORDER BY x.created_at DESC",
            params,
        )
        seen: set[str] = set()
        for rowid, unit_id, stored, view in cursor:  # newest dictionary first: it wins
            if unit_id not in seen and (tokens := decode_tokens(stored, view)) is not None:
                seen.add(unit_id)
                yield rowid, unit_id, tokens

    def tokens_of(self, unit_ids: Sequence[str]) -> dict[str, list[str]]:
        """Return the newest cached tokens of some units (those without tokens are absent)."""
        out: dict[str, list[str]] = {}
        for start in range(0, len(unit_ids), 500):
            chunk = list(unit_ids[start : start + 500])
            cursor = self.conn.execute(
                "SELECT t.unit_id, t.tokens, COALESCE(u.match_text, u.text) FROM tokens t"
                " JOIN units u USING (unit_id) JOIN dictionaries x USING (dict_version)"
                f" WHERE t.unit_id IN ({','.join('?' * len(chunk))})"
                " ORDER BY x.created_at",
                chunk,
            )
            for unit_id, stored, view in cursor:  # newest last: it wins
                if (tokens := decode_tokens(stored, view)) is not None:
                    out[unit_id] = tokens
        return out

    def unit_frame(self, flt: UnitFilter, keys: Sequence[str] = ()) -> pd.DataFrame:
        """Return ``unit_id, doc_id, turn, speaker, cluster, role`` of the filtered units and
        one column per metadata key (a document's, else a respondent's attribute)."""
        where, params = flt.where()
        extra = "".join(
            f', COALESCE(json_extract(d.metadata, ?), json_extract(d.metadata, ?)) AS "{i}"'
            for i in range(len(keys))
        )
        key_params: list[object] = []
        for key in keys:
            quoted = '"' + key.replace('"', '""') + '"'
            key_params += [f"$.{quoted}", f"$.attributes.{quoted}"]
        frame = query_frame(
            "SELECT u.unit_id, u.doc_id, u.turn, u.speaker, d.cluster,"
            f" json_extract(d.metadata, '$.role') AS role{extra}"
            f" FROM units u JOIN documents d USING (doc_id) WHERE {where}{_ORDER}",
            self.conn,
            params=(*key_params, *params),
        )
        return frame.rename(columns={str(i): key for i, key in enumerate(keys)})

    def unit_codings(
        self,
        flt: UnitFilter,
        coder: str | None = None,
        *,
        codes: Sequence[str] = (),
        trusted: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Return the codings of the filtered units: ``unit_id, code_id, coder, stance,
        start, end, evidence`` (offsets into the unit's text), in document and turn order.

        ``coder`` keeps one coder's; else ``trusted`` (coders, most trusted first)
        keeps each unit's codings of the first of them that looked at it (as
        ``trust.trusted_coders`` chooses); else all. ``codes`` keeps those codes
        and their children (``ACT.FIRM`` keeps ``ACT.FIRM.LEAD``).
        """
        sql, args = _codings_sql(flt, coder, trusted, codes)
        return query_frame(sql, self.conn, params=tuple(args))

    def unit_coding_rows(
        self,
        flt: UnitFilter,
        coder: str | None = None,
        *,
        codes: Sequence[str] = (),
        trusted: Sequence[str] | None = None,
    ) -> list[tuple]:
        """Return the rows of ``unit_codings`` as tuples, without pandas."""
        sql, args = _codings_sql(flt, coder, trusted, codes)
        return self.conn.execute(sql, args).fetchall()

    def unit_code_pairs(
        self, flt: UnitFilter, coder: str | None = None, *, trusted: Sequence[str] | None = None
    ) -> list[tuple[str, str]]:
        """Return ``(unit_id, code_id)``, each pair once, of the filtered units' codings
        (``coder`` and ``trusted`` as in ``unit_codings``), without pandas."""
        arms, args = _coding_arms(flt, coder, trusted, (), "DISTINCT c.unit_id, c.code_id")
        return self.conn.execute(arms, args).fetchall()

    def units_by_id(self, unit_ids: Sequence[str]) -> list[UnitRow]:
        """Return some units (those that exist), in document and turn order."""
        rows: list[UnitRow] = []
        for start in range(0, len(unit_ids), 500):
            chunk = list(unit_ids[start : start + 500])
            cursor = self.conn.execute(
                f"{_UNIT_SELECT} WHERE u.unit_id IN ({','.join('?' * len(chunk))})", chunk
            )
            rows.extend(UnitRow(*row) for row in cursor)
        return sorted(rows, key=lambda u: (u.doc_id, u.turn))

    def has_code(self, code: str) -> bool:
        """Return whether some coding has ``code`` or one of its children (an index range
        per coder, not a scan of every coding)."""
        # CROSS JOIN keeps coders outermost, so each coder's range of codings_coder is read
        row = self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM coders k CROSS JOIN codings c ON c.coder = k.coder"
            " WHERE c.code_id >= ? AND c.code_id < ? AND (c.code_id = ? OR c.code_id >= ?))",
            (code, code + "/", code, code + "."),
        ).fetchone()
        return bool(row[0])

    def code_ids(self) -> set[str]:
        """Return every code id some coding in the project has."""
        return {c for (c,) in self.conn.execute("SELECT DISTINCT code_id FROM codings")}

    def previous_turns(self, unit_ids: Sequence[str]) -> dict[str, str]:
        """Return the text of the turn before each unit (the question it answers)."""
        out: dict[str, str] = {}
        for start in range(0, len(unit_ids), 500):
            chunk = list(unit_ids[start : start + 500])
            cursor = self.conn.execute(
                "SELECT u.unit_id, p.text FROM units u JOIN units p"
                " ON p.doc_id = u.doc_id AND p.turn = u.turn - 1"
                f" WHERE u.unit_id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            out.update(cursor)
        return out


def size_search_buffer(conn: sqlite3.Connection) -> None:
    """Let the index gather ``SEARCH_HASH_BYTES`` of pending terms before it writes them.

    The setting (FTS5's ``hashsize``, kept in ``unit_search_config``) changes how
    the index is laid out in segments, never which (trigram, unit) it holds; an
    SQLite without it keeps its default, and so does a stand-in for the index (the
    benchmarks' view that keeps nothing).
    """
    with suppress(sqlite3.OperationalError):
        row = conn.execute("SELECT v FROM unit_search_config WHERE k = 'hashsize'").fetchone()
        if row is None or row[0] != SEARCH_HASH_BYTES:
            conn.execute(
                "INSERT INTO unit_search (unit_search, rank) VALUES ('hashsize', ?)",
                (SEARCH_HASH_BYTES,),
            )


def _candidates(pattern: str) -> tuple[str, list[object], bool]:
    """Return a query of the rowids of units that may contain ``pattern``, its values, and
    whether every unit it names does contain it.

    Every one- or two-character string of a view begins some indexed trigram
    (the body is padded with two private-use characters, which no pattern
    holds), so for those the trigrams that begin with the pattern, read from
    the index's vocabulary, name exactly the units that hold it; a
    three-character pattern is one trigram. Longer ones are an AND of their
    trigrams: ``detail=none`` keeps no positions, so the order is unchecked.
    """
    if len(pattern) < 3:
        query = "SELECT DISTINCT doc AS rowid FROM unit_search_terms WHERE term >= ? AND term < ?"
        return query, [pattern, pattern + _LAST_CHAR], True
    grams = dict.fromkeys(pattern[i : i + 3] for i in range(len(pattern) - 2))
    match = " AND ".join('"' + g.replace('"', '""') + '"' for g in grams)
    return "SELECT rowid FROM unit_search WHERE unit_search MATCH ?", [match], len(pattern) == 3


def _codings_sql(
    flt: UnitFilter, coder: str | None, trusted: Sequence[str] | None, codes: Sequence[str]
) -> tuple[str, list[object]]:
    """Return the query of ``unit_codings`` and its values."""
    arms, args = _coding_arms(
        flt,
        coder,
        trusted,
        codes,
        "c.coding_id, u.doc_id, u.turn, c.unit_id, c.code_id, c.coder, c.stance,"
        ' c.start - u.start AS start, c."end" - u.start AS "end", c.evidence',
    )
    return (
        'SELECT unit_id, code_id, coder, stance, start, "end", evidence'
        f" FROM ({arms}) ORDER BY doc_id, turn, code_id, start, coding_id",
        args,
    )


def _coding_arms(
    flt: UnitFilter,
    coder: str | None,
    trusted: Sequence[str] | None,
    codes: Sequence[str],
    columns: str,
) -> tuple[str, list[object]]:
    """Return a UNION of selects of codings (one per coder, and per code when codes are
    asked) and its values, each read the way that touches the fewest pages.

    Some codes: each coder's range of them in the ``codings_coder`` index. Every
    code: each unit's chosen coder by the units it looked at (``coded_units``),
    then their codings by ``codings_unit``, in table order: reading every
    code's codings through ``codings_coder`` jumps across the whole table.
    """
    where, params = flt.where()
    filtered = where != "1"
    ranked: list[str | None] | None = [*trusted] if trusted is not None and not coder else None
    coders: list[str | None] = [coder] if coder else [None] if ranked is None else ranked
    selects: list[str] = []
    args: list[object] = []
    if not codes and ranked is not None:
        units = filtered or "u." in columns
        joins = " CROSS JOIN units u ON u.unit_id = s.unit_id" if units else ""
        joins += " CROSS JOIN documents d USING (doc_id)" if filtered else ""
        for i, chosen in enumerate(ranked):
            selects.append(
                f"SELECT {columns} FROM coded_units s{joins} CROSS JOIN codings c"
                " ON c.unit_id = s.unit_id AND c.coder = s.coder"
                f" WHERE s.coder = ?{_no_better(i)} AND {where}"
            )
            args += [chosen, *ranked[:i], *params]
        return _union(selects, columns), args
    joins = " JOIN units u USING (unit_id)" if filtered or "u." in columns else ""
    joins += " JOIN documents d USING (doc_id)" if filtered else ""
    # a code and its children: code_id = code, or code_id in [code + '.', code + '/')
    by_code: list[tuple[str, list[object]]] = [
        (
            " AND c.code_id >= ? AND c.code_id < ? AND (c.code_id = ? OR c.code_id >= ?)",
            [code, code + "/", code, code + "."],
        )
        for code in codes
    ] or [("", [])]
    table = "codings c" if codes else "codings c NOT INDEXED"  # every code: in table order
    for i, who in enumerate(coders):
        mine = "" if who is None else " AND c.coder = ?"
        trust = ""
        if ranked is not None:
            # the unit's chosen coder looked at it, and no more trusted coder did
            trust = (
                " AND EXISTS (SELECT 1 FROM coded_units s"
                " WHERE s.unit_id = c.unit_id AND s.coder = c.coder)"
            ) + _no_better(i, "c.unit_id")
        for condition, values in by_code:
            selects.append(
                f"SELECT {columns} FROM {table}{joins} WHERE {where}{mine}{condition}{trust}"
            )
            args += [*params, *([who] if who is not None else []), *values]
            args += ranked[:i] if ranked is not None else []
    return _union(selects, columns), args


def _no_better(i: int, unit: str = "s.unit_id") -> str:
    """Return the condition that none of the ``i`` more trusted coders looked at ``unit``."""
    if not i:
        return ""
    return (
        f" AND NOT EXISTS (SELECT 1 FROM coded_units b WHERE b.unit_id = {unit}"
        f" AND b.coder IN ({','.join('?' * i)}))"
    )


def _union(selects: list[str], columns: str) -> str:
    # no coder at all: a select of nothing, with the columns
    return " UNION ".join(selects) or (
        f"SELECT {columns} FROM codings c JOIN units u USING (unit_id) WHERE 0"
    )
