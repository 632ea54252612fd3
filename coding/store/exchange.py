"""What REFI-QDA exchange reads of a project, streamed a document at a time."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import NamedTuple

from coding.errors import ExchangeError
from coding.store.codinglayout import STORED_STANCES, insert_unchecked_each
from coding.store.connection import Connection, timestamp


class ExportDocument(NamedTuple):
    """A document as an export needs it: the normalised text and its metadata."""

    doc_id: str
    path: str
    cluster: str | None
    encoding: str
    metadata: dict
    text: str


class ExportCoding(NamedTuple):
    """One stored coding with its unit's document and span (the unit's when it has none)."""

    coding_id: int
    unit_id: str
    doc_id: str
    cluster: str | None
    code_id: str
    coder: str
    stance: str | None
    start: int | None
    end: int | None
    evidence: str | None
    unit_start: int
    unit_end: int


class UnitSpan(NamedTuple):
    """A unit's place in its document."""

    unit_id: str
    start: int
    end: int


_CODINGS = (
    "SELECT c.coding_id, c.unit_id, u.doc_id, d.cluster, c.code_id, c.coder, c.stance,"
    ' c.start, c."end", c.evidence, u.start, u."end"'
    " FROM codings c JOIN units u USING (unit_id) JOIN documents d USING (doc_id)"
)


# coding_data as the codings view reads it (codinglayout), for one document's units;
# evidence NULL: the text over the span, which the view cuts from the unit's text and
# the exporter from the document's (the same characters while the span is inside)
_SELECTIONS = (
    "SELECT c.rowid, c.coder, c.also, u.unit_id, u.turn, c.code_id, c.stance,"
    " COALESCE(c.also_stance, c.stance),"
    # a span needs both ends, else the unit's
    ' CASE WHEN c.start IS NULL OR c."end" IS NULL THEN u.start ELSE c.start END,'
    ' CASE WHEN c.start IS NULL OR c."end" IS NULL THEN u."end" ELSE c."end" END,'
    " CASE WHEN typeof(c.evidence) = 'blob' THEN NULL"
    " WHEN c.evidence IS NOT NULL OR c.start IS NULL THEN c.evidence"
    ' WHEN c.start >= u.start AND c."end" <= u."end" AND c.start <= c."end" THEN NULL'
    ' ELSE substr(u.text, c.start - u.start + 1, c."end" - c.start) END'
    " FROM units u JOIN coding_data c ON c.unit = u.rowid WHERE u.doc_id = ?"
)
_ORDER = itemgetter(0, 1, 2)
# an imported coding's stance: '' stands for none (stored as NULL), as the sqlite3
# module binds a None through the adapter protocol, at about 150 ns a value
_STANCES = STORED_STANCES | {""}
_SHARED_STANCE, _ALSO_STANCE = itemgetter(2), itemgetter(7)


