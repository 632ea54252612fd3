"""What a cluster's report says of its episodes: a chart, a table, a paragraph and quotes each.

Every sentence is made from one episode's row (``describe.Episode``): who started it,
who joined, its form, type and mode, when, how many interviewees of which roles tell
it, and how each role judged it (``EVAL.*`` codes of their turns). The report says
whether the episodes were reviewed by a person or are the machine's proposals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from coding.codebook import Codebook
from coding.episodes.current import PROPOSED, current_episodes
from coding.episodes.describe import Episode
from coding.store import Store

# the review column as the report's reader reads it
STATUS = {"zh": {"reviewed": "已审核", "proposed": "待审核"}}
WORDS = {
    "zh": {
        "reviewed": "以下合作行动事件已由研究者审核（{who}），共 {n} 件。",
        "proposed": "以下合作行动事件由 clusterqda 按编码与发言自动归并（{method}），"
        "尚未经研究者审核，"
        "共 {n} 件；可用 clusterqda episodes propose 导出审核表。",
        "none": "本集群的访谈中没有找到合作行动事件。",
        "chart": "合作行动事件（首次提及年份）",
        "chart_note": "图中每个点是一件合作行动事件：颜色为合作类型，形状为惯例型/突变型，"
        "高度为讲述此事的受访者数；年份不详的事件只列在表中。",
        "unit": "受访者",
        "unknown_year": "年份不详",
        "someone": "（未说明）",
        "started": "{who}发起",
        "joined": "，{who}参与",
        "form": "；形式为{forms}，属{ca}",
        "mode": "，{mode}",
        "told": "。{n} 位受访者（{k} 种身份：{roles}）提到此事",
        "judged": "；{judgements}",
        "judgement": "{role}{n}人认为{what}",
        "no_judgement": "，未见明确评价",
        "mode_unknown": "方式未判定",
    },
    "en": {
        "reviewed": "These {n} episodes of collective action were reviewed by the researcher "
        "({who}).",
        "proposed": "These {n} episodes were grouped by clusterqda from codes and turns "
        "({method}) and have not been reviewed; export a review sheet with "
        "clusterqda episodes propose.",
        "none": "No episode of collective action was found in this cluster's interviews.",
        "chart": "Episodes by first year mentioned",
        "chart_note": "Each point is an episode: colour is its type of collective action, shape "
        "routine or abrupt, height the interviewees who tell it; episodes without a year are "
        "in the table only.",
        "unit": "interviewees",
        "unknown_year": "year unknown",
        "someone": "(not said)",
        "started": "started by {who}",
        "joined": ", joined by {who}",
        "form": "; form: {forms}, type: {ca}",
        "mode": ", {mode}",
        "told": ". Told by {n} interviewees of {k} roles ({roles})",
        "judged": "; {judgements}",
        "judgement": "{n} {role} judged it {what}",
        "no_judgement": ", with no explicit judgement",
        "mode_unknown": "mode not judged",
    },
}


@dataclass
class Quote:
    """A quotation of an episode: the fields of ``report.data.Quote`` (which imports this
    package, so it is not imported here); ``code_id`` holds the episode id."""

    code_id: str
    unit_id: str
    doc_id: str
    role: str
    turn: int
    text: str
    start: int | None  # the episode's name within the text, where the speaker says it
    end: int | None


@dataclass
class EpisodeStory:
    """A cluster's episodes as a report tells them; ``table`` columns are listed below.

    ``table``: ``episode_id, name, years, ca_type, mode, forms, initiators,
    participants, n_interviewees, roles, status``.
    """

    source: str  # reviewed or proposed
    intro: str
    chart_title: str
    chart_note: str
    chart_unit: str
    points: list[tuple[int, int, str, str, str]]  # year, interviewees, type, mode, name
    table: pd.DataFrame
    paragraphs: list[tuple[str, str, list[Quote]]] = field(default_factory=list)
    # (name, paragraph, quotes)

    def texts(self) -> list[str]:
        """Return the quoted turns (where names to pseudonymise are looked for)."""
        return [q.text for _, _, quotes in self.paragraphs for q in quotes]

    def rewrite(self, change: Callable[[str], str]) -> None:
        """Apply a text change (pseudonyms, control characters) to every text shown.

        A quotation is changed around its marked name, so the mark stays on it.
        """
        self.intro = change(self.intro)
        text = self.table.select_dtypes(include=["object", "string"]).columns
        self.table[text] = self.table[text].map(lambda v: change(v) if isinstance(v, str) else v)
        self.points = [(y, n, change(c), change(m), change(t)) for y, n, c, m, t in self.points]
        paragraphs = []
        for name, paragraph, quotes in self.paragraphs:
            for q in quotes:
                q.doc_id, q.role = change(q.doc_id), change(q.role)
                if q.start is None or q.end is None:
                    q.text = change(q.text)
                    continue
                parts = [
                    change(x) for x in (q.text[: q.start], q.text[q.start : q.end], q.text[q.end :])
                ]
                q.text, q.start, q.end = (
                    "".join(parts),
                    len(parts[0]),
                    len(parts[0]) + len(parts[1]),
                )
            paragraphs.append((change(name), change(paragraph), quotes))
        self.paragraphs = paragraphs


def cluster_story(store: Store, codebook: Codebook, cluster: str, lang: str = "zh") -> EpisodeStory:
    """Tell one cluster's episodes: reviewed ones where it has them, else the proposals."""
    words = WORDS[lang]
    label = {c.id: (c.label if lang == "zh" else c.label_en) for c in codebook.codes.values()}
    groups = current_episodes(store, codebook, cluster)
    source = groups[0].source if groups else PROPOSED
    episodes = [e for g in groups for e in g.episodes]
    episodes.sort(key=lambda e: (e.year_start is None, e.year_start or 0, e.unit_ids[0]))
    if not episodes:
        intro = words["none"]
    elif source == PROPOSED:
        intro = words["proposed"].format(n=len(episodes), method=episodes[0].proposed_by)
    else:
        who = "、".join(sorted({e.reviewed_by for e in episodes}))
        intro = words["reviewed"].format(n=len(episodes), who=who)
    names = {c: label.get(c, c) for e in episodes for c in [e.ca_type, e.mode] if c}
    points = [
        (e.year_start, len(e.interviewees), names.get(e.ca_type, "—"),
         names.get(e.mode, words["mode_unknown"]), e.name)
        for e in episodes if e.year_start is not None
    ]  # fmt: skip
    return EpisodeStory(
        source,
        intro,
        words["chart"],
        words["chart_note"],
        words["unit"],
        points,
        _table(episodes, label, words, lang),
        [(e.name, paragraph(e, label, words), _quotes(store, e, label)) for e in episodes],
    )


