"""How far a report may trust each dimension's codes: provenance and reliability gating.

For the units of one scope (a cluster), the codings counted are those of each
unit's most trusted coder (``coding/trust.py``). Each coder used is measured
against people, per dimension, with Krippendorff's alpha:

- a machine coder (rules, model, hybrid) against the most trusted person who
  coded the same unit (consensus first), on this scope's double-coded units
  when there are at least ``MIN_DOUBLE_CODED`` (for the shipped hybrid and a
  project's own model and hybrid, leaving out the units their model learned
  from: agreement there would measure nothing);
  otherwise, for the rules and the hybrid, on the held-out gold recorded for the
  codebook (``codebooks/validation.csv``);
  otherwise on the whole project's double-coded units;
- a person against the other people who coded the same units (the same
  fall-back from scope to project); ``consensus`` against nobody (it *is* the
  reference), so it inherits the agreement of the people it settled.

A dimension's figure in a scope is the lowest alpha among the coders whose
units are counted there (a count is as reliable as its weakest contributor).
Following Krippendorff's convention, alpha >= 0.667 is *reliable*; from 0.5 to
0.667, or unmeasured, *tentative* (shown with its figure beside every count);
below 0.5 *unreliable* (left out of findings unless asked for).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from coding.agree import Judged, dimension_agreement, judgements
from coding.codebook import Codebook
from coding.evaluate import read_validation
from coding.store import Store
from coding.trust import coder_rank

ALPHA_RELIABLE = 0.667
ALPHA_MINIMUM = 0.5
MIN_DOUBLE_CODED = 20
BASIS_SCOPE = "本集群双重编码 this cluster"
BASIS_PROJECT = "全项目双重编码 the project"
BASIS_GOLD = "留出金标准 held-out gold"
UNMEASURED = "未测量 unmeasured"
RELIABLE, TENTATIVE, UNRELIABLE = "reliable", "tentative", "unreliable"
STATUS_LABEL = {
    RELIABLE: "可靠 reliable",
    TENTATIVE: "待定 tentative",
    UNRELIABLE: "不可靠 unreliable",
}


@dataclass
class Provenance:
    """Who coded a scope's units, how each coder did against people, and each dimension's verdict.

    ``coders``: ``coder, kind, rank, interview_turns, open_answers`` (units whose
    counted codings are this coder's). ``agreement``: ``coder, reference,
    dimension, basis, n_units, alpha, alpha_low, alpha_high``, one row per coder
    used and dimension. ``dimensions``: ``dimension, alpha, coder, basis,
    n_units, status`` (the weakest contributor's figure). ``double_coded``: the
    agreement between every pair of coders on this scope's units both coded
    (``first, second, dimension, n_units, alpha, alpha_low, alpha_high, note``).
    """

    coders: pd.DataFrame
    agreement: pd.DataFrame
    dimensions: pd.DataFrame
    double_coded: pd.DataFrame

    def status(self, dimension: str) -> str:
        """Return a dimension's verdict (tentative when unknown)."""
        row = self.dimensions[self.dimensions["dimension"] == dimension]
        return str(row["status"].iloc[0]) if len(row) else TENTATIVE

    def alpha(self, dimension: str) -> float:
        """Return a dimension's figure (NaN when unmeasured)."""
        row = self.dimensions[self.dimensions["dimension"] == dimension]
        return float(row["alpha"].iloc[0]) if len(row) else float("nan")


def verdict(alpha: float) -> str:
    """Return the status of a dimension measured at ``alpha`` (NaN: unmeasured)."""
    if np.isnan(alpha):
        return TENTATIVE
    if alpha >= ALPHA_RELIABLE:
        return RELIABLE
    return TENTATIVE if alpha >= ALPHA_MINIMUM else UNRELIABLE


def validation_table(project: Path | None, shipped: Path) -> pd.DataFrame:
    """Return the rule coders' recorded validation: the shipped file, then the project's own."""
    frames = [read_validation(shipped)]
    if project is not None and project.resolve() != shipped.resolve():
        frames.append(read_validation(project))
    table = pd.concat([f for f in frames if not f.empty] or frames, ignore_index=True)
    return table.drop_duplicates(["codebook_hash", "coder", "dimension"], keep="last")


def provenance(
    store: Store,
    codebook: Codebook,
    units: pd.DataFrame,
    validation: pd.DataFrame,
    bootstrap: int = 200,
) -> Provenance:
    """Measure the coders behind a scope's counts; ``units`` has ``unit_id, source``.

    ``source`` is ``interview`` or ``open_answer``; ``validation`` is
    ``validation_table``'s frame.
    """
    from coding.trust import trusted_coders

    kinds = store.coder_kinds()
    chosen = trusted_coders(store).merge(units[["unit_id", "source"]], on="unit_id")
    contributions = (
        chosen.groupby(["coder", "source"])["unit_id"]
        .nunique()
        .unstack(fill_value=0)
        .reindex(columns=["interview", "open_answer"], fill_value=0)
        .rename(columns={"interview": "interview_turns", "open_answer": "open_answers"})
        .reset_index()
    )
    contributions.insert(1, "kind", contributions["coder"].map(lambda c: _kind(c, kinds)))
    contributions.insert(2, "rank", [coder_rank(c, kinds.get(c)) for c in contributions["coder"]])
    contributions = contributions.sort_values(["rank", "coder"]).reset_index(drop=True)
    scope = set(units["unit_id"])
    people = [c for c in kinds if _kind(c, kinds) in ("consensus", "human")]
    rows = []
    for coder in contributions["coder"]:
        rows += _measure(store, codebook, coder, kinds, people, scope, validation, bootstrap)
    agreement = pd.DataFrame(
        rows,
        columns=[
            "coder",
            "reference",
            "dimension",
            "basis",
            "n_units",
            "alpha",
            "alpha_low",
            "alpha_high",
        ],
    )
    return Provenance(
        contributions,
        agreement,
        _weakest(agreement, codebook),
        _double_coded(store, codebook, scope, bootstrap),
    )


def _kind(coder: str, kinds: dict[str, str]) -> str:
    return "consensus" if coder == "consensus" else kinds.get(coder, "")


def _reference(store: Store, people: list[str], units: Collection[str] | None) -> dict[str, Judged]:
    """Return, per unit, the judgement of the most trusted person who coded it."""
    kinds = store.coder_kinds()
    ordered = sorted(people, key=lambda c: (coder_rank(c, kinds.get(c)), c))
    reference: dict[str, Judged] = {}
    for person in ordered:
        for unit, judged in judgements(store, person, units).items():
            reference.setdefault(unit, judged)
    return reference


def _measure(store, codebook, coder, kinds, people, scope, validation, bootstrap) -> list[tuple]:
    """Return one row per dimension: this coder against people, on the best basis there is."""
    kind = _kind(coder, kinds)
    if kind == "consensus":
        # the settled codes are the reference; their reliability is the people's
        others = [p for p in people if p != "consensus"]
        if len(others) < 2:
            return _unmeasured(codebook, coder, "—")
        first, rest = others[0], others[1:]
        return _against(store, codebook, first, rest, scope, None, bootstrap, coder)
    reference = [p for p in people if p != coder]
    if kind == "human":
        reference = [p for p in reference if p != "consensus"]
    fallback = validation[validation["coder"] == coder] if kind in ("rules", "hybrid") else None
    learned: frozenset[str] = frozenset()
    if kind in ("hybrid", "model"):
        from coding.hybrid.gold import shipped_learned_units

        # the shipped model's gold, or the project's people a `model train` learned from
        learned = shipped_learned_units(codebook, coder) | project_learned_units(store, coder)
    return _against(store, codebook, coder, reference, scope, fallback, bootstrap, coder, learned)


def project_learned_units(store: Store, coder: str) -> frozenset[str]:
    """Return the units a project's model coder (``model@…``, or ``hybrid@…`` from
    ``suggest``) learned from: those its training recorded, else (a model stored before
    the ids were kept) every unit its training coder has coded; empty for other coders."""
    _, _, version = coder.partition("@")
    training = store.model_training(version) if version else None
    if training is None:
        return frozenset()
    if "unit_ids" in training:
        return frozenset(training["unit_ids"])
    return frozenset(store.coded_units(training["coder"]))


def _against(
    store, codebook, coder, reference, scope, validation, bootstrap, shown, learned=frozenset()
) -> list[tuple]:
    """Alpha of ``coder`` against ``reference``: this scope, else validation, else the project;
    never on the units in ``learned`` (those the coder's model was trained on)."""
    if not reference:
        if validation is not None and len(validation):
            return _from_validation(codebook, shown, validation)
        return _unmeasured(codebook, shown, "—")
    label = "、".join(reference)
    mine = _unlearned(judgements(store, coder, scope), learned)
    theirs = _reference(store, reference, scope)
    if len(set(mine) & set(theirs)) >= MIN_DOUBLE_CODED:
        table = dimension_agreement(mine, theirs, codebook, bootstrap)
        return _rows(table, shown, label, BASIS_SCOPE)
    if validation is not None and len(validation):
        return _from_validation(codebook, shown, validation)
    mine, theirs = _unlearned(judgements(store, coder), learned), _reference(store, reference, None)
    if len(set(mine) & set(theirs)) >= MIN_DOUBLE_CODED:
        table = dimension_agreement(mine, theirs, codebook, bootstrap)
        return _rows(table, shown, label, BASIS_PROJECT)
    return _unmeasured(codebook, shown, label)


def _unlearned(judged: dict[str, Judged], learned: frozenset[str]) -> dict[str, Judged]:
    return {u: j for u, j in judged.items() if u not in learned} if learned else judged


def _rows(table: pd.DataFrame, coder: str, reference: str, basis: str) -> list[tuple]:
    return [
        (coder, reference, r.dimension, basis, r.n_units, r.alpha, r.alpha_low, r.alpha_high)
        for r in table.itertuples()
    ]


def _from_validation(codebook: Codebook, coder: str, validation: pd.DataFrame) -> list[tuple]:
    by_dim = validation.set_index("dimension")
    rows = []
    for dimension in codebook.dimensions:
        if dimension not in by_dim.index:
            rows.append((coder, "—", dimension, UNMEASURED, 0, *[np.nan] * 3))
            continue
        r = by_dim.loc[dimension]
        basis = f"{BASIS_GOLD} {r['gold']}"
        rows.append(
            (coder, "金标准 gold", dimension, basis, int(r["n_units"]), r["alpha"])
            + (r["alpha_low"], r["alpha_high"])
        )
    return rows


def _unmeasured(codebook: Codebook, coder: str, reference: str) -> list[tuple]:
    return [
        (coder, reference, d, UNMEASURED, 0, np.nan, np.nan, np.nan) for d in codebook.dimensions
    ]


def _weakest(agreement: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Per dimension, the lowest figure among the coders used (unmeasured counts as lowest)."""
    rows = []
    for dimension in codebook.dimensions:
        part = agreement[agreement["dimension"] == dimension]
        if part.empty:
            rows.append((dimension, np.nan, "", UNMEASURED, 0, TENTATIVE))
            continue
        unmeasured = part[part["alpha"].isna()]
        worst = unmeasured.iloc[0] if len(unmeasured) else part.loc[part["alpha"].idxmin()]
        rows.append(
            (
                dimension,
                worst["alpha"],
                worst["coder"],
                worst["basis"],
                worst["n_units"],
                verdict(float(worst["alpha"])),
            )
        )
    return pd.DataFrame(rows, columns=["dimension", "alpha", "coder", "basis", "n_units", "status"])


def _double_coded(
    store: Store, codebook: Codebook, scope: set[str], bootstrap: int
) -> pd.DataFrame:
    """Agreement of every pair of coders (one at least a person) on this scope's units both
    of them coded."""
    kinds = store.coder_kinds()
    coders = sorted(kinds, key=lambda c: (coder_rank(c, kinds.get(c)), c))
    looked = {c: judgements(store, c, scope) for c in coders}
    frames = []
    for i, first in enumerate(coders):
        for second in coders[i + 1 :]:
            if len(set(looked[first]) & set(looked[second])) == 0:
                continue
            if not {_kind(first, kinds), _kind(second, kinds)} & {"consensus", "human"}:
                continue  # two machines (the hybrid holds the rules' codings): no reliability

            table = dimension_agreement(looked[first], looked[second], codebook, bootstrap)
            frames.append(table.assign(first=first, second=second))
    columns = ["first", "second", "dimension", "n_units", "alpha", "alpha_low", "alpha_high"]
    if not frames:
        return pd.DataFrame(columns=[*columns, "note"])
    return pd.concat(frames, ignore_index=True)[[*columns, "note"]]
