"""The word-count cache (schema versions 10 and 11): token counts per document and unit.

``word_counts`` holds, for a document and ``interviewer`` (0 or 1), how many of
its units had cached tokens and how often each token occurs in them: word ids
of ``word_vocab`` and their counts as little-endian 32-bit integers. Since
version 11 the row also holds each of those units' own counts, for counting by
code: the units' rowids (64-bit), how many distinct words each has, and their
word ids and counts one unit after another (32-bit). Triggers
(``schema.py``) delete a document's rows whenever its units or their tokens
change, so a row that exists is current; ``words`` counts the documents
without rows again and sums the rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from coding.store.connection import Connection
from coding.store.search import UnitFilter
from coding.store.tokencodec import decode_tokens

if TYPE_CHECKING:  # NumPy loads when a query counts, not with the store
    import numpy as np

_INT32 = "<i4"  # NumPy dtypes by name: NumPy is not loaded yet
_INT64 = "<i8"


class UnitWordCounts(NamedTuple):
    """Each unit's word counts, units one after another: ``sizes[k]`` distinct words of
    unit ``rowids[k]``, their ids (of ``word_vocab``) in ``words`` and counts in ``counts``."""

    rowids: np.ndarray
    sizes: np.ndarray
    words: np.ndarray
    counts: np.ndarray


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
        import numpy as np

        cursor = self.conn.execute(
            "SELECT u.doc_id, u.is_interviewer, u.unit_id, u.rowid, t.tokens,"
            " COALESCE(u.match_text, u.text) FROM units u"
            " JOIN tokens t ON t.unit_id = u.unit_id"
            " JOIN dictionaries x ON x.dict_version = t.dict_version"
            f" WHERE u.doc_id IN ({','.join('?' * len(doc_ids))})"
            " ORDER BY x.created_at DESC",
            doc_ids,
        )
        kinds = [(d, k) for d in doc_ids for k in (0, 1)]
        kind_of = {key: n for n, key in enumerate(kinds)}
        seen: set[str] = set()
        rowids: list[int] = []
        unit_kind: list[int] = []
        lengths: list[int] = []
        tokens: list[str] = []
        # each unit's tokens from the newest dictionary that cut it, as unit_tokens reads them
        for doc_id, interviewer, unit_id, rowid, stored, view in cursor:
            if unit_id not in seen and (cut := decode_tokens(stored, view)) is not None:
                seen.add(unit_id)
                rowids.append(rowid)
                unit_kind.append(kind_of[(doc_id, int(bool(interviewer)))])
                lengths.append(len(cut))
                tokens.extend(cut)
        new = set(tokens).difference(ids)
        if new:
            last = max(ids.values(), default=0)
            self.conn.executemany("INSERT INTO word_vocab (word) VALUES (?)", ((w,) for w in new))
            ids.update(self.conn.execute("SELECT word, id FROM word_vocab WHERE id > ?", (last,)))
        # counts as unique (unit, word) and (document, word) keys: NumPy, not Counters
        size = max(ids.values(), default=0) + 1
        words = np.fromiter(map(ids.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        kind = np.array(unit_kind, dtype=np.int64)
        order = np.argsort(kind, kind="stable")  # units of one document and speaker together
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        unit_at = np.repeat(rank, lengths)
        pairs, pair_counts = np.unique(unit_at * size + words, return_counts=True)
        totals, total_counts = np.unique(kind[order][unit_at] * size + words, return_counts=True)
        steps = np.arange(len(kinds) + 1)
        unit_bounds = np.searchsorted(kind[order], steps)
        pair_bounds = np.searchsorted(pairs // size, unit_bounds)
        total_bounds = np.searchsorted(totals // size, steps)
        sizes = np.bincount(pairs // size, minlength=order.size)
        unit_rowids = np.array(rowids, dtype=_INT64)[order]
        rows = []
        for n, (doc_id, interviewer) in enumerate(kinds):
            units = slice(unit_bounds[n], unit_bounds[n + 1])
            paired = slice(pair_bounds[n], pair_bounds[n + 1])
            total = slice(total_bounds[n], total_bounds[n + 1])
            rows.append(
                (
                    doc_id,
                    interviewer,
                    int(unit_bounds[n + 1] - unit_bounds[n]),
                    (totals[total] % size).astype(_INT32).tobytes(),
                    total_counts[total].astype(_INT32).tobytes(),
                    unit_rowids[units].tobytes(),
                    sizes[units].astype(_INT32).tobytes(),
                    (pairs[paired] % size).astype(_INT32).tobytes(),
                    pair_counts[paired].astype(_INT32).tobytes(),
                )
            )
        self.conn.executemany("INSERT OR REPLACE INTO word_counts VALUES (?,?,?,?,?,?,?,?,?)", rows)

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
        import numpy as np

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

    def unit_word_counts(self, flt: UnitFilter) -> UnitWordCounts:
        """Return the filtered units' cached word counts (those without cached tokens are left
        out); the cache must be current (``refresh_word_counts``)."""
        import numpy as np

        where, params = flt.where()
        self.map_file()  # 20 MB of blobs on the benchmark project: read in place, not copied
        cursor = self.conn.execute(
            "SELECT u.unit_rowids, u.unit_sizes, u.unit_words, u.unit_counts FROM (SELECT doc_id,"
            " interviewer AS is_interviewer, units, unit_rowids, unit_sizes, unit_words,"
            " unit_counts FROM word_counts) u"
            f" JOIN documents d USING (doc_id) WHERE u.units > 0 AND {where}",
            params,
        )
        parts: list[list[np.ndarray]] = [[], [], [], []]
        types = (_INT64, _INT32, _INT32, _INT32)
        for row in cursor:
            for part, blob, dtype in zip(parts, row, types, strict=True):
                part.append(np.frombuffer(blob, dtype=dtype))
        joined = [np.concatenate(p) if p else np.zeros(0, np.int64) for p in parts]
        return UnitWordCounts(*(a.astype(np.int64) for a in joined))