def _years(e: Episode, words: dict) -> str:
    if e.year_start is None:
        return words["unknown_year"]
    return (
        str(e.year_start) if e.year_end in (None, e.year_start) else f"{e.year_start}–{e.year_end}"
    )


def _table(episodes: list[Episode], label: dict, words: dict, lang: str) -> pd.DataFrame:
    def names(codes: list[str]) -> str:
        return "、".join(label.get(c, c) for c in codes)

    rows = [
        (e.episode_id, e.name, _years(e, words), label.get(e.ca_type, e.ca_type),
         label.get(e.mode, e.mode), names(e.forms), names(e.initiators), names(e.participants),
         len(e.interviewees), names(e.roles), STATUS.get(lang, {}).get(e.status, e.status))
        for e in episodes
    ]  # fmt: skip
    columns = ["episode_id", "name", "years", "ca_type", "mode", "forms", "initiators",
               "participants", "n_interviewees", "roles", "review"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def paragraph(e: Episode, label: dict, words: dict) -> str:
    """Return the paragraph that tells one episode, made from its row only."""

    def names(codes: list[str]) -> str:
        return "、".join(label.get(c, c) for c in codes)

    text = f"{e.name}（{_years(e, words)}）：" + words["started"].format(
        who=names(e.initiators) or words["someone"]
    )
    if e.participants:
        text += words["joined"].format(who=names(e.participants[:4]))
    if e.forms or e.ca_type:
        text += words["form"].format(forms=names(e.forms) or "—", ca=label.get(e.ca_type, "—"))
    if e.mode:
        text += words["mode"].format(mode=label.get(e.mode, e.mode))
    text += words["told"].format(n=len(e.interviewees), k=len(e.roles), roles=names(e.roles))
    per_role: Counter = Counter()
    seen = set()
    for j in e.judgements:
        if (j.interviewee, j.code) not in seen:
            seen.add((j.interviewee, j.code))
            per_role[(j.role, j.code)] += 1
    if per_role:
        parts = [
            words["judgement"].format(role=label.get(r, r), n=n, what=label.get(c, c))
            for (r, c), n in sorted(per_role.items())
        ]
        text += words["judged"].format(judgements="，".join(parts))
    else:
        text += words["no_judgement"]
    return text + "。"


def _quotes(store: Store, e: Episode, label: dict) -> list[Quote]:
    """The episode's strongest quotations, its name marked where the speaker says it."""
    by_id = {w.unit_id: w for w in e.witnesses}
    texts = dict(store.unit_texts(e.quotes))  # read here: episodes do not keep their texts
    out = []
    for unit_id in e.quotes:
        w, text = by_id[unit_id], texts[unit_id]
        at = text.find(e.name)
        out.append(
            Quote(
                e.episode_id, w.unit_id, w.doc_id, label.get(w.role, w.role), w.turn, text,
                at if at >= 0 else None, at + len(e.name) if at >= 0 else None,
            )
        )  # fmt: skip
    return out
