"""Documents and their units (speaker turns), and what a sheet or status reads of them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain, groupby
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

from coding.errors import ProjectError
from coding.model import ParsedDocument
from coding.store.codinglayout import codings_where
from coding.store.connection import Connection, query_frame, timestamp
from coding.store.rows import DocumentCount, SheetRow, StoredDocument
from coding.store.schema import SEARCH_PAD
from coding.store.search import size_search_buffer

if TYPE_CHECKING:
    import pandas as pd


# the word-count trigger a new document's tokens need not run, and from how many rows
# setting it aside (two schema changes) costs less than running it
_TOKENS_TRIGGER = "word_counts_tokens_insert"
_SET_ASIDE_ROWS = 2000


# The codes a coder gave the units of one document, in the order a sheet shows them; a
# code the learned model gave shows its probability (the sheet's provenance). The unary
# plus keeps SQLite from the coder's index (every coding of the coder, 100 ms a document
# on 10 MB): the document's units are found first (0.25 ms).
SUGGESTIONS = (
    "SELECT unit_id, code_id || CASE WHEN rule_id = 'model'"
    " THEN printf(' (模型 %.2f)', probability) ELSE '' END FROM ("
    + codings_where("u.doc_id = ? AND +k.coder = ?")
    + ") ORDER BY unit_id, code_id, coding_id"
)


class DocumentsTable(Connection):
    """The ``documents`` and ``units`` tables."""

    def document_index(self) -> dict[str, StoredDocument]:
        """Return every stored document's id, path, hash and metadata."""
        rows = self.conn.execute("SELECT doc_id, path, content_hash, metadata FROM documents")
        return {r[0]: StoredDocument(r[0], r[1], r[2], json.loads(r[3])) for r in rows}

    def insert_document(self, doc: ParsedDocument, dict_version: str | None = None) -> None:
        """Store a parsed document, its units and (if cut already) their tokens."""
        self.insert_documents([doc], dict_version)

    def insert_documents(self, docs: list[ParsedDocument], dict_version: str | None = None) -> None:
        """Store new documents, their units and tokens, with one statement per table."""
        self.insert_rows([document_rows(doc) for doc in docs], dict_version)

    def insert_rows(self, docs: list[DocumentRows], dict_version: str | None = None) -> None:
        """Store new documents given as their rows (``document_rows``), one statement per
        table."""
        now = timestamp()
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO documents (doc_id, path, content_hash, encoding, cluster, metadata,"
                " original_text, text, ingested_at) VALUES (?,?,?,?,?,?,?,?,?)",
                ((*doc.document, now) for doc in docs),
            )
            _insert_many(
                self.conn,
                'INSERT INTO units (unit_id, doc_id, turn, speaker, is_interviewer, start, "end",'
                " timestamp, text, match_text) VALUES ",
                [row for doc in docs for row in doc.units],
            )
            # one statement per transaction: FTS5 flushes at every statement savepoint
            self.defer("search index", [doc.doc_id for doc in docs], self._index_units)
            if dict_version:
                rows = [
                    (unit[0], dict_version, tokens)
                    for doc in docs
                    if doc.tokens is not None
                    for unit, tokens in zip(doc.units, doc.tokens, strict=True)
                ]
                # these documents are new, so none has word counts for the trigger that
                # drops a document's counts when its tokens change: it would look each
                # unit's document up to delete nothing, half of this insert's time
                with self._trigger_set_aside(_TOKENS_TRIGGER, len(rows) >= _SET_ASIDE_ROWS):
                    sql = "INSERT INTO tokens (unit_id, dict_version, tokens) VALUES "
                    _insert_many(self.conn, sql, rows)

    @contextmanager
    def _trigger_set_aside(self, name: str, wanted: bool = True) -> Iterator[None]:
        """Drop a trigger for a block of the current transaction and create it again after
        (a rollback restores it as well)."""
        (sql,) = self.conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
        ).fetchone() or (None,)
        if not wanted or sql is None:
            yield
            return
        self.conn.execute(f"DROP TRIGGER {name}")
        try:
            yield
        finally:
            self.conn.execute(sql)

    def replace_document(self, doc: ParsedDocument, dict_version: str | None = None) -> None:
        """Replace a changed document; its units, tokens (and later codings) go with it."""
        with self.transaction():
            self.run_deferred()  # the index must hold a unit before its delete trigger runs
            self.conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc.doc_id,))
            self.insert_document(doc, dict_version)

    def _index_units(self, doc_ids: list[str]) -> None:
        """Add the units of some documents to the search index, in one statement."""
        size_search_buffer(self.conn)
        self.conn.execute(
            "INSERT INTO unit_search (rowid, body)"
            " SELECT rowid, COALESCE(match_text, text) || ? FROM units"
            " WHERE doc_id IN (SELECT value FROM json_each(?))",
            (SEARCH_PAD, json.dumps(doc_ids, ensure_ascii=False)),
        )

    def update_document_metadata(self, doc: ParsedDocument) -> None:
        """Update the path, cluster and metadata of an unchanged document."""
        with self.transaction():
            self.conn.execute(
                "UPDATE documents SET path = ?, cluster = ?, metadata = ? WHERE doc_id = ?",
                (
                    doc.path,
                    doc.cluster,
                    json.dumps(doc.metadata, ensure_ascii=False, sort_keys=True),
                    doc.doc_id,
                ),
            )

    def documents_by_id(self, doc_ids: list[str]) -> dict[str, StoredDocument]:
        """Return the stored documents among ``doc_ids`` (id, path, hash and metadata)."""
        rows = self.conn.execute(
            "SELECT doc_id, path, content_hash, metadata FROM documents"
            " WHERE doc_id IN (SELECT value FROM json_each(?))",
            (json.dumps(doc_ids, ensure_ascii=False),),
        )
        return {r[0]: StoredDocument(r[0], r[1], r[2], json.loads(r[3])) for r in rows}

    def documents(self) -> pd.DataFrame:
        """Return one row per document (without its text)."""
        frame = query_frame(
            "SELECT doc_id, path, cluster, encoding, content_hash, metadata, ingested_at"
            " FROM documents ORDER BY cluster, doc_id",
            self.conn,
        )
        frame["metadata"] = frame["metadata"].map(json.loads)
        return frame

    def document_text(self, doc_id: str) -> tuple[str, str]:
        """Return a document's original and normalised text."""
        row = self.conn.execute(
            "SELECT COALESCE(original_text, text), text FROM documents WHERE doc_id = ?",
            (doc_id,),
        ).fetchone()
        if row is None:
            raise ProjectError(f"no document with id '{doc_id}' in this project")
        return row[0], row[1]

    def units(self) -> pd.DataFrame:
        """Return every unit with its document's cluster, in document and turn order."""
        return query_frame(
            "SELECT u.unit_id, u.doc_id, d.cluster, u.turn, u.speaker, u.is_interviewer,"
            ' u.start, u."end", u.timestamp, u.text'
            " FROM units u JOIN documents d USING (doc_id) ORDER BY d.cluster, u.doc_id, u.turn",
            self.conn,
        ).astype({"is_interviewer": bool})

    def units_with_views(self) -> pd.DataFrame:
        """Return units with their matching view and speaker role, in document order."""
        frame = query_frame(
            "SELECT u.unit_id, u.doc_id, d.cluster, u.turn, u.speaker, u.is_interviewer, u.text,"
            " COALESCE(u.match_text, u.text) AS view,"
            " json_extract(d.metadata, '$.role') AS role"
            " FROM units u JOIN documents d USING (doc_id) ORDER BY u.doc_id, u.turn",
            self.conn,
        )
        return frame.astype({"is_interviewer": bool})

    def interviewee_counts(self, cluster: str | None = None) -> dict[str, int]:
        """Return how many units ``interviewee_turns`` yields of each document (no text read)."""
        rows = self.conn.execute(
            "SELECT u.doc_id, COUNT(*) FROM units u JOIN documents d USING (doc_id)"
            " WHERE NOT u.is_interviewer AND (? IS NULL OR d.cluster = ?) GROUP BY u.doc_id",
            (cluster, cluster),
        )
        return dict(rows)

    def interviewee_turns(
        self, cluster: str | None = None, suggestions_from: str | None = None
    ) -> Iterator[SheetRow]:
        """Yield interviewee units for a coding sheet, in document order, one at a time;
        ``suggestion`` holds the codes ``suggestions_from`` gave (a learned model's with
        its probability: ``EVAL.SUCCESS (模型 0.71)``)."""
        cursor = self.conn.execute(
            "SELECT unit_id, doc_id, speaker, context, text, view, role FROM ("
            " SELECT u.unit_id, u.doc_id, u.turn, u.speaker, u.is_interviewer, d.cluster,"
            "  LAG(u.text, 1, '') OVER (PARTITION BY u.doc_id ORDER BY u.turn) AS context,"
            "  u.text, COALESCE(u.match_text, u.text) AS view,"
            "  json_extract(d.metadata, '$.role') AS role"
            " FROM units u JOIN documents d USING (doc_id))"
            " WHERE NOT is_interviewer AND (? IS NULL OR cluster = ?) ORDER BY doc_id, turn",
            (cluster, cluster),
        )
        doc_id, suggested = None, {}
        for unit_id, doc, speaker, context, text, view, role in cursor:
            if suggestions_from is not None and doc != doc_id:
                doc_id, suggested = doc, self._suggestions(doc, suggestions_from)
            yield SheetRow(unit_id, doc, speaker, context, text, view, role, suggested.get(unit_id))

    def _suggestions(self, doc_id: str, coder: str) -> dict[str, str]:
        """Return the codes a coder gave each unit of a document, as a sheet shows them.

        One query per document, not a subquery per unit: SQLite does not push a
        correlated filter into the codings view's UNION ALL, and scanned every coding of
        the coder for each unit (a sheet of 100,000 turns took many minutes)."""
        rows = self.conn.execute(SUGGESTIONS, (doc_id, coder, doc_id, coder))
        return {
            unit_id: ";".join(shown for _, shown in codes)
            for unit_id, codes in groupby(rows, key=itemgetter(0))
        }

    def status(self, dict_version: str | None = None) -> list[DocumentCount]:
        """Return per-document counts: units, interviewee units, characters, segmented units."""
        rows = self.conn.execute(
            "SELECT d.cluster, d.doc_id, d.encoding,"
            " json_extract(d.metadata, '$.role') AS role,"
            " CASE WHEN d.encoding = 'survey' THEN json_extract(d.metadata, '$.survey') END"
            " AS survey,"
            " COUNT(u.unit_id) AS units,"
            " COALESCE(SUM(1 - u.is_interviewer), 0) AS interviewee_units,"
            " COALESCE(SUM(LENGTH(u.text)), 0) AS chars,"
            " (SELECT COUNT(*) FROM tokens t JOIN units v ON v.unit_id = t.unit_id"
            "   WHERE v.doc_id = d.doc_id AND t.dict_version = ?) AS segmented"
            " FROM documents d LEFT JOIN units u ON u.doc_id = d.doc_id"
            " GROUP BY d.doc_id ORDER BY d.cluster, d.doc_id",
            (dict_version or "",),
        )
        return [DocumentCount(*row) for row in rows]


