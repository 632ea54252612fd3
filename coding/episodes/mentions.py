"""The mentions episodes are made of: interviewee turns that tell a collective action.

A mention is an interviewee turn (not a survey answer) given a type of collective
action (``CA.*``), a concrete measure (``FORM.*``) or a judgement of one (``EVAL.*``:
a turn that judges an action tells of it, often without naming it) by the most trusted
coder that looked at it (``coding/trust.py``), unless every sentence that carries that evidence is
a wish, plan or condition (如果, 希望, 就好了, 能不能 …): a wish that never happened is
no episode. Each mention carries its content words (nouns, names and abbreviations by
jieba's part-of-speech table, and words jieba does not know, which are mostly names),
those of the interviewer's question before it, its codes and the years it mentions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from coding.store import Store
from coding.trust import coder_rank

ACTION_PREFIXES = ("CA.", "FORM.")  # the action's own codes
MENTION_PREFIXES = (*ACTION_PREFIXES, "EVAL.")  # and a judgement of one
# A sentence with one of these only wishes, plans or supposes an action.
WISH = re.compile(
    r"如果|要是能|要是有|假如|希望|但愿|就好了|能不能|打算|想要|将来|应该要|最好是|我们在想|在研究"
)
SENTENCE_END = re.compile(r"[。！？!?；;\n]")
# jieba tags kept as content words: nouns, names, places, organisations, abbreviations,
# idioms, verbal nouns; words without a tag (jieba does not know them) are kept too.
CONTENT_TAGS = {"n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "vn", "an", "j", "l", "eng", "v"}
# Frequent words that name no particular action in this field.
STOP_WORDS = frozenset(
    [
        "企业",
        "大家",
        "东西",
        "时候",
        "事情",
        "问题",
        "情况",
        "政府",
        "老板",
        "我们",
        "他们",
        "你们",
        "这个",
        "那个",
        "什么",
        "怎么",
        "现在",
        "以前",
        "后来",
        "当时",
        "一起",
        "没有",
        "就是",
        "还是",
        "但是",
        "因为",
        "所以",
        "觉得",
        "知道",
        "讲",
        "说",
        "做",
        "搞",
        "有",
        "是",
        "要",
        "去",
        "来",
        "看",
        "想",
        "一点",
        "一些",
        "有些",
        "这些",
        "那些",
        "时间",
        "地方",
        "人家",
        "别人",
        "自己",
        "老实",
        "实话",
        "真的",
        "比较",
        "可能",
        "应该",
        "已经",
        "不过",
        "而且",
        "然后",
        "其实",
        "这样",
        "那样",
        "这种",
        "那种",
        "一下",
        "一般",
        "好多",
        "很多",
        "多少",
        "几个",
        "开始",
        "出来",
        "起来",
        "进来",
        "出去",
        "回来",
        "过来",
        "感觉",
        "认为",
        "表示",
        "说明",
        "需要",
        "希望",
        "可以",
        "能够",
        "愿意",
        "不会",
        "不能",
        "知道",
        "认识",
        "钱",
        "人",
        "事",
        "年",
        "家",
        "次",
        "个",
        "会",
        "能",
        "看到",
        "听说",
        "发现",
        "还有",
        "之间",
        "方面",
        "关系",
        "作用",
        "意思",
        "问",
        "答",
    ]
)

# Characters a name seldom holds but the phrases jieba glues from unknown text often do.
FUNCTION_CHARS = re.compile(r"[了的我你他她这那不没就都也是在有来去到给说得很把被们么吗呢吧啊]")


@dataclass
class Mention:
    """One interviewee turn that tells a collective action."""

    unit_id: str
    doc_id: str
    turn: int
    speaker: str
    start: int
    text: str
    role: str
    date: str
    words: list[str]  # content words of the turn (matching view)
    question_words: list[str]  # content words of the interviewer's question before it
    codes: dict[str, str | None]  # code -> stance, of the most trusted coder
    spans: list[tuple[str, int, int, str | None]] = field(default_factory=list)
    # (code, start, end, rule_id) within ``text``, from every coder that gave evidence

    @property
    def interviewee(self) -> str:
        """Return who is speaking: the document and the speaker's label."""
        return f"{self.doc_id}/{self.speaker}"


@lru_cache(maxsize=1)
def tags() -> dict[str, str]:
    """Return jieba's word -> part-of-speech table."""
    # jieba.posseg's word -> tag table, loaded once (1 s); looking tokens up in it is
    # far cheaper than tagging each turn again with the HMM
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    table: dict[str, str] = jieba.posseg.dt.word_tag_tab
    return table


def content_words(tokens: list[str]) -> list[str]:
    """Return the tokens that can name an action: content words of two or more characters."""
    table = tags()
    out = []
    for token in tokens:
        token = token.strip()
        if len(token) < 2 or token in STOP_WORDS or not _is_word(token):
            continue
        tag = table.get(token)
        if tag is None or tag in CONTENT_TAGS:
            out.append(token)
    return out


_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")


