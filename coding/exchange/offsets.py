"""Selection offsets from other tools, turned into code points of our normalised text.

REFI-QDA counts Unicode code points from 0 over the source's plain text
(REFI-QDA 1.5 §10.2). Not every tool does: NVivo for Windows counts UTF-16
code units (an emoji or a CJK Extension B character is two) and a CRLF line
end as two. A source's text is read as the tool wrote it; for each way of
counting that could differ on it (only sources with CRLF or characters beyond
U+FFFF can tell them apart), every selection's boundaries are scored: a
boundary that splits a surrogate pair or a CRLF, or falls outside the text,
counts against; one at a line start or end, next to whitespace or
punctuation, or a selection whose ``name`` begins its text, counts for. The
best reading wins (the standard's on a tie) and is reported per source.

Positions then map to the normalised text (no BOM, LF, NFC) that documents
store, so a selection indexes ``documents.text`` like every other offset.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

STANDARD = "code points"
READINGS = (STANDARD, "code points, CRLF as two", "UTF-16 units", "UTF-16 units, CRLF as two")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_BAD = -5.0


@dataclass(frozen=True)
class Span:
    """A selection as a tool wrote it: start, end and the name it gave (often a quote)."""

    start: int
    end: int
    name: str = ""
    quote: str = ""  # the selected text as the file states it (our exports' evidence)


class _Counting:
    """Converts positions of one reading of a text into positions of its LF text."""

    def __init__(self, text: str, utf16: bool, crlf_two: bool) -> None:
        self.crlf = [m.start() for m in re.finditer("\r\n", text)] if crlf_two else []
        counted = text if crlf_two else text.replace("\r\n", "\n")
        self.length = len(counted)
        astral = [m.start() for m in _ASTRAL.finditer(counted)] if utf16 else []
        # each astral character's first UTF-16 unit: its index plus the astrals before it
        self.pairs = [a + k for k, a in enumerate(astral)]

    def to_lf(self, position: int) -> int | None:
        """Return the LF-text position, or None where it splits a pair or leaves the text."""
        if position < 0:
            return None
        if self.pairs:
            k = bisect_left(self.pairs, position)
            if k and self.pairs[k - 1] + 1 == position:
                return None  # between the two halves of a surrogate pair
            position -= k
        if position > self.length:
            return None
        if self.crlf:
            k = bisect_left(self.crlf, position)
            if k < len(self.crlf) and self.crlf[k] + 1 == position:
                return None  # between CR and LF
            k = bisect_right(self.crlf, position - 2)
            position -= k
        return position


def _edge_score(text: str, position: int, start: bool) -> float:
    if position <= 0 or position >= len(text):
        return 1.0
    before, after = text[position - 1], text[position]
    if before == "\n" or after == "\n":
        return 1.0

    def soft(c: str) -> bool:
        return c.isspace() or unicodedata.category(c)[0] in "PZ"

    inner, outer = (after, before) if start else (before, after)
    return 0.5 if soft(outer) and not inner.isspace() else 0.0


def _score(lf_text: str, counting: _Counting, spans: Sequence[Span]) -> float:
    total = 0.0
    for span in spans:
        start, end = counting.to_lf(span.start), counting.to_lf(span.end)
        if start is None or end is None or end < start or end > len(lf_text):
            total += _BAD
            continue
        total += _edge_score(lf_text, start, True) + _edge_score(lf_text, end, False)
        quote = span.name.strip().rstrip(".…").strip()[:30]
        if quote and lf_text[start:end].lstrip().startswith(quote):
            total += 3.0
        if span.quote and unicodedata.normalize("NFC", lf_text[start:end]) == span.quote:
            total += 3.0
    return total


def plain(text: str, standard_only: bool = False) -> bool:
    """Return whether every position in ``text`` is itself in our text: nothing to
    choose (no CRLF, nothing beyond U+FFFF, or a file that counts code points) and
    nothing to convert (no CR, already NFC)."""
    if "\r" in text:
        return False
    if not standard_only and _ASTRAL.search(text) is not None:
        return False
    return unicodedata.is_normalized("NFC", text)


def choose_reading(
    text: str,
    spans: Sequence[Span] | Callable[[], Sequence[Span]],
    standard_only: bool = False,
) -> tuple[str, Callable[[int], int | None]]:
    """Return the reading that best fits a source's selections, and its position converter.

    ``text`` is the source as the tool wrote it (BOM removed); the converter
    returns a position in ``normalise(text)``, or None where the position
    cannot be read. ``standard_only`` for files that say they count code
    points (our own exports). ``spans`` may be a function that returns them:
    it is called only when two readings are to be scored.
    """
    if plain(text, standard_only):  # every position is itself
        length = len(text)
        return STANDARD, lambda p: p if 0 <= p <= length else None
    lf_text = text.replace("\r\n", "\n").replace("\r", "\n")
    has_crlf = "\r\n" in text
    has_astral = _ASTRAL.search(text) is not None
    names = [
        name
        for name in READINGS
        if ("CRLF" not in name or has_crlf) and ("UTF-16" not in name or has_astral)
    ][: 1 if standard_only else None]
    to_nfc = _nfc_converter(lf_text)
    candidates = [(name, _Counting(text, "UTF-16" in name, "CRLF" in name)) for name in names]
    best_name, best = candidates[0]
    if len(candidates) > 1:
        spans = spans() if callable(spans) else spans
        if spans:
            scores = [(_score(lf_text, c, spans), -i) for i, (_, c) in enumerate(candidates)]
            best_name, best = candidates[-max(scores)[1]]

    def convert(position: int) -> int | None:
        lf = best.to_lf(position)
        return None if lf is None else to_nfc(lf)

    return best_name, convert


def _nfc_converter(lf_text: str) -> Callable[[int], int]:
    """Return a map from LF-text positions to positions in its NFC form."""
    if unicodedata.is_normalized("NFC", lf_text):
        return lambda p: p
    # Composition shortens the text where a base and its marks merge; the
    # length of the normalised prefix is the position (a mark cut off from
    # its base stays a mark, as the tool had it).
    cache: dict[int, int] = {}

    def convert(position: int) -> int:
        if position not in cache:
            cache[position] = len(unicodedata.normalize("NFC", lf_text[:position]))
        return cache[position]

    return convert
