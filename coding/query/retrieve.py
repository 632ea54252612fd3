"""Coded segments: every coding of some codes with its evidence, its unit and the turn before.

A code names itself and its children (``ACT.FIRM`` also retrieves
``ACT.FIRM.LEAD``). Without ``coder`` each unit's codings come from its most
trusted coder (``trust.py``: consensus, people, hybrid, model, rules), so a
unit is never shown twice for one code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from coding.errors import OptionError, QueryError
from coding.store import Store, UnitFilter

if TYPE_CHECKING:
    import pandas as pd

RETRIEVE_COLUMNS = [
    "code",  # the code asked for (a parent when a child's coding was found)
    "code_id",  # the coding's own code
    "unit_id",
    "doc_id",
    "speaker",
    "role",
    "cluster",
    "coder",
    "stance",  # positive, negative, neutral, mixed (or empty)
    "start",  # the evidence's offsets into the unit's text (empty: the whole unit)
    "end",
    "evidence",
    "text",  # the unit's whole text
    "previous",  # the turn before it (the question), empty for a first turn
]
STANCES = ("positive", "negative", "neutral", "mixed")


def matches(code_id: str, asked: str) -> bool:
    """Return whether a coding's code is the code asked for or one of its children."""
    return code_id == asked or code_id.startswith(asked + ".")


def retrieve(
    store: Store,
    codes: Sequence[str],
    flt: UnitFilter,
    *,
    coder: str | None = None,
    stance: str | None = None,
    all_of: bool = False,
) -> pd.DataFrame:
    """Return the coded segments of ``codes`` (``RETRIEVE_COLUMNS``), grouped by code.

    ``all_of`` keeps only units that have every code asked for; ``stance``
    keeps only codings of that stance.
    """
    rows = retrieve_rows(store, codes, flt, coder=coder, stance=stance, all_of=all_of)
    return segment_frame(rows)


def segment_frame(rows: list[tuple]) -> pd.DataFrame:
    """Return ``retrieve_rows``' rows as a table with ``RETRIEVE_COLUMNS``."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=RETRIEVE_COLUMNS)
    for column in ("start", "end"):  # offsets stay integers where every coding has them
        if frame[column].notna().all():
            frame[column] = frame[column].astype("int64")
    return frame


def retrieve_rows(
    store: Store,
    codes: Sequence[str],
    flt: UnitFilter,
    *,
    coder: str | None = None,
    stance: str | None = None,
    all_of: bool = False,
) -> list[tuple]:
    """Return the rows of ``retrieve`` (``RETRIEVE_COLUMNS``' values) without pandas, which
    the command does not need: by code as asked, then document, unit and offset."""
    asked = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if not asked:
        raise QueryError("name at least one code to retrieve, e.g. CA.MH")
    if stance is not None and stance not in STANCES:
        raise OptionError(f"unknown stance '{stance}': use one of {', '.join(STANCES)}")
    if coder is not None and coder not in store.coder_kinds():
        known = ", ".join(store.coder_kinds()) or "none yet"
        raise OptionError(f"no coder '{coder}' in this project (coders: {known})")
    from coding.query.filters import trusted_order

    _check_known(store, asked)
    # only the codes asked for are read (a code's children by an index range), each unit's
    # from its most trusted coder: the project's hundreds of thousands of codings stay put
    trusted = None if coder else trusted_order(store)
    codings = store.unit_coding_rows(flt, coder, codes=asked, trusted=trusted)
    # (code asked, unit_id, code_id, coder, stance, start, end, evidence)
    found = [(code, *row) for code in asked for row in codings if matches(row[1], code)]
    if all_of:
        having: dict[str, set[str]] = {}
        for code, unit_id, *_ in found:
            having.setdefault(unit_id, set()).add(code)
        found = [row for row in found if len(having[row[1]]) == len(asked)]
    if stance is not None:
        found = [row for row in found if row[4] == stance]
    ids = list(dict.fromkeys(row[1] for row in found))
    units = {u.unit_id: u for u in store.units_by_id(ids)}
    previous = store.previous_turns(ids)
    rows = []
    for code, unit_id, code_id, who, said, start, end, evidence in found:
        unit = units[unit_id]
        rows.append(
            (code, code_id, unit_id, unit.doc_id, unit.speaker, unit.role, unit.cluster)
            + (who, said, start, end, evidence, unit.text, previous.get(unit_id) or "")
        )
    order = {code: i for i, code in enumerate(asked)}
    # as pandas sorted them before: stable, a coding without offsets last among its unit's
    rows.sort(key=lambda r: (order[r[0]], r[3], r[2], r[9] is None, r[9] or 0))
    return rows


def _check_known(store: Store, asked: list[str]) -> None:
    """Refuse a code that no coding in the project has (a typo, most likely)."""
    unknown = [a for a in asked if not store.has_code(a)]
    if unknown:
        known = store.code_ids()  # only to name them
        shown = ", ".join(sorted(known)[:12]) + (" …" if len(known) > 12 else "")
        raise QueryError(
            f"no coding in this project has code '{unknown[0]}' (codes used: {shown or 'none'})"
        )


MARKED_COLUMNS = ["code", "unit_id", "speaker", "role", "stance", "text"]


def marked(segments: pd.DataFrame) -> pd.DataFrame:
    """Return segments for the terminal: code, unit, speaker, stance and the text with its
    evidence in 【】."""
    texts = [
        _mark(text, start, end)
        for text, start, end in zip(
            segments["text"], segments["start"], segments["end"], strict=True
        )
    ]
    shown = segments[["code", "unit_id", "speaker", "role", "stance"]].copy()
    shown["text"] = texts
    return shown


def marked_rows(rows: list[tuple]) -> list[tuple]:
    """Return ``retrieve_rows``' rows as the terminal shows them (``MARKED_COLUMNS``)."""
    return [(r[0], r[2], r[4], r[5], r[8], _mark(r[12], r[9], r[10])) for r in rows]


def _mark(text: str, start, end) -> str:
    if start is None or start != start:
        return text
    return f"{text[: int(start)]}【{text[int(start) : int(end)]}】{text[int(end) :]}"
