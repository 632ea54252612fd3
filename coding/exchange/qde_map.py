"""A source's selections read in the counting that fits it, and found in its units.

Two steps, pure functions of the source, so the process reading the file
(``qde_ahead``) can take them off the importer's hands: ``convert`` reads
every selection's span in the counting that fits the source (``offsets``) and
its stance from its description, which then need not travel (another
tool's may be long); ``Mapped.find`` finds the units each
span overlaps, clipped to each, or the reason it cannot be taken. The reader
finds units against the turns it parsed; the importer checks they are the
units it stores (same spans, same text length) and finds them itself if not.

A source's selections are held in columns (numbers in arrays, GUIDs and names
joined in one string): sent between processes, a few large objects pickle
and unpickle many times faster than a tuple and its strings per selection.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from coding.exchange.offsets import Span, choose_reading, plain
from coding.exchange.qde_columns import Selections

# one object per stance, so a column of them pickles as references
STANCES = {s: s for s in ("positive", "negative", "neutral", "mixed")}
_FIRST_LINES = {f"stance: {s}": s for s in STANCES}  # as our exports write a description
SEP = "\0"  # joins GUIDs and names: no XML 1.0 document can hold it
NOWHERE = -1  # a span's end that cannot be read in the source's counting
OUTSIDE = "its span lies outside its source's text"
EMPTY = "its span is empty"
NOTES_ONLY = "it carries no coding (notes only)"
NO_UNIT = "its span lies in no unit (front matter or between turns)"
# a selection that states no stance: the store binds it as NULL (NULLIF) faster than None
NO_STANCE = ""


@dataclass
class Mapped:
    """A source's selections converted, in columns, and the units their spans fall in."""

    reading: str  # how the offsets were read
    guids: str  # the selections' GUIDs as written, joined by SEP
    names: str  # their names, joined by SEP
    starts: array  # span in our text ('q'), NOWHERE where it cannot be read
    ends: array
    stances: list[str | None]  # NO_STANCE (or None) where the description states none
    counts: array  # codings per selection ('l')
    coding_guids: str  # every coding's GUID as written, in order, joined by SEP
    codes: list[str]  # each coding's code GUID (normalised)
    users: list[str | None]  # each coding's user GUID (normalised)
    # filled by ``find``: per selection the reason it is dropped, or None and its hits
    # hits[first[k]:first[k + 1]] as (unit index, start, end) clipped to the unit
    reasons: list[str | None] = field(default_factory=list)
    first: array = field(default_factory=lambda: array("l"))
    hit_units: array = field(default_factory=lambda: array("l"))
    hit_starts: array = field(default_factory=lambda: array("q"))
    hit_ends: array = field(default_factory=lambda: array("q"))
    spans: list[tuple[int, int]] | None = None  # the units' (start, end) found against
    length: int = -1  # the length of the text they were found in

    def __len__(self) -> int:
        return len(self.starts)

    def dropped_items(self) -> Iterator[tuple[str, str, list[str]]]:
        """Yield each selection's (GUID, name, its codings' GUIDs), to account for drops."""
        guids, names = self.guids.split(SEP), self.names.split(SEP)
        coding_guids = self.coding_guids.split(SEP)
        c = 0
        for k, n in enumerate(self.counts):
            yield guids[k], names[k], coding_guids[c : c + n]
            c += n

    def found_on(self, units: Sequence[tuple], length: int) -> bool:
        """Return whether the units were found among these units of a text this long."""
        return (
            self.spans is not None
            and length == self.length
            and len(units) == len(self.spans)
            and all(u[0] == s[0] and u[1] == s[1] for u, s in zip(units, self.spans, strict=True))
        )

    def find(self, units: Sequence[tuple], length: int) -> None:
        """Find the units (``(start, end, ...)`` in text order) each span overlaps."""
        # runs once per selection of the file: a tight loop over plain numbers,
        # units found by bisection and a short walk
        unit_starts = [u[0] for u in units]
        unit_ends = [u[1] for u in units]
        # the next unit's start after each unit, ``length`` after the last: no span ends later
        next_starts = unit_starts[1:] + [length]
        count = len(units)
        reasons: list[str | None] = []
        first: list[int] = []
        hit_units: list[int] = []
        hit_starts: list[int] = []
        hit_ends: list[int] = []
        add_unit, add_start, add_end = hit_units.append, hit_starts.append, hit_ends.append
        for start, end, n in zip(self.starts, self.ends, self.counts, strict=True):
            first.append(len(hit_units))
            if start == NOWHERE or end == NOWHERE or end > length:
                reasons.append(OUTSIDE)
                continue
            if end <= start:
                reasons.append(EMPTY)
                continue
            if not n:
                reasons.append(NOTES_ONLY)
                continue
            i = bisect_right(unit_starts, start) - 1
            if i >= 0 and end <= unit_ends[i] and end <= next_starts[i]:
                # the usual span: in one unit, before the next begins (the walk's one hit)
                add_unit(i)
                add_start(start)
                add_end(end)
                reasons.append(None)
                continue
            before = len(hit_units)
            if i < 0:
                i = 0
            while i < count:
                u_start, u_end = units[i][0], units[i][1]
                if u_start >= end:
                    break
                if u_end > start:
                    add_unit(i)
                    add_start(start if start > u_start else u_start)
                    add_end(end if end < u_end else u_end)
                i += 1
            reasons.append(None if len(hit_units) > before else NO_UNIT)
        first.append(len(hit_units))
        self.reasons, self.first = reasons, array("l", first)
        self.hit_units = array("l", hit_units)
        self.hit_starts, self.hit_ends = array("q", hit_starts), array("q", hit_ends)
        self.spans = [(u[0], u[1]) for u in units]
        self.length = length


