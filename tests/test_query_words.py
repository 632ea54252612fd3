"""words: keyness against the UCREL worked example and scipy; frequencies against a plain count."""

from __future__ import annotations

import math
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import power_divergence

from coding.errors import OptionError
from coding.ingest import ingest
from coding.project import open_project
from coding.query.filters import unit_filter
from coding.query.words import (
    MIN_COUNT,
    chi2_sf_one,
    is_word,
    keyness,
    stop_words,
    word_table,
)
from coding.store import connection as connection_module
from tests.conftest import add_document, store_at_version


@pytest.fixture(scope="module")
def words_project(sample_project, tmp_path_factory) -> Path:
    """Return a copy of the demo project: `words` stores its word counts in the database."""
    copy = tmp_path_factory.mktemp("words") / "proj"
    shutil.copytree(sample_project, copy)
    return copy


def plain_counts(store, flt, by: str | None = None) -> dict[str, Counter]:
    """Return word counts per cluster or role (or '全部') by a plain scan of every unit's
    tokens, without the cache."""
    groups = store.unit_frame(flt).set_index("unit_id")
    out: dict[str, Counter] = {}
    for unit_id, tokens in store.unit_tokens(flt):
        group = groups.loc[unit_id, by] if by else "全部"
        group = group if isinstance(group, str) and group else "（未指定）"
        out.setdefault(group, Counter()).update(t for t in tokens if is_word(t))
    return out


def test_keyness_matches_the_ucrel_worked_example():
    # UCREL log-likelihood wizard (Rayson), Lancaster's worked example: a word seen 52 times
    # in 50,000 tokens and 57 times in 75,000 gives LL = +2.65 (overuse in corpus 1).
    g2, ratio = keyness([52], [57], 50_000, 75_000)
    assert round(float(g2[0]), 2) == 2.65
    # Hardie (2014) log ratio: log2 of the ratio of relative frequencies
    assert float(ratio[0]) == pytest.approx(math.log2((52 / 50_000) / (57 / 75_000)))


@given(
    a=st.integers(0, 500),
    b=st.integers(0, 500),
    c=st.integers(501, 100_000),
    d=st.integers(501, 100_000),
)
def test_keyness_g2_is_scipys_log_likelihood_statistic(a, b, c, d):
    if a + b == 0:
        return
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    expected = power_divergence([a, b], [e1, e2], lambda_="log-likelihood").statistic
    g2, _ = keyness([a], [b], c, d)
    assert float(g2[0]) == pytest.approx(float(expected), abs=1e-9)


@given(x=st.one_of(st.floats(0, 2000), st.sampled_from([0.0, 1e-12, 3.841458820694124, 1400.0])))
def test_one_degree_tail_is_scipys_chi2_sf(x):
    from scipy.stats import chi2

    assert chi2_sf_one(x) == pytest.approx(float(chi2.sf(x, 1)), rel=1e-12, abs=1e-300)


def test_keyword_p_is_the_chi2_tail_of_g2(words_project):
    from scipy.stats import chi2

    with open_project(words_project) as store:
        table = word_table(store, unit_filter(speaker="interviewee"), by="cluster", top=10)
    assert len(table) > 10
    expected = chi2.sf(table["g2"].to_numpy(), 1)
    assert table["p"].to_numpy() == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert (table["p"] < 0.05).any()  # the table holds some strong keywords, not only ties


def test_log_ratio_takes_a_zero_count_as_half():
    _, ratio = keyness([0], [10], 1000, 1000)
    assert float(ratio[0]) == pytest.approx(math.log2(0.5 / 10))


def test_frequencies_are_a_plain_count_without_stop_words(words_project):
    flt = unit_filter(speaker="interviewee")
    with open_project(words_project) as store:
        table = word_table(store, flt, top=30)
        plain = Counter(t for _, tokens in store.unit_tokens(flt) for t in tokens if is_word(t))
    assert list(table["count"]) == sorted(plain.values(), reverse=True)[:30]
    assert all(plain[w] == n for w, n in zip(table["word"], table["count"], strict=True))
    assert not set(table["word"]) & stop_words()
    assert "的" in stop_words() and "我们" in stop_words()  # the list is loaded, not empty


def test_keywords_by_cluster_add_up_and_lean_to_their_group(words_project):
    flt = unit_filter(speaker="interviewee")
    with open_project(words_project) as store:
        table = word_table(store, flt, by="cluster", top=10)
        plain = Counter(t for _, tokens in store.unit_tokens(flt) for t in tokens if is_word(t))
    assert table["group"].nunique() >= 3
    assert (table["log_ratio"] > 0).all() and (table["count"] >= 3).all()
    for row in table.itertuples():
        assert row.count + row.rest_count == plain[row.word]
    for _, group in table.groupby("group"):
        assert list(group["g2"]) == sorted(group["g2"], reverse=True)


def test_pos_filter_keeps_only_those_tags(words_project):
    with open_project(words_project) as store:
        table = word_table(store, unit_filter(), pos=["n"], top=20)
    assert len(table) == 20 and all(p.startswith("n") for p in table["pos"])


