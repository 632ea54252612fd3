"""Loading the shipped model fast: its JSON parsed as ``json`` would, its tables kept."""

from __future__ import annotations

import json

from coding.hybrid.coder import MODELS, parse_model_json


def test_parse_model_json_equals_json_on_the_shipped_model():
    for path in sorted(MODELS.glob("*.json")):
        data = path.read_bytes()
        assert parse_model_json(data) == json.loads(data.decode("utf-8"))


def test_parse_model_json_reads_what_orjson_refuses():
    data = json.dumps({"idf": [float("nan"), 1.5], "n": 2**70}).encode()
    parsed = parse_model_json(data)
    assert parsed["n"] == 2**70 and parsed["idf"][1] == 1.5 and parsed["idf"][0] != parsed["idf"][0]