def _is_word(token: str) -> bool:
    return _WORD.fullmatch(token) is not None


def _cut(texts: list[str]) -> list[list[str]]:
    """Cut texts that have no cached tokens (questions, units of an unsegmented project)."""
    import jieba

    jieba.setLogLevel(60)
    return [jieba.lcut(t) for t in texts]


def load_mentions(store: Store, doc_ids: list[str], units: set[str] | None = None) -> list[Mention]:
    """Return the mentions of collective action among the interviewee turns of documents.

    With ``units``, return those turns as mentions whatever their codes (a reviewer's
    choice), and nothing else.
    """
    turns = store.interview_turns(doc_ids)
    if units is not None:
        turns = turns[turns["unit_id"].isin(units)]
    if turns.empty:
        return []
    codings = store.mention_codings(list(turns["unit_id"]))
    trusted = _trusted(store, codings)
    for unit_id in turns["unit_id"]:
        trusted.setdefault(unit_id, {})
    acting = (
        units
        if units is not None
        else {
            u for u, codes in trusted.items() if any(c.startswith(MENTION_PREFIXES) for c in codes)
        }
    )
    turns = turns[turns["unit_id"].isin(acting)]
    spans = _spans(codings[codings["unit_id"].isin(acting)], turns)
    asked_ids = [q for q in turns["question_id"] if q]
    tokens = store.mention_tokens(list(turns["unit_id"]) + asked_ids)
    # cut only what the segmentation cache lacks (an unsegmented project)
    missing = [
        text
        for unit, text in zip(
            [*turns["unit_id"], *turns["question_id"]], [*turns["view"], *turns["question"]],
            strict=True,
        )
        if unit and unit not in tokens
    ]  # fmt: skip
    cut = iter(_cut(missing))
    mentions = []
    for row in turns.itertuples(index=False):
        words = content_words(tokens[row.unit_id] if row.unit_id in tokens else next(cut))
        asked = []
        if row.question_id:
            asked = content_words(
                tokens[row.question_id] if row.question_id in tokens else next(cut)
            )
        mention = Mention(
            row.unit_id,
            row.doc_id,
            int(row.turn),
            str(row.speaker or ""),
            int(row.start),
            row.text,
            str(row.role or "未指定"),
            str(row.date or ""),
            words,
            asked,
            trusted[row.unit_id],
            spans.get(row.unit_id, []),
        )
        if units is not None or not is_wish(mention):
            mentions.append(mention)
    return mentions


def _trusted(store: Store, codings: pd.DataFrame) -> dict[str, dict[str, str | None]]:
    """Return each unit's codes and stances, by the most trusted coder that looked at it."""
    kinds = store.coder_kinds()
    # plain lists: iterating pandas string columns element by element is 10x slower
    units, coders = codings["unit_id"].tolist(), codings["coder"].tolist()
    codes, stances = codings["code_id"].tolist(), codings["stance"].tolist()
    ranks = {c: coder_rank(c, kinds.get(c)) for c in set(coders)}
    best: dict[str, str] = {}
    for unit_id, coder in zip(units, coders, strict=True):
        held = best.get(unit_id)
        if held is None or (ranks[coder], coder) < (ranks[held], held):
            best[unit_id] = coder
    out: dict[str, dict[str, str | None]] = {u: {} for u in best}
    for unit_id, coder, code, stance in zip(units, coders, codes, stances, strict=True):
        if code and best[unit_id] == coder:
            out[unit_id][code] = stance if isinstance(stance, str) else None
    return out


def _spans(codings: pd.DataFrame, turns: pd.DataFrame) -> dict[str, list]:
    """Return every coder's evidence spans per unit, as offsets into the unit's text."""
    offset = dict(zip(turns["unit_id"].tolist(), turns["start"].tolist(), strict=True))
    out: dict[str, list] = {}
    has_span = codings[codings["start"].notna() & (codings["code_id"] != "")]
    columns = [has_span[c].tolist() for c in ("unit_id", "code_id", "start", "end", "rule_id")]
    for unit_id, code, start, end, rule in zip(*columns, strict=True):
        base = offset.get(unit_id)
        if base is not None:
            out.setdefault(unit_id, []).append((code, int(start) - base, int(end) - base, rule))
    return out


def is_wish(mention: Mention) -> bool:
    """Return whether every sentence holding the turn's action evidence only wishes or plans."""
    # the action's own evidence decides; a judgement's only where the action is unnamed
    spans = [s for s in mention.spans if s[0].startswith(ACTION_PREFIXES)]
    spans = spans or [s for s in mention.spans if s[0].startswith(MENTION_PREFIXES)]
    if not spans:
        return False  # codes given by a person without a span: the person judged it
    return all(WISH.search(sentence_around(mention.text, start)) for _, start, _, _ in spans)


def sentence_around(text: str, position: int) -> str:
    """Return the sentence of a text that holds a position."""
    start = 0
    for found in SENTENCE_END.finditer(text, 0, position):
        start = found.end()
    end = SENTENCE_END.search(text, position)
    return text[start : end.start() if end else len(text)]
