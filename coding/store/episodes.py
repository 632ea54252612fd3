"""Collective-action episodes: what proposing reads (block by block) and what review stores."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from coding.store.connection import Connection, query_frame, timestamp
from coding.store.tokencodec import decode_tokens

if TYPE_CHECKING:
    import pandas as pd


class EpisodesTable(Connection):
    """The ``episodes`` and ``episode_units`` tables, and the reads that propose episodes."""

    def interview_clusters(self) -> list[str]:
        """Return the clusters that have interview documents (not survey answers), sorted."""
        rows = self.conn.execute(
            "SELECT DISTINCT cluster FROM documents WHERE cluster IS NOT NULL"
            " AND json_extract(metadata, '$.survey') IS NULL ORDER BY cluster"
        )
        return [r[0] for r in rows]

    def interview_blocks(self, cluster: str, max_units: int) -> Iterator[list[str]]:
        """Yield a cluster's interview documents in groups of at most ``max_units`` turns.

        A document with more turns than that forms a group of its own.
        """
        rows = self.conn.execute(
            "SELECT d.doc_id, COUNT(u.unit_id) FROM documents d JOIN units u USING (doc_id)"
            " WHERE d.cluster = ? AND json_extract(d.metadata, '$.survey') IS NULL"
            " AND NOT u.is_interviewer GROUP BY d.doc_id ORDER BY d.doc_id",
            (cluster,),
        )
        block: list[str] = []
        size = 0
        for doc_id, n in rows:
            if block and size + n > max_units:
                yield block
                block, size = [], 0
            block.append(doc_id)
            size += n
        if block:
            yield block

    def interview_turns(self, doc_ids: list[str]) -> pd.DataFrame:
        """Return ``unit_id, doc_id, turn, speaker, start, text, view, role, date, question,
        question_id``.

        Interviewee turns of the documents, in document order; ``question`` is the
        interviewer's turn just before (empty when the turn before was not one), with
        its unit id (``question_id``) or an empty one.
        """
        marks = ",".join("?" * len(doc_ids))
        return query_frame(
            "SELECT unit_id, doc_id, turn, speaker, start, text, view, role, date, question,"
            " question_id FROM ("
            " SELECT u.unit_id, u.doc_id, u.turn, u.speaker, u.start, u.text, u.is_interviewer,"
            "  COALESCE(u.match_text, u.text) AS view,"
            "  json_extract(d.metadata, '$.role') AS role,"
            "  CAST(json_extract(d.metadata, '$.date') AS TEXT) AS date,"
            "  CASE WHEN LAG(u.is_interviewer) OVER w THEN"
            "   LAG(COALESCE(u.match_text, u.text)) OVER w ELSE '' END AS question,"
            "  CASE WHEN LAG(u.is_interviewer) OVER w THEN LAG(u.unit_id) OVER w"
            "   ELSE '' END AS question_id"
            " FROM units u JOIN documents d USING (doc_id) WHERE u.doc_id IN (" + marks + ")"
            " WINDOW w AS (PARTITION BY u.doc_id ORDER BY u.turn))"
            " WHERE NOT is_interviewer ORDER BY doc_id, turn",
            self.conn,
            params=tuple(doc_ids),
        )

    def mention_codings(self, unit_ids: list[str]) -> pd.DataFrame:
        """Return ``unit_id, coder, code_id, stance, start, end, rule_id`` of some units.

        Every coder's codings, plus a row with an empty ``code_id`` for each coder
        that looked at a unit, so a coder who gave no code still counts as having looked.
        """
        frames = []
        for i in range(0, len(unit_ids), 500):  # SQLite's limit on bound parameters
            part = unit_ids[i : i + 500]
            marks = ",".join("?" * len(part))
            frames.append(
                query_frame(
                    'SELECT unit_id, coder, code_id, stance, start, "end", rule_id FROM codings'
                    f" WHERE unit_id IN ({marks}) UNION ALL"
                    " SELECT unit_id, coder, '', NULL, NULL, NULL, NULL FROM coded_units"
                    f" WHERE unit_id IN ({marks})",
                    self.conn,
                    params=tuple(part) * 2,
                )
            )
        import pandas as pd

        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def mention_tokens(self, unit_ids: list[str]) -> dict[str, list[str]]:
        """Return the cached tokens of some units, from the newest dictionary that cut each."""
        out: dict[str, list[str]] = {}
        for i in range(0, len(unit_ids), 500):
            part = unit_ids[i : i + 500]
            marks = ",".join("?" * len(part))
            rows = self.conn.execute(
                "SELECT t.unit_id, t.tokens, COALESCE(u.match_text, u.text) FROM tokens t"
                " JOIN units u USING (unit_id) JOIN dictionaries d USING (dict_version)"
                f" WHERE t.unit_id IN ({marks}) ORDER BY d.created_at",
                part,
            )
            for unit_id, stored, view in rows:
                if (tokens := decode_tokens(stored, view)) is not None:
                    out[unit_id] = tokens
        return out

    def unit_texts(self, unit_ids: list[str]) -> Iterator[tuple[str, str]]:
        """Yield ``(unit_id, text)`` of some units, a few hundred read at a time."""
        for i in range(0, len(unit_ids), 500):
            part = unit_ids[i : i + 500]
            marks = ",".join("?" * len(part))
            yield from self.conn.execute(
                f"SELECT unit_id, text FROM units WHERE unit_id IN ({marks})", part
            ).fetchall()

    def save_episodes(
        self,
        clusters: Iterable[str],
        episodes: list[tuple[str, str, str, str, str, str]],
        members: list[tuple[str, str]],
    ) -> None:
        """Replace the reviewed episodes of some clusters.

        ``episodes`` rows are ``episode_id, cluster, name, proposal_id, proposed_by,
        reviewed_by``; ``members`` rows are ``episode_id, unit_id``.
        """
        now = timestamp()
        with self.transaction():
            for cluster in clusters:
                self.conn.execute("DELETE FROM episodes WHERE cluster = ?", (cluster,))
            self.conn.executemany(
                "INSERT INTO episodes (episode_id, cluster, name, proposal_id, proposed_by,"
                " reviewed_by, reviewed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(*row, now) for row in episodes],
            )
            self.conn.executemany(
                "INSERT INTO episode_units (episode_id, unit_id) VALUES (?, ?)", members
            )

    def reviewed_episodes(self) -> pd.DataFrame:
        """Return the reviewed episodes with their units: one row per episode and unit.

        Columns ``episode_id, cluster, name, proposal_id, proposed_by, reviewed_by,
        reviewed_at, unit_id, doc_id``, in cluster, episode and document order.
        """
        return query_frame(
            "SELECT e.episode_id, e.cluster, e.name, e.proposal_id, e.proposed_by,"
            " e.reviewed_by, e.reviewed_at, m.unit_id, u.doc_id FROM episodes e"
            " JOIN episode_units m USING (episode_id) JOIN units u USING (unit_id)"
            " ORDER BY e.cluster, e.episode_id, u.doc_id, u.turn",
            self.conn,
        )