# Rows per INSERT statement when storing many: each statement executed costs SQLite and
# the sqlite3 module some work of its own beyond its rows' values.
ROWS_PER_STATEMENT = 64


def _insert_many(conn: sqlite3.Connection, insert: str, rows: list[tuple]) -> None:
    """Run ``insert`` (ending in VALUES) for every row, ``ROWS_PER_STATEMENT`` rows a
    statement, in order."""
    if not rows:
        return
    marks = "(" + ",".join("?" * len(rows[0])) + ")"
    whole = len(rows) - len(rows) % ROWS_PER_STATEMENT
    conn.executemany(
        insert + ",".join([marks] * ROWS_PER_STATEMENT),
        (
            tuple(chain.from_iterable(rows[i : i + ROWS_PER_STATEMENT]))
            for i in range(0, whole, ROWS_PER_STATEMENT)
        ),
    )
    conn.executemany(insert + marks, rows[whole:])


class DocumentRows(NamedTuple):
    """A new document as the rows it is stored in (``document_rows``): made where it was
    parsed, so that the one process that writes only binds them."""

    document: tuple  # the documents table's columns but the time
    units: list[tuple]  # the units table's rows
    tokens: list[bytes] | None  # each unit's encoded tokens, if cut

    @property
    def doc_id(self) -> str:
        """Return the document's id."""
        return self.document[0]

    @property
    def chars(self) -> int:
        """Return the length of the document's text."""
        return len(self.document[7])


