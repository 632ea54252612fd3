"""Keyword in context: every occurrence of a pattern in the units' matching views.

The pattern is turned into the matching view's form (Simplified, half-width
letters and digits), so 聯保, 联保 and full-width ＯＥＭ find the same places;
the columns show the original text around each hit. The search index
(``store/search.py``) names the units that may hold the pattern, and each is
checked here: occurrences are found left to right without overlap, as
``re.finditer`` would find them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from coding.errors import QueryError
from coding.store import Store, UnitFilter, UnitRow
from coding.store.schema import SEARCH_PAD

if TYPE_CHECKING:
    import pandas as pd

CONCORDANCE_COLUMNS = [
    "unit_id",  # <doc_id>#<turn>
    "doc_id",
    "speaker",
    "role",  # the document's actor code (metadata 'role')
    "cluster",
    "start",  # offset of the hit in the unit's text (code points)
    "end",
    "left",  # up to `width` characters before the hit, line breaks as spaces
    "hit",  # the hit as written (Traditional stays Traditional)
    "right",
]
ORDERS = ("doc", "left", "right")
WIDTH = 20
_FLAT = str.maketrans("\n\r\t\v\f", "     ")


def pattern_view(pattern: str) -> str:
    """Return a search pattern in the matching view's form; refuse an empty one."""
    from coding.ingest.normalize import match_view, normalise

    view = match_view(normalise(pattern).strip())
    if not view or any(ch in view for ch in SEARCH_PAD):
        raise QueryError("the search pattern is empty; give the word or phrase to look for")
    return view


def find_all(view: str, pattern: str) -> Iterator[int]:
    """Yield the start of every non-overlapping occurrence of ``pattern`` in ``view``."""
    at = view.find(pattern)
    while at >= 0:
        yield at
        at = view.find(pattern, at + len(pattern))


class Hit(NamedTuple):
    """One occurrence of a pattern: a row of the concordance (``CONCORDANCE_COLUMNS``)."""

    unit_id: str
    doc_id: str
    speaker: str | None
    role: str | None
    cluster: str | None
    start: int
    end: int
    left: str
    hit: str
    right: str


def concordance(
    store: Store,
    pattern: str,
    flt: UnitFilter,
    *,
    word: bool = False,
    order: str = "doc",
    width: int = WIDTH,
) -> pd.DataFrame:
    """Return one row per occurrence of ``pattern`` (``CONCORDANCE_COLUMNS``).

    With ``word`` a hit must begin and end where the unit's cached jieba tokens
    do (会长 then misses 副会长, which jieba keeps whole). ``order`` is ``doc``
    (document and turn), ``left`` (by the characters just before the hit, the
    nearest first) or ``right`` (by those just after).
    """
    import pandas as pd

    hits = concordance_hits(store, pattern, flt, word=word, order=order, width=width)
    return pd.DataFrame(hits, columns=CONCORDANCE_COLUMNS)


def concordance_hits(
    store: Store,
    pattern: str,
    flt: UnitFilter,
    *,
    word: bool = False,
    order: str = "doc",
    width: int = WIDTH,
) -> list[Hit]:
    """Return the rows of ``concordance`` as a list, without pandas (the command's path)."""
    if order not in ORDERS:
        raise QueryError(f"unknown order '{order}': use one of {', '.join(ORDERS)}")
    if width < 1:
        raise QueryError("the context width must be at least one character")
    needle = pattern_view(pattern)
    units = store.units_containing(needle, flt)
    bounds = _token_bounds(store, [u.unit_id for u in units]) if word else {}
    rows = []
    for unit in units:
        ends = bounds.get(unit.unit_id)
        for start in find_all(unit.view, needle):
            end = start + len(needle)
            if ends is not None and not (_is_bound(ends, start) and _is_bound(ends, end)):
                continue
            rows.append(_row(unit, start, end, width))
    if order == "left":
        rows.sort(key=lambda h: h.left[::-1])  # sort() is stable, as pandas' was
    elif order == "right":
        rows.sort(key=lambda h: h.right)
    return rows


def _token_bounds(store: Store, unit_ids: list[str]) -> dict[str, list[int]]:
    """Return the sorted token boundaries of each unit; refuse units never segmented."""
    from itertools import accumulate

    tokens = store.tokens_of(unit_ids)
    missing = [u for u in unit_ids if u not in tokens]
    if missing:
        raise QueryError(
            f"{len(missing)} units with hits have no cached tokens (first: {missing[0]}); "
            "run 'clusterqda segment' before searching with --word"
        )
    return {u: [0, *accumulate(map(len, t))] for u, t in tokens.items()}


def _is_bound(bounds: list[int], offset: int) -> bool:
    at = bisect_left(bounds, offset)
    return at < len(bounds) and bounds[at] == offset


def _row(unit: UnitRow, start: int, end: int, width: int) -> Hit:
    text = unit.text
    return Hit(
        unit.unit_id,
        unit.doc_id,
        unit.speaker,
        unit.role,
        unit.cluster,
        start,
        end,
        text[max(0, start - width) : start].translate(_FLAT),
        text[start:end].translate(_FLAT),
        text[end : end + width].translate(_FLAT),
    )