def test_tags_are_those_jieba_posseg_reads(monkeypatch):
    # a few words are looked up in dict.txt one by one, many read from the whole table;
    # both must give what jieba.posseg's own table holds
    import jieba
    import jieba.posseg

    from coding.query import words as words_module

    table = jieba.posseg.POSTokenizer(jieba.Tokenizer()).word_tag_tab
    asked = ["协会", "政府", "花", "合作社", "AT&T", "OEM", "2015", "不存在的词语", "a b"]
    expected = {w: table.get(w) or pos_tag_fallback(w) for w in asked}
    assert words_module.pos_tags(asked) == expected
    monkeypatch.setattr(words_module, "_LOOKUPS", 0)
    assert words_module.pos_tags(asked) == expected
    assert expected["协会"].startswith("n") and expected["OEM"] == "eng"


def pos_tag_fallback(word: str) -> str:
    """What posseg gives a word outside its dictionary: m for digits, eng for ASCII, x."""
    return ("m" if word.isdigit() else "eng") if word.isascii() else "x"


def test_keywords_by_code_and_wrong_options(words_project):
    with open_project(words_project) as store:
        table = word_table(store, unit_filter(), by="code", top=3)
        assert table["group"].str.contains(r"\.").any() or table["group"].str.isupper().all()
        assert np.isfinite(table["g2"]).all()
        with pytest.raises(OptionError):
            word_table(store, unit_filter(), by="weather")


@pytest.mark.parametrize(
    ("speaker", "by"), [("interviewee", "cluster"), ("all", "role"), ("interviewer", None)]
)
def test_cached_counts_are_the_plain_scans(words_project, speaker, by):
    # every word of every group, not only the top ones: counts and rest counts of the cache
    # against a plain scan of the units' tokens
    flt = unit_filter(speaker=speaker)
    with open_project(words_project) as store:
        table = word_table(store, flt, by=by, top=100_000)
        plain = plain_counts(store, flt, by)
    everything = sum(plain.values(), Counter())
    for row in table.itertuples():
        assert row.count == plain[row.group][row.word]
        if by:
            assert row.rest_count == everything[row.word] - row.count
    if by is None:
        assert dict(zip(table["word"], table["count"], strict=True)) == dict(everything)


def test_changed_document_is_counted_again(words_project, tmp_path):
    # a re-ingested transcript's stale counts are dropped (triggers) and rebuilt on next use
    project = tmp_path / "proj"
    shutil.copytree(words_project, project)
    transcript = tmp_path / "in" / "extra-01.txt"
    transcript.parent.mkdir()

    def write(word: str, times: int) -> None:
        head = "---\nid: extra-01\ncluster: 测试集群\nrole: ACT.FIRM\n---\n"
        transcript.write_text(head + "问：最近怎么样？\n答：" + f"{word}。" * times, "utf-8")

    flt = unit_filter(speaker="interviewee", clusters=["测试集群"])
    with open_project(project) as store:
        word_table(store, unit_filter())  # every document counted and cached
        write("蝴蝶兰", 4)
        ingest(store, [transcript])
        first = word_table(store, flt)
        write("红掌", 7)
        ingest(store, [transcript])
        second = word_table(store, flt)
        plain = plain_counts(store, flt)["全部"]
        rows = store.conn.execute("SELECT COUNT(*) FROM word_counts").fetchone()[0]
        documents = store.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    assert dict(zip(first["word"], first["count"], strict=True)) == {"蝴蝶兰": 4}
    assert dict(zip(second["word"], second["count"], strict=True)) == dict(plain)
    assert plain == Counter({"红掌": 7})
    assert rows == 2 * documents  # both speaker kinds of every document, no stale row


def test_new_tokens_drop_a_documents_counts(words_project, tmp_path):
    project = tmp_path / "proj"
    shutil.copytree(words_project, project)
    with open_project(project) as store:
        word_table(store, unit_filter())
        unit_id, doc_id = store.conn.execute("SELECT unit_id, doc_id FROM units LIMIT 1").fetchone()
        with store.transaction():
            store.conn.execute("DELETE FROM tokens WHERE unit_id = ?", (unit_id,))
        left = store.conn.execute(
            "SELECT COUNT(*) FROM word_counts WHERE doc_id = ?", (doc_id,)
        ).fetchone()[0]
        assert left == 0
        flt = unit_filter(docs=[doc_id])
        table = word_table(store, flt, top=100_000)
        plain = plain_counts(store, flt)["全部"]
    assert dict(zip(table["word"], table["count"], strict=True)) == dict(plain)