def document_rows(doc: ParsedDocument) -> DocumentRows:
    """Return the rows that store a new document and its units (and tokens, if cut)."""
    document = (
        doc.doc_id,
        doc.path,
        doc.content_hash,
        doc.encoding,
        doc.cluster,
        json.dumps(doc.metadata, ensure_ascii=False, sort_keys=True),
        # the decoded text is kept only where normalising changed it
        doc.original_text,
        doc.text,
    )
    return DocumentRows(document, _unit_rows(doc), doc.tokens)


def _unit_rows(doc: ParsedDocument) -> list[tuple]:
    """Return the units table's rows of one document."""
    text, view, doc_id = doc.text, doc.match_text, doc.doc_id
    if view is None:  # most documents: one comprehension, no view to compare
        return [
            (f"{doc_id}#{t.turn}", doc_id, t.turn, t.speaker, int(t.is_interviewer), t.start,
             t.end, t.timestamp, text[t.start : t.end], None)
            for t in doc.turns
        ]  # fmt: skip
    rows = []
    for t in doc.turns:
        own = text[t.start : t.end]
        # the matching view is kept only where it differs from the text
        match = None if (m := view[t.start : t.end]) == own else m
        rows.append(
            (f"{doc_id}#{t.turn}", doc_id, t.turn, t.speaker, int(t.is_interviewer), t.start,
             t.end, t.timestamp, own, match)
        )  # fmt: skip
    return rows
