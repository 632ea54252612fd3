"""What an episode is: its name, years, type, mode, forms, actors, judgements and witnesses.

Everything here is read from the episode's mentions: their codes (by the most trusted
coder), their evidence spans and the years they mention (``coding/years.py``, events
only: denied and hypothetical years are not). The name is the phrase that best sets
the episode apart from the rest of its cluster: among the content words of its
mentions and pairs of words that follow each other in a turn, the one found in most of
its mentions and fewest of the cluster's others. An actor is an initiator when a lead
word (牵头, 发起, 组织, 成立 …) stands within a few characters of the words that named it.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from dataclasses import dataclass, field

from coding.episodes.mentions import FUNCTION_CHARS, Mention
from coding.episodes.mentions import tags as name_tags
from coding.years import YearMention, years_mentioned

LEAD = re.compile(
    r"牵头|发起|组织|带头|出面|召集|成立|申请|出资|推动|主导|主办|创办|筹建|建了|搞了"
)
LEAD_WINDOW = 8
QUOTES = 3
# Parts of speech a name is made of: nouns, names, abbreviations; 'x' for words jieba lacks.
NAME_TAGS = {"n", "nz", "nt", "ns", "j", "vn", "l", "eng", "x"}


@dataclass
class Judgement:
    """How one interviewee judged an episode: an ``EVAL.*`` code with its stance."""

    code: str
    stance: str | None
    role: str
    interviewee: str
    unit_id: str


@dataclass(slots=True)
class Witness:
    """One mention of an episode, kept light: who tells it where, and what ranks it as a quote.

    One is kept per mention of the corpus, so it has slots and shares its repeated strings.
    """

    unit_id: str
    doc_id: str
    turn: int
    role: str
    interviewee: str
    length: int  # of the turn's text
    judgements: tuple[tuple[str, str | None], ...]  # its EVAL.* codes with stances, sorted


@dataclass
class Tally:
    """What describing an episode needs of its mentions, gathered one mention at a time.

    Counts and extremes only, plus a ``Witness`` per mention, so that an episode can be
    described without holding its mentions' texts and words; tallies of two parts of
    an episode add up (``merge``).
    """

    codes: Counter = field(default_factory=Counter)  # code -> mentions given it
    names: Counter = field(default_factory=Counter)  # candidate name -> mentions holding it
    leading: Counter = field(default_factory=Counter)  # actor -> spans near a lead word
    named: Counter = field(default_factory=Counter)  # actor -> times named
    exact: list[int] = field(default_factory=list)  # first and last exact year, if any
    decades: list[int] = field(default_factory=list)  # first and last decade, if any
    witnesses: list[Witness] = field(default_factory=list)

    def add(self, m: Mention, names: set[str] | None = None) -> None:
        """Count one mention (``names``: its ``candidate_names``, if already known)."""
        self.codes.update(m.codes.keys())  # a mapping would add its values
        self.names.update(candidate_names(m) if names is None else names)
        for y in _mention_years(m):
            span = self.decades if y.kind == "decade" else self.exact
            span[:] = [min(span[0], y.year), max(span[1], y.year)] if span else [y.year, y.year]
        _count_actors(m, self.leading, self.named)
        judgements = tuple((c, s) for c, s in sorted(m.codes.items()) if c.startswith("EVAL."))
        self.witnesses.append(
            Witness(
                m.unit_id,
                sys.intern(m.doc_id),
                m.turn,
                sys.intern(m.role),
                sys.intern(m.interviewee),
                len(m.text),
                judgements,
            )
        )

    def merge(self, other: Tally) -> None:
        """Add another tally of the same episode to this one."""
        for mine, theirs in (
            (self.codes, other.codes),
            (self.names, other.names),
            (self.leading, other.leading),
            (self.named, other.named),
        ):
            mine.update(theirs)
        for mine_span, theirs_span in ((self.exact, other.exact), (self.decades, other.decades)):
            if theirs_span:
                both = mine_span + theirs_span
                mine_span[:] = [min(both), max(both)]
        self.witnesses += other.witnesses

    def years(self) -> tuple[int | None, int | None]:
        """Return the first and last year the mentions place an event in (decades if no year)."""
        span = self.exact or self.decades
        return (span[0], span[1]) if span else (None, None)


@dataclass
class Episode:
    """A described episode; ``unit_ids`` and ``witnesses`` in document order."""

    episode_id: str
    cluster: str
    name: str
    name_en: str
    year_start: int | None
    year_end: int | None
    ca_type: str
    mode: str
    forms: list[str]
    initiators: list[str]
    participants: list[str]
    goals: list[str]
    conditions: list[str]
    judgements: list[Judgement]
    unit_ids: list[str]
    interviewees: list[str]
    roles: list[str]
    quotes: list[str]  # unit ids of its strongest quotations, from different interviewees
    status: str = "proposed"  # or "reviewed"
    proposed_by: str = ""
    reviewed_by: str = ""
    witnesses: list[Witness] = field(default_factory=list, repr=False)


def describe(
    episode_id: str,
    cluster: str,
    mentions: list[Mention],
    document_frequency: Counter,
    n_mentions: int,
    labels_en: dict[str, str],
    name: str | None = None,
) -> Episode:
    """Describe one episode from its mentions.

    ``document_frequency`` counts, for each candidate name, the cluster's mentions that
    hold it (``n_mentions`` of them): the rarer a phrase outside the episode, the better
    it names it.
    """
    tally = Tally()
    for m in mentions:
        tally.add(m)
    named = name or episode_name(tally.names, document_frequency, n_mentions)
    saying = {m.unit_id for m in mentions if named in m.text}
    return describe_tally(episode_id, cluster, tally, named, saying, labels_en)


def describe_tally(
    episode_id: str,
    cluster: str,
    tally: Tally,
    name: str,
    saying: set[str],
    labels_en: dict[str, str],
) -> Episode:
    """Describe one episode from the tally of its mentions, named ``name``.

    ``saying`` holds the units whose text says the name (the first thing a quote needs).
    """
    codes = tally.codes
    first, last = tally.years()
    ca = _top(codes, "CA.")
    forms = [c for c, _ in _ranked(codes, "FORM.")][:3]
    initiators, participants = _actors(tally.leading, tally.named)
    witnesses = tally.witnesses
    return Episode(
        episode_id=episode_id,
        cluster=cluster,
        name=name,
        name_en=_english(forms, ca, first, labels_en),
        year_start=first,
        year_end=last,
        ca_type=ca,
        mode=_mode(codes),
        forms=forms,
        initiators=initiators,
        participants=participants,
        goals=[c for c, _ in _ranked(codes, "GOAL.")][:3],
        conditions=[c for c, _ in _ranked(codes, "COND.")][:3],
        judgements=[
            Judgement(c, s, w.role, w.interviewee, w.unit_id)
            for w in witnesses
            for c, s in w.judgements
        ],
        unit_ids=[w.unit_id for w in witnesses],
        interviewees=list(dict.fromkeys(w.interviewee for w in witnesses)),
        roles=sorted({w.role for w in witnesses}),
        quotes=_quotes(witnesses, saying),
        witnesses=witnesses,
    )


def candidate_names(mention: Mention) -> set[str]:
    """Return the phrases of a mention that could name its episode: words and word pairs."""
    tags = name_tags()
    words = [
        w
        for w in mention.words
        if tags.get(w, "x") in NAME_TAGS
        # a phrase jieba's HMM glued together from unknown text is no name
        and not (w not in tags and (len(w) > 4 or FUNCTION_CHARS.search(w)))
    ]
    pairs = {a + b for a, b in zip(words, words[1:], strict=False) if a + b in mention.text}
    return set(words) | pairs


def episode_name(inside: Counter, frequency: Counter, n_mentions: int) -> str:
    """Return the phrase found in most of the mentions and fewest other turns of the cluster.

    ``inside`` counts the episode's mentions holding each candidate name.
    """
    if not inside:
        return "未命名事件"

    def weight(phrase: str) -> float:
        rare = math.log((1 + n_mentions) / (1 + frequency.get(phrase, 0))) + 1
        return inside[phrase] * rare * (1 + 0.15 * min(len(phrase), 6))

    return max(sorted(inside), key=weight)


def _mention_years(m: Mention) -> list[YearMention]:
    """Return the years a mention places an event in."""
    known = m.date[:4] if m.date[:4].isdigit() else None
    return years_mentioned(m.text, known)


def _ranked(codes: Counter, prefix: str) -> list[tuple[str, int]]:
    return sorted(
        ((c, n) for c, n in codes.items() if c.startswith(prefix)), key=lambda x: (-x[1], x[0])
    )


def _top(codes: Counter, prefix: str) -> str:
    ranked = _ranked(codes, prefix)
    return ranked[0][0] if ranked else ""


def _mode(codes: Counter) -> str:
    """Return the mode most mentions give; a shock (COND.SHOCK) decides a tie or a silence."""
    routine, abrupt = codes.get("MODE.ROUTINE", 0), codes.get("MODE.ABRUPT", 0)
    if routine > abrupt:
        return "MODE.ROUTINE"
    if abrupt > routine or codes.get("COND.SHOCK", 0):
        return "MODE.ABRUPT"
    return "MODE.ROUTINE" if routine else ""


def _count_actors(m: Mention, leading: Counter, named: Counter) -> None:
    """Count the actors a mention names, and those it says lead (a lead word near them)."""
    for code, start, end, rule in m.spans:
        if not code.startswith("ACT.") or rule == "speaker_rule":
            continue  # the speaker's own role says who speaks, not who acted
        named[code] += 1
        window = m.text[max(0, start - LEAD_WINDOW) : end + LEAD_WINDOW]
        if LEAD.search(window):
            leading[code] += 1
    for code in m.codes:
        if code.startswith("ACT.") and not any(s[0] == code for s in m.spans):
            named[code] += 1  # a person's code has no span: who took part, not who led


def _actors(leading: Counter, named: Counter) -> tuple[list[str], list[str]]:
    """Return the actor codes said to lead the action, and the others said to take part."""
    initiators = [c for c, _ in sorted(leading.items(), key=lambda x: (-x[1], x[0]))][:2]
    others = sorted((c for c in named if c not in initiators), key=lambda c: (-named[c], c))
    return initiators, others


def _english(forms: list[str], ca: str, year: int | None, labels_en: dict[str, str]) -> str:
    """Return an English name made of the codebook's words: the main measure and the year."""
    what = labels_en.get(forms[0] if forms else ca, "collective action")
    return f"{what}, {year}" if year else what


def _quotes(witnesses: list[Witness], saying: set[str]) -> list[str]:
    """Return up to three strongest quotations, one per interviewee: naming it, judging it."""

    def strength(w: Witness) -> tuple:
        length = min(w.length, 160) - max(0, w.length - 300) * 0.5
        return (-(w.unit_id in saying), -bool(w.judgements), -length, w.unit_id)

    chosen: list[str] = []
    speakers: set[str] = set()
    for w in sorted(witnesses, key=strength):
        if w.interviewee not in speakers:
            speakers.add(w.interviewee)
            chosen.append(w.unit_id)
        if len(chosen) == QUOTES:
            break
    return chosen