class ExchangeTable(Connection):
    """Documents, units and codings read for export and import, without pandas."""

    def document_ids(self) -> list[str]:
        """Return every document id, in id order."""
        return [r[0] for r in self.conn.execute("SELECT doc_id FROM documents ORDER BY doc_id")]

    def export_document(self, doc_id: str) -> ExportDocument:
        """Return one document with its text (one at a time keeps memory to one text)."""
        row = self.conn.execute(
            "SELECT doc_id, path, cluster, encoding, metadata, text FROM documents"
            " WHERE doc_id = ?",
            (doc_id,),
        ).fetchone()
        doc_id, path, cluster, encoding, metadata, text = row
        return ExportDocument(doc_id, path, cluster, encoding, json.loads(metadata), text)

    def document_metadata(self) -> dict[str, tuple[str | None, str, dict]]:
        """Return every document's (cluster, encoding, metadata) by id."""
        rows = self.conn.execute("SELECT doc_id, cluster, encoding, metadata FROM documents")
        return {d: (c, e, json.loads(m)) for d, c, e, m in rows}

    def document_selections(self, doc_id: str) -> list[tuple]:
        """Return a document's codings as an export writes them, in unit, coder and coding
        order (the ``codings`` view's ``turn, coder, coding_id``): plain tuples
        ``(turn, coder, coding_id, unit_id, code_id, stance, start, end, evidence)``.

        The span is the unit's where the coding has none. ``evidence`` is None where
        it is the document's text over the span (the view cuts it from the unit's
        text, the same characters): read from ``coding_data`` itself, with none of
        the view's joins, and a coding shared by two coders given once for each.
        """
        coders = dict(self.conn.execute("SELECT rowid, coder FROM coders"))
        rows = self.conn.execute(_SELECTIONS, (doc_id,))
        out: list[tuple] = []
        add = out.append
        for rowid, who, also, unit_id, turn, code, stance, stance2, start, end, evidence in rows:
            coder = coders.get(who)
            if coder is not None:
                add((turn, coder, rowid * 2, unit_id, code, stance, start, end, evidence))
            if also is not None and (coder := coders.get(also)) is not None:
                add((turn, coder, rowid * 2 + 1, unit_id, code, stance2, start, end, evidence))
        out.sort(key=_ORDER)
        return out

    def iter_codings(self) -> Iterator[ExportCoding]:
        """Yield every coding, by document, unit and coder (a cursor, never a list)."""
        rows = self.conn.execute(_CODINGS + " ORDER BY u.doc_id, u.turn, c.coder, c.coding_id")
        for row in rows:
            yield ExportCoding(*row)

    def unit_spans(self, doc_id: str) -> list[UnitSpan]:
        """Return a document's units in text order."""
        rows = self.conn.execute(
            'SELECT unit_id, start, "end" FROM units WHERE doc_id = ? ORDER BY start', (doc_id,)
        )
        return [UnitSpan(*r) for r in rows]

    def survey_respondents(self) -> list[tuple[str, str, str | None, str | None, dict]]:
        """Return (respondent_id, survey, cluster, role, attributes) of every respondent."""
        rows = self.conn.execute(
            "SELECT respondent_id, survey, cluster, role, attributes FROM respondents"
            " ORDER BY survey, respondent_id"
        )
        return [(r, s, c, role, json.loads(a or "{}")) for r, s, c, role, a in rows]

    def coded_code_ids(self) -> list[str]:
        """Return every code id some coding uses."""
        # coding_data, not the view: a row shared by two coders has one code
        return [r[0] for r in self.conn.execute("SELECT DISTINCT code_id FROM coding_data")]

    def coding_count(self) -> int:
        """Return how many codings the project holds (a shared row counts for each coder)."""
        return self.conn.execute("SELECT count(*) + count(also) FROM coding_data").fetchone()[0]

    def document_unit_rowids(self, doc_id: str) -> dict[str, int]:
        """Return a document's unit ids with their row ids (what ``coding_data`` points to)."""
        rows = self.conn.execute("SELECT unit_id, rowid FROM units WHERE doc_id = ?", (doc_id,))
        return dict(rows)

    def import_codings(
        self,
        coder: str,
        unit_ids: list[str],
        rows: Iterable[tuple[int, str, str | None, int, int]],
        replace: bool,
    ) -> None:
        """Store a person's imported codings straight into the compact layout (schema 9);
        mark ``unit_ids`` as looked at by ``coder``.

        ``rows`` are ``(unit rowid, code_id, stance, start, end)`` (stance None or '' for
        none: '' binds faster, and is stored as NULL) with the span inside
        the unit, so the evidence is the unit's text there (stored as NULL, as the
        ``codings`` view's insert trigger stores it). With ``replace`` the coder's
        earlier codings of these units are deleted first; a document the import has
        just stored has none, and then no index is needed here at all.
        """
        with self.transaction():
            if replace:
                self.conn.executemany(
                    "DELETE FROM codings WHERE unit_id = ? AND coder = ?",
                    ((u, coder) for u in unit_ids),
                )
            self.import_new_codings([(coder, unit_ids, rows)])

    def coder_rowids(self) -> dict[str, int]:
        """Return every coder's row id (what ``coding_data`` points to)."""
        return dict(self.conn.execute("SELECT coder, rowid FROM coders"))

    def import_new_codings(
        self, batch: list[tuple[str | tuple[str, str], list[str], Iterable[tuple]]]
    ) -> None:
        """Run ``import_codings`` without ``replace`` for each ``(coder, unit_ids, rows)`` of
        ``batch`` in turn (the same rows in the same order), checking and labelling once.

        Where ``coder`` is a pair of coders, ``rows`` are two coders' rows as
        ``import_rows.shared_rows`` gives them, each ``(unit rowid, code_id, stance, start,
        end, coder rowid, also rowid or 0, also_stance or '')``."""
        now = timestamp()
        conn = self.conn
        with self.transaction():
            # what the view's trigger stores for a person: no rule, terms 'null', the time
            conn.executemany(
                "INSERT OR IGNORE INTO coding_labels (label) VALUES (?)", ((now,), ("null",))
            )
            labels = dict(
                conn.execute(
                    "SELECT label, id FROM coding_labels WHERE label IN (?, 'null')", (now,)
                )
            )
            terms, created = labels["null"], labels[now]
            who = self.coder_rowids()
            # the stances checked here, once per distinct value (the table's CHECK is slow)
            batch = [(c, u, r if isinstance(r, list) else list(r)) for c, u, r in batch]
            given = {row[2] for c, _, rows in batch if isinstance(c, str) for row in rows}
            for c, _, rows in batch:
                if not isinstance(c, str):
                    given.update(map(_SHARED_STANCE, rows))
                    given |= set(map(_ALSO_STANCE, rows)) - {""}
            if given - _STANCES:
                raise ExchangeError(f"not a stance: {sorted(map(str, given - _STANCES))}")
            # NULLIF costs ~50 ns a row: only where some stance is ''
            stance = "NULLIF(?, '')" if "" in given else "?"
            insert_unchecked_each(
                conn,
                (
                    (
                        'INSERT INTO coding_data (unit, coder, code_id, stance, start, "end",'
                        f" terms, created) VALUES (?,{who[coder]},?,{stance},?,?,{terms},"
                        f"{created})"
                        if isinstance(coder, str)
                        else 'INSERT INTO coding_data (unit, code_id, stance, start, "end",'
                        f" coder, also, also_stance, terms, created) VALUES (?,?,{stance},?,?,"
                        f"?,NULLIF(?, 0),NULLIF(?, ''),{terms},{created})",
                        rows,
                    )
                    for coder, _, rows in batch
                ),
            )
            for coder, unit_ids, _ in batch:
                # one statement over the ids as JSON: 0.6 of the time of a row per unit
                ids = json.dumps(unit_ids, ensure_ascii=False)
                for each in (coder,) if isinstance(coder, str) else coder:
                    conn.execute(
                        "INSERT OR REPLACE INTO coded_units SELECT value, ?, ?, NULL"
                        " FROM json_each(?)",
                        (each, now, ids),
                    )
