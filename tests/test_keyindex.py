"""The hash index finds each key where a search of the sorted keys finds it."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from coding.hybrid.keyindex import KeyIndex

_KEY = st.integers(0, 2**63 - 1)


def _searched(keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """The plain path: each query's position in the sorted keys by a search, -1 if absent."""
    if not len(keys):
        return np.full(len(queries), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return np.where(keys[at] == queries, at, -1)


@given(st.sets(_KEY, max_size=200), st.lists(_KEY, max_size=100), st.data())
def test_rows_are_the_searched_positions(keys, others, data):
    table = np.asarray(sorted(keys), dtype=np.int64)
    asked = data.draw(st.lists(st.sampled_from(sorted(keys)), max_size=100)) if keys else []
    queries = np.asarray(asked + others, dtype=np.int64)
    assert np.array_equal(KeyIndex(table).rows(queries), _searched(table, queries))


def test_gram_keys_that_collide_are_still_found():
    # grams' keys are code points shifted by 21 bits: many share their low bits, and
    # thousands of keys make some wait for a slot past their home
    rng = np.random.default_rng(7)
    points = rng.integers(0x4E00, 0x4E00 + 300, size=(40_000, 3))
    keys = np.unique(((points[:, 0] + 1) << 42) + ((points[:, 1] + 1) << 21) + points[:, 2])
    keys = np.concatenate((keys, np.unique(((points[:, 0] + 1) << 21) + points[:, 1])))
    keys = np.unique(keys)
    table = keys[::2]  # half the keys indexed, the other half asked and absent
    index = KeyIndex(table)
    assert index._depth > 1
    assert np.array_equal(index.rows(keys), _searched(table, keys))
    assert np.array_equal(index.rows(keys[:0]), np.zeros(0, dtype=np.int64))
