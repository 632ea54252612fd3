"""A shipped model's JSON file read fast: parsed, and the digest its kept tables are keyed by.

Apart from ``weights.py`` (which loads NumPy), so that finding the shipped model's
header for a run with nothing to code loads neither NumPy nor the model.
"""

from __future__ import annotations

import hashlib
import json

import orjson


def parse_model_json(data: bytes) -> dict:
    """Parse a model's JSON file: with orjson (a third of ``json``'s time on the 6 MB
    shipped model, the same values), or ``json`` for what orjson refuses (NaN)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data.decode("utf-8"))


def source_digest(data: bytes) -> str:
    """Return the SHA-256 of a model's JSON bytes: what its kept tables are keyed by."""
    return hashlib.sha256(data).hexdigest()
