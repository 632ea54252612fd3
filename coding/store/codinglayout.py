"""The compact layout codings are stored in (schema version 9), behind a view named
``codings`` with the columns every reader used before.

One row per coding in ``coding_data``: the unit and coder as row ids, the rule id,
the terms (as JSON) and the time as ids of ``coding_labels``, the evidence left out
where it is the unit's own text between the coding's offsets (the view cuts it
again), and a second coder in ``also`` where two coders gave the same coding (the
default coder keeps most of the rules' codings: they are stored once), with its own
stance and probability in ``also_stance`` and ``also_probability`` where they differ
(schema 14: the model's P and the learned stance; NULL = the first coder's).
``coding_id`` in the view is ``2 * rowid`` (``+ 1`` for the second coder), so the
order of a coder's codings is the order they were written in.

INSTEAD OF triggers let every writer insert into and delete from ``codings`` as
before; ``code`` writes ``coding_data`` directly, in bulk (``store/codings.py``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

# evidence: NULL = the unit's text at [start, end); a zero-length blob = no evidence
_EVIDENCE = (
    "CASE WHEN c.evidence IS NULL AND c.start IS NOT NULL"
    ' THEN substr(u.text, c.start - u.start + 1, c."end" - c.start)'
    " WHEN typeof(c.evidence) = 'blob' THEN NULL ELSE c.evidence END"
)
_BRANCH = (
    "SELECT c.rowid * 2{plus} AS coding_id, u.unit_id, c.code_id, k.coder, {stance} AS stance,"
    ' c.start, c."end", ' + _EVIDENCE + " AS evidence, r.label AS rule_id, t.label AS terms,"
    " w.label AS created_at, {probability} AS probability"
    " FROM coding_data c JOIN units u ON u.rowid = c.unit JOIN coders k ON k.rowid = c.{who}"
    " JOIN coding_labels w ON w.id = c.created"
    " LEFT JOIN coding_labels r ON r.id = c.rule LEFT JOIN coding_labels t ON t.id = c.terms"
)


def codings_where(condition: str) -> str:
    """Return the ``codings`` view's query with ``condition`` (on ``u.`` units or ``c.``
    coding_data columns) inside each branch: SQLite cannot push a join's filter into the
    view's UNION ALL, and would otherwise materialise every coding for each query."""
    return " UNION ALL ".join(branch + f" WHERE {condition}" for branch in _BRANCHES)


# the second coder's own stance and probability where they differ from the first's
# (schema 14): NULL = the same
_BRANCHES = (
    _BRANCH.format(plus="", who="coder", stance="c.stance", probability="c.probability"),
    _BRANCH.format(
        plus=" + 1",
        who="also",
        stance="COALESCE(c.also_stance, c.stance)",
        probability="COALESCE(c.also_probability, c.probability)",
    ),
)


INDEXES = [
    "CREATE INDEX coding_data_unit ON coding_data(unit, coder)",
    # with the unit, a coder's codes and units are read from the index alone (schema 12)
    "CREATE INDEX coding_data_coder ON coding_data(coder, code_id, unit)",
    # only codings a second coder shares (a third of the default coder's; none of the
    # rules' alone or people's): the index takes a third of the time to build
    "CREATE INDEX coding_data_also ON coding_data(also, code_id, unit) WHERE also IS NOT NULL",
]
INDEX_NAMES = [s.split()[2] for s in INDEXES]
# what coding_data's CHECK allows as a stance (coding.stance.STANCES, and none)
STORED_STANCES = frozenset({"positive", "negative", "neutral", "mixed", None})


def insert_unchecked(conn: sqlite3.Connection, sql: str, rows: Iterable[tuple]) -> None:
    """Run an ``executemany`` of coding_data rows whose stances the caller has checked
    against ``STORED_STANCES``, with the table's CHECK off for it.

    SQLite evaluates the CHECK's ``IN`` list at about 2 µs a row, twice the insert
    itself (600,000 codings of the 20 MB benchmark project: over a second); changing
    it to ORs (as fast as none) would mean rebuilding the table under its view. The
    pragma expires every prepared statement, so none outlives it unchecked.
    """
    insert_unchecked_each(conn, [(sql, rows)])


def insert_unchecked_each(
    conn: sqlite3.Connection, statements: Iterable[tuple[str, Iterable[tuple]]]
) -> None:
    """Run ``insert_unchecked`` for each ``(sql, rows)`` in turn, with the CHECK off once."""
    conn.execute("PRAGMA ignore_check_constraints = ON")
    try:
        for sql, rows in statements:
            conn.executemany(sql, rows)
    finally:
        conn.execute("PRAGMA ignore_check_constraints = OFF")


def _label(expr: str) -> str:
    return f"(SELECT id FROM coding_labels WHERE label = {expr})"


def _stored_evidence(row: str) -> str:
    """SQL for the evidence column stored for a coding given as ``row`` (NEW or o)."""
    return (
        f"CASE WHEN {row}.start IS NOT NULL AND {row}.evidence IS NULL THEN X''"
        f' WHEN {row}.start >= u.start AND {row}."end" <= u."end" AND {row}.evidence ='
        f' substr(u.text, {row}.start - u.start + 1, {row}."end" - {row}.start) THEN NULL'
        f" ELSE {row}.evidence END"
    )


