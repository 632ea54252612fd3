"""Speaker turns in the formats real transcripts use."""

from hypothesis import given
from hypothesis import strategies as st

from coding.ingest import parse_document
from coding.ingest.turns import find_turns
from tests.conftest import GOOD


def turns_of(name):
    doc = parse_document(GOOD / name)
    return doc, [(t.speaker, t.is_interviewer, doc.text[t.start : t.end]) for t in doc.turns]


def test_question_answer_with_continuation_line():
    _, turns = turns_of("qa_fullwidth.txt")
    assert turns == [
        ("问", True, "你们跟隔壁厂有没有合作？"),
        ("答", False, "嗯，有的，设备借来借去的。"),
        ("问", True, "那订单呢？"),
        ("答", False, "做不完的订单就给他做，\n他做不完也给我们。"),
    ]


def test_blank_line_layout_keeps_paragraphs_in_one_turn():
    _, turns = turns_of("qa_halfwidth_blank.txt")
    assert [s for s, _, _ in turns] == ["Q", "A", "Q", "A"]
    assert turns[1][2] == "怎么讲呢，有一点用。\n\n就是说组织去参展还可以。"


def test_named_speakers_interviewer_from_metadata_and_reported_speech():
    _, turns = turns_of("interviewer_named.md")
    assert [(s, i) for s, i, _ in turns] == [
        ("王研究员", True),
        ("李会长", False),
        ("王研究员", True),
        ("李会长", False),
        ("张秘书长", False),
    ]
    # "他说：" inside an answer is reported speech, not a new speaker
    assert turns[3][2] == "零三年。那个时候，他说：不搞不行了。"


def test_visitor_labels():
    _, turns = turns_of("visitor_labels.txt")
    assert [(s, i) for s, i, _ in turns] == [
        ("访谈者", True),
        ("受访者", False),
        ("访谈者", True),
        ("受访者", False),
    ]


def test_three_timestamp_styles():
    doc, turns = turns_of("timestamps.txt")
    assert [t.timestamp for t in doc.turns] == [
        "00:01:05",
        "00:01:09",
        "00:02:10",
        "00:02:15",
        "00:03",
        "00:04",
    ]
    assert turns[1] == ("答", False, "二十年了吧。")


def test_mixed_colons():
    _, turns = turns_of("mixed_colons.txt")
    assert [t for _, _, t in turns] == [
        "价格战打得厉害吗？",
        "厉害，去年亏了。",
        "那协会管不管？",
        "管不了，没人听。",
    ]


def test_fullwidth_labels_and_ascii():
    doc, turns = turns_of("fullwidth_ascii.txt")
    assert [(s, i) for s, i, _ in turns] == [("Ｑ", True), ("Ａ", False)]
    first = doc.turns[0]
    assert doc.view[first.start : first.end] == "你们做OEM吗？"


def test_traditional_labels_and_view():
    doc, turns = turns_of("big5_traditional.txt")
    assert [(s, i) for s, i, _ in turns][:2] == [("問", True), ("答", False)]
    assert turns[1][2] == "不少，我們跟本地廠商合作開發燈具。"
    second = doc.turns[1]
    assert doc.view[second.start : second.end] == "不少，我们跟本地厂商合作开发灯具。"
    assert doc.cluster == "测试集群"  # cluster names are kept in one (Simplified) spelling
    assert doc.metadata["script"] == "traditional"


def test_docx_paragraphs_become_turns():
    doc, turns = turns_of("word.docx")
    assert doc.metadata["id"] == "docx"
    assert turns[1] == ("答", False, "订单班，企业出设备，我们出老师。")


def test_no_turns_becomes_one_unit_with_a_warning():
    doc, turns = turns_of("no_turns.txt")
    assert turns == [(None, False, "这是一段没有说话人标记的笔记。\n协会开会，大家都来了。")]
    assert any("no speaker turns recognised" in w for w in doc.warnings)


def test_crlf_and_bom_offsets_index_normalised_text():
    doc, turns = turns_of("bom_crlf.txt")
    assert "\r" not in doc.text and not doc.text.startswith("\ufeff")
    assert turns[1] == ("答", False, "难，要有担保公司。")


def test_single_unknown_label_is_not_a_speaker():
    text = "问：后来呢？\n答：后来规定是这样的：大家轮流出钱。\n备注：录音不清。\n"
    turns = find_turns(text, 0, {})
    assert [t.speaker for t in turns] == ["问", "答"]
    assert text[turns[1].start : turns[1].end].endswith("备注：录音不清。")


speakers = st.sampled_from(["问", "答", "李会长", "王研究员", "Q", "A"])
content = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
    min_size=1,
    max_size=30,
).filter(lambda s: s == s.strip() and s and not s.startswith(("：", ":")))
layout = st.sampled_from(["{s}：{w}\n", "{s}: {w}\n\n", "[00:00:01] {s}：{w}\n"])


@given(st.lists(st.tuples(speakers, content), min_size=1, max_size=12), layout)
def test_generated_transcripts_round_trip(turns, line):
    text = "".join(line.format(s=s, w=w) for s, w in turns)
    found = find_turns(text, 0, {"interviewer": "王研究员"})
    assert [(t.speaker, text[t.start : t.end]) for t in found] == turns
    for t in found:
        assert t.is_interviewer == (t.speaker in ("问", "王研究员", "Q"))


def _turns_line_by_line(text, body_start, metadata):
    """find_turns as it was: TURN_RE matched at each line's start, within the line."""
    import re as _re
    from collections import Counter

    from coding.ingest import turns as module
    from coding.model import Turn

    interviewers = module._names(metadata.get("interviewer"))
    known = interviewers | module._names(metadata.get("interviewee"))
    matches: list[_re.Match] = []
    pos = body_start
    for line in text[body_start:].split("\n"):
        if m := module.TURN_RE.match(text, pos, pos + len(line)):
            matches.append(m)
        pos += len(line) + 1
    counts = Counter(m.group("label") for m in matches)
    speakers = {lab for lab, n in counts.items() if module._is_speaker(lab, n, known)}
    heads = [m for m in matches if m.group("label") in speakers]
    out = []
    for i, m in enumerate(heads):
        stop = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        content = text[m.end() : stop]
        if not content.strip():
            continue
        start = m.end() + len(content) - len(content.lstrip())
        folded = module._fold(m.group("label"))
        out.append(
            Turn(
                len(out) + 1,
                m.group("label"),
                folded in module.INTERVIEWER_LABELS or folded in interviewers,
                start,
                start + len(content.strip()),
                m.group("ts1") or m.group("ts2") or m.group("ts3"),
            )
        )
    return out


_PIECES = st.sampled_from(
    ["问", "答", "王会长", "他说", "Q", "**", "[01:02]", "(3:04)", "12:00:01", "：", ":", " ",
     "\t", "\u3000", "\n", "\n\n", "好的", "，", "2", "#", "---"]
)  # fmt: skip


@given(
    st.lists(_PIECES, max_size=40),
    st.integers(0, 30),
    st.sampled_from([{}, {"interviewer": "王会长"}]),
)
def test_turns_found_in_one_scan_are_those_found_line_by_line(pieces, cut, metadata):
    text = "".join(pieces)
    # a body starts at the text's start or after a newline (after front matter)
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    body_start = starts[cut % len(starts)]
    assert find_turns(text, body_start, metadata) == _turns_line_by_line(text, body_start, metadata)
