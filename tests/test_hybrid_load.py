"""Loading the shipped model fast: its JSON parsed as ``json`` would, its tables kept."""

from __future__ import annotations

import json

from coding.hybrid.coder import MODELS
from coding.hybrid.modeljson import parse_model_json


def test_parse_model_json_equals_json_on_the_shipped_model():
    for path in sorted(MODELS.glob("*.json")):
        data = path.read_bytes()
        assert parse_model_json(data) == json.loads(data.decode("utf-8"))


def test_parse_model_json_reads_nan_and_big_numbers():
    data = json.dumps({"idf": [float("nan"), 1.5], "n": 2**70}).encode()
    parsed = parse_model_json(data)
    assert parsed["n"] == 2**70 and parsed["idf"][1] == 1.5 and parsed["idf"][0] != parsed["idf"][0]


def test_shipped_tables_are_what_the_code_makes_now():
    # a change to how the tables are made must ship them made again (rebuild.py)
    from coding.hybrid.tables import model_tables, read_tables, tables_path
    from coding.hybrid.weights import load_weights

    for path in sorted(MODELS.glob("*.json")):
        assert tables_path(path).exists()
        weights = load_weights(path)
        assert weights.tables is not None
        made = model_tables(weights.vocabulary, weights.stance)
        for name, array in made.items():
            assert weights.tables[name].shape == array.shape
            assert (weights.tables[name] == array).all(), name
        assert read_tables(path, "0" * 64) is None


def test_tables_are_used_only_with_their_own_json(tmp_path):
    import shutil

    from coding.hybrid.tables import tables_path
    from coding.hybrid.weights import load_weights

    shipped = sorted(MODELS.glob("*.json"))[0]
    copy = tmp_path / shipped.name
    for source in (shipped, shipped.with_suffix(".npy"), tables_path(shipped)):
        shutil.copy(source, tmp_path / source.name)
    assert load_weights(copy).tables is not None
    head = json.loads(copy.read_text(encoding="utf-8"))
    head["vocabulary"][0] = head["vocabulary"][0] + "x"
    copy.write_text(json.dumps(head, ensure_ascii=False), encoding="utf-8")
    assert load_weights(copy).tables is None
    tables_path(copy).write_bytes(b"not a table")
    assert load_weights(copy).tables is None


def test_hybrid_codes_the_same_with_and_without_kept_tables():
    from coding.codebook import load_codebook
    from coding.hybrid.coder import HybridCoder, shipped_weights
    from coding.hybrid.weights import LearnedWeights

    book = load_codebook(None)
    kept = shipped_weights(book)
    assert kept is not None and kept.tables is not None
    fields = {f: getattr(kept, f) for f in LearnedWeights.__dataclass_fields__ if f != "tables"}
    made = LearnedWeights(**fields)
    texts = ["我们不同意这个决定，但是希望大家一起去谈。", "如果工资再不涨，我就辞职。", "好的"]
    questions = ["你们怎么看？", None, "还有吗"]
    with_tables = HybridCoder(book, kept).code_views(texts, questions=questions)
    without = HybridCoder(book, made).code_views(texts, questions=questions)
    assert with_tables == without
