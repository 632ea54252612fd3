"""Segmentation: user dictionary, cache and versions, rjieba equality, spaCy pipeline."""

import tempfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

import coding.segment as segment_module
from coding.errors import SegmenterError
from coding.ingest import ingest
from coding.segment import (
    Segmenter,
    engines_agree,
    explicit_words,
    get_segmenter,
    parse_word_list,
    rjieba_available,
    segment_project,
    spacy_pipeline,
    user_dictionary,
)
from coding.store.tokencodec import encode_tokens
from tests.conftest import GOOD

needs_rjieba = pytest.mark.skipif(
    not rjieba_available(), reason="rjieba is not installed (pip install -e '.[dev]' adds it)"
)
SENTENCE = "嗯，那个，后来花卉协会牵头搞了个花卉市场，龙头企业跟检测中心搞产学研，ＯＫ 2015年\n对。"


@needs_rjieba
def test_rjieba_loaded_without_its_default_segmenter_is_rjieba():
    import rjieba

    module = segment_module._rjieba_module()
    assert module is not None and module.Jieba is rjieba.Jieba
    assert module.Jieba().cut(SENTENCE) == rjieba.Jieba().cut(SENTENCE)


def test_tokens_join_back_to_the_text():
    tokens = Segmenter(user_dictionary()).cut(SENTENCE)
    assert "".join(tokens) == SENTENCE


def test_domain_words_stay_whole():
    tokens = Segmenter(user_dictionary()).cut(SENTENCE)
    for word in ("花卉协会", "花卉市场", "龙头企业", "检测中心", "产学研"):
        assert word in tokens


def test_extra_terms_change_tokens_and_version():
    base = user_dictionary()
    plus = user_dictionary(["牵头搞"])
    assert base.version != plus.version
    assert "牵头搞" not in Segmenter(base).cut(SENTENCE)
    assert "牵头搞" in Segmenter(plus).cut(SENTENCE)


def test_word_list_errors_name_the_line():
    with pytest.raises(SegmenterError, match="words.txt, line 2"):
        parse_word_list("协会\n行业 协会 5\n", "words.txt")


def test_unknown_engine():
    with pytest.raises(SegmenterError, match="unknown segmentation engine"):
        Segmenter(user_dictionary(), "ltp")


@needs_rjieba
def test_rjieba_cuts_the_sample_corpora_exactly_like_jieba(sample_corpora):
    from coding.ingest import collect_files, parse_document

    texts = []
    for path in collect_files([sample_corpora]):
        doc = parse_document(path)
        texts += doc.unit_views()
    compared, differ = engines_agree(user_dictionary(), texts)
    assert compared > 300
    assert differ == 0
    # also with the shipped codebook's 2-8 character terms added, as projects use it
    from coding.codebook import load_codebook

    with_codebook = user_dictionary(load_codebook().segmentation_terms())
    assert engines_agree(with_codebook, texts) == (compared, 0)


def test_segment_is_incremental(store):
    ingest(store, [GOOD], segment=False)
    first = segment_project(store, engine="jieba")
    assert first.units == store.conn.execute("SELECT COUNT(*) FROM units").fetchone()[0]
    again = segment_project(store, engine="jieba")
    assert again.units == 0


def test_new_dictionary_resegments_and_drops_old_tokens(store):
    ingest(store, [GOOD], segment=False)
    segment_project(store, engine="jieba")
    new = user_dictionary(["设备借来借去"])
    report = segment_project(store, dictionary=new, engine="jieba")
    assert report.units > 0
    versions = {r[0] for r in store.conn.execute("SELECT DISTINCT dict_version FROM tokens")}
    assert versions == {new.version}
    tokens = store.tokens(new.version)
    assert "设备借来借去" in tokens["qa-full#2"]


def test_tokens_segment_the_matching_view(store):
    ingest(store, [GOOD / "big5_traditional.txt"], segment=False)
    segment_project(store, engine="jieba")
    tokens = store.tokens(user_dictionary().version)["big5#2"]
    assert "".join(tokens) == "不少，我们跟本地厂商合作开发灯具。"


def test_parallel_segmentation_matches_serial(store, monkeypatch):
    ingest(store, [GOOD], segment=False)
    serial = {uid: Segmenter(user_dictionary()).cut(t) for uid, t in _unit_views(store)}
    monkeypatch.setattr(segment_module, "PARALLEL_MIN_CHARS", 1)
    monkeypatch.setattr(segment_module, "BATCH_UNITS", 5)
    seen = []
    report = segment_project(
        store, engine="jieba", workers=2, progress=lambda d, t: seen.append((d, t))
    )
    assert store.tokens(report.dict_version) == serial
    assert seen[-1][0] == seen[-1][1] == report.chars


