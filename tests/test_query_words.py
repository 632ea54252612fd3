"""words: keyness against the UCREL worked example and scipy; frequencies against a plain count."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import power_divergence

from coding.errors import OptionError
from coding.project import open_project
from coding.query.filters import unit_filter
from coding.query.words import is_word, keyness, stop_words, word_table


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


def test_log_ratio_takes_a_zero_count_as_half():
    _, ratio = keyness([0], [10], 1000, 1000)
    assert float(ratio[0]) == pytest.approx(math.log2(0.5 / 10))


def test_frequencies_are_a_plain_count_without_stop_words(sample_project):
    flt = unit_filter(speaker="interviewee")
    with open_project(sample_project) as store:
        table = word_table(store, flt, top=30)
        plain = Counter(t for _, tokens in store.unit_tokens(flt) for t in tokens if is_word(t))
    assert list(table["count"]) == sorted(plain.values(), reverse=True)[:30]
    assert all(plain[w] == n for w, n in zip(table["word"], table["count"], strict=True))
    assert not set(table["word"]) & stop_words()
    assert "的" in stop_words() and "我们" in stop_words()  # the list is loaded, not empty


def test_keywords_by_cluster_add_up_and_lean_to_their_group(sample_project):
    flt = unit_filter(speaker="interviewee")
    with open_project(sample_project) as store:
        table = word_table(store, flt, by="cluster", top=10)
        plain = Counter(t for _, tokens in store.unit_tokens(flt) for t in tokens if is_word(t))
    assert table["group"].nunique() >= 3
    assert (table["log_ratio"] > 0).all() and (table["count"] >= 3).all()
    for row in table.itertuples():
        assert row.count + row.rest_count == plain[row.word]
    for _, group in table.groupby("group"):
        assert list(group["g2"]) == sorted(group["g2"], reverse=True)


def test_pos_filter_keeps_only_those_tags(sample_project):
    with open_project(sample_project) as store:
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


def test_keywords_by_code_and_wrong_options(sample_project):
    with open_project(sample_project) as store:
        table = word_table(store, unit_filter(), by="code", top=3)
        assert table["group"].str.contains(r"\.").any() or table["group"].str.isupper().all()
        assert np.isfinite(table["g2"]).all()
        with pytest.raises(OptionError):
            word_table(store, unit_filter(), by="weather")