@pytest.mark.parametrize("read_only", [False, True])
def test_keywords_by_code_count_what_a_plain_scan_of_each_codes_units_counts(
    words_project, read_only, monkeypatch
):
    # every word of every code: the per-unit cache (and, read-only, the tokens themselves)
    # against a plain scan of each code's units
    from coding.query.matrix import unit_codes

    monkeypatch.setattr(connection_module, "writable", lambda path: not read_only)
    flt = unit_filter(speaker="interviewee")
    with open_project(words_project) as store:
        assert store.read_only is read_only
        table = word_table(store, flt, by="code", top=100_000)
        tokens = dict(store.unit_tokens(flt))
        pairs = unit_codes(store, flt)
    total = Counter(t for cut in tokens.values() for t in cut if is_word(t))
    by_code: dict[str, Counter] = {}
    for unit_id, code in zip(pairs["unit_id"], pairs["code_id"], strict=True):
        if unit_id in tokens:
            by_code.setdefault(code, Counter()).update(t for t in tokens[unit_id] if is_word(t))
    assert table["group"].nunique() >= 5
    for row in table.itertuples():
        assert row.count == by_code[row.group][row.word]
        assert row.rest_count == total[row.word] - row.count
    # the rows are every word seen MIN_COUNT times that a code uses more than the rest
    shown = Counter(table["group"])
    for code, counted in by_code.items():
        size, rest = sum(counted.values()), sum(total.values()) - sum(counted.values())
        over = [
            w for w, n in counted.items() if n >= MIN_COUNT and n / size > (total[w] - n) / rest
        ]
        assert shown[code] == len(over), code


def test_by_code_counts_follow_a_changed_document(words_project, tmp_path):
    # a re-ingested transcript's units are new rows: their cached counts replace the old
    from coding.store.rows import CodingRow

    project = tmp_path / "proj"
    shutil.copytree(words_project, project)
    flt = unit_filter(clusters=["测试集群"])
    transcript = tmp_path / "in" / "extra-02.txt"
    transcript.parent.mkdir()
    head = "---\nid: extra-02\ncluster: 测试集群\nrole: ACT.FIRM\n---\n"
    found = []
    with open_project(project) as store:
        word_table(store, unit_filter(), by="code")  # every document counted and cached
        for word in ("蝴蝶兰", "红掌"):
            transcript.write_text(head + "问：行业协会呢？\n答：" + f"{word}。" * 4, "utf-8")
            ingest(store, [transcript])
            (unit,) = store.conn.execute(
                "SELECT unit_id FROM units WHERE doc_id = 'extra-02' AND NOT is_interviewer"
            ).fetchone()
            store.save_codings("consensus", [unit], [CodingRow(unit, "ACT.ASSOC", None)])
            table = word_table(store, flt, by="code", top=100_000)
            found.append(dict(zip(table["word"], table["count"], strict=True)))
    assert found == [{"蝴蝶兰": 4}, {"红掌": 4}]


def test_upgrade_drops_counts_cached_without_their_units(tmp_path, monkeypatch):
    # schema 10 cached a document's counts only; 11 needs each unit's too, so it counts again
    from coding.store import SCHEMA_VERSION, Store

    db = tmp_path / "clusterqda.sqlite"
    with store_at_version(monkeypatch, db, 10) as old:
        add_document(old)
        old.conn.execute("INSERT INTO word_counts VALUES ('d', 0, 1, x'', x'')")
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.conn.execute("SELECT COUNT(*) FROM word_counts").fetchone()[0] == 0
        assert store.refresh_word_counts() == 1
        (sizes,) = store.conn.execute("SELECT unit_sizes FROM word_counts").fetchone()
        assert sizes == b""  # a document without units: no unit counted


def test_token_trigger_set_aside_during_ingest_comes_back(words_project, tmp_path, monkeypatch):
    """Ingest sets the word-count trigger of tokens aside while it stores new documents'
    tokens (they have no counts): it is there again, the same, and still drops counts."""
    from coding.store import documents as documents_module

    monkeypatch.setattr(documents_module, "_SET_ASIDE_ROWS", 0)  # even for one document
    project = tmp_path / "proj"
    shutil.copytree(words_project, project)
    transcript = tmp_path / "in" / "extra-02.txt"
    transcript.parent.mkdir()
    head = "---\nid: extra-02\ncluster: 测试集群\n---\n问：最近怎么样？\n答："
    trigger = "SELECT sql FROM sqlite_master WHERE name = 'word_counts_tokens_insert'"
    with open_project(project) as store:
        before = store.conn.execute(trigger).fetchone()
        word_table(store, unit_filter())  # every document counted and cached
        for word in ("蝴蝶兰。", "红掌。红掌。"):
            transcript.write_text(head + word, "utf-8")
            ingest(store, [transcript])  # new, then replaced: its tokens stored anew
        assert store.conn.execute(trigger).fetchone() == before and before is not None
        flt = unit_filter(docs=["extra-02"])
        table = word_table(store, flt)
        assert dict(zip(table["word"], table["count"], strict=True)) == dict(
            plain_counts(store, flt)["全部"]
        )
        assert table["word"].tolist().count("红掌") == 1 and "蝴蝶兰" not in set(table["word"])
        unit_id, doc_id = store.conn.execute("SELECT unit_id, doc_id FROM units LIMIT 1").fetchone()
        with store.transaction():  # the trigger works after the set-aside
            store.conn.execute(
                "INSERT INTO tokens (unit_id, dict_version, tokens) VALUES (?, 'x', x'01')",
                (unit_id,),
            )
        left = store.conn.execute("SELECT COUNT(*) FROM word_counts WHERE doc_id = ?", (doc_id,))
        assert left.fetchone()[0] == 0
