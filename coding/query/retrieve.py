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
    import pandas as pd

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
    codings = store.unit_codings(flt, coder, codes=asked, trusted=trusted)
    rows = []
    for code in asked:
        mine = codings[[matches(c, code) for c in codings["code_id"]]]
        rows.append(mine.assign(code=code))
    found = pd.concat(rows, ignore_index=True) if rows else codings.assign(code="")
    if all_of:
        having = found.groupby("unit_id")["code"].nunique()
        found = found[found["unit_id"].isin(having[having == len(asked)].index)]
    if stance is not None:
        found = found[found["stance"] == stance]
    ids = found["unit_id"].unique().tolist()
    units = {u.unit_id: u for u in store.units_by_id(ids)}
    previous = store.previous_turns(ids)
    found_ids = found["unit_id"].tolist()  # a list: pandas' per-item access is slow
    for column in ("doc_id", "speaker", "role", "cluster", "text"):
        found[column] = [getattr(units[u], column) for u in found_ids]
    found["previous"] = found["unit_id"].map(previous).fillna("")
    order = {code: i for i, code in enumerate(asked)}
    found = found.assign(_order=found["code"].map(order)).sort_values(
        ["_order", "doc_id", "unit_id", "start"], kind="stable"
    )
    return found[RETRIEVE_COLUMNS].reset_index(drop=True)


def _check_known(store: Store, asked: list[str]) -> None:
    """Refuse a code that no coding in the project has (a typo, most likely)."""
    unknown = [a for a in asked if not store.has_code(a)]
    if unknown:
        known = store.code_ids()  # only to name them
        shown = ", ".join(sorted(known)[:12]) + (" …" if len(known) > 12 else "")
        raise QueryError(
            f"no coding in this project has code '{unknown[0]}' (codes used: {shown or 'none'})"
        )


def marked(segments: pd.DataFrame) -> pd.DataFrame:
    """Return segments for the terminal: code, unit, speaker, stance and the text with its
    evidence in 【】."""
    texts = [
        text
        if start != start or start is None
        else f"{text[: int(start)]}【{text[int(start) : int(end)]}】{text[int(end) :]}"
        for text, start, end in zip(
            segments["text"], segments["start"], segments["end"], strict=True
        )
    ]
    shown = segments[["code", "unit_id", "speaker", "role", "stance"]].copy()
    shown["text"] = texts
    return shown
