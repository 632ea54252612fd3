"""What the learned coder reads in a unit: its clauses with negation and hypothetical scope
marked, the interviewer's question before it, the speaker's role and the rules' hits.

Every feature is a short string; a unit's features are counted by a vectorizer whose
vocabulary and weights are shipped as data (see ``weights.py``), so this function is
the one place that defines what the model sees (``featurebatch.py`` finds the same
features for a whole batch as integers, and a test holds the two equal).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from operator import add

from coding.model import Coding
from coding.textview import TextView

# Prefixes keep the families apart: a bigram in the question is not one in the answer.
QUESTION, ROLE, RULE, TERM = "q:", "r:", "rule:", "t:"
NEGATED, HYPOTHETICAL = "¬", "?"
# Character n-grams of the answer; 1-grams add little and 3-grams double the
# vocabulary for no gain in cross-validation on the dev gold.
ORDERS = (2, 3)
QUESTION_ORDERS = (2,)
# Long rambling answers are cut: the first characters say what the turn is about,
# and the cost of featurising stays bounded per unit.
MAX_CHARS = 1500
# the characters that cut the text into the pieces n-grams are taken from
PUNCT_CHAR = r"[\s，,。！？!?；;：:、…—“”\"'（）()《》【】\[\]]"
PUNCT = re.compile(PUNCT_CHAR + "+")


def char_grams(text: str, orders: Iterable[int], prefix: str = "") -> list[str]:
    """Character n-grams of text without punctuation runs crossing into them."""
    out: list[str] = []
    for piece in PUNCT.split(text):
        grams = [prefix + c for c in piece] if prefix else list(piece)
        if 1 in orders:
            out += grams
        for n in range(2, max(orders) + 1):
            # the n-grams from the (n-1)-grams, each joined to its next character in C
            grams = list(map(add, grams, piece[n - 1 :]))
            if n in orders:
                out += grams
    return out


def unit_features(
    view: TextView, codings: list[Coding], question: str | None = None, role: str | None = None
) -> list[str]:
    """Return the feature strings of one unit's matching view and the rules' codings of it."""
    text = view.text[:MAX_CHARS]
    features = char_grams(text, ORDERS)
    # a clause with a negation cue or in a wish: its n-grams again, marked, so that
    # "搞不起" and "如果政府牵头" weigh differently from the plain words inside them
    for start, end, negated, wished in marked_clauses(view, len(text)):
        if negated:
            features += char_grams(text[start:end], ORDERS, NEGATED)
        if wished:
            features += char_grams(text[start:end], ORDERS, HYPOTHETICAL)
    if question:
        features += char_grams(question[-200:], QUESTION_ORDERS, QUESTION)
    if role:
        features.append(ROLE + role)
    for coding in codings:
        features.append(RULE + coding.code_id)
        features += [TERM + t for t in coding.terms]
    return features


def marked_clauses(view: TextView, limit: int) -> list[tuple[int, int, bool, bool]]:
    """Return (start, end, negated, hypothetical) of the clauses that are either."""
    hypothetical = view.hypotheticals
    if not hypothetical and not view.may_negate:  # most units: no clause is either
        return []
    starts = view.clause_starts()
    # only a clause holding a negation character, or in a hypothetical sentence, can be
    # either: the others are not looked at
    asked = {bisect_right(starts, at) - 1 for at in view.negation_characters(limit)}
    for index in hypothetical:
        first, last = view.sentence_span(index)
        asked.update(range(bisect_left(starts, first), bisect_left(starts, min(last, limit))))
    sentences = view.sentence_starts()
    out = []
    for i in sorted(asked):
        start = starts[i]
        end = min(starts[i + 1] if i + 1 < len(starts) else len(view.text), limit)
        if end - start < 2:
            continue
        negated = view.clause_negated(start, end)
        wished = bisect_right(sentences, start) - 1 in hypothetical
        if negated or wished:
            out.append((start, end, negated, wished))
    return out
