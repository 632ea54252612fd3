"""Stance: how the speaker judges the object of a coding, from cue words with negation."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

import ahocorasick
import yaml

from coding.textview import SENTENCE_ENDS, TextView

CUES = Path(__file__).parent / "resources" / "stance_cues.yaml"
STANCES = ("positive", "negative", "neutral", "mixed")
NEGATOR_WINDOW = 3
# The stance a code carries by its meaning (tests/data/gold/GUIDE.md, "Stance"): a judgement
# is its own valence, a condition that hinders cooperation is negative and one that helps
# positive, an actor's will, capacity or action is positive when it is there. For the
# others, cue words around the evidence still decide where they speak (搞不起, 不放心).
CODE_STANCE = {
    "EVAL.SUCCESS": "positive",
    "EVAL.FAILURE": "negative",
    "EVAL.TOOLITTLE": "negative",
    "EVAL.OVERHEAT": "negative",
    "COND.FREERIDE": "negative",
    "COND.COMPETITION": "negative",
    "COND.IMITATION": "negative",
    "COND.SHOCK": "negative",
    "COND.TRUST": "positive",
    "COND.SOCIAL": "positive",
    "COND.POLICY": "positive",
    "AGENCY": "positive",
    # speakers name a capacity mostly where it is lacking (the tuning half: 2 of 3)
    "AGENCY.CAPACITY": "negative",
}
# Codes whose meaning is their valence: cue words around them do not change it (their
# "mixed" was wrong more often than right on the stance-coded gold's tuning half).
FIXED = ("EVAL.", "COND.FREERIDE", "COND.COMPETITION", "COND.IMITATION", "AGENCY.ACTION")


def code_stance(code_id: str, cue: str, negated: bool = False) -> str:
    """Return a coding's stance from its code's meaning, the cue words' stance around the
    evidence and whether the evidence is negated."""
    default = CODE_STANCE.get(code_id) or CODE_STANCE.get(code_id.split(".")[0])
    if default is None:
        return cue
    if code_id.startswith(FIXED):
        return default
    if cue != "neutral":
        return cue
    if negated:
        return "negative"
    return default


def code_valence(code_id: str) -> tuple[str | None, str | None]:
    """Return the stance a code has whatever its cue words say (None: the cues decide) and
    the stance its meaning gives it (None: none), as ``code_stance`` reads them."""
    default = CODE_STANCE.get(code_id) or CODE_STANCE.get(code_id.split(".")[0])
    fixed = default if default is not None and code_id.startswith(FIXED) else None
    return fixed, default


@dataclass(frozen=True)
class StanceLexicon:
    """Cue words compiled into one automaton: word -> +1 or -1, plus negators."""

    automaton: ahocorasick.Automaton
    negators: tuple[str, ...]
    # no cue word or negator holds a character that ends a sentence, so the cues of a
    # span of whole sentences are exactly the whole text's cues inside it
    splittable: bool = True
    longest: int = 1  # the longest cue word's length: how far a cue may reach


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
    words = [str(w) for w in (*data["positive"], *data["negative"], *negators)]
    splittable = not any(ch in SENTENCE_ENDS for w in words for ch in w)
    longest = max((len(w) for w in words), default=1)
    return StanceLexicon(automaton, negators, splittable, longest)


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
    positive = negative = 0
    for _start, polarity in _cues(text, lexicon or load_lexicon()):
        positive += polarity > 0
        negative += polarity < 0
    return positive, negative


def cue_words() -> dict[str, int] | None:
    """Return the cue words of ``load_lexicon()`` with their polarity, for a matcher that
    finds them in a text along with other words and hands them to the view's cue marks
    (``_cue_found``); None when the lexicon is not splittable (the marks are not used)."""
    lexicon = load_lexicon()
    if not lexicon.splittable:
        return None
    return {str(word): polarity for word, polarity in lexicon.automaton.values()}


def _cues(
    text: str, lexicon: StanceLexicon, found: list[tuple[int, int, int]] | None = None
) -> list[tuple[int, int]]:
    """Return (start, polarity) of the cues that count in a text, negation applied
    (polarity 0: a negated complaint, which counts neither way); ``found``: the cue words'
    (start, end, polarity) in the text, when already found (in any order)."""
    if found is None:
        found = [
            (end - len(word) + 1, end + 1, polarity)
            for end, (word, polarity) in lexicon.automaton.iter(text)
        ]
    out = []
    for start, _end, polarity in _longest(found) if len(found) > 1 else found:
        before = text[max(0, start - NEGATOR_WINDOW) : start]
        if polarity > 0 and before.endswith(lexicon.negators):
            polarity = -1  # 不支持, 没帮助
        elif polarity < 0 and before.endswith(lexicon.negators):
            polarity = 0  # 不难 is not praise either; just not a complaint
        out.append((start, polarity))
    return out


def sentences_counts(view: TextView, start: int, end: int) -> tuple[int, int]:
    """Return ``polarity_counts`` of ``view.text[start:end]`` where both ends are sentence
    boundaries (a sentence's start, or the text's end): the cues of the whole text are
    found once per view and counted by where they start."""
    marks = view.__dict__.get("_cue_marks") or _cue_marks(view)
    if marks is None:
        return polarity_counts(view.text[start:end])
    return _marked(marks, start, end)


def _marked(marks: tuple[list[int], list[int], list[int]], start: int, end: int) -> tuple[int, int]:
    """Return the positive and negative cues ``_cue_marks`` places in ``[start, end)``."""
    starts, positive, negative = marks
    i, j = bisect_left(starts, start), bisect_left(starts, end)
    return positive[j] - positive[i], negative[j] - negative[i]


def around_counts(view: TextView, start: int, end: int, width: int) -> tuple[int, int]:
    """Return ``polarity_counts`` of the ``width`` characters before ``start`` joined to
    the ``width`` after ``end``, where both are sentence boundaries (or the text's end):
    counted on the view's cue marks, only a window edge a cue may cross read again."""
    text = view.text
    marks = view.__dict__.get("_cue_marks") or _cue_marks(view)
    low, high = max(0, start - width), min(len(text), end + width)
    if marks is None:
        return polarity_counts(text[low:start] + text[end:high])
    starts, positive, negative = marks
    if not starts:  # no cue in the text: none in a piece of it either
        return 0, 0
    # no cue or negator holds a sentence's end, so none crosses ``start`` or ``end`` and
    # the pieces add up; a cue that may cross ``low`` or ``high``, or whose negator
    # may stand before ``low``, is read again in its piece (as the plain count reads it)
    reach = load_lexicon().longest - 1
    i = bisect_left(starts, low - reach)
    if low and i < len(starts) and starts[i] < low + NEGATOR_WINDOW:
        return _around_read(view, start, end, width)
    k = bisect_left(starts, start)
    m = bisect_left(starts, end)
    n = bisect_left(starts, high - reach)
    if high < len(text) and n < len(starts) and starts[n] < high:
        return _around_read(view, start, end, width)
    if low:
        i = bisect_left(starts, low, i)
    n = bisect_left(starts, high, n)
    return (
        positive[k] - positive[i] + positive[n] - positive[m],
        negative[k] - negative[i] + negative[n] - negative[m],
    )


def _around_read(view: TextView, start: int, end: int, width: int) -> tuple[int, int]:
    """Return ``around_counts``: the whole sentences in the window counted on the view,
    only a sentence the window cuts read again."""
    text = view.text
    lexicon = load_lexicon()
    low, high = max(0, start - width), min(len(text), end + width)
    # no cue or negator holds a sentence's end, and one stands just before a sentence
    # start: nothing reaches across ``start``, ``end`` or the joint, so the pieces add up
    starts = view.sentence_starts()
    at = bisect_left(starts, low)
    first = starts[at] if at < len(starts) and starts[at] < start else start
    last = high if high == len(text) else max(starts[bisect_right(starts, high) - 1], end)
    before_pos, before_neg = sentences_counts(view, first, start)
    after_pos, after_neg = sentences_counts(view, end, last)
    positive, negative = before_pos + after_pos, before_neg + after_neg
    for piece in (text[low:first], text[last:high]):
        if piece:
            more_pos, more_neg = polarity_counts(piece, lexicon)
            positive += more_pos
            negative += more_neg
    return positive, negative


def cueless(view: TextView) -> bool:
    """Return whether the view's text holds no cue word (then no piece of it does)."""
    marks = view.__dict__.get("_cue_marks") or _cue_marks(view)
    return marks is not None and not marks[0]


# the marks of every text without a cue, shared: most texts (nothing writes to them)
NO_CUES: tuple[list[int], list[int], list[int]] = ([], [0], [0])


def _cue_marks(view: TextView) -> tuple[list[int], list[int], list[int]] | None:
    """Return where the text's cues start and how many positive and negative cues come
    before each of them (and, last, in all): found once per view; None when the lexicon
    is not splittable (a cue may cross a sentence's end)."""
    marks = view.__dict__.get("_cue_marks")
    if marks is None:
        lexicon = load_lexicon()
        if not lexicon.splittable:
            return None
        # a cue never holds a sentence's end, so none crosses the span's edges, the
        # longest-cue choice never reaches across them, and a negator before a cue at
        # the span's start would hold the end of the sentence before: never
        # the view's cue words when its matcher found them (a copy: _longest sorts it)
        found = view.__dict__.get("_cue_found")
        cues = _cues(view.text, lexicon, None if found is None else list(found))
        if not cues:  # most texts: no cue to count
            marks = NO_CUES
        else:
            marks = (
                [s for s, _p in cues],
                list(accumulate((p > 0 for _s, p in cues), initial=0)),
                list(accumulate((p < 0 for _s, p in cues), initial=0)),
            )
        view.__dict__["_cue_marks"] = marks
    return marks


def stance_of(view: TextView, start: int, end: int) -> str:
    """Return the stance of the sentences that hold the evidence span."""
    # asked once per coding of a rule (a few hundred thousand times per run): the cue
    # marks are read once, here, not again through sentences_counts
    marks = view.__dict__.get("_cue_marks")  # one call fewer once made
    if marks is None:
        marks = _cue_marks(view)
    if marks is not None and not marks[0]:
        return "neutral"  # a text without cues: a span of it has none either
    span = view.sentences_span(start, end)
    stances = view.stances
    stance = stances.get(span)
    if stance is None:
        counts = (
            polarity_counts(view.text[span[0] : span[1]])
            if marks is None
            else _marked(marks, *span)
        )
        stance = stances[span] = stance_from_counts(*counts)
    return stance


def stance_from_counts(positive: int, negative: int) -> str:
    """Return the stance that positive and negative cue counts make."""
    if positive and negative:
        return "mixed"
    if positive:
        return "positive"
    if negative:
        return "negative"
    return "neutral"
