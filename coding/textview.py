"""One text analysed for matching: term hits, sentences, clauses, negation, hypotheticals."""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from typing import NamedTuple


class Hit(NamedTuple):
    """One occurrence of a term: code-point offsets into the text. The rules and the view
    read a hit by index, so a plain ``(start, end, term)`` tuple serves as one (the rule
    coder's hits are)."""

    start: int
    end: int
    term: str


# the characters that end a sentence: a sentence starts after a run of them
SENTENCE_ENDS = "。！？!?；;\n"
_SENTENCE_END = re.compile(f"[{SENTENCE_ENDS}]+")
_CLAUSE_END = re.compile(r"[。！？!?；;\n，,、：:…—]+")
# Negation cues just before a hit, within its clause.
_NEGATION = re.compile(r"不|没|未|无法|毫无|无人|并非|从未")
# a character every negation cue holds: text without one negates nothing (masking only
# takes characters away), so the look-alikes need not be masked there
_NEGATION_CHAR = re.compile(r"[不没未无非]")
# Words that contain a negation character but negate nothing.
_LOOK_ALIKES = (
    r"不错|不少|不断|不仅|不但|不过|不管怎么|不得不|差不多|了不起|不久|不一样|不同|"
    r"没想到|无论|(.)[不没]\1|"
    # potential complements: 做不完, 赚不到, 跟不上 say what cannot be done, not 'not'
    r"[\u4e00-\u9fff]不(?:完|了|到|起|过来|动|下|住|出|清|懂|上)"
)
# each look-alike holds 不, 没 or 无 first or second: a lookahead for it lets the regex
# engine leave most positions at once (the same matches: 17% less time masking clauses)
_NOT_NEGATION = re.compile(f"(?=.?[不没无])(?:{_LOOK_ALIKES})")
NEGATION_WINDOW = 8
# A sentence with one of these is a wish, a condition or a should, not a report.
HYPOTHETICAL_CUES = (
    r"如果|(?<![主只需])要是|假如|假设|万一|若是|倘若|希望|但愿|盼着|就好了|该多好|能不能|可不可以|"
    r"应该(?!是|有|在|就是)|最好(?!的)"
)
# a lookahead for a cue's first character lets the regex engine leave most positions at
# once (the same matches, 40% less time finding them)
_HYPOTHETICAL = re.compile(f"(?=[如要假万若倘希但盼就该能可应最])(?:{HYPOTHETICAL_CUES})")


class _lazy:
    """``functools.cached_property`` without its lock: computed on first access, then an
    instance attribute. Python 3.11's takes one lock shared by every view, which cost
    about a microsecond for each of the few hundred thousand views `code` reads once."""

    def __init__(self, func) -> None:
        self.func = func
        self.name = func.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


