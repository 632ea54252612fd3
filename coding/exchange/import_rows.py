"""A source's selections, mapped to its units (``qde_map``), taken as coding rows by coder.

A row is ``(unit rowid, code id, stance, start, end)``, one per unit a coding's span
falls in. Every selection and coding is checked in turn (a dropped one is accounted
for with its reason), except in the usual source of our own exports, where every
selection is one coding of a known code in one unit: its columns are zipped at once.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import count, repeat
from operator import add, itemgetter

from coding.exchange.import_account import ImportSummary
from coding.exchange.qde_map import Mapped

# a coding of a source: its unit, code and span (the stance may differ between coders)
_KEY = itemgetter(0, 1, 3, 4)


def rows_by_coder(
    mapped: Mapped,
    rowids: list[int],
    code_ids: dict[str, str],
    coder_of: Callable[[str | None], str],
    summary: ImportSummary,
) -> tuple[dict[str, list[tuple]], int, int]:
    """Return a source's rows by coder and how many selections and codings were taken;
    ``rowids`` are its units' in order, ``code_ids`` maps code GUIDs to the project's ids,
    ``coder_of`` gives a user GUID's coder (called once per user, in order of first coding)."""
    rows_by = _whole_rows(mapped, rowids, code_ids, coder_of)
    if rows_by is not None:
        return rows_by, len(mapped), len(mapped)
    return _walked_rows(mapped, rowids, code_ids, coder_of, summary)


def _walked_rows(
    mapped: Mapped, rowids: list[int], code_ids: dict, coder_of: Callable, summary: ImportSummary
) -> tuple[dict[str, list[tuple]], int, int]:
    """Return a source's rows by coder, and the selections and codings taken, each
    selection and coding checked in turn (what is dropped is accounted for)."""
    # runs once per coding of the file: a tight loop over columns, names looked up
    # once outside it; the spans' units were found before (``Mapped.find``)
    drop = summary.drop
    coders: dict[str | None, str] = {}  # user GUID -> coder
    seen: set[tuple] = set()
    rows_by: dict[str, list[tuple]] = {}  # this document's codings, by coder
    taken = codings_taken = 0
    codes, users, first = mapped.codes, mapped.users, mapped.first
    hit_units, hit_starts, hit_ends = mapped.hit_units, mapped.hit_starts, mapped.hit_ends
    items = None  # GUIDs and names, split only when something is dropped
    c = 0  # the selection's first coding
    for k, (reason, n) in enumerate(zip(mapped.reasons, mapped.counts, strict=True)):
        if reason is not None:
            items = items or list(mapped.dropped_items())
            guid, name, coding_guids = items[k]
            drop("PlainTextSelection", guid, name, reason)
            for coding_guid in coding_guids:
                drop("Coding", coding_guid, "", f"its selection is dropped: {reason}")
            c += n
            continue
        taken += 1
        start, end, stance = mapped.starts[k], mapped.ends[k], mapped.stances[k]
        hits = range(first[k], first[k + 1])
        for j in range(c, c + n):
            code_id = code_ids.get(codes[j])
            if code_id is None:
                items = items or list(mapped.dropped_items())
                drop("Coding", items[k][2][j - c], "", "its CodeRef names no code of the file")
                continue
            user = users[j]
            coder = coders.get(user)
            if coder is None:
                coder = coders[user] = coder_of(user)
            key = (coder, code_id, start, end)
            if key in seen:
                items = items or list(mapped.dropped_items())
                drop("Coding", items[k][2][j - c], "", "the same code, coder and span again")
                continue
            seen.add(key)
            codings_taken += 1
            rows = rows_by.get(coder)
            if rows is None:
                rows = rows_by[coder] = []
            for h in hits:
                rows.append((rowids[hit_units[h]], code_id, stance, hit_starts[h], hit_ends[h]))
        c += n
    return rows_by, taken, codings_taken


def _whole_rows(
    mapped: Mapped, rowids: list[int], code_ids: dict, coder_of: Callable
) -> dict[str, list[tuple]] | None:
    """Return a source's rows by coder as ``_walked_rows`` takes them, when every
    selection is taken whole (one coding of a known code, in one unit, none twice);
    else None. Users are named in the order that walk names them."""
    # our exports' usual source: its columns zipped in C, not walked per coding
    n = len(mapped)
    if (
        len(mapped.codes) != n
        or len(mapped.hit_units) != n
        or mapped.counts.count(1) != n
        or mapped.reasons.count(None) != n
    ):
        return None
    codes = list(map(code_ids.get, mapped.codes))
    if None in codes:
        return None
    coders = {user: coder_of(user) for user in dict.fromkeys(mapped.users)}
    who = list(map(coders.__getitem__, mapped.users))
    if len(set(zip(who, codes, mapped.starts, mapped.ends, strict=True))) != n:
        return None  # the same coding twice: the loop says which
    rows = list(
        zip(
            map(rowids.__getitem__, mapped.hit_units),
            codes,
            mapped.stances,
            mapped.hit_starts,
            mapped.hit_ends,
            strict=True,
        )
    )
    names = list(dict.fromkeys(who))
    if len(names) == 1:
        return {names[0]: rows}
    return {name: [r for r, w in zip(rows, who, strict=True) if w == name] for name in names}


def shared_rows(first: list[tuple], second: list[tuple], a: int, b: int) -> list[tuple]:
    """Return two coders' rows of a source (``rows_by_coder``'s) as ``coding_data`` rows
    ``(unit, code_id, stance, start, end, coder, also, also_stance)``: a coding both gave
    (the same unit, code and span) is one row of ``a`` with ``b`` as ``also``, else a
    row of its coder; ``a`` and ``b`` are the coders' row ids.

    ``also`` 0 and ``also_stance`` '' stand for none (the store binds them as NULL).
    Rows are in an order that keeps each coder's own order of its codings, and with
    nothing shared are ``a``'s then ``b``'s. Where only ``a`` states a stance, the row
    is ``b``'s with ``a`` as ``also`` (``also_stance`` NULL is the first coder's stance,
    so it cannot say "none").
    """
    # a shared coding is found by its key in a's rows, not searched; it must come after
    # the last one taken, so that both coders' orders hold. Rows are the given tuples
    # with the coders appended (``add`` over ``map``: no loop per row of one coder)
    at = dict(zip(map(_KEY, first), count()))
    alone_a, alone_b, both = (a, 0, ""), (b, 0, ""), (a, b, "")
    out: list[tuple] = []
    held: list[tuple] = []  # b's own codings since the last shared one
    i = 0
    for r, j in zip(second, map(at.get, map(_KEY, second)), strict=True):
        if j is None or j < i:
            held.append(r)
            continue
        if j > i:
            out += map(add, first[i:j], repeat(alone_a))
        if held:
            out += map(add, held, repeat(alone_b))
            held = []
        i = j + 1
        mine, theirs = first[j][2], r[2]
        if mine == theirs:
            out.append(r + both)
        elif theirs or not mine:
            out.append(first[j] + (a, b, theirs or ""))
        else:
            out.append(r + (b, a, mine))
    out += map(add, first[i:], repeat(alone_a))
    out += map(add, held, repeat(alone_b))
    return out
