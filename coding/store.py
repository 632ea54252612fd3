"""The project database: one SQLite file, versioned schema, every write a transaction."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from coding.database import connect, database_error, writable

if TYPE_CHECKING:
    import pandas as pd

from coding.errors import ProjectError
from coding.model import ParsedDocument

# Tokens always concatenate to the unit's matching view, so the cache keeps only
# their lengths: one byte each (a 0x01 tag), or four where a token is longer
# than 255 characters (a 0x04 tag). A quarter of the bytes of the tokens' text.
_NARROW, _WIDE = b"\x01", b"\x04"


def encode_tokens(tokens: list[str]) -> bytes:
    """Return the compact form cached tokens are stored in: their lengths."""
    try:
        return _NARROW + bytes(map(len, tokens))
    except ValueError:  # a token longer than 255 characters
        return _WIDE + array("I", map(len, tokens)).tobytes()


def decode_tokens(stored: bytes, view: str) -> list[str] | None:
    """Return the tokens of ``view`` from ``encode_tokens``; None if they do not fit it."""
    lengths = array("I", stored[1:]) if stored[:1] == _WIDE else stored[1:]
    ends = list(accumulate(lengths))
    if (ends[-1] if ends else 0) != len(view):
        return None  # cut from another text: treat as not cached
    return [view[i:j] for i, j in zip([0, *ends], ends, strict=False)]


# json.dumps with options builds a new encoder per call; codings are written by
# the hundred thousand, so one encoder is kept.
_json_text = json.JSONEncoder(ensure_ascii=False).encode


def _tokens_from_json(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT rowid, tokens FROM tokens").fetchall()
    conn.executemany(
        "UPDATE tokens SET tokens = ? WHERE rowid = ?",
        ((encode_tokens(json.loads(tokens)), rowid) for rowid, tokens in rows),
    )


# Each entry upgrades the schema by one version: SQL, or a function of the
# connection for what SQL cannot say. Never edit a shipped entry, append.
MIGRATIONS: list = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE documents (
        doc_id        TEXT PRIMARY KEY,
        path          TEXT NOT NULL,
        content_hash  TEXT NOT NULL,
        encoding      TEXT NOT NULL,
        cluster       TEXT,
        metadata      TEXT NOT NULL DEFAULT '{}',
        original_text TEXT,
        text          TEXT NOT NULL,
        ingested_at   TEXT NOT NULL
    );
    CREATE TABLE units (
        unit_id        TEXT PRIMARY KEY,
        doc_id         TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        turn           INTEGER NOT NULL,
        speaker        TEXT,
        is_interviewer INTEGER NOT NULL DEFAULT 0,
        start          INTEGER NOT NULL,
        "end"          INTEGER NOT NULL,
        timestamp      TEXT,
        text           TEXT NOT NULL,
        match_text     TEXT,
        UNIQUE (doc_id, turn),
        CHECK (start <= "end")
    );
    CREATE TABLE dictionaries (
        dict_version TEXT PRIMARY KEY,
        words        INTEGER NOT NULL,
        created_at   TEXT NOT NULL
    );
    CREATE TABLE tokens (
        unit_id      TEXT NOT NULL REFERENCES units(unit_id) ON DELETE CASCADE,
        dict_version TEXT NOT NULL,
        tokens       TEXT NOT NULL,
        PRIMARY KEY (unit_id, dict_version)
    );
    """,
    """
    CREATE TABLE coders (
        coder          TEXT PRIMARY KEY,
        kind           TEXT NOT NULL,
        codebook_hash  TEXT,
        codebook_version TEXT,
        created_at     TEXT NOT NULL
    );
    CREATE TABLE codings (
        coding_id  INTEGER PRIMARY KEY,
        unit_id    TEXT NOT NULL REFERENCES units(unit_id) ON DELETE CASCADE,
        code_id    TEXT NOT NULL,
        coder      TEXT NOT NULL REFERENCES coders(coder),
        stance     TEXT CHECK (stance IN ('positive', 'negative', 'neutral', 'mixed')),
        start      INTEGER,
        "end"      INTEGER,
        evidence   TEXT,
        rule_id    TEXT,
        terms      TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE coder_rules (
        coder   TEXT NOT NULL REFERENCES coders(coder),
        rule_id TEXT NOT NULL,
        rule    TEXT NOT NULL,
        PRIMARY KEY (coder, rule_id)
    );
    CREATE INDEX codings_unit ON codings(unit_id, coder);
    CREATE INDEX codings_coder ON codings(coder, code_id);
    CREATE TABLE coded_units (
        unit_id  TEXT NOT NULL REFERENCES units(unit_id) ON DELETE CASCADE,
        coder    TEXT NOT NULL REFERENCES coders(coder),
        coded_at TEXT NOT NULL,
        scope    TEXT,
        PRIMARY KEY (unit_id, coder)
    );
    """,
    """
    CREATE TABLE surveys (
        survey      TEXT PRIMARY KEY,
        path        TEXT NOT NULL,
        schema      TEXT NOT NULL,
        ingested_at TEXT NOT NULL
    );
    CREATE TABLE respondents (
        respondent_id TEXT PRIMARY KEY,
        survey        TEXT NOT NULL REFERENCES surveys(survey) ON DELETE CASCADE,
        cluster       TEXT,
        role          TEXT,
        attributes    TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE answers (
        respondent_id TEXT NOT NULL REFERENCES respondents(respondent_id) ON DELETE CASCADE,
        item          TEXT NOT NULL,
        raw           TEXT,
        value         REAL,
        PRIMARY KEY (respondent_id, item)
    );
    """,
    """
    ALTER TABLE codings ADD COLUMN probability REAL;
    CREATE TABLE models (
        version       TEXT PRIMARY KEY,
        created_at    TEXT NOT NULL,
        codebook_hash TEXT NOT NULL,
        training      TEXT NOT NULL,
        params        TEXT NOT NULL,
        metrics       TEXT NOT NULL,
        blob_sha256   TEXT NOT NULL,
        blob          BLOB NOT NULL
    );
    """,
    _tokens_from_json,  # v5: tokens cached as their lengths, not JSON text
]
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class StoredDocument:
    """What the store remembers of a document to decide whether it changed."""

    doc_id: str
    path: str
    content_hash: str
    metadata: dict


