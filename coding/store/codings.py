"""Coders, their codings, the units each looked at, and the rules behind rule codings."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from coding.errors import ProjectError
from coding.store.codinglayout import INDEX_NAMES, INDEXES, STORED_STANCES, insert_unchecked
from coding.store.connection import Connection, query_frame, timestamp
from coding.store.rows import CodingRow, UnitToCode

if TYPE_CHECKING:
    import pandas as pd


# json.dumps with options builds a new encoder per call; codings are written by
# the hundred thousand, so one encoder is kept.
_json_text = json.JSONEncoder(ensure_ascii=False).encode


# write_codings binds no None: the sqlite3 module adapts a None through the adapter
# protocol, at about 150 ns a value, three a row (10 MB: 0.15 of its 0.40 s insert).
# What stands for NULL: no coder's rowid is 0, no offset -1, no stance ''
# (write_codings refuses one), and SQLite stores a NaN as NULL.
_INSERT = (
    'INSERT INTO coding_data (unit, coder, also, code_id, stance, start, "end", rule, terms,'
    " created, probability, also_stance, also_probability) VALUES (?, ?, NULLIF(?, 0), ?,"
    " NULLIF(?, ''), NULLIF(?, -1), NULLIF(?, -1), ?, ?, ?, ?, NULLIF(?, ''), ?)"
)
_NAN = float("nan")


class CodingsTable(Connection):
    """The ``coders``, ``codings``, ``coder_rules`` and ``coded_units`` tables."""

    def coders(self) -> list[str]:
        """Return every coder that has looked at units, in the order they were registered."""
        rows = self.conn.execute(
            "SELECT c.coder FROM coders c WHERE EXISTS (SELECT 1 FROM coded_units u"
            " WHERE u.coder = c.coder) ORDER BY c.rowid"
        )
        return [r[0] for r in rows]

    def coded_units(self, coder: str) -> dict[str, frozenset[str] | None]:
        """Return the units a coder has looked at, each with the codes it judged (None: all)."""
        rows = self.conn.execute("SELECT unit_id, scope FROM coded_units WHERE coder = ?", (coder,))
        return {u: frozenset(json.loads(s)) if s else None for u, s in rows}

    def register_coder(
        self, coder: str, kind: str, codebook_hash: str | None, version: str | None
    ) -> None:
        """Record a coder (rules@hash, a person, a model)."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO coders VALUES (?,?,?,?,?)",
                (coder, kind, codebook_hash, version, timestamp()),
            )

    def register_rules(self, coder: str, rules: dict[str, str]) -> None:
        """Record the rule text behind each rule id a coder uses (once, not per coding)."""
        with self.transaction():
            self.conn.executemany(
                "INSERT OR REPLACE INTO coder_rules VALUES (?,?,?)",
                ((coder, rule_id, rule) for rule_id, rule in rules.items()),
            )

    def set_rule_fingerprints(self, coder: str, fingerprints: dict) -> None:
        """Record what decided a rule coder's codings (``rulecoder.rule_fingerprints``)."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                (f"rules:{coder}", json.dumps(fingerprints, sort_keys=True)),
            )

    def earlier_rules(self, coder: str) -> tuple[str, dict] | None:
        """Return the latest other rule coder that has coded units and recorded its rules'
        fingerprints, with them; None if there is none."""
        row = self.conn.execute(
            "SELECT k.coder, m.value FROM coders k JOIN meta m ON m.key = 'rules:' || k.coder"
            " WHERE k.kind = 'rules' AND k.coder != ? AND EXISTS (SELECT 1 FROM coded_units u"
            " WHERE u.coder = k.coder) ORDER BY k.rowid DESC LIMIT 1",
            (coder,),
        ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def reusable_codings(
        self, coder: str, units: list[UnitToCode], codes: set[str]
    ) -> dict[int, list[tuple]]:
        """Return, for each of these units that ``coder`` looked at (judging every code) and
        gave none of ``codes``, its codings as ``write_codings`` rows (coder 0, no ``also``)."""
        if not units:
            return {}
        first, last = units[0].rowid, units[-1].rowid
        (coder_id,) = self.conn.execute(
            "SELECT rowid FROM coders WHERE coder = ?", (coder,)
        ).fetchone()
        looked = {
            r[0]
            for r in self.conn.execute(
                "SELECT u.rowid FROM coded_units c JOIN units u USING (unit_id)"
                " WHERE c.coder = ? AND c.scope IS NULL AND u.rowid BETWEEN ? AND ?",
                (coder, first, last),
            )
        }
        out: dict[int, list[tuple]] = {u: [] for u in looked}
        rows = self.conn.execute(
            "SELECT c.unit, c.code_id, CASE WHEN c.coder = ?3 THEN c.stance"
            ' ELSE COALESCE(c.also_stance, c.stance) END, c.start, c."end", r.label, t.label,'
            " CASE WHEN c.coder = ?3 THEN c.probability"
            " ELSE COALESCE(c.also_probability, c.probability) END"
            " FROM coding_data c LEFT JOIN coding_labels r ON r.id = c.rule"
            " LEFT JOIN coding_labels t ON t.id = c.terms"
            " WHERE c.unit BETWEEN ?1 AND ?2 AND ?3 IN (c.coder, c.also) ORDER BY c.rowid",
            (first, last, coder_id),
        )
        spoilt = set()
        decoded: dict[str | None, tuple] = {}  # terms by their label: decoded once each
        for unit, code, stance, start, end, rule, terms, p in rows:
            if unit in out:
                if terms not in decoded:
                    decoded[terms] = tuple(json.loads(terms or "[]"))
                out[unit].append((unit, 0, None, code, stance, start, end, rule,
                                  decoded[terms], p, None, None))  # fmt: skip
                if code in codes:
                    spoilt.add(unit)
        return {u: c for u, c in out.items() if u not in spoilt}

    def count_uncoded(self, coder: str) -> int:
        """Return how many units this coder has not looked at yet."""
        return self.conn.execute(
            "SELECT COUNT(*) FROM units u WHERE NOT EXISTS (SELECT 1 FROM coded_units c"
            " WHERE c.unit_id = u.unit_id AND c.coder = ?)",
            (coder,),
        ).fetchone()[0]

    def units_to_code(
        self,
        coder: str,
        after_rowid: int = 0,
        limit: int = 2000,
        questions: bool = False,
        tokens: bool = True,
    ) -> list[UnitToCode]:
        """Return the next units this coder has not coded, after ``after_rowid``
        (with ``questions``, each interviewee turn's preceding interviewer turn too;
        without ``tokens``, None for every unit's tokens)."""
        rows = self.unit_rows_to_code(coder, after_rowid, limit, questions, tokens)
        return [UnitToCode._make((*row[:-1], bool(row[-1]))) for row in rows]

    def unit_rows_to_code(
        self,
        coder: str,
        after_rowid: int = 0,
        limit: int = 2000,
        questions: bool = False,
        tokens: bool = True,
    ) -> list[tuple]:
        """``units_to_code`` as plain tuples in ``UnitToCode``'s order (``interviewer`` 0 or
        1): what a batch sent to a worker process holds.

        Each text travels once (the matching view only where it differs) and the
        tokens stay packed, so that the batch is small; plain tuples pickle in C, where
        a named tuple calls back into Python (10 MB: 0.075 s of the main's CPU, not 0.03).
        """
        packed = "(SELECT t.tokens FROM tokens t WHERE t.unit_id = u.unit_id LIMIT 1)"
        return self.conn.execute(
            "SELECT u.rowid, u.unit_id, u.start, u.text, u.match_text,"
            f" {packed if tokens else 'NULL'},"
            " CASE WHEN u.is_interviewer THEN NULL"
            " ELSE json_extract(d.metadata, '$.role') END,"
            " CASE WHEN u.is_interviewer OR NOT ? THEN NULL ELSE"
            " (SELECT COALESCE(p.match_text, p.text) FROM units p WHERE p.doc_id = u.doc_id"
            "  AND p.turn < u.turn AND p.is_interviewer ORDER BY p.turn DESC LIMIT 1) END,"
            " u.is_interviewer"
            " FROM units u JOIN documents d USING (doc_id)"
            " WHERE u.rowid > ? AND NOT EXISTS (SELECT 1 FROM coded_units c"
            " WHERE c.unit_id = u.unit_id AND c.coder = ?) ORDER BY u.rowid LIMIT ?",
            (questions, after_rowid, coder, limit),
        ).fetchall()

    def save_codings(
        self,
        coder: str,
        unit_ids: list[str],
        codings: Iterable[CodingRow | tuple],
        scope: list[str] | None = None,
    ) -> None:
        """Replace a coder's codings of these units; mark the units as coded by it.

        ``codings`` are ``CodingRow``s (or tuples in its order). ``scope`` lists
        the codes the coder judged (a sheet of some dimensions); None means every
        code of the codebook.
        """
        now = timestamp()
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
                        r.unit_id,
                        r.code_id,
                        coder,
                        r.stance,
                        r.start,
                        r.end,
                        r.evidence,
                        r.rule_id,
                        _json_text(r.terms),
                        now,
                        r.probability,
                    )
                    for r in (c if isinstance(c, CodingRow) else CodingRow(*c) for c in codings)
                ),  # fmt: skip
            )
            scope_json = json.dumps(scope) if scope is not None else None
            self.conn.executemany(
                "INSERT OR REPLACE INTO coded_units VALUES (?,?,?,?)",
                ((u, coder, now, scope_json) for u in unit_ids),
            )

    def bulk_codings(self, expected_rows: int, keep: tuple[str, ...] = ()) -> bool:
        """Prepare a large run of ``write_codings``: inside the caller's transaction, drop the
        codings' indexes (but those named in ``keep``) when the run adds more rows than there
        are (``end_bulk_codings`` builds them once, at the end of the same transaction).
        Return whether it did."""
        stored = self.conn.execute("SELECT COUNT(*) FROM coding_data").fetchone()[0]
        if expected_rows <= stored:
            return False
        for name in INDEX_NAMES:
            if name not in keep:
                self.conn.execute(f"DROP INDEX IF EXISTS {name}")
        return True

    @contextmanager
    def unchecked_keys(self) -> Iterator[None]:
        """Leave foreign keys unchecked through a block (begun outside a transaction): for
        ``code`` and ``import qdpx``, whose rows name only units, documents and coders
        they read or stored in the same transaction."""
        # each coded_units row looked up its unit and coder: a third of that insert's time
        self.conn.execute("PRAGMA foreign_keys = OFF")
        try:
            yield
        finally:
            self.conn.execute("PRAGMA foreign_keys = ON")

    def end_bulk_codings(self) -> None:
        """Build the codings' indexes again after ``bulk_codings`` dropped them."""
        for statement in INDEXES:
            self.conn.execute(statement.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"))

    def has_coded(self, coders: list[str]) -> bool:
        """Return whether any of these coders has looked at some unit."""
        return any(
            self.conn.execute("SELECT 1 FROM coded_units WHERE coder = ? LIMIT 1", (c,)).fetchone()
            for c in coders
        )

    def write_codings(
        self, coders: list[str], unit_ids: list[str], rows: list[tuple], replace: bool = True
    ) -> None:
        """Store machine codings of units straight into the compact layout; mark the units
        as coded by every coder in ``coders``.

        ``rows`` are ``(unit rowid, coder, also, code_id, stance, start, end, rule_id,
        terms, probability, also_stance, also_probability)`` with coders as indexes into
        ``coders`` (``also``: a second coder that gave the same coding, or None; its own
        stance and probability where they differ, else None), offsets into ``documents.text``
        inside the unit (the evidence is the unit's text there), ``terms`` a tuple.
        With ``replace``, these coders' earlier codings of the units are deleted first.
        """
        now = timestamp()
        with self.transaction():
            if replace:
                self.conn.executemany(
                    "DELETE FROM codings WHERE unit_id = ? AND coder = ?",
                    ((u, c) for c in coders for u in unit_ids),
                )
            ids = [
                self.conn.execute("SELECT rowid FROM coders WHERE coder = ?", (c,)).fetchone()[0]
                for c in coders
            ]
            # each distinct tuple of terms is spelt once (most codings share a few)
            terms = {t: _json_text(list(t)) for t in {r[8] for r in rows}}
            labels = self._labels({now, *{r[7] for r in rows}, *terms.values()})
            created = labels[now]
            # the stances checked here, once per distinct value (the table's CHECK is slow)
            wrong = ({r[4] for r in rows} | {r[10] for r in rows}) - STORED_STANCES
            if wrong:
                raise ProjectError(
                    f"a coder gave a stance that is not one: {sorted(map(str, wrong))}"
                )
            insert_unchecked(
                self.conn,
                _INSERT,
                (
                    (
                        u,
                        ids[k],
                        0 if a is None else ids[a],
                        code,
                        stance or "",
                        -1 if start is None else start,
                        -1 if end is None else end,
                        labels[rule],
                        labels[terms[t]],
                        created,
                        _NAN if p is None else p,
                        a_stance or "",
                        _NAN if a_p is None else a_p,
                    )
                    for u, k, a, code, stance, start, end, rule, t, p, a_stance, a_p in rows
                ),  # fmt: skip
            )
            # one statement per coder over the ids as JSON: 0.6 of the time of a row per unit
            ids_json = json.dumps(unit_ids, ensure_ascii=False)
            for c in coders:
                self.conn.execute(
                    "INSERT OR REPLACE INTO coded_units SELECT value, ?, ?, NULL FROM json_each(?)",
                    (c, now, ids_json),
                )

    def _labels(self, wanted: set[str]) -> dict[str, int]:
        """Return the ids of labels (rule ids, terms, times), adding the new ones."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO coding_labels (label) VALUES (?)", ((w,) for w in wanted)
        )
        return dict(
            self.conn.execute(
                "SELECT label, id FROM coding_labels"
                " WHERE label IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(wanted), ensure_ascii=False),),
            )
        )

    def coded_pairs(self, coder: str) -> list[tuple[str, str]]:
        """Return the (unit_id, code_id) pairs a coder gave."""
        return self.conn.execute(
            "SELECT unit_id, code_id FROM codings WHERE coder = ?", (coder,)
        ).fetchall()

    def coder_kinds(self) -> dict[str, str]:
        """Return every registered coder with its kind (rules, human, consensus, model …)."""
        return dict(self.conn.execute("SELECT coder, kind FROM coders ORDER BY rowid"))

    def coding_rows(self, coder: str) -> list[CodingRow]:
        """Return a coder's codings as ``save_codings`` takes them (terms decoded)."""
        rows = self.conn.execute(
            'SELECT unit_id, code_id, stance, start, "end", evidence, rule_id, terms'
            " FROM codings WHERE coder = ?",
            (coder,),
        )
        return [
            CodingRow(u, code, stance, start, end, evidence, rule, json.loads(terms or "[]"))
            for u, code, stance, start, end, evidence, rule, terms in rows
        ]

    def coded_unit_coders(self) -> pd.DataFrame:
        """Return ``unit_id, coder`` for every unit each coder has looked at."""
        return query_frame("SELECT unit_id, coder FROM coded_units", self.conn)

    def coding_stances(self) -> pd.DataFrame:
        """Return ``unit_id, coder, code_id, stance`` of every coding."""
        return query_frame("SELECT unit_id, coder, code_id, stance FROM codings", self.conn)

    def codings(self, coder: str | None = None) -> pd.DataFrame:
        """Return codings (of one coder, or all) with their unit's document and cluster, and
        their provenance: ``rule`` (its text), ``rule_id`` and a model's ``probability``."""
        where, params = ("WHERE c.coder = ?", (coder,)) if coder else ("", ())
        return query_frame(
            "SELECT c.unit_id, u.doc_id, d.cluster, u.speaker, u.is_interviewer, c.code_id,"
            ' c.coder, c.stance, c.start, c."end", c.evidence, r.rule, c.terms, c.created_at,'
            " c.rule_id, c.probability"
            " FROM codings c JOIN units u USING (unit_id) JOIN documents d USING (doc_id)"
            " LEFT JOIN coder_rules r ON r.coder = c.coder AND r.rule_id = c.rule_id "
            + where
            + " ORDER BY d.cluster, u.doc_id, u.turn, c.code_id",
            self.conn,
            params=params,
        )
