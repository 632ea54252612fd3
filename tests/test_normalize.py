"""Normalised text and the matching view: the offset convention rests on these."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

import coding.ingest.normalize as normalize_module
from coding.ingest.normalize import match_view, normalise, traditional_share


def test_normalise_strips_bom_and_unifies_line_endings():
    assert normalise("\ufeff问：好\r\n答：好\r答：再见\n") == "问：好\n答：好\n答：再见\n"


def test_normalise_composes_to_nfc():
    decomposed = "Cafe\u0301 咖啡"
    assert normalise(decomposed) == "Café 咖啡"
    assert len(normalise(decomposed)) == len(decomposed) - 1


def test_match_view_simplifies_and_halves_fullwidth_but_keeps_chinese_punctuation():
    assert match_view("我們從來沒有跟別的廠合作過，ＯＥＭ２０１５年") == (
        "我们从来没有跟别的厂合作过，OEM2015年"
    )


def test_traditional_share_separates_scripts():
    trad, simp = "協會靠不住，大家不信任", "协会靠不住，大家不信任"
    assert traditional_share(trad, match_view(trad)) == 2 / 10  # 協, 會 of ten Han characters
    assert traditional_share(simp, match_view(simp)) == 0.0


_HAN_AND_MORE = st.text(
    st.sampled_from("協會协会從从來来靠不住，大家信任ＯＥＭ２０abc \n\u9fff\u4e00\u4dff\ua000")
)


@given(_HAN_AND_MORE, st.data())
def test_traditional_share_in_python_is_numpys(text, data):
    # a process counts in Python first, then in NumPy: the two must agree exactly
    other = data.draw(
        st.text(st.sampled_from("协会从来x，\u9fff"), min_size=len(text), max_size=len(text))
    )
    for view in (match_view(text), other):
        expected = normalize_module._share_in_numpy(text, view)
        assert normalize_module._share_in_python(text, view) == expected


def test_traditional_share_turns_to_numpy_after_its_budget(monkeypatch):
    trad = "協會靠不住，大家不信任"
    monkeypatch.setattr(normalize_module, "COUNT_IN_PYTHON_CHARS", len(trad) + 1)
    monkeypatch.setattr(normalize_module, "_COUNTED", [0])
    assert [traditional_share(trad, match_view(trad)) for _ in range(2)] == [2 / 10, 2 / 10]
    assert normalize_module._COUNTED[0] == len(trad)  # the second was counted in NumPy


@given(st.text())
def test_match_view_keeps_length_so_offsets_carry_over(text):
    assert len(match_view(text)) == len(text)


@given(st.text())
def test_normalise_is_idempotent_and_leaves_no_carriage_return(text):
    once = normalise(text)
    assert normalise(once) == once
    assert "\r" not in once
    assert unicodedata.is_normalized("NFC", once)


def test_normalise_removes_repeated_byte_order_marks():
    assert normalise("\ufeff\ufeff问") == "问"