class SheetRow(NamedTuple):
    """An interviewee turn as a coding sheet shows it."""

    unit_id: str
    doc_id: str
    speaker: str | None
    context: str  # the previous turn's text
    text: str
    view: str  # the matching view (Simplified, half-width)
    role: str | None  # the speaker's actor code
    suggestion: str | None  # codes of the suggesting coder, joined by ';'


def _query_frame(sql: str, conn: sqlite3.Connection, params: tuple = ()) -> pd.DataFrame:
    """Return a query's rows as a DataFrame (pandas is loaded only by readers of tables)."""
    import pandas as pd

    return pd.read_sql_query(sql, conn, params=params)


class DocumentCount(NamedTuple):
    """What one stored document holds: ``survey`` is None for an interview."""

    cluster: str | None
    doc_id: str
    encoding: str
    role: str | None
    survey: str | None
    units: int
    interviewee_units: int
    chars: int
    segmented: int


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store:
    """A project database connection; use as a context manager.

    A database its user may not write (or in a folder they may not write, where
    WAL mode cannot make its -wal and -shm files) is opened read-only, so that
    reading commands work and writing ones say plainly that it is read-only.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.read_only = not writable(self.path)
        self._depth = 0
        try:
            self.conn = connect(self.path, self.read_only)
        except sqlite3.Error as exc:
            raise database_error(self.path, exc) from None
        try:
            if not self.read_only:
                self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except (sqlite3.Error, ProjectError) as exc:
            self.conn.close()
            if isinstance(exc, ProjectError):
                raise
            raise database_error(self.path, exc) from None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    @property
    def schema_version(self) -> int:
        """Return the schema version stored in the database."""
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise ProjectError(
                f"{self.path}: the project was made by a newer clusterqda "
                f"(schema {version}, this one knows {SCHEMA_VERSION}); upgrade clusterqda"
            )
        for number in range(version, SCHEMA_VERSION):
            step = MIGRATIONS[number]
            with self.transaction():
                if callable(step):
                    step(self.conn)
                else:
                    for statement in _statements(step):
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number + 1}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block as one transaction; nested blocks join the outer one.

        A database error (busy, read-only, full disk, I/O) rolls back what is
        left of the transaction and becomes one ProjectError; SQLite may already
        have rolled back on its own (a full disk does), so ROLLBACK is only
        sent while a transaction is open and can never raise a second error.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise database_error(self.path, exc) from None
        self._depth = 1
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise database_error(self.path, exc) from None
        except BaseException:
            self._rollback()
            raise
        finally:
            self._depth = 0

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            # SQLite may have rolled back itself; the first error is the one to report
            with suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    # documents and units -------------------------------------------------

    def document_index(self) -> dict[str, StoredDocument]:
        """Return every stored document's id, path, hash and metadata."""
        rows = self.conn.execute("SELECT doc_id, path, content_hash, metadata FROM documents")
        return {r[0]: StoredDocument(r[0], r[1], r[2], json.loads(r[3])) for r in rows}

    def insert_document(self, doc: ParsedDocument, dict_version: str | None = None) -> None:
        """Store a parsed document, its units and (if cut already) their tokens."""
        self.insert_documents([doc], dict_version)

    def insert_documents(self, docs: list[ParsedDocument], dict_version: str | None = None) -> None:
        """Store new documents, their units and tokens, with one statement per table."""
        now = _now()
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO documents (doc_id, path, content_hash, encoding, cluster, metadata,"
                " original_text, text, ingested_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    (
                        doc.doc_id,
                        doc.path,
                        doc.content_hash,
                        doc.encoding,
                        doc.cluster,
                        json.dumps(doc.metadata, ensure_ascii=False, sort_keys=True),
                        # the decoded text is kept only where normalising changed it
                        doc.original_text,
                        doc.text,
                        now,
                    )
                    for doc in docs
                ),
            )
            self.conn.executemany(
                'INSERT INTO units (unit_id, doc_id, turn, speaker, is_interviewer, start, "end",'
                " timestamp, text, match_text) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (row for doc in docs for row in _unit_rows(doc)),
            )
            if dict_version:
                self.conn.executemany(
                    "INSERT INTO tokens (unit_id, dict_version, tokens) VALUES (?,?,?)",
                    (
                        (f"{doc.doc_id}#{t.turn}", dict_version, tokens)
                        for doc in docs
                        if doc.tokens is not None
                        for t, tokens in zip(doc.turns, doc.tokens, strict=True)
                    ),
                )

    def replace_document(self, doc: ParsedDocument, dict_version: str | None = None) -> None:
        """Replace a changed document; its units, tokens (and later codings) go with it."""
        with self.transaction():
            self.conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc.doc_id,))
            self.insert_document(doc, dict_version)

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

    def documents(self) -> pd.DataFrame:
        """Return one row per document (without its text)."""
        frame = _query_frame(
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
        return _query_frame(
            "SELECT u.unit_id, u.doc_id, d.cluster, u.turn, u.speaker, u.is_interviewer,"
            ' u.start, u."end", u.timestamp, u.text'
            " FROM units u JOIN documents d USING (doc_id) ORDER BY d.cluster, u.doc_id, u.turn",
            self.conn,
        ).astype({"is_interviewer": bool})

    def units_for_sheet(self) -> pd.DataFrame:
        """Return units with their matching view and speaker role, in document order."""
        frame = _query_frame(
            "SELECT u.unit_id, u.doc_id, d.cluster, u.turn, u.speaker, u.is_interviewer, u.text,"
            " COALESCE(u.match_text, u.text) AS view,"
            " json_extract(d.metadata, '$.role') AS role"
            " FROM units u JOIN documents d USING (doc_id) ORDER BY u.doc_id, u.turn",
            self.conn,
        )
        return frame.astype({"is_interviewer": bool})

    def coders(self) -> list[str]:
        """Return every coder that has looked at units, in the order they were registered."""
        rows = self.conn.execute(
            "SELECT c.coder FROM coders c WHERE EXISTS (SELECT 1 FROM coded_units u"
            " WHERE u.coder = c.coder) ORDER BY c.rowid"
        )
        return [r[0] for r in rows]

    def sheet_rows(
        self, cluster: str | None = None, suggestions_from: str | None = None
    ) -> Iterator[SheetRow]:
        """Yield interviewee units for a coding sheet, in document order, one at a time;
        ``suggestion`` holds the codes ``suggestions_from`` gave."""
        cursor = self.conn.execute(
            "SELECT unit_id, doc_id, speaker, context, text, view, role, suggestion FROM ("
            " SELECT u.unit_id, u.doc_id, u.turn, u.speaker, u.is_interviewer, d.cluster,"
            "  LAG(u.text, 1, '') OVER (PARTITION BY u.doc_id ORDER BY u.turn) AS context,"
            "  u.text, COALESCE(u.match_text, u.text) AS view,"
            "  json_extract(d.metadata, '$.role') AS role,"
            "  (SELECT group_concat(c.code_id, ';') FROM codings c"
            "   WHERE c.unit_id = u.unit_id AND c.coder = ?) AS suggestion"
            " FROM units u JOIN documents d USING (doc_id))"
            " WHERE NOT is_interviewer AND (? IS NULL OR cluster = ?) ORDER BY doc_id, turn",
            (suggestions_from or "", cluster, cluster),
        )
        yield from (SheetRow(*row) for row in cursor)

    def coded_units(self, coder: str) -> dict[str, frozenset[str] | None]:
        """Return the units a coder has looked at, each with the codes it judged (None: all)."""
        rows = self.conn.execute("SELECT unit_id, scope FROM coded_units WHERE coder = ?", (coder,))
        return {u: frozenset(json.loads(s)) if s else None for u, s in rows}

    # segmentation cache -------------------------------------------------

    def register_dictionary(self, dict_version: str, words: int) -> None:
        """Record a user dictionary version."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO dictionaries VALUES (?,?,?)", (dict_version, words, _now())
            )

    def units_to_segment(
        self, dict_version: str, after_rowid: int = 0, limit: int = 2000
    ) -> list[tuple[int, str, str]]:
        """Return (rowid, unit_id, matching text) of units with no tokens for this dictionary."""
        return self.conn.execute(
            "SELECT u.rowid, u.unit_id, COALESCE(u.match_text, u.text) FROM units u"
            " WHERE u.rowid > ? AND NOT EXISTS (SELECT 1 FROM tokens t"
            " WHERE t.unit_id = u.unit_id AND t.dict_version = ?)"
            " ORDER BY u.rowid LIMIT ?",
            (after_rowid, dict_version, limit),
        ).fetchall()

    def count_unsegmented(self, dict_version: str) -> tuple[int, int]:
        """Return how many units, and characters, still need tokens for this dictionary."""
        row = self.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(u.text)), 0) FROM units u WHERE NOT EXISTS"
            " (SELECT 1 FROM tokens t WHERE t.unit_id = u.unit_id AND t.dict_version = ?)",
            (dict_version,),
        ).fetchone()
        return row[0], row[1]

    def save_tokens(self, dict_version: str, rows: Iterable[tuple[str, bytes]]) -> None:
        """Store (unit_id, encoded tokens) pairs, encoded by ``encode_tokens``."""
        with self.transaction():
            self.conn.executemany(
                "INSERT OR REPLACE INTO tokens (unit_id, dict_version, tokens) VALUES (?,?,?)",
                ((unit_id, dict_version, tokens) for unit_id, tokens in rows),
            )

    def drop_tokens_except(self, dict_version: str) -> int:
        """Delete cached tokens made with other dictionaries; return how many."""
        others = self.conn.execute(
            "SELECT 1 FROM dictionaries WHERE dict_version != ? LIMIT 1", (dict_version,)
        ).fetchone()
        if others is None:  # every token was cut with this one: skip the table scan
            return 0
        with self.transaction():
            return self.conn.execute(
                "DELETE FROM tokens WHERE dict_version != ?", (dict_version,)
            ).rowcount

    def tokens(self, dict_version: str) -> dict[str, list[str]]:
        """Return the cached tokens of every unit for a dictionary version."""
        rows = self.conn.execute(
            "SELECT t.unit_id, t.tokens, COALESCE(u.match_text, u.text) FROM tokens t"
            " JOIN units u USING (unit_id) WHERE t.dict_version = ?",
            (dict_version,),
        )
        return _decoded(rows)

    def newest_tokens(self) -> dict[str, list[str]]:
        """Return every unit's tokens from the newest dictionary that cut it."""
        rows = self.conn.execute(
            "SELECT t.unit_id, t.tokens, COALESCE(u.match_text, u.text) FROM tokens t"
            " JOIN units u USING (unit_id) JOIN dictionaries d USING (dict_version)"
            " ORDER BY d.created_at"
        )
        return _decoded(rows)

    # codings ---------------------------------------------------------------

    def register_coder(
        self, coder: str, kind: str, codebook_hash: str | None, version: str | None
    ) -> None:
        """Record a coder (rules@hash, a person, a model)."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO coders VALUES (?,?,?,?,?)",
                (coder, kind, codebook_hash, version, _now()),
            )

    def secret(self, name: str) -> bytes:
        """Return the project's random secret ``name``, made on first use; it never leaves."""
        key = f"secret:{name}"
        query = "SELECT value FROM meta WHERE key = ?"
        row = self.conn.execute(query, (key,)).fetchone()
        if row is None:
            with self.transaction():
                self.conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                    (key, secrets.token_hex(32)),
                )
            row = self.conn.execute(query, (key,)).fetchone()
        return bytes.fromhex(row[0])

    def register_rules(self, coder: str, rules: dict[str, str]) -> None:
        """Record the rule text behind each rule id a coder uses (once, not per coding)."""
        with self.transaction():
            self.conn.executemany(
                "INSERT OR REPLACE INTO coder_rules VALUES (?,?,?)",
                ((coder, rule_id, rule) for rule_id, rule in rules.items()),
            )

    def count_uncoded(self, coder: str) -> int:
        """Return how many units this coder has not looked at yet."""
        return self.conn.execute(
            "SELECT COUNT(*) FROM units u WHERE NOT EXISTS (SELECT 1 FROM coded_units c"
            " WHERE c.unit_id = u.unit_id AND c.coder = ?)",
            (coder,),
        ).fetchone()[0]

    def units_to_code(
        self, coder: str, after_rowid: int = 0, limit: int = 2000
    ) -> list[tuple[int, str, int, str, str | None, bytes | None, str | None]]:
        """Return (rowid, unit_id, start, text, match_text, stored tokens, speaker role).

        ``match_text`` is None where the matching view equals the text, and the
        tokens are as stored (``decode_tokens`` with the view gives them back), so
        that a batch sent to a worker process carries each text once. The speaker
        role is the document's ``role`` for interviewee turns, None for the
        interviewer's.
        """
        return self.conn.execute(
            "SELECT u.rowid, u.unit_id, u.start, u.text, u.match_text,"
            " (SELECT t.tokens FROM tokens t WHERE t.unit_id = u.unit_id LIMIT 1),"
            " CASE WHEN u.is_interviewer THEN NULL"
            " ELSE json_extract(d.metadata, '$.role') END"
            " FROM units u JOIN documents d USING (doc_id)"
            " WHERE u.rowid > ? AND NOT EXISTS (SELECT 1 FROM coded_units c"
            " WHERE c.unit_id = u.unit_id AND c.coder = ?) ORDER BY u.rowid LIMIT ?",
            (after_rowid, coder, limit),
        ).fetchall()

    def save_codings(
        self,
        coder: str,
        unit_ids: list[str],
        codings: list[tuple],
        scope: list[str] | None = None,
    ) -> None:
        """Replace a coder's codings of these units; mark the units as coded by it.

        ``codings`` rows: (unit_id, code_id, stance, start, end, evidence, rule_id, terms)
        and, for a model's suggestions, the probability as a ninth field.
        ``scope`` lists the codes the coder judged (a sheet of some dimensions);
        None means every code of the codebook.
        """
        now = _now()
        with self.transaction():
            self.conn.executemany(
                "DELETE FROM codings WHERE unit_id = ? AND coder = ?",
                ((u, coder) for u in unit_ids),
            )
            self.conn.executemany(
                'INSERT INTO codings (unit_id, code_id, coder, stance, start, "end", evidence,'
                " rule_id, terms, created_at, probability) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    (
                        u,
                        code,
                        coder,
                        stance,
                        s,
                        e,
                        ev,
                        rule,
                        _json_text(terms),
                        now,
                        probability[0] if probability else None,
                    )
                    for u, code, stance, s, e, ev, rule, terms, *probability in codings
                ),
            )
            scope_json = json.dumps(scope) if scope is not None else None
            self.conn.executemany(
                "INSERT OR REPLACE INTO coded_units VALUES (?,?,?,?)",
                ((u, coder, now, scope_json) for u in unit_ids),
            )

    def coded_pairs(self, coder: str) -> list[tuple[str, str]]:
        """Return the (unit_id, code_id) pairs a coder gave."""
        return self.conn.execute(
            "SELECT unit_id, code_id FROM codings WHERE coder = ?", (coder,)
        ).fetchall()

    def coder_kinds(self) -> dict[str, str]:
        """Return every registered coder with its kind (rules, human, consensus, model …)."""
        return dict(self.conn.execute("SELECT coder, kind FROM coders ORDER BY rowid"))

    def coding_rows(self, coder: str) -> list[tuple]:
        """Return a coder's codings as save_codings rows (terms decoded)."""
        rows = self.conn.execute(
            'SELECT unit_id, code_id, stance, start, "end", evidence, rule_id, terms'
            " FROM codings WHERE coder = ?",
            (coder,),
        )
        return [(*r[:7], json.loads(r[7]) if r[7] else []) for r in rows]

    def coded_unit_coders(self) -> pd.DataFrame:
        """Return ``unit_id, coder`` for every unit each coder has looked at."""
        return _query_frame("SELECT unit_id, coder FROM coded_units", self.conn)

    def coding_stances(self) -> pd.DataFrame:
        """Return ``unit_id, coder, code_id, stance`` of every coding."""
        return _query_frame("SELECT unit_id, coder, code_id, stance FROM codings", self.conn)

    def codings(self, coder: str | None = None) -> pd.DataFrame:
        """Return codings (of one coder, or all) with their unit's document and cluster."""
        where, params = ("WHERE c.coder = ?", (coder,)) if coder else ("", ())
        return _query_frame(
            "SELECT c.unit_id, u.doc_id, d.cluster, u.speaker, u.is_interviewer, c.code_id,"
            ' c.coder, c.stance, c.start, c."end", c.evidence, r.rule, c.terms, c.created_at'
            " FROM codings c JOIN units u USING (unit_id) JOIN documents d USING (doc_id)"
            " LEFT JOIN coder_rules r ON r.coder = c.coder AND r.rule_id = c.rule_id "
            + where
            + " ORDER BY d.cluster, u.doc_id, u.turn, c.code_id",
            self.conn,
            params=params,
        )

    # models ----------------------------------------------------------------

    def save_model(
        self,
        version: str,
        codebook_hash: str,
        training: dict,
        params: dict,
        metrics: dict,
        blob: bytes,
        blob_sha256: str,
    ) -> None:
        """Store a trained model (replacing one of the same version)."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO models VALUES (?,?,?,?,?,?,?,?)",
                (
                    version,
                    _now(),
                    codebook_hash,
                    json.dumps(training),
                    json.dumps(params),
                    json.dumps(metrics),
                    blob_sha256,
                    blob,
                ),
            )

    def newest_model(self, codebook_hash: str) -> tuple[str, dict, dict, str, bytes] | None:
        """Return (version, params, metrics, blob SHA-256, blob) of the newest model, or None."""
        row = self.conn.execute(
            "SELECT version, params, metrics, blob_sha256, blob FROM models"
            " WHERE codebook_hash = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (codebook_hash,),
        ).fetchone()
        if row is None:
            return None
        version, params, metrics, digest, blob = row
        return version, json.loads(params), json.loads(metrics), digest, blob

    # surveys -------------------------------------------------------------

    def replace_survey(
        self,
        survey: str,
        path: str,
        schema_json: str,
        respondents: list[tuple],
        answers: list[tuple],
    ) -> None:
        """Store a survey's respondents and answers, replacing an earlier ingest of it.

        ``respondents``: (respondent_id, cluster, role, attributes_json);
        ``answers``: (respondent_id, item, raw, value).
        """
        with self.transaction():
            self.begin_survey(survey, path, schema_json)
            self.add_respondents(survey, respondents, answers)

    def begin_survey(self, survey: str, path: str, schema_json: str) -> None:
        """Record a survey afresh: an earlier ingest's respondents and answers go."""
        with self.transaction():
            self.conn.execute("DELETE FROM surveys WHERE survey = ?", (survey,))
            self.conn.execute(
                "INSERT INTO surveys VALUES (?,?,?,?)", (survey, path, schema_json, _now())
            )

    def add_respondents(self, survey: str, respondents: list[tuple], answers: list[tuple]) -> None:
        """Store one batch of a survey's respondents and answers (see ``replace_survey``)."""
        if not respondents:
            return
        with self.transaction():
            # one JSON parameter, however many ids (SQLite limits bound parameters)
            taken = self.conn.execute(
                "SELECT respondent_id, survey FROM respondents WHERE respondent_id IN"
                " (SELECT value FROM json_each(?)) LIMIT 1",
                (json.dumps([r[0] for r in respondents], ensure_ascii=False),),
            ).fetchone()
            if taken:
                raise ProjectError(
                    f"respondent id '{taken[0]}' is already used by the survey "
                    f"'{taken[1]}'; give each survey its own ids"
                )
            self.conn.executemany(
                "INSERT INTO respondents VALUES (?,?,?,?,?)",
                ((rid, survey, cluster, role, attrs) for rid, cluster, role, attrs in respondents),
            )
            self.conn.executemany("INSERT INTO answers VALUES (?,?,?,?)", answers)

    def survey_schemas(self) -> list[str]:
        """Return the schema (JSON) of every stored survey."""
        return [raw for (raw,) in self.conn.execute("SELECT schema FROM surveys ORDER BY survey")]

    def documents_by_id(self, doc_ids: list[str]) -> dict[str, StoredDocument]:
        """Return the stored documents among ``doc_ids`` (id, path, hash and metadata)."""
        rows = self.conn.execute(
            "SELECT doc_id, path, content_hash, metadata FROM documents"
            " WHERE doc_id IN (SELECT value FROM json_each(?))",
            (json.dumps(doc_ids, ensure_ascii=False),),
        )
        return {r[0]: StoredDocument(r[0], r[1], r[2], json.loads(r[3])) for r in rows}

    def respondents(self) -> pd.DataFrame:
        """Return every survey respondent with their attributes."""
        frame = _query_frame(
            "SELECT respondent_id, survey, cluster, role, attributes FROM respondents"
            " ORDER BY survey, respondent_id",
            self.conn,
        )
        frame["attributes"] = frame["attributes"].map(json.loads)
        return frame

    def answers(self) -> pd.DataFrame:
        """Return every answer in long form: respondent_id, item, raw, value."""
        return _query_frame(
            "SELECT respondent_id, item, raw, value FROM answers ORDER BY respondent_id, item",
            self.conn,
        )

    # summaries ------------------------------------------------------------

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

    def respondents_per_cluster(self) -> list[tuple[str, str | None, int]]:
        """Return (survey, cluster, respondents) for every survey and cluster."""
        return self.conn.execute(
            "SELECT survey, cluster, COUNT(*) FROM respondents"
            " GROUP BY survey, cluster ORDER BY survey, cluster"
        ).fetchall()


def _unit_rows(doc: ParsedDocument) -> Iterator[tuple]:
    """Yield the units table's rows of one document."""
    text, view = doc.text, doc.match_text
    for t in doc.turns:
        own = text[t.start : t.end]
        # the matching view is kept only where it differs from the text
        match = None if view is None or (m := view[t.start : t.end]) == own else m
        yield (
            f"{doc.doc_id}#{t.turn}",
            doc.doc_id,
            t.turn,
            t.speaker,
            int(t.is_interviewer),
            t.start,
            t.end,
            t.timestamp,
            own,
            match,
        )


def _decoded(rows: Iterable[tuple[str, bytes, str]]) -> dict[str, list[str]]:
    out = {}
    for unit_id, stored, view in rows:
        if (tokens := decode_tokens(stored, view)) is not None:
            out[unit_id] = tokens
    return out


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
