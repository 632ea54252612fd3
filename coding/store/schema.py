"""The schema: one migration per version, applied in order when a database is opened."""

from __future__ import annotations

import json
import sqlite3

from coding.store.codinglayout import compact_codings, share_differing
from coding.store.tokencodec import encode_tokens


def _tokens_from_json(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT rowid, tokens FROM tokens").fetchall()
    conn.executemany(
        "UPDATE tokens SET tokens = ? WHERE rowid = ?",
        ((encode_tokens(json.loads(tokens)), rowid) for rowid, tokens in rows),
    )


# The search index (v7) holds every unit's matching view followed by two
# private-use characters, so that every one- or two-character string of a unit
# begins some indexed trigram (its own path: a prefix range of trigrams).
SEARCH_PAD = "\ue000\ue000"
_SEARCH_BODY = "COALESCE({row}.match_text, {row}.text) || char(57344, 57344)"
_SEARCH_INDEX = [
    # contentless: the text stays in units only; detail=none: rows without positions
    # (half the build time of detail=full), since every candidate is checked in Python
    "CREATE VIRTUAL TABLE unit_search USING fts5(body, content='',"
    " tokenize='trigram case_sensitive 1', detail=none)",
    "CREATE VIRTUAL TABLE unit_search_terms USING fts5vocab(unit_search, 'instance')",
    "INSERT INTO unit_search (rowid, body) SELECT rowid, "
    + _SEARCH_BODY.format(row="units")
    + " FROM units",
    # New units are indexed by DocumentsTable.insert_documents, one statement per batch:
    # an FTS5 table flushes its pending terms at every statement savepoint, so a
    # trigger per inserted row made ingest eight times slower. Deletes (a cascade
    # from a replaced document) and updates are rare and kept by triggers.
    "CREATE TRIGGER unit_search_delete AFTER DELETE ON units BEGIN"
    " INSERT INTO unit_search (unit_search, rowid, body) VALUES ('delete', old.rowid, "
    + _SEARCH_BODY.format(row="old")
    + "); END",
    "CREATE TRIGGER unit_search_update AFTER UPDATE OF text, match_text ON units BEGIN"
    " INSERT INTO unit_search (unit_search, rowid, body) VALUES ('delete', old.rowid, "
    + _SEARCH_BODY.format(row="old")
    + "); INSERT INTO unit_search (rowid, body) VALUES (new.rowid, "
    + _SEARCH_BODY.format(row="new")
    + "); END",
]


def _search_index(conn: sqlite3.Connection) -> None:
    # trigger bodies hold semicolons, which statements() would split on
    for statement in _SEARCH_INDEX:
        conn.execute(statement)


# v10: each document's word counts (for `words`), per speaker kind, built from the
# token cache on first use. Triggers drop a document's counts whenever its units or
# their tokens change (re-ingest, a new dictionary, a unit re-cut), so a count is
# never stale and only changed documents are counted again.
_WORD_COUNTS = [
    "CREATE TABLE word_vocab (id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE)",
    """CREATE TABLE word_counts (
        doc_id      TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        interviewer INTEGER NOT NULL,
        units       INTEGER NOT NULL,
        words       BLOB NOT NULL,
        counts      BLOB NOT NULL,
        PRIMARY KEY (doc_id, interviewer)
    )""",
    "CREATE TRIGGER word_counts_tokens_insert AFTER INSERT ON tokens BEGIN"
    " DELETE FROM word_counts WHERE doc_id ="
    " (SELECT doc_id FROM units WHERE unit_id = new.unit_id); END",
    "CREATE TRIGGER word_counts_tokens_delete AFTER DELETE ON tokens BEGIN"
    " DELETE FROM word_counts WHERE doc_id ="
    " (SELECT doc_id FROM units WHERE unit_id = old.unit_id); END",
    "CREATE TRIGGER word_counts_tokens_update AFTER UPDATE ON tokens BEGIN"
    " DELETE FROM word_counts WHERE doc_id IN"
    " (SELECT doc_id FROM units WHERE unit_id IN (old.unit_id, new.unit_id)); END",
    "CREATE TRIGGER word_counts_units_delete AFTER DELETE ON units BEGIN"
    " DELETE FROM word_counts WHERE doc_id = old.doc_id; END",
    "CREATE TRIGGER word_counts_units_update"
    " AFTER UPDATE OF doc_id, unit_id, is_interviewer, text, match_text ON units BEGIN"
    " DELETE FROM word_counts WHERE doc_id IN (old.doc_id, new.doc_id); END",
]


def _word_counts(conn: sqlite3.Connection) -> None:
    # trigger bodies hold semicolons, which statements() would split on
    for statement in _WORD_COUNTS:
        conn.execute(statement)


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
    # v6: a respondent's answers in one row (a JSON object item -> [raw, value]):
    # one row per answer made survey ingest pay an index insert for every cell
    """
    CREATE TABLE answer_sets (
        respondent_id TEXT PRIMARY KEY REFERENCES respondents(respondent_id) ON DELETE CASCADE,
        answers       TEXT NOT NULL
    );
    INSERT INTO answer_sets
        SELECT respondent_id, json_group_object(item, json_array(raw, value))
        FROM answers GROUP BY respondent_id;
    DROP TABLE answers;
    """,
    _search_index,  # v7: a trigram index of the units' matching views (search)
    # v8: reviewed collective-action episodes, named by a person, with the units they rest on
    """
    CREATE TABLE episodes (
        episode_id  TEXT PRIMARY KEY,
        cluster     TEXT NOT NULL,
        name        TEXT NOT NULL,
        proposal_id TEXT NOT NULL,
        proposed_by TEXT NOT NULL,
        reviewed_by TEXT NOT NULL,
        reviewed_at TEXT NOT NULL
    );
    CREATE TABLE episode_units (
        episode_id TEXT NOT NULL REFERENCES episodes(episode_id) ON DELETE CASCADE,
        unit_id    TEXT NOT NULL REFERENCES units(unit_id) ON DELETE CASCADE,
        PRIMARY KEY (episode_id, unit_id)
    );
    CREATE INDEX episodes_cluster ON episodes(cluster);
    """,
    compact_codings,  # v9: codings in a compact table behind a view of the same name
    _word_counts,  # v10: per-document word counts for `words`, dropped when tokens change
    # v11: each unit's word counts beside its document's, for `words --by code`; the
    # rows cached before lack them, and a cache is cheap to build again
    """
    ALTER TABLE word_counts ADD COLUMN unit_rowids BLOB;
    ALTER TABLE word_counts ADD COLUMN unit_sizes BLOB;
    ALTER TABLE word_counts ADD COLUMN unit_words BLOB;
    ALTER TABLE word_counts ADD COLUMN unit_counts BLOB;
    DELETE FROM word_counts;
    """,
    # v12: each code's units of a coder read from its index alone (`matrix`, `words`)
    """
    DROP INDEX IF EXISTS coding_data_coder;
    DROP INDEX IF EXISTS coding_data_also;
    CREATE INDEX coding_data_coder ON coding_data(coder, code_id, unit);
    CREATE INDEX coding_data_also ON coding_data(also, code_id, unit);
    """,
    # v13: the `also` index holds only the codings a second coder shares (schema 12's
    # index, partial): a third of the rows for the default coder, none for an import
    """
    DROP INDEX IF EXISTS coding_data_also;
    CREATE INDEX coding_data_also ON coding_data(also, code_id, unit) WHERE also IS NOT NULL;
    """,
    # v14: a coding two coders share but for the second's stance or probability is one row
    share_differing,
]
SCHEMA_VERSION = len(MIGRATIONS)


def statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
