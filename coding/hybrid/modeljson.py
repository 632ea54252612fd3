"""A shipped model's JSON file: parsed, and the digest its kept tables are keyed by.

Apart from ``weights.py`` (which loads NumPy), so that finding the shipped model's
header for a run with nothing to code loads neither NumPy nor the model.
"""

from __future__ import annotations

import hashlib
import json


def parse_model_json(data: bytes) -> dict:
    """Parse a model's JSON file."""
    # not orjson: it parses the 6 MB shipped model in a third of the time (0.05 s less),
    # but the coding workers then ran about 4% slower over the same batches (measured
    # A/B; the model's strings are what their dicts are looked up by)
    return json.loads(data.decode("utf-8"))


def source_digest(data: bytes) -> str:
    """Return the SHA-256 of a model's JSON bytes: what its kept tables are keyed by."""
    return hashlib.sha256(data).hexdigest()