def _unit_views(store):
    return store.conn.execute("SELECT unit_id, COALESCE(match_text, text) FROM units").fetchall()


def test_auto_engine_falls_back_to_jieba_when_engines_disagree(monkeypatch):
    monkeypatch.setattr(segment_module, "rjieba_available", lambda: True)
    monkeypatch.setattr(segment_module, "engines_agree", lambda d, s: (3, 1))
    assert segment_module.choose_engine(user_dictionary(), ["a", "b", "c"]) == "jieba"


@needs_rjieba
def test_auto_engine_prefers_identical_rjieba():
    assert segment_module.choose_engine(user_dictionary(), [SENTENCE]) == "rjieba"


def test_spacy_pipeline_uses_the_same_tokens():
    nlp = spacy_pipeline()
    doc = nlp(SENTENCE)
    # spaCy turns a single space after a token into that token's trailing space
    expected = [t for t in Segmenter(user_dictionary()).cut(SENTENCE) if t != " "]
    assert [t.text for t in doc] == expected
    assert doc.text == SENTENCE
    assert nlp.lang == "zh"


def test_cached_tokens_are_the_lengths_of_the_units_tokens(store):
    ingest(store, [GOOD / "qa_fullwidth.txt"], segment=False)
    segment_project(store, engine="jieba")
    stored, text = store.conn.execute(
        "SELECT t.tokens, COALESCE(u.match_text, u.text) FROM tokens t JOIN units u USING (unit_id)"
    ).fetchone()
    tokens = Segmenter(user_dictionary()).cut(text)
    assert stored == b"\x01" + bytes(len(t) for t in tokens)
    assert len(stored) < len(text.encode("utf-8")) / 2


@pytest.mark.parametrize("engine", ["jieba", pytest.param("rjieba", marks=needs_rjieba)])
def test_cut_many_equals_cutting_each_text(engine, sample_corpora):
    from coding.ingest import collect_files, parse_document

    texts = ["", " ", "\n", "ok", "协会\n\n开会", "ＯＫ 2015年 ", "a b"]
    for path in collect_files([sample_corpora])[:6]:
        doc = parse_document(path)
        texts += doc.unit_views()
    seg = Segmenter(user_dictionary(), engine)
    assert seg.cut_many(texts) == [seg.cut(t) for t in texts]
    assert seg.cut_encoded(texts) == [encode_tokens(seg.cut(t)) for t in texts]


@given(st.lists(st.text(alphabet="协会开会的了 \n\t,，。a1Ｑ", max_size=12), max_size=8))
def test_cut_many_property(texts):
    seg = get_segmenter(user_dictionary(), "jieba")
    assert seg.cut_many(texts) == [seg.cut(t) for t in texts]


def test_project_dictionary_adds_the_codebook_terms(project):
    from coding.codebook import load_codebook
    from coding.project import project_dictionary

    dictionary = project_dictionary(project)
    words = dict(dictionary.words)
    assert "搭便车" in words and "没什么用" in words
    assert dictionary.version != user_dictionary().version
    assert all(len(t) >= 2 for t in load_codebook().segmentation_terms())
    assert "没什么用" in Segmenter(dictionary).cut("那个平台没什么用")


def test_base_tokenizer_loads_jiebas_own_dictionary(tmp_path, monkeypatch):
    import jieba

    fast = segment_module._base_tokenizer()
    reference = jieba.Tokenizer()
    reference.initialize()
    assert fast.FREQ == reference.FREQ and fast.total == reference.total
    # A cache that is not jieba's falls back to jieba's own loading, which rebuilds it.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    (tmp_path / "jieba.cache").write_bytes(b"not a marshal file")
    rebuilt = segment_module._base_tokenizer()
    assert rebuilt.total == reference.total and len(rebuilt.FREQ) == len(reference.FREQ)


@needs_rjieba
def test_both_engines_receive_the_same_word_frequencies():
    from coding.codebook import load_codebook

    dictionary = user_dictionary(load_codebook().terms())
    jieba_words = explicit_words(dictionary, "jieba")
    assert len(jieba_words) > 100
    assert explicit_words(dictionary, "rjieba") == jieba_words
