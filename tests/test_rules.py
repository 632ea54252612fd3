"""The rule language: parsing, errors with positions, and evaluation on real sentences."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coding.errors import RuleSyntaxError
from coding.rules import Op, Term, evaluate, parse_rule, terms_of
from coding.textview import Hit, TextView


def view_for(rule: str, text: str, tokens=None) -> TextView:
    node = parse_rule(rule)
    hits: dict[str, list[Hit]] = {}
    for term in {t.text for t in terms_of(node)}:
        start = text.find(term)
        while start != -1:
            hits.setdefault(term, []).append(Hit(start, start + len(term), term))
            start = text.find(term, start + 1)
    return TextView(text, hits, tokens)


def holds(rule: str, text: str, tokens=None) -> bool:
    return evaluate(parse_rule(rule), view_for(rule, text, tokens)) is not None


def test_precedence_and_over_or():
    node = parse_rule("a | b & c")
    assert isinstance(node, Op) and node.kind == "|"
    assert node.parts[0] == Term("a", 0)


def test_keywords_and_symbols_are_the_same():
    assert holds("协会 AND 开会", "协会开会") and holds("协会 & 开会", "协会开会")
    assert holds("NOT 政府 AND 协会", "协会") and not holds("!协会 & 政府", "协会和政府")


def test_quoted_terms_may_hold_spaces_and_operators():
    assert holds('"A | B" OR 「协 会」', "we said A | B")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们跟隔壁厂合作过，设备借来借去", True),
        ("我们从来没有跟别的厂合作过", False),  # negated
        ("要是能跟隔壁厂合作就好了", False),  # a wish
        ("合作社跟隔壁厂开会", False),  # 合作 inside 合作社
        ("主要是跟隔壁厂合作，订单一起接", True),  # 要是 inside 主要是: no condition
        ("只要是隔壁厂的单子，我们都合作过", True),
    ],
)
def test_fact_and_except(text, expected):
    rule = "fact(except(合作, 合作社)) AND (隔壁|别的厂)"
    assert holds(rule, text) is expected


def test_wish_and_real():
    assert holds("wish(政府 AND 牵头)", "如果政府牵头就好了")
    assert not holds("real(政府)", "如果政府牵头就好了")
    assert holds("real(政府)", "政府根本不管")  # negated but real
    assert holds("neg(管)", "政府根本不管") and not holds("neg(管)", "政府管得很好")


def test_not_negations_are_ignored():
    # 不错, 不少 and A-not-A questions contain 不 but negate nothing
    assert holds("fact(合作)", "合作得不错") and holds("fact(合作)", "不少厂合作")
    assert holds("fact(合作)", "是不是合作过")


def test_near_before_sent_clause():
    assert holds("near(协会, 没用, 3)", "协会嘛，没用")
    assert not holds("near(协会, 没用, 2)", "协会嘛，真的没用")
    assert holds("before(如果, 就好了, 10)", "如果政府牵头就好了")
    assert not holds("before(就好了, 如果, 10)", "如果政府牵头就好了")
    assert holds("sent(协会, 没用)", "协会没用。政府也是") and not holds(
        "sent(协会, 政府)", "协会没用。政府也是"
    )
    assert holds("clause(协会, 没用)", "协会没用，政府也是")
    assert not holds("clause(协会, 政府)", "协会没用，政府也是")


def test_tnear_counts_tokens_between():
    tokens = ["协会", "其实", "也", "没用"]
    assert holds("tnear(协会, 没用, 2)", "协会其实也没用", tokens)
    assert not holds("tnear(协会, 没用, 1)", "协会其实也没用", tokens)


def test_evidence_is_the_hits_that_made_it_true():
    view = view_for("协会 AND NOT 政府", "协会开会")
    assert evaluate(parse_rule("协会 AND NOT 政府"), view) == [Hit(0, 2, "协会")]


@pytest.mark.parametrize(
    ("rule", "message", "position"),
    [
        ("合作 AND", "ends where a term was expected", 6),
        ("(合作 OR 协会", "missing ')'", 9),  # the end of the rule
        ("near(a, b)", "needs a distance", 0),
        ("fact(a, b)", "takes 1 expressions, got 2", 0),
        ("a $ b", "unexpected '$'", 2),
        ("NOT a", "needs a term outside NOT", 0),
        ("協會 AND 合作", "write '协会'", 0),
        ("ＯＥＭ", "write 'OEM'", 0),
        ("a AND NOT a", "can never match", 6),
        ("", "the rule is empty", 0),
        ("合作 协会", "expected AND, OR or the end", 3),
    ],
)
def test_syntax_errors_name_the_position(rule, message, position):
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule(rule)
    assert message in str(info.value)
    assert info.value.position == position


words = st.sampled_from(["协会", "政府", "合作", "没用", "a", "b"])


@st.composite
def expressions(draw, depth=0):
    if depth > 2 or draw(st.booleans()):
        return draw(words)
    kind = draw(st.sampled_from(["AND", "OR", "paren", "fact", "near"]))
    left, right = draw(expressions(depth + 1)), draw(expressions(depth + 1))
    if kind == "paren":
        return f"({left})"
    if kind == "fact":
        return f"fact({left})"
    if kind == "near":
        return f"near({left}, {right}, {draw(st.integers(0, 9))})"
    return f"{left} {kind} {right}"


@given(expressions(), st.text(alphabet="协会政府合作没用ab，。不如果", max_size=20))
def test_any_rule_parses_and_evidence_lies_in_the_text(rule, text):
    found = evaluate(parse_rule(rule), view_for(rule, text))
    for hit in found or []:
        assert text[hit.start : hit.end] == hit.term


def test_role_predicate_needs_the_speaker_role():
    rule = "role(ACT.ASSOC) AND 我们"
    node = parse_rule(rule)
    assert [t.text for t in terms_of(node)] == ["我们"]  # code ids are not terms to find
    view = view_for(rule, "我们每年组织")
    assert evaluate(node, view) is None
    view.role = "ACT.ASSOC"
    assert evaluate(node, view) == [Hit(0, 2, "我们")]
    with pytest.raises(RuleSyntaxError, match="needs a term outside NOT"):
        parse_rule("role(ACT.ASSOC)")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("小厂自己搞不起。", "AGENCY.CAPACITY"),  # a lack of capacity, not a strength
        ("没什么合作，各扫门前雪。", "EVAL.TOOLITTLE"),  # too little cooperation, judged badly
        ("那个展会后来再没开过。", "EVAL.FAILURE"),
    ],
)
def test_plain_negative_judgements_get_a_negative_stance(text, code):
    from coding.autocode import RuleCoder
    from coding.codebook import load_codebook

    stances = {h.code_id: h.stance for h in RuleCoder(load_codebook()).code_text(text)}
    assert stances[code] == "negative"
