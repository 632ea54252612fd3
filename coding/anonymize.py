"""Pseudonymise people and organisations: stable replacements that never break a word.

Who is replaced: the people named in the documents' metadata (interviewee,
interviewer), speaker labels that are names, and titled names in the text (a
common surname and a title: 李会长, 陈老板, 张博士); and the organisations named
in the metadata. Nothing is guessed from part-of-speech tags: they took 那段时间
and 叶子 for people and 镇政府 for a firm.

Names are matched on the Simplified matching view, so 張博士 and 张博士 are one
person with one pseudonym, and a replacement is made only where the name starts
and ends on a token boundary of the segmentation (checked on every hit), so no
word is ever cut: 商會會講 keeps its 會. Organisations are labelled by kind
(政府部门甲, 协会甲, 学校甲, 企业甲 …).
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from coding.ingest.normalize import match_view
from coding.store import Store

TITLES = ("会长", "副会长", "秘书长", "书记", "主任", "局长", "副局长", "科长", "镇长", "区长",
          "社长", "老板", "董事长", "厂长", "行长", "校长", "老师", "教授", "博士", "研究员",
          "经理", "师傅", "董", "总")  # fmt: skip
# the commonest surnames; a surname followed by a title is a person (李会长, 王教授)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤冼麦邝"
)
# one-character titles (董, 总) only where a name cannot go on: 陈董， but not 陈董事会
_TITLED = re.compile(
    f"[{SURNAMES}](?:{'|'.join(sorted((t for t in TITLES if len(t) > 1), key=len, reverse=True))}"
    r"|[董总](?![\u4e00-\u9fff]))"
)
_ALIAS = re.compile(r"[（(][^）)]*[）)]")
_NAME = re.compile(r"[\u4e00-\u9fff·]{2,}")
# speaker labels that are roles, not names
GENERIC_SPEAKERS = {"问", "答", "q", "a", "访谈者", "受访者", "记者", "主持人", "采访者", "被访者"}
_STEMS = "甲乙丙丁戊己庚辛壬癸"
# an organisation's kind, from words in its name, first match wins
KINDS = (
    ("政府部门", ("政府", "局", "委员会", "办公室", "管委会", "街道")),
    ("协会", ("协会", "商会", "联合会", "联盟", "学会")),
    ("学校", ("学校", "学院", "大学", "研究院", "研究所", "中学", "小学")),
    ("中心", ("中心", "平台")),
    ("企业", ("公司", "集团", "厂", "场", "企业", "店", "银行")),
)


def org_kind(name: str) -> str:
    """Return the kind of an organisation by the words in its name (机构 when none fits)."""
    view = match_view(name)
    return next((kind for kind, words in KINDS if any(w in view for w in words)), "机构")


@dataclass
class Pseudonyms:
    """A name -> pseudonym mapping; names are keyed by their Simplified spelling."""

    mapping: dict[str, str] = field(default_factory=dict)

    @cached_property
    def _pattern(self) -> re.Pattern | None:
        names = sorted(self.mapping, key=len, reverse=True)
        return re.compile("|".join(re.escape(n) for n in names)) if names else None

    @cached_property
    def _tokenizer(self):
        import jieba

        jieba.setLogLevel(60)
        return jieba.Tokenizer()  # the plain segmentation: names are not forced into it

    def apply(self, text: str) -> str:
        """Replace every known name in a text whose ends fall on token boundaries."""
        if self._pattern is None or not text:
            return text
        view = match_view(text)  # same length: an offset in the view is one in the text
        hits = list(self._pattern.finditer(view))
        if not hits:
            return text
        bounds, end = {0}, 0
        for token in self._tokenizer.cut(view, HMM=False):
            end += len(token)
            bounds.add(end)
        out, last = [], 0
        for hit in hits:
            if hit.start() in bounds and hit.end() in bounds:
                out += [text[last : hit.start()], self.mapping[hit.group(0)]]
                last = hit.end()
        return "".join(out) + text[last:]


def _label(prefix: str, index: int, letters: str) -> str:
    base = len(letters)
    return f"{prefix}{letters[index % base]}{index // base or ''}"


def _names(field_value: object) -> list[str]:
    """Return the names in a metadata field: split on separators, aliases like （化名） dropped."""
    out = []
    for name in re.split(r"[、,，/;；]", str(field_value or "")):
        name = match_view(_ALIAS.sub("", name).strip())
        if _NAME.fullmatch(name) and name.lower() not in GENERIC_SPEAKERS:
            out.append(name)  # ids such as R007 or Q21_开放题 are not names
    return out


def pseudonyms(texts: list[str], metadata: list[dict], speakers: Sequence[str] = ()) -> Pseudonyms:
    """Return stable pseudonyms for the people and organisations found, in sorted order."""
    interviewees = {n for m in metadata for n in _names(m.get("interviewee"))}
    interviewers = {n for m in metadata for n in _names(m.get("interviewer"))}
    others = {n for s in speakers for n in _names(s)}
    for text in texts:
        others.update(_TITLED.findall(match_view(text)))
    places = {match_view(str(m.get(k) or "")) for m in metadata for k in ("cluster", "location")}
    others = {p for p in others if not any(p in place for place in places)}
    others -= interviewees | interviewers
    interviewers -= interviewees
    mapping: dict[str, str] = {}
    for prefix, group in (("受访者", interviewees), ("访谈者", interviewers), ("人物", others)):
        for i, name in enumerate(sorted(group)):
            mapping[name] = _label(prefix, i, string.ascii_uppercase)
    orgs: dict[str, list[str]] = {}
    for name in sorted({n for m in metadata for n in _names(m.get("organisation"))}):
        orgs.setdefault(org_kind(name), []).append(name)
    for kind, names in orgs.items():
        for i, name in enumerate(names):
            mapping.setdefault(name, _label(kind, i, _STEMS))
    return Pseudonyms(mapping)


# The project's folder for what must never be shared, readable by its owner only.
PRIVATE = "private"


def write_key(names: Pseudonyms, store: Store) -> Path:
    """Write the key (name, pseudonym) to the project's private folder, owner-only."""
    import pandas as pd

    from coding.common.csvfile import write_csv

    folder = Path(store.path).parent / PRIVATE
    folder.mkdir(mode=0o700, exist_ok=True)
    folder.chmod(0o700)
    key = folder / "pseudonyms.csv"
    write_csv(pd.DataFrame(sorted(names.mapping.items()), columns=["name", "pseudonym"]), key)
    key.chmod(0o600)
    return key


def project_pseudonyms(store: Store) -> Pseudonyms:
    """Return the pseudonyms of a whole project: every unit, document and speaker."""
    units = store.units()
    return pseudonyms(
        list(units["text"]),
        list(store.documents()["metadata"]),
        list(units["speaker"].dropna().unique()),
    )
