"""The token cache: token lengths against the matching view, per dictionary version."""

from __future__ import annotations

from collections.abc import Iterable

from coding.store.connection import Connection, timestamp
from coding.store.tokencodec import decode_tokens


class TokensTable(Connection):
    """The ``dictionaries`` and ``tokens`` tables."""

    def register_dictionary(self, dict_version: str, words: int) -> None:
        """Record a user dictionary version."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO dictionaries VALUES (?,?,?)",
                (dict_version, words, timestamp()),
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


def _decoded(rows: Iterable[tuple[str, bytes, str]]) -> dict[str, list[str]]:
    out = {}
    for unit_id, stored, view in rows:
        if (tokens := decode_tokens(stored, view)) is not None:
            out[unit_id] = tokens
    return out
