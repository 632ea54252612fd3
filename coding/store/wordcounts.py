"""The word-count cache (schema version 10): each document's token counts per speaker kind.

``word_counts`` holds, for a document and ``interviewer`` (0 or 1), how many of
its units had cached tokens and how often each token occurs in them: word ids
of ``word_vocab`` and their counts as little-endian 32-bit integers. Triggers
(``schema.py``) delete a document's rows whenever its units or their tokens
change, so a row that exists is current; ``words`` counts the documents
without rows again and sums the rows.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from coding.store.connection import Connection
from coding.store.search import UnitFilter
from coding.store.tokencodec import decode_tokens

_INT32 = np.dtype("<i4")


class WordCountsTable(Connection):
    """The ``word_counts`` and ``word_vocab`` tables."""

    def refresh_word_counts(self) -> int:
        """Count the tokens of every document without cached counts (new or changed) and
        store them, in one transaction; return how many documents were counted."""
        with self.transaction():
            stale = [
                doc_id
                for (doc_id,) in self.conn.execute(
                    "SELECT d.doc_id FROM documents d WHERE NOT EXISTS"
                    " (SELECT 1 FROM word_counts w WHERE w.doc_id = d.doc_id)"
                )
            ]
            ids = dict(self.conn.execute("SELECT word, id FROM word_vocab"))
            for start in range(0, len(stale), 200):
                self._count_documents(stale[start : start + 200], ids)
        return len(stale)

    def _count_documents(self, doc_ids: list[str], ids: dict[str, int]) -> None:
        """Count and store the tokens of some documents, both speaker kinds of each; ``ids``
        (word → id) grows with the words new to the vocabulary."""
        units: Counter[tuple[str, int]] = Counter()
        counts: dict[tuple[str, int], Counter[str]] = {}
        cursor = self.conn.execute(
            "SELECT u.doc_id, u.is_interviewer, u.unit_id, t.tokens,"
            " COALESCE(u.match_text, u.text) FROM units u"
            " JOIN tokens t ON t.unit_id = u.unit_id"
            " JOIN dictionaries x ON x.dict_version = t.dict_version"
            f" WHERE u.doc_id IN ({','.join('?' * len(doc_ids))})"
            " ORDER BY x.created_at DESC",
            doc_ids,
        )
        seen: set[str] = set()
        # each unit's tokens from the newest dictionary that cut it, as unit_tokens reads them
        for doc_id, interviewer, unit_id, stored, view in cursor:
            if unit_id not in seen and (tokens := decode_tokens(stored, view)) is not None:
                seen.add(unit_id)
                key = (doc_id, int(bool(interviewer)))
                units[key] += 1
                counts.setdefault(key, Counter()).update(tokens)
        new = {w for c in counts.values() for w in c if w not in ids}
        if new:
            last = max(ids.values(), default=0)
            self.conn.executemany("INSERT INTO word_vocab (word) VALUES (?)", ((w,) for w in new))
            ids.update(self.conn.execute("SELECT word, id FROM word_vocab WHERE id > ?", (last,)))
        rows = []
        for doc_id in doc_ids:
            for interviewer in (0, 1):
                counted = counts.get((doc_id, interviewer), Counter())
                rows.append(
                    (
                        doc_id,
                        interviewer,
                        units[(doc_id, interviewer)],
                        np.array([ids[w] for w in counted], dtype=_INT32).tobytes(),
                        np.array(list(counted.values()), dtype=_INT32).tobytes(),
                    )
                )
        self.conn.executemany("INSERT OR REPLACE INTO word_counts VALUES (?,?,?,?,?)", rows)

    def word_vocab(self) -> list[str]:
        """Return the cached words, each at its id (unused ids are empty strings)."""
        rows = self.conn.execute("SELECT id, word FROM word_vocab").fetchall()
        vocab = [""] * (max((i for i, _ in rows), default=0) + 1)
        for i, word in rows:
            vocab[i] = word
        return vocab

    def word_count_rows(
        self, flt: UnitFilter, by: str | None
    ) -> list[tuple[object, int, np.ndarray, np.ndarray]]:
        """Return (group, units, word ids, counts) of the filtered documents' cached counts;
        the group is the document's ``cluster`` or ``role`` (None without ``by``)."""
        where, params = flt.where()
        group = {
            "cluster": "d.cluster",
            "role": "json_extract(d.metadata, '$.role')",
        }.get(by or "", "NULL")
        # the filter speaks of units (u): a document's row per speaker kind stands for them
        cursor = self.conn.execute(
            f"SELECT {group}, u.units, u.words, u.counts FROM (SELECT doc_id,"
            " interviewer AS is_interviewer, units, words, counts FROM word_counts) u"
            f" JOIN documents d USING (doc_id) WHERE u.units > 0 AND {where}",
            params,
        )
        return [
            (value, units, np.frombuffer(words, _INT32), np.frombuffer(counts, _INT32))
            for value, units, words, counts in cursor
        ]
