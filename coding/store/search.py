"""What the query layer reads: units by filter, the trigram search index, tokens, codings.

The index (schema version 7, ``unit_search``) is an FTS5 table with the
trigram tokenizer over each unit's matching view; ``insert_documents`` adds
new units in one statement per batch, triggers on ``units`` remove deleted
ones. Its rowids are the units' rowids; nothing in clusterqda runs
VACUUM, which could renumber them (``rebuild_search_index`` makes it anew).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
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
        return self.units_by_rowid(self.rowids_containing(pattern, flt))

    def rowids_containing(self, pattern: str, flt: UnitFilter) -> list[int]:
        """Return the rowids of the filtered units whose view contains ``pattern``.

        The index names the units that may hold it (every trigram present; for
        one or two characters, every trigram that begins with them), and each
        of those views is checked here, so the answer is exact.
        """
        where, params = flt.where()
        if len(pattern) >= 3:
            # detail=none keeps no positions: every trigram present is the best it can say
            grams = dict.fromkeys(pattern[i : i + 3] for i in range(len(pattern) - 2))
            query = " AND ".join('"' + g.replace('"', '""') + '"' for g in grams)
            rows = "SELECT rowid FROM unit_search WHERE unit_search MATCH ?"
            args: list[object] = [query]
        else:
            # every one- or two-character string begins some trigram (the body is padded)
            rows = "SELECT doc FROM unit_search_terms WHERE term >= ? AND term < ?"
            args = [pattern, pattern + _LAST_CHAR]
        join = " JOIN documents d USING (doc_id)" if params or where != "1" else ""
        cursor = self.conn.execute(
            f"SELECT u.rowid, COALESCE(u.match_text, u.text) FROM units u{join}"
            f" WHERE u.rowid IN ({rows}) AND {where}",
            [*args, *params],
        )
        return [rowid for rowid, view in cursor if pattern in view]

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
            return self.conn.execute(
                "INSERT INTO unit_search (rowid, body)"
                " SELECT rowid, COALESCE(match_text, text) || ? FROM units",
                (SEARCH_PAD,),
            ).rowcount

    def unit_tokens(self, flt: UnitFilter) -> Iterator[tuple[str, list[str]]]:
        """Yield (unit_id, tokens) of the filtered units from the newest dictionary that cut
        each; units without cached tokens are left out."""
        where, params = flt.where()
        cursor = self.conn.execute(
            "SELECT u.unit_id, t.tokens, COALESCE(u.match_text, u.text)"
            " FROM units u JOIN documents d USING (doc_id) JOIN tokens t ON t.unit_id = u.unit_id"
            " JOIN dictionaries x ON x.dict_version = t.dict_version"
            f" WHERE {where} ORDER BY x.created_at DESC",
            params,
        )
        seen: set[str] = set()
        for unit_id, stored, view in cursor:  # newest dictionary first: it wins
            if unit_id not in seen and (tokens := decode_tokens(stored, view)) is not None:
                seen.add(unit_id)
                yield unit_id, tokens

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

    def unit_codings(self, flt: UnitFilter, coder: str | None = None) -> pd.DataFrame:
        """Return the codings of the filtered units: ``unit_id, code_id, coder, stance,
        start, end, evidence`` (offsets into the unit's text), of one coder or all."""
        where, params = flt.where()
        by_coder = " AND c.coder = ?" if coder else ""
        return query_frame(
            "SELECT c.unit_id, c.code_id, c.coder, c.stance,"
            ' c.start - u.start AS start, c."end" - u.start AS "end", c.evidence'
            " FROM codings c JOIN units u USING (unit_id) JOIN documents d USING (doc_id)"
            f" WHERE {where}{by_coder} ORDER BY u.doc_id, u.turn, c.code_id, c.start",
            self.conn,
            params=(*params, *([coder] if coder else [])),
        )

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
