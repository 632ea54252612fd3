"""Scoring proposed episodes against a key: which units belong to which real episode.

* Extended B-cubed (Amigó, Gonzalo, Artiles and Verdejo 2009, *Information Retrieval*
  12(4)) over the units of key episodes; a unit may be in several episodes on either
  side. A key unit no proposal holds counts as a proposal of its own.
* Triangulated recall: the share of key episodes told by two or more interviewees
  that a proposal matches, one to one (Hungarian assignment on Jaccard overlap of unit
  sets, scipy), with overlap above 0.5.
* Proposal precision: the share of proposals matched that way to any key episode.
* First year: among matched key episodes whose key gives a first year, the share whose
  proposal has the same first year.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from coding.errors import InputError

KEY_COLUMNS = ["episode_id", "cluster", "name", "year_start", "unit_ids"]
MATCH = 0.5


@dataclass
class EpisodeScores:
    """The scores of a set of proposals against a key."""

    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    triangulated_recall: float
    triangulated: int
    proposal_precision: float
    proposals: int
    first_year: float
    years_judged: int
    matches: list[tuple[str, str, float]]  # key episode, proposal, Jaccard


def read_key(path: str | Path) -> pd.DataFrame:
    """Return an episode key (CSV with ``KEY_COLUMNS``; unit ids joined by ';')."""
    from coding.common.tables import read_table

    key = read_table(Path(path), required=KEY_COLUMNS)
    if key["episode_id"].duplicated().any():
        raise InputError("an episode id appears twice in the key", Path(path))
    return key


def _sets(frame: pd.DataFrame) -> dict[str, set[str]]:
    return {
        str(e): {u for u in str(units).split(";") if u}
        for e, units in zip(frame["episode_id"], frame["unit_ids"], strict=True)
    }


def bcubed(key: dict[str, set[str]], proposed: dict[str, set[str]]) -> tuple[float, float]:
    """Return extended B-cubed precision and recall over the units of the key."""
    units = sorted(set().union(*key.values())) if key else []
    if not units:
        return float("nan"), float("nan")
    gold = {u: {e for e, s in key.items() if u in s} for u in units}
    got = {u: {p for p, s in proposed.items() if u in s} or {f"·{u}"} for u in units}
    precision = recall = 0.0
    for u in units:
        same_p = [v for v in units if got[u] & got[v]]
        same_g = [v for v in units if gold[u] & gold[v]]
        precision += sum(
            min(len(got[u] & got[v]), len(gold[u] & gold[v])) / len(got[u] & got[v]) for v in same_p
        ) / len(same_p)
        recall += sum(
            min(len(got[u] & got[v]), len(gold[u] & gold[v])) / len(gold[u] & gold[v])
            for v in same_g
        ) / len(same_g)
    return precision / len(units), recall / len(units)


def match(key: dict[str, set[str]], proposed: dict[str, set[str]]) -> list[tuple[str, str, float]]:
    """Return one-to-one matches (key, proposal, Jaccard) with Jaccard above 0.5."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    keys, props = list(key), list(proposed)
    if not keys or not props:
        return []
    overlap = np.array(
        [[len(key[k] & proposed[p]) / len(key[k] | proposed[p]) for p in props] for k in keys]
    )
    rows, cols = linear_sum_assignment(-overlap)
    return [
        (keys[r], props[c], float(overlap[r, c])) for r, c in zip(rows, cols, strict=True)
        if overlap[r, c] > MATCH
    ]  # fmt: skip


def score(
    key: pd.DataFrame,
    proposed: pd.DataFrame,
    interviewees: dict[str, str],
) -> EpisodeScores:
    """Score proposals (``episode_id, unit_ids, year_start``) against a key.

    ``interviewees`` maps a unit id to who spoke it, to find the triangulated key episodes.
    Only proposals of the key's clusters are scored.
    """
    proposed = proposed[proposed["cluster"].isin(set(key["cluster"]))]
    gold, got = _sets(key), _sets(proposed)
    precision, recall = bcubed(gold, got)
    matches = match(gold, got)
    matched = {k: p for k, p, _ in matches}
    told = {k: {interviewees.get(u, u) for u in s} for k, s in gold.items()}
    triangulated = [k for k in gold if len(told[k]) >= 2]
    key_year = dict(zip(key["episode_id"].astype(str), key["year_start"], strict=True))
    got_year = dict(zip(proposed["episode_id"].astype(str), proposed["year_start"], strict=True))
    judged = [k for k in matched if _year(key_year[k]) is not None]
    right = sum(_year(key_year[k]) == _year(got_year[matched[k]]) for k in judged)
    return EpisodeScores(
        precision,
        recall,
        2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        sum(k in matched for k in triangulated) / len(triangulated) if triangulated else 0.0,
        len(triangulated),
        len(matches) / len(got) if got else 0.0,
        len(got),
        right / len(judged) if judged else float("nan"),
        len(judged),
        matches,
    )


def _year(value: object) -> int | None:
    try:
        return int(float(str(value)))
    except ValueError:
        return None