class TextView:
    """The matching view of one unit with its hits, ready for rule evaluation."""

    text: str
    hits: dict[str, list[Hit]]
    tokens: list[str] | None
    role: str | None  # the speaker's actor code, when known
    stances: dict[tuple[int, int], str]  # stance per span of sentences
    _negated: dict[int, bool]  # by a hit's start: all the answer depends on

    def __init__(
        self,
        text: str,
        hits: dict[str, list[Hit]],
        tokens: list[str] | None = None,
        role: str | None = None,
    ) -> None:
        # the attributes in one new dict, the instance's own: the lazy ones below are
        # written into the dict, and one written into a dict that shares its keys with
        # the class (what plain assignments make) leaves Python 3.11 reading every
        # attribute unspecialised, several times slower (as for ``Coding``)
        self.__dict__ = {
            "text": text,
            "hits": hits,
            "tokens": tokens,
            "role": role,
            "stances": {},
            "_negated": {},
        }

    @_lazy
    def term_sets(self) -> dict[frozenset[str], list[Hit] | None]:
        """Return the evidence of each set of terms (an OR of plain terms), filled by the
        rule closures (``compile_rule``); the compiled rules never ask, so made on demand."""
        return {}

    @_lazy
    def found(self) -> frozenset[str]:
        """Return the terms found in the text (a set intersects a set fastest)."""
        return frozenset(self.hits)

    @_lazy
    def may_negate(self) -> bool:
        """Return whether the text holds a character every negation cue holds (else no hit
        is negated)."""
        return _NEGATION_CHAR.search(self.text) is not None

    @_lazy
    def _sentence_starts(self) -> list[int]:
        return [0] + [m.end() for m in _SENTENCE_END.finditer(self.text)]

    @_lazy
    def _clause_starts(self) -> list[int]:
        return [0] + [m.end() for m in _CLAUSE_END.finditer(self.text)]

    @_lazy
    def _token_starts(self) -> list[int]:
        if self.tokens is None:
            raise ValueError("token distances need the unit's tokens")
        return [0, *accumulate(len(t) for t in self.tokens)]

    def sentence_of(self, hit: Hit) -> int:
        """Return the index of the sentence a hit starts in."""
        return bisect_right(self._sentence_starts, hit[0]) - 1

    def clause_of(self, hit: Hit) -> int:
        """Return the index of the clause a hit starts in."""
        return bisect_right(self._clause_starts, hit[0]) - 1

    def sentence_span(self, index: int) -> tuple[int, int]:
        """Return the (start, end) of a sentence."""
        starts = self._sentence_starts
        end = starts[index + 1] if index + 1 < len(starts) else len(self.text)
        return starts[index], end

    def sentences_span(self, start: int, end: int) -> tuple[int, int]:
        """Return the (start, end) of the sentences that hold ``text[start:end]`` (the
        sentence ``start`` is in for an empty span)."""
        starts = self._sentence_starts
        first = bisect_right(starts, start) - 1
        last = bisect_right(starts, max(start, end - 1))  # the index of the sentence after
        return starts[first], starts[last] if last < len(starts) else len(self.text)

    def clause_starts(self) -> list[int]:
        """Return the offsets where the text's clauses start."""
        return self._clause_starts

    def sentence_starts(self) -> list[int]:
        """Return the offsets where the text's sentences start."""
        return self._sentence_starts

    def clause_negated(self, start: int, end: int) -> bool:
        """Return whether a negation cue (not a look-alike) stands in text[start:end]."""
        if not _NEGATION_CHAR.search(self.text, start, end):
            return False
        return bool(_NEGATION.search(_NOT_NEGATION.sub("__", self.text[start:end])))

    def negated(self, hit: Hit) -> bool:
        """Return whether a negation cue stands just before the hit in its clause."""
        # asked again for the same hit by fact(), neg() and each coding's stance
        at = hit[0]
        negated = self._negated.get(at)
        if negated is None:
            starts = self._clause_starts  # clause_of inlined: the start of the hit's clause
            start = max(starts[bisect_right(starts, at) - 1], at - NEGATION_WINDOW)
            negated = self._negated[at] = bool(
                _NEGATION_CHAR.search(self.text, start, at)
                and _NEGATION.search(_NOT_NEGATION.sub("__", self.text[start:at]))
            )
        return negated

    def hypothetical(self, hit: Hit) -> bool:
        """Return whether the hit's sentence is a wish, a condition or a 'should'."""
        # no cache by hit: a dict for each view cost more to make and free than asking
        # again (the rules ask only of a text with a hypothetical sentence)
        return self.sentence_of(hit) in self.hypotheticals

    @_lazy
    def hypotheticals(self) -> frozenset[int]:
        """Return the indexes of the sentences that are a wish, a condition or a 'should'
        (an attribute: the rules ask for it a few hundred thousand times)."""
        # one pass over the text: no cue holds a sentence's end, so a match never
        # crosses one, and its look-arounds see what a search of its sentence sees
        starts = self._sentence_starts
        return frozenset(
            bisect_right(starts, m.start()) - 1 for m in _HYPOTHETICAL.finditer(self.text)
        )

    def negation_characters(self, end: int) -> list[int]:
        """Return where, before ``end``, stands a character that every negation cue holds
        (a text span without one negates nothing)."""
        return [m.start() for m in _NEGATION_CHAR.finditer(self.text, 0, end)]

    def token_gap(self, a: Hit, b: Hit) -> int:
        """Return how many tokens lie strictly between two hits."""
        starts = self._token_starts
        first, second = (a, b) if a[0] <= b[0] else (b, a)
        last_of_first = bisect_right(starts, first[1] - 1) - 1
        first_of_second = bisect_right(starts, second[0]) - 1
        return max(0, first_of_second - last_of_first - 1)
