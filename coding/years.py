"""Years an interview turn mentions, as events: 2003年, 零三年, 九十年代, 去年, with offsets.

What counts as a year
    ``year``: 2003年, 二〇〇三年, 二OO三年, 两千零三年, 零三年, 03年, 民國九十二年 (1911 + 92),
    and the first of an enumeration or range sharing one 年 (2005、2006年, 二零一二到一四年).
    ``decade``: 九十年代, 90年代, 1990年代, 九几年, 二零一几年 (its first year;
    六七十年代 gives two).
    ``relative``: 大前年, 前年, 去年, 今年, from the interview date; dropped without a date.
    Years outside 1949..the interview year (today's year without a date) are dropped.
    A two-digit year ``yy`` is 20yy when that is not after the interview year, else 19yy.

What does not
    Durations (七八年才能出来, 干了八九年, 两三年来, 刚好20年, 两千年前), counts, prices, model
    and phone numbers (no 年 follows), generations (八零后), N年前, 那年, 前两年, 这两年.
    A pair of consecutive digits (一二 二三 … 八九) or an Arabic 10–99 before 年 is read as
    a year only with a point-in-time word beside it (的时候, 那次, 底, 初, 在 …), since
    without one a speaker means "seven or eight years" far more often than 1978.

Events
    A mention is not an event when its clause (text between 。！？；，, and the like) holds a
    denial (从来不, 没有, 不是, 并没有, 未曾 …, look-alikes such as 没想到, 是不是, 不到 masked)
    or a wish, plan or condition (如果, 要是, 假如, 万一, 希望, 打算, 准备, 想要, 将来, 明年 …).
    Traditional script is read through the project's matching view (OpenCC t2s, same length),
    so offsets index the text as given.

Why this reading, not a parser of Chinese time expressions (measured on the 111 sentences of
``tests/data/years/cases.csv`` and the 788 turns of the demo corpora, Python 3.11):
    - JioNLP 1.5.31 ``ner.extract_time`` (Apache-2.0): precision 0.62, recall 0.81 before any
      clause filter; it reads 七八年才能出来 as 1978 and 干了八九年 as 1989 (the reviewer's bug),
      两三年来 as 2020, 三四年前 as 1934, 2000多家 as 2000, a phone number and 早上六点 as the
      current year, and misses 二零一二、一三年, 两千年前后, 二OO八年, full-width digits,
      民國 and 九几年. 245 MB with its dependencies (jiojio alone is 148 MB), prints a banner on
      stderr at import, unzips dictionaries into its own package folder on first import and
      logs tracebacks at ERROR for ordinary text (1949年以前). 2,100–6,200 turns/s on the
      demo's units, where this module reads 130,000. No network in the time parser (only
      its back-translation helpers call web APIs).
    - ChineseTimeNLP 3.0.1 (MIT; cntime-nlp, ChineseDateTimeNLP and ChineseTimeNLPMod are
      forks of it): no offsets (it rewrites the string first), precision 0.47, recall 0.58,
      raises ValueError on ordinary sentences, replaces loguru's handlers at import;
      600–1,000 turns/s.
    - Microsoft Recognizers-Text (ms-recognizers-text-date-time 1.0.0.1, MIT): does not import
      as published (its modules import a package it does not ship); patched by hand it reads
      2003元 as a year and 98年 as a 98-year duration, at about 10 ms a sentence.
    - cn2an 0.5.24 (MIT, 0.5 MB with proces, no network, prints nothing): converts numerals
      only (零三 → 3, 两千零三 → 2003, 九十二 → 92), correctly. Used here for every Chinese
      numeral; the year grammar and the duration and clause rules around it are ours.

Speed (``python benchmarks/years.py``): the sample turns repeated to 20 MB (144,000 turns)
take 1.4–3.1 s, half the old regex's speed; a turn without 年 stops at one substring test.

Scores of this module (``python -m pytest tests/test_years.py``; dev tuned, held-out written
after the method was fixed and scored once): dev precision 1.00, recall 1.00 (113 sentences);
held-out precision 0.90, recall 0.97 (44 sentences; 36 right of 40 found, 37 expected). Its
misses: a counterfactual's second clause (要是去年…，今年就不会这么乱), an age (我今年六十三了),
an implied denial (2020年就更不用说了), a target year never met (说好一五年建成), and
两千零五年来的, a bug since fixed (the 两千年来 rule now needs a bare 两千).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from coding.errors import InputError

FIRST_YEAR = 1949
ROC_OFFSET = 1911  # 民國 1 = 1912

_CN = "零〇一二三四五六七八九"
_CN_OR_O = _CN + "Oo"  # 二OO八: the letter O typed for 〇
_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0}
_NOT_AFTER_DIGIT = r"(?<![0-9.零〇一二三四五六七八九十百千万两几第Oo])"
_NUMBER = (
    r"(?P<cn4>(?:一九|二[零〇Oo])[" + _CN_OR_O + r"]{2})"
    r"|(?P<ar4>(?:19|20)\d\d)"
    r"|(?P<liang>[两二]千[零〇一二三四五六七八九十]{0,4})"
    r"|(?P<cn2>[" + _CN + r"]{2})"
    r"|(?P<ar2>'?\d\d)"
)
_NUMBER_RE = re.compile(_NOT_AFTER_DIGIT + "(?:" + _NUMBER + r")(?![0-9])")
# Years sharing one 年: 2005、2006年, 二零一二到一四年, 2011还是2012年.
_SEP = r"(?:、|到|至|还是|或者|或是|或|和|跟|-|—|–|~|～|/)"
_ONE = _NOT_AFTER_DIGIT + r"(?:" + re.sub(r"\?P<\w+>", "?:", _NUMBER) + r")(?![0-9])"
_MENTION = re.compile(
    r"民国(?P<roc>[一二三四五六七八九十零〇]{1,4}|\d{1,3})年"
    r"|(?<![一二三四五六七八九十])(?P<dec_cn>[一二三四五六七八九]{1,2})十年代"
    r"|(?<![0-9])(?P<dec_ar>(?:19|20)?\d)0年代"
    r"|" + _NOT_AFTER_DIGIT + r"(?P<dec_ji>(?:一九|二[零〇])?[" + _CN + r"])几年"
    r"|(?P<group>" + _ONE + r"(?:" + _SEP + _ONE + r")*)年(?!代)"
    r"|(?P<rel>大前年|前年|去年|今年)"
)
_RELATIVE = {"大前年": -3, "前年": -2, "去年": -1, "今年": 0}

# Beside an ambiguous 七八年: words that make it a point in time, or a length of time.
_POINT_AFTER = re.compile(
    r"的时候|时候|时(?!间)|那(?!么)|底|初|年中|中期|末|前后|以后|之后|以前|之前|开始|起(?!码)|成立|"
    r"的(?!时间|功夫|工夫|经验|光景|样子)|"
    # 一二年、一三年: the first of a list of years
    r"(?:、|还是|或者|或|和|到|至)[零〇一二三四五六七八九0-9]"
)
_POINT_BEFORE = re.compile(r"(?:在|是|从|到|于|自)$")
_LENGTH_BEFORE = re.compile(r"(?:了|要|需|花|用|近|快|有|这|那|整整|足足|差不多)$")
# 两千年前 is two thousand years ago, 两千年来 two thousand years long.
_LIANG_DURATION = re.compile(r"前(?!后)|来|之久|多|了")

_CLAUSE_END = re.compile(r"[。！？!?；;，,：:…\n]+")
_NEGATION = re.compile(r"从来不|从不|不是|并不|没有|没|未曾|从未|尚未|未|并非|不曾")
# Words holding a negation character that deny nothing the year is attached to.
_NOT_NEGATION = re.compile(
    r"没想到|没几|没多久|没多少|是不是|有没有|要不是|不仅|不但|不光|不只|不到|不少|不错|"
    r"不久|不断|不过|差不多|不管|不论|未来"
)
_HYPOTHETICAL = re.compile(
    r"如果|(?<![主只需])要是|假如|假设|万一|若是|倘若|希望|但愿|打算|准备|想要|计划|"
    r"将来|未来|明年|后年"
)


@dataclass(frozen=True)
class YearMention:
    """One year a text mentions: ``text[start:end] == surface``; kind year, decade or relative."""

    year: int
    start: int
    end: int
    surface: str
    kind: str
    event: bool = True  # False inside a denied, wished or hypothetical clause


def interview_year(interview_date: str | None) -> int | None:
    """Return the year of a date given as YYYY-MM-DD, YYYY-MM or YYYY; None for None."""
    if interview_date is None:
        return None
    text = str(interview_date).strip()
    if not re.fullmatch(r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?", text):
        raise InputError(f"interview date {text!r} is not YYYY-MM-DD or YYYY")
    return int(text[:4])


def years_mentioned(
    text: str, interview_date: str | None = None, *, events_only: bool = True
) -> list[YearMention]:
    """Return the years a text mentions, in text order (only events unless events_only=False)."""
    known = interview_year(interview_date)
    if "年" not in text:  # every form ends in 年 or 年代: most turns stop here
        return []
    from coding.ingest.normalize import match_view

    view = match_view(text)
    last = known if known is not None else date.today().year
    mentions = []
    clauses: list[int] = []
    for found in _MENTION.finditer(view):
        for year, start, end, kind in _read(found, view, known, last):
            if FIRST_YEAR <= year <= last:
                clauses = clauses or [0] + [m.end() for m in _CLAUSE_END.finditer(view)]
                event = _is_event(view, clauses, start)
                if event or not events_only:
                    mentions.append(YearMention(year, start, end, text[start:end], kind, event))
    return mentions


def _read(
    found: re.Match[str], view: str, known: int | None, last: int
) -> list[tuple[int, int, int, str]]:
    """Return (year, start, end, kind) for each year one match of _MENTION names."""
    start, end = found.span()
    if found["rel"]:
        return [] if known is None else [(known + _RELATIVE[found["rel"]], start, end, "relative")]
    if found["roc"]:
        number = _number(found["roc"])
        return [] if number is None else [(ROC_OFFSET + number, start, end, "year")]
    if found["dec_cn"]:
        tens = [_DIGIT[d] for d in found["dec_cn"]]
        # 六七十年代 names two decades; any other pair is no decade
        if len(tens) == 2 and tens[1] != tens[0] + 1:
            return []
        return [(_century(10 * d, last), start, end, "decade") for d in tens]
    if found["dec_ar"]:
        digits = found["dec_ar"]
        year = int(digits) * 10 if len(digits) == 3 else _century(10 * int(digits), last)
        return [(year, start, end, "decade")]
    if found["dec_ji"]:
        # 九几年 the 1990s, 二零一几年 the 2010s: digit by digit
        number = int("".join(str(_DIGIT[d]) for d in found["dec_ji"]))
        year = number * 10 if len(found["dec_ji"]) == 3 else _century(10 * number, last)
        return [(year, start, end, "decade")]
    members = list(_NUMBER_RE.finditer(view, start, found.end("group")))
    years = []
    for index, member in enumerate(members):
        is_last = index == len(members) - 1
        # the last member's surface takes the 年 with it
        span_end = end if is_last else member.end()
        named = _member_year(member, view, end, len(members) > 1, last)
        if named is not None:
            years.append((named, member.start(), span_end, "year"))
    return years


def _member_year(
    member: re.Match[str], view: str, group_end: int, enumerated: bool, last: int
) -> int | None:
    """Return the year one number before 年 names, or None when it is a length of time."""
    after = view[group_end : group_end + 4]
    before = view[max(0, member.start() - 2) : member.start()]
    if member["ar4"]:
        return int(member["ar4"])
    if member["cn4"]:
        return _number(member["cn4"].replace("O", "零").replace("o", "零"))
    if member["liang"]:
        bare = member["liang"] in ("两千", "二千")  # 两千零五年来 is a year, 两千年来 a length
        return None if bare and _LIANG_DURATION.match(after) else _number(member["liang"])
    digits = member["cn2"] or member["ar2"].lstrip("'")
    number = int(digits) if member["ar2"] else _number(digits)
    if number is None:
        return None
    if member["cn2"]:
        first, second = (_DIGIT[d] for d in digits)
        ambiguous = second == first + 1 and first > 0  # 一二 … 八九, not 零一
    else:
        ambiguous = not digits.startswith("0")  # 20年 is a length as often as 2020
    point = _POINT_AFTER.match(after) or _POINT_BEFORE.search(before)
    if ambiguous and not enumerated and (not point or _LENGTH_BEFORE.search(before)):
        return None
    return _century(number, last)


def _century(two_digits: int, last: int) -> int:
    """Return 20yy when it is not after ``last``, else 19yy."""
    return 2000 + two_digits if 2000 + two_digits <= last else 1900 + two_digits


def _number(numeral: str) -> int | None:
    """Return the value of a Chinese numeral (digit by digit or with 十 and 千), None if unread."""
    try:
        value = _cn2an()(numeral, "normal")
    except ValueError:
        return None
    return int(value)


@lru_cache(maxsize=1)
def _cn2an() -> Callable[[str, str], float | int]:
    # imported on the first Chinese numeral: cn2an takes 0.15 s to import
    import cn2an

    convert: Callable[[str, str], float | int] = cn2an.cn2an
    return convert


def _is_event(view: str, clause_starts: list[int], position: int) -> bool:
    """Return False when the clause around a position denies, wishes, plans or supposes."""
    index = bisect_right(clause_starts, position) - 1
    end = clause_starts[index + 1] if index + 1 < len(clause_starts) else len(view)
    clause = view[clause_starts[index] : end]
    if _HYPOTHETICAL.search(clause):
        return False
    return not _NEGATION.search(_NOT_NEGATION.sub("__", clause))
