"""Find speaker turns in a transcript body and who is the interviewer."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

from coding.ingest.normalize import match_view
from coding.model import Turn

_TS = r"\d{1,2}:\d{2}(?::\d{2})?"
_SPACE = r"[ \t\u3000]"
# A turn starts a line: optional timestamp, optional markdown bold, a short
# speaker label, then a full- or half-width colon.
TURN_RE = re.compile(
    rf"^{_SPACE}*"
    rf"(?:(?:\[(?P<ts1>{_TS})\]|[（(](?P<ts2>{_TS})[）)]|(?P<ts3>\d{{1,2}}:\d{{2}}:\d{{2}})){_SPACE}*)?"
    r"(?:\*\*)?"
    r"(?P<label>[^\s:：,，。、！？!?\"“”'‘’（）()\[\]【】《》*#>|]{1,12}?)"
    r"(?:\*\*)?"
    rf"{_SPACE}*[:：](?:\*\*)?{_SPACE}*",
    re.MULTILINE,
)
# The same pattern after a newline (the newline included), to find the turns after the
# first line in one scan.
_AFTER_NEWLINE = re.compile("\n" + TURN_RE.pattern.removeprefix("^"), re.MULTILINE)

INTERVIEWER_LABELS = {
    "问",
    "q",
    "访谈者",
    "采访者",
    "访问者",
    "访员",
    "访问员",
    "调查员",
    "记者",
    "主持人",
    "研究者",
    "访谈人",
    "提问",
    "i",
    "interviewer",
    "問",
    "訪談者",
    "採訪者",
    "記者",
}
INTERVIEWEE_LABELS = {
    "答",
    "a",
    "受访者",
    "被访者",
    "受访人",
    "回答",
    "r",
    "respondent",
    "interviewee",
    "受訪者",
    "被訪者",
}
# An unknown label ending like a verb of saying is reported speech, not a speaker.
_SPEECH_ENDINGS = (
    "说",
    "讲",
    "道",
    "问",
    "表示",
    "指出",
    "认为",
    "提到",
    "强调",
    "介绍",
    "称",
    "說",
    "講",
)
MAX_UNKNOWN_LABEL = 8
# A label ending in a title names a person even when that person speaks only once.
_TITLE_ENDINGS = (
    "会长", "秘书长", "书记", "主任", "局长", "科长", "镇长", "区长", "县长", "村长", "社长",
    "老板", "老总", "经理", "董事长", "厂长", "行长", "校长", "老师", "教授", "博士",
    "研究员", "先生", "女士", "师傅", "阿姨", "大姐", "大哥",
)  # fmt: skip


@lru_cache(maxsize=4096)
def _fold(label: str) -> str:
    return match_view(unicodedata.normalize("NFKC", label).strip().lower())


def _names(value: object) -> set[str]:
    if not value:
        return set()
    parts = re.split(r"[、,，/;；]", str(value))
    return {_fold(re.sub(r"[（(].*?[）)]", "", p)) for p in parts if p.strip()}


def _is_speaker(label: str, count: int, known: set[str]) -> bool:
    folded = _fold(label)
    if folded in known or folded in INTERVIEWER_LABELS or folded in INTERVIEWEE_LABELS:
        return True
    if folded.isdigit() or len(label) > MAX_UNKNOWN_LABEL:
        return False
    if folded.endswith(_TITLE_ENDINGS):
        return True
    return count >= 2 and not (len(label) > 1 and label.endswith(_SPEECH_ENDINGS))


def find_turns(text: str, body_start: int, metadata: dict) -> list[Turn]:
    """Split ``text[body_start:]`` into speaker turns; offsets index ``text``.

    Lines without a speaker label continue the previous turn. Returns an
    empty list when no turn is recognised.
    """
    interviewers = _names(metadata.get("interviewer"))
    known = interviewers | _names(metadata.get("interviewee"))
    # Only line starts can begin a turn: the first line is matched where it starts and
    # the others after their newline, which the regex engine finds by a fast scan (a
    # pattern starting with ^ is tried at every character; one match call per line cost
    # a fifth more). No match crosses a line, so each match is the line's own.
    heads: list[tuple[int, int, str, re.Match]] = []
    if first := TURN_RE.match(text, body_start):
        heads.append((first.start(), first.end(), first["label"], first))
    heads += [
        (m.start() + 1, m.end(), m["label"], m) for m in _AFTER_NEWLINE.finditer(text, body_start)
    ]
    counts = Counter([head[2] for head in heads])
    # each speaker's role, decided once (a turn only looks it up: this loop runs per turn)
    roles = {
        label: (folded := _fold(label)) in INTERVIEWER_LABELS or folded in interviewers
        for label, n in counts.items()
        if _is_speaker(label, n, known)
    }
    # A turn runs from its label to the next speaker's label: lines without a
    # label, and labels that are not speakers (他说：), continue it. Text before
    # the first speaker (a title) belongs to no turn.
    heads = [head for head in heads if head[2] in roles]
    if not heads:
        return []
    stops = [head[0] for head in heads[1:]] + [len(text)]
    turns: list[Turn] = []
    for (_, end, speaker, m), stop in zip(heads, stops, strict=True):
        content = text[end:stop]
        stripped = content.lstrip()
        start = stop - len(stripped)
        stripped = stripped.rstrip()
        if not stripped:
            continue  # a label with nothing said
        ts1, ts2, ts3 = m.group("ts1", "ts2", "ts3")  # in one call
        turns.append(
            Turn(
                turn=len(turns) + 1,
                speaker=speaker,
                is_interviewer=roles[speaker],
                start=start,
                end=start + len(stripped),
                timestamp=ts1 or ts2 or ts3,
            )
        )
    return turns
