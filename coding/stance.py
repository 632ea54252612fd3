"""Stance: how the speaker judges the object of a coding, from cue words with negation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick
import yaml

from coding.textview import TextView

CUES = Path(__file__).parent / "resources" / "stance_cues.yaml"
STANCES = ("positive", "negative", "neutral", "mixed")
NEGATOR_WINDOW = 3
# A judgement code is its own stance: "too little cooperation" is a complaint even when
# worded as a wish (如果政府牵头就好了) or a plain report (从来没有合作过), where cue words
# around the evidence say nothing or the opposite.
IMPLIED_STANCE = {
    "EVAL.SUCCESS": "positive",
    "EVAL.FAILURE": "negative",
    "EVAL.TOOLITTLE": "negative",
    "EVAL.OVERHEAT": "negative",
}


@dataclass(frozen=True)
class StanceLexicon:
    """Cue words compiled into one automaton: word -> +1 or -1, plus negators."""

    automaton: ahocorasick.Automaton
    negators: tuple[str, ...]


@lru_cache(maxsize=2)
def load_lexicon(path: Path = CUES) -> StanceLexicon:
    """Load the stance cue lists."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    automaton = ahocorasick.Automaton()
    for polarity, words in ((1, data["positive"]), (-1, data["negative"])):
        for word in words:
            automaton.add_word(str(word), (str(word), polarity))
    automaton.make_automaton()
    negators = tuple(sorted(map(str, data.get("negators", [])), key=len, reverse=True))
    return StanceLexicon(automaton, negators)


def _longest(found: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Keep cues not contained in a longer cue."""
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    kept: list[tuple[int, int, int]] = []
    for start, end, polarity in found:
        if kept and start >= kept[-1][0] and end <= kept[-1][1]:
            continue
        kept.append((start, end, polarity))
    return kept


def polarity_counts(text: str, lexicon: StanceLexicon | None = None) -> tuple[int, int]:
    """Return (positive, negative) cue counts in a text, negation applied."""
    lexicon = lexicon or load_lexicon()
    found = [
        (end - len(word) + 1, end + 1, polarity)
        for end, (word, polarity) in lexicon.automaton.iter(text)
    ]
    positive = negative = 0
    for start, _end, polarity in _longest(found):
        before = text[max(0, start - NEGATOR_WINDOW) : start]
        if polarity > 0 and before.endswith(lexicon.negators):
            polarity = -1  # 不支持, 没帮助
        elif polarity < 0 and before.endswith(lexicon.negators):
            polarity = 0  # 不难 is not praise either; just not a complaint
        positive += polarity > 0
        negative += polarity < 0
    return positive, negative


def stance_of(view: TextView, start: int, end: int) -> str:
    """Return the stance of the sentences that hold the evidence span."""
    from coding.textview import Hit

    first = view.sentence_of(Hit(start, start + 1, ""))
    last = view.sentence_of(Hit(max(start, end - 1), max(start, end - 1) + 1, ""))
    span = (view.sentence_span(first)[0], view.sentence_span(last)[1])
    if span not in view.stances:
        view.stances[span] = stance_from_counts(*polarity_counts(view.text[span[0] : span[1]]))
    return view.stances[span]


def stance_from_counts(positive: int, negative: int) -> str:
    """Return the stance that positive and negative cue counts make."""
    if positive and negative:
        return "mixed"
    if positive:
        return "positive"
    if negative:
        return "negative"
    return "neutral"
