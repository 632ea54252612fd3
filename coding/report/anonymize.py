"""Pseudonymise people and firms in reports: stable replacements, mapping kept apart."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

import jieba
import jieba.posseg as posseg

jieba.setLogLevel(60)

TITLES = ("会长", "副会长", "秘书长", "书记", "主任", "局长", "科长", "镇长", "区长", "社长",
          "老板", "总", "董事长", "厂长", "行长", "校长", "老师", "教授", "博士", "研究员",
          "经理", "师傅", "伯", "叔", "姐", "哥", "生")  # fmt: skip
PERSON_TAGS = {"nr", "nrfg", "nrt"}
ORG_TAGS = {"nt"}
# a firm's name: up to 8 characters before 公司, but not "我们公司" or "那边一家…公司"
_FIRM = re.compile(r"(?:(?![我这那一每本的])[\u4e00-\u9fff]){2,8}(?:有限公司|集团|公司)")
# the commonest surnames; a surname followed by a title is a person (李会长, 王教授)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤冼潘麦邝"
)
_ALIAS = re.compile(r"[（(][^）)]*[）)]")
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_TITLED = re.compile(
    f"[{SURNAMES}](?:{'|'.join(sorted(set(TITLES) - {'总', '生'}, key=len, reverse=True))})"
)


@dataclass
class Pseudonyms:
    """A name -> pseudonym mapping, applied longest name first."""

    mapping: dict[str, str] = field(default_factory=dict)

    def apply(self, text: str) -> str:
        """Replace every known name in a text by its pseudonym."""
        if not self.mapping or not text:
            return text
        pattern = re.compile(
            "|".join(re.escape(n) for n in sorted(self.mapping, key=len, reverse=True))
        )
        return pattern.sub(lambda m: self.mapping[m.group(0)], text)


def _label(prefix: str, index: int, letters: str) -> str:
    base = len(letters)
    return f"{prefix}{letters[index % base]}{index // base or ''}"


def find_names(texts: list[str], metadata: list[dict]) -> tuple[set[str], set[str]]:
    """Return the person and organisation names in texts and document metadata."""
    people: set[str] = set()
    orgs: set[str] = set()
    for meta in metadata:
        for key in ("interviewee", "interviewer"):
            for name in re.split(r"[、,，/]", str(meta.get(key) or "")):
                name = _ALIAS.sub("", name).strip()
                if len(name) >= 2 and re.search(r"[\u4e00-\u9fff]", name):
                    people.add(name)  # ids such as R007 are pseudonyms already
        org = _ALIAS.sub("", str(meta.get("organisation") or "")).strip()
        if len(org) >= 2:
            orgs.add(org)
    for text in texts:
        words = posseg.lcut(text)
        for i, (word, flag) in enumerate(words):
            if flag in PERSON_TAGS:
                following = words[i + 1].word if i + 1 < len(words) else ""
                if following.startswith(TITLES):
                    title = next(
                        t for t in sorted(TITLES, key=len, reverse=True) if following.startswith(t)
                    )
                    people.add(word + title)
                elif len(word) >= 2 and word[0] in SURNAMES:
                    people.add(word)
            elif flag in ORG_TAGS and len(word) >= 3:
                orgs.add(word)
        orgs.update(_FIRM.findall(text))
        people.update(_TITLED.findall(text))
    # places are not people: 陈村 is a town even where jieba tags it as a name
    places = {str(m.get(k) or "") for m in metadata for k in ("cluster", "location")}
    people = {p for p in people if not any(p in place for place in places)}
    return people, orgs - people


def pseudonyms(texts: list[str], metadata: list[dict]) -> Pseudonyms:
    """Return stable pseudonyms (受访者A…, 企业甲…) for the names found, in sorted order."""
    people, orgs = find_names(texts, metadata)
    mapping = {
        name: _label("受访者", i, string.ascii_uppercase) for i, name in enumerate(sorted(people))
    }
    mapping.update({name: _label("企业", i, _STEMS) for i, name in enumerate(sorted(orgs))})
    return Pseudonyms(mapping)
