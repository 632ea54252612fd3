"""A hash index of sorted integer keys: each key's position, for a whole array at once.

The batch tables look up a few hundred thousand 2- and 3-gram keys per batch among tens
of thousands; ``np.searchsorted`` walks about sixteen levels of a sorted array for each
(the features' largest cost). Here a key's slot is a multiplicative hash of it, in a
table four to eight times the keys' number, probed linearly: one gather finds most keys
or their absence, and the few collisions take a few more steps.

Not pandas's ``Index.get_indexer``, which does the same (a little faster): ``code``
imports no pandas, and importing it cost 0.15 s of the main process before the workers
could start (and 20 MB in each process).
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2**64 divided by the golden ratio, odd


class KeyIndex:
    """Distinct non-negative int64 keys, each found by its position in ``keys``."""

    def __init__(self, keys: np.ndarray) -> None:
        keys = np.ascontiguousarray(keys, dtype=np.int64)
        bits = max(4, (4 * len(keys)).bit_length())
        self._mask = (1 << bits) - 1
        self._shift = np.uint64(64 - bits)
        self._keys = np.full(1 << bits, -1, dtype=np.int64)  # -1: an empty slot
        self._rows = np.full(1 << bits, -1, dtype=np.int64)
        home = self._home(keys)
        waiting = np.arange(len(keys), dtype=np.int64)
        probe = 0
        # round p places every key still waiting that finds slot home + p free (the
        # first of those that want the same slot): a key placed at home + p has every
        # slot from its home on taken, so a search that meets an empty slot may stop
        while len(waiting):
            at = (home[waiting] + probe) & self._mask
            free = np.flatnonzero(self._keys[at] < 0)
            slots, first = np.unique(at[free], return_index=True)
            placed = free[first]
            self._keys[slots] = keys[waiting[placed]]
            self._rows[slots] = waiting[placed]
            left = np.ones(len(waiting), dtype=bool)
            left[placed] = False
            waiting = waiting[left]
            probe += 1
        self._depth = probe  # the most slots any key is from its home, plus one

    def _home(self, keys: np.ndarray) -> np.ndarray:
        """Return each key's first slot: the top bits of its product with ``_GOLDEN``."""
        return ((keys.view(np.uint64) * _GOLDEN) >> self._shift).view(np.int64)

    def rows(self, keys: np.ndarray) -> np.ndarray:
        """Return each (non-negative int64) key's position among the indexed keys, -1 for
        a key not among them."""
        keys = np.ascontiguousarray(keys, dtype=np.int64)
        home = self._home(keys)
        found = self._keys[home]
        out = np.where(found == keys, self._rows[home], -1)
        live = np.flatnonzero((found >= 0) & (found != keys))
        for probe in range(1, self._depth):
            if not len(live):
                break
            at = (home[live] + probe) & self._mask
            found = self._keys[at]
            hit = found == keys[live]
            out[live[hit]] = self._rows[at[hit]]
            live = live[(found >= 0) & ~hit]
        return out