def evidence(description: str) -> str:
    """Return the quoted text of a selection's description (our exports write one)."""
    _, found, rest = description.partition("evidence: ")
    return rest if found else ""


def stance(description: str) -> str | None:
    """Return the stance a selection's description states, if it states one."""
    if description.startswith("stance: "):  # how our exports write it: the first line
        end = description.find("\n", 8)
        found = STANCES.get(description[8:end] if end >= 0 else description[8:])
        if found is not None:
            return found
    if ":" not in description:
        return None
    for line in description.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "stance" and value.strip() in STANCES:
            return STANCES[value.strip()]
    return None


def stances(descriptions: list[str], none: str | None = None) -> list[str | None]:
    """Return the stance each description states (``stance``, else ``none``), our
    exports' at a glance."""
    first = _FIRST_LINES
    return [first.get(d.partition("\n")[0]) or stance(d) or none for d in descriptions]


def _within(positions: list[int], length: int) -> array:
    """Return positions as they are in a text this long, NOWHERE where they fall outside."""
    if not positions or (min(positions) >= 0 and max(positions) <= length):
        return array("q", positions)
    return array("q", [p if 0 <= p <= length else NOWHERE for p in positions])


def convert(raw: str, selections: Selections, standard_only: bool) -> Mapped:
    """Return a source's selections with their spans read in the counting that fits
    ``raw`` (the source as the tool wrote it) and their stances, in columns."""
    s = selections
    reading, to_ours = choose_reading(
        raw,
        lambda: [
            Span(a, b, name, evidence(d))
            for a, b, name, d in zip(s.starts, s.ends, s.names, s.descriptions, strict=True)
        ],
        standard_only,
    )
    if plain(raw, standard_only):  # the converter's work without a call per position
        starts, ends = _within(s.starts, len(raw)), _within(s.ends, len(raw))
    else:
        ours = [to_ours(p) for p in s.starts]
        starts = array("q", [NOWHERE if p is None else p for p in ours])
        ours = [to_ours(p) for p in s.ends]
        ends = array("q", [NOWHERE if p is None else p for p in ours])
    return Mapped(
        reading,
        SEP.join(s.guids),
        SEP.join(s.names),
        starts,
        ends,
        stances(s.descriptions, NO_STANCE),
        array("l", s.counts),
        SEP.join(s.coding_guids),
        s.codes,
        s.users,
    )