_INSERT_TRIGGER = (
    "CREATE TRIGGER codings_insert INSTEAD OF INSERT ON codings BEGIN"
    " SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed')"
    " WHERE NOT EXISTS (SELECT 1 FROM units WHERE unit_id = NEW.unit_id)"
    " OR NOT EXISTS (SELECT 1 FROM coders WHERE coder = NEW.coder);"
    " INSERT OR IGNORE INTO coding_labels (label) SELECT v FROM (SELECT NEW.rule_id AS v"
    " UNION ALL SELECT NEW.terms UNION ALL SELECT NEW.created_at) WHERE v IS NOT NULL;"
    ' INSERT INTO coding_data (unit, coder, code_id, stance, start, "end", evidence, rule,'
    " terms, created, probability)"
    ' SELECT u.rowid, k.rowid, NEW.code_id, NEW.stance, NEW.start, NEW."end", '
    + _stored_evidence("NEW")
    + ", "
    + ", ".join(_label(f"NEW.{c}") for c in ("rule_id", "terms", "created_at"))
    + ", NEW.probability FROM units u, coders k"
    " WHERE u.unit_id = NEW.unit_id AND k.coder = NEW.coder; END"
)

_SCRIPT = [
    "CREATE TABLE coding_labels (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE)",
    """CREATE TABLE coding_data (
        unit        INTEGER NOT NULL,
        coder       INTEGER NOT NULL,
        also        INTEGER,
        code_id     TEXT NOT NULL,
        stance      TEXT CHECK (stance IN ('positive', 'negative', 'neutral', 'mixed')),
        start       INTEGER,
        "end"       INTEGER,
        evidence    TEXT,
        rule        INTEGER,
        terms       INTEGER,
        created     INTEGER NOT NULL,
        probability REAL
    )""",
    "INSERT OR IGNORE INTO coding_labels (label)"
    " SELECT rule_id FROM codings WHERE rule_id IS NOT NULL"
    " UNION SELECT terms FROM codings WHERE terms IS NOT NULL"
    " UNION SELECT created_at FROM codings",
    # the old coding_id becomes the rowid, so that every coder's order is kept
    'INSERT INTO coding_data (rowid, unit, coder, code_id, stance, start, "end", evidence,'
    " rule, terms, created, probability)"
    ' SELECT o.coding_id, u.rowid, k.rowid, o.code_id, o.stance, o.start, o."end", '
    + _stored_evidence("o")
    + ", "
    + ", ".join(_label(f"o.{c}") for c in ("rule_id", "terms", "created_at"))
    + ", o.probability FROM codings o JOIN units u ON u.unit_id = o.unit_id"
    " JOIN coders k ON k.coder = o.coder ORDER BY o.coding_id",
    "DROP TABLE codings",
    *INDEXES,
    "CREATE VIEW codings AS "
    + " UNION ALL ".join(
        _BRANCH.format(plus=plus, who=who, stance="c.stance", probability="c.probability")
        for plus, who in (("", "coder"), (" + 1", "also"))
    ),
    _INSERT_TRIGGER,
    # schema 9's: a row of two coders held one stance and probability
    "CREATE TRIGGER codings_delete INSTEAD OF DELETE ON codings BEGIN"
    " DELETE FROM coding_data WHERE rowid = OLD.coding_id / 2 AND also IS NULL"
    " AND coder = (SELECT rowid FROM coders WHERE coder = OLD.coder);"
    " UPDATE coding_data SET also = NULL WHERE rowid = OLD.coding_id / 2"
    " AND also = (SELECT rowid FROM coders WHERE coder = OLD.coder);"
    " UPDATE coding_data SET coder = also, also = NULL WHERE rowid = OLD.coding_id / 2"
    " AND also IS NOT NULL AND coder = (SELECT rowid FROM coders WHERE coder = OLD.coder);"
    " END",
    # what the foreign key's ON DELETE CASCADE did
    "CREATE TRIGGER units_delete_codings AFTER DELETE ON units BEGIN"
    " DELETE FROM coding_data WHERE unit = OLD.rowid; END",
]

_SHARE_DIFFERING = [
    # a dropped view drops its triggers: both are made again
    "DROP VIEW codings",
    "ALTER TABLE coding_data ADD COLUMN also_stance TEXT"
    " CHECK (also_stance IN ('positive', 'negative', 'neutral', 'mixed'))",
    "ALTER TABLE coding_data ADD COLUMN also_probability REAL",
    "CREATE VIEW codings AS " + " UNION ALL ".join(_BRANCHES),
    _INSERT_TRIGGER,
    # a shared row loses one of its two coders (the second's own stance and probability
    # become the row's when the first goes); a row of one coder goes
    "CREATE TRIGGER codings_delete INSTEAD OF DELETE ON codings BEGIN"
    " DELETE FROM coding_data WHERE rowid = OLD.coding_id / 2 AND also IS NULL"
    " AND coder = (SELECT rowid FROM coders WHERE coder = OLD.coder);"
    " UPDATE coding_data SET also = NULL, also_stance = NULL, also_probability = NULL"
    " WHERE rowid = OLD.coding_id / 2"
    " AND also = (SELECT rowid FROM coders WHERE coder = OLD.coder);"
    " UPDATE coding_data SET coder = also, also = NULL, stance = COALESCE(also_stance, stance),"
    " probability = COALESCE(also_probability, probability),"
    " also_stance = NULL, also_probability = NULL WHERE rowid = OLD.coding_id / 2"
    " AND also IS NOT NULL AND coder = (SELECT rowid FROM coders WHERE coder = OLD.coder);"
    " END",
]


def compact_codings(conn: sqlite3.Connection) -> None:
    """Migrate the codings table into ``coding_data`` behind the ``codings`` view."""
    # statements hold semicolons inside triggers: run one by one, never split
    for statement in _SCRIPT:
        conn.execute(statement)


def share_differing(conn: sqlite3.Connection) -> None:
    """Give a shared row the second coder's own stance and probability (schema 14)."""
    for statement in _SHARE_DIFFERING:
        conn.execute(statement)
