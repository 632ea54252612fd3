"""Whose codings count: per unit, the most trusted coder who looked at it.

Precedence, from most to least trusted: the adjudicated ``consensus``, then
people (coders of kind ``human``, by name), then ``hybrid@…``, ``model@…`` and
``rules@…`` coders. Beliefs and reports count only the chosen coder's codings
of each unit, so no unit is counted twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coding.store import Store

if TYPE_CHECKING:  # pandas only where a frame is made: ranking coders needs none
    import pandas as pd

# Lower is more trusted; a kind not listed comes last.
PRECEDENCE = {"consensus": 0, "human": 1, "hybrid": 2, "model": 3, "rules": 4}


def coder_rank(coder: str, kind: str | None) -> int:
    """Return how trusted a coder is (0 = most)."""
    return PRECEDENCE["consensus"] if coder == "consensus" else PRECEDENCE.get(kind or "", 5)


def trusted_coders(store: Store) -> pd.DataFrame:
    """Return ``unit_id, coder``: for each unit looked at, its most trusted coder."""
    import pandas as pd

    kinds = store.coder_kinds()
    looked = store.coded_unit_coders()
    if looked.empty:
        return pd.DataFrame(columns=["unit_id", "coder"])
    looked["rank"] = [coder_rank(c, kinds.get(c)) for c in looked["coder"]]
    best = looked.sort_values(["unit_id", "rank", "coder"]).drop_duplicates("unit_id")
    return best[["unit_id", "coder"]].reset_index(drop=True)


def trusted_codings(store: Store) -> pd.DataFrame:
    """Return ``unit_id, code_id, stance`` of each unit's most trusted coder."""
    import pandas as pd

    best = trusted_coders(store)
    if best.empty:
        return pd.DataFrame(columns=["unit_id", "code_id", "stance"])
    chosen = store.coding_stances().merge(best, on=["unit_id", "coder"])
    return chosen[["unit_id", "code_id", "stance"]]
