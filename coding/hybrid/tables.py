"""The shipped model's integer tables, made once when the model is built and kept beside it.

A worker's start turned the model's string features into sorted integer keys
(``featurebatch.feature_table``, ``stancebatch.stance_tables``): 0.12 s of single-core
work before the pool could fork, every run. ``<name>-<version>.tables.npy`` holds
those arrays, with the SHA-256 of the model's JSON they were made from: they are used
only with that exact JSON (else made again), and a test checks the shipped file equals
what the code makes now.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from coding.hybrid.modeljson import source_digest

if TYPE_CHECKING:
    from coding.hybrid.stancemodel import StanceWeights

# bump when what the tables hold or how they are made changes
TABLES_FORMAT = 1
NAMES = (
    "feature_keys",
    "feature_columns",
    "evidence_keys",
    "evidence_columns",
    "neighbour_keys",
    "neighbour_columns",
)
_HEAD = 1 + 4 + 2 * len(NAMES)  # format, the JSON's SHA-256 as 4 words, each shape


def tables_path(json_path: Path) -> Path:
    """Return where the tables of the model at ``json_path`` are kept."""
    return json_path.with_suffix(".tables.npy")


def model_tables(vocabulary: list[str], stance: StanceWeights | None) -> dict[str, np.ndarray]:
    """Make a model's tables from its vocabulary and stance model (what a worker's start
    made)."""
    from coding.hybrid.featurebatch import feature_table
    from coding.hybrid.stancebatch import stance_tables

    keys, columns = feature_table(vocabulary)
    tables = {"feature_keys": keys, "feature_columns": columns}
    if stance is not None:
        tables.update(stance_tables(stance))
    return tables


def write_tables(vocabulary: list[str], stance: StanceWeights | None, json_path: Path) -> Path:
    """Write the tables of the model just saved at ``json_path``; return their path."""
    tables = model_tables(vocabulary, stance)
    empty = np.zeros((0, 0), np.int64)
    arrays = [np.atleast_2d(tables.get(name, empty).T).T for name in NAMES]
    digest = np.frombuffer(bytes.fromhex(source_digest(json_path.read_bytes())), np.int64)
    shapes = [n for a in arrays for n in a.shape]
    head = np.concatenate(([TABLES_FORMAT], digest, shapes)).astype(np.int64)
    flat = np.concatenate([head, *(a.astype(np.int64).ravel() for a in arrays)])
    path = tables_path(json_path)
    np.save(path, flat, allow_pickle=False)
    return path


def read_tables(json_path: Path, source: str) -> dict[str, np.ndarray] | None:
    """Return the kept tables of the model whose JSON has SHA-256 ``source``, or None when
    there are none for exactly that JSON (or they cannot be read)."""
    path = tables_path(json_path)
    try:
        flat = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if flat.dtype != np.int64 or flat.ndim != 1 or len(flat) < _HEAD or flat[0] != TABLES_FORMAT:
        return None
    if flat[1:5].tobytes().hex() != source:
        return None
    shapes = flat[5:_HEAD].reshape(-1, 2).tolist()
    tables, at = {}, _HEAD
    for name, (rows, columns) in zip(NAMES, shapes, strict=True):
        size = rows * columns
        if rows < 0 or columns < 0 or at + size > len(flat):
            return None
        array = flat[at : at + size].reshape(rows, columns)
        at += size
        tables[name] = array.reshape(-1) if name.endswith("_keys") else array
    return tables if at == len(flat) else None
