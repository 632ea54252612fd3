"""Using a stored model: its codes for every interviewee turn, and how unsure it is."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coding.codebook import Codebook
from coding.errors import ModelError
from coding.store import CodingRow, Store
from coding.suggest.storage import load_model


@dataclass
class SuggestReport:
    """What ``suggest`` stored."""

    coder: str
    units: int
    codings: int
    hybrid: str | None  # hybrid@<version>, or None when it did not beat rules and model
    hybrid_codings: int
    why_no_hybrid: str = ""


def suggest(store: Store, codebook: Codebook, batch: int = 5000) -> SuggestReport:
    """Store the model's codes (P >= 0.5, probability kept) as coder model@version.

    When cross-validation found the hybrid better than both the rules and the
    model alone, also store it as hybrid@version: the rules' codings plus the
    model's codes above their per-code thresholds.
    """
    stored_model = load_model(store, codebook)
    version, model, thresholds = stored_model.version, stored_model.model, stored_model.thresholds
    coder = f"model@{version}"
    store.register_coder(coder, "model", codebook.hash, codebook.version)
    units = store.units()
    units = units[~units["is_interviewer"].astype(bool)]
    tokens = store.newest_tokens()
    ids_all = list(units["unit_id"])
    text_of = dict(zip(units["unit_id"], units["text"], strict=True))
    why = _hybrid_verdict(store, codebook, stored_model.metrics)
    hybrid = None if why else f"hybrid@{version}"
    ruled: dict[str, list[CodingRow]] = {}
    if hybrid:
        store.register_coder(hybrid, "hybrid", codebook.hash, codebook.version)
        for row in store.coding_rows(codebook.coder):
            ruled.setdefault(row.unit_id, []).append(row)
    stored = stored_hybrid = 0
    for start in range(0, len(ids_all), batch):
        ids = ids_all[start : start + batch]
        proba = model.predict_proba([tokens.get(u) or text_of[u] for u in ids])
        rows: list[CodingRow] = []
        mixed: list[CodingRow] = []
        for i, unit in enumerate(ids):
            by_rules = {r.code_id for r in ruled.get(unit, [])}
            mixed += ruled.get(unit, [])
            for j, code in enumerate(model.classes_):
                p = float(proba[i, j])
                if p >= 0.5:
                    rows.append(CodingRow(unit, code, None, terms=[], probability=p))
                if hybrid and code not in by_rules and p >= thresholds.get(code, 1.1):
                    mixed.append(CodingRow(unit, code, None, terms=[], probability=p))
        store.save_codings(coder, ids, rows)
        stored += len(rows)
        if hybrid:
            store.save_codings(hybrid, ids, mixed)
            stored_hybrid += len(mixed)
    return SuggestReport(coder, len(ids_all), stored, hybrid, stored_hybrid, why)


def _hybrid_verdict(store: Store, codebook: Codebook, metrics: dict) -> str:
    """Return why the hybrid is not stored ('' when it is)."""
    if store.count_uncoded(codebook.coder):
        return "run `clusterqda code` first: the hybrid starts from the rules' codings"
    f1 = {r["coder"]: r["f1"] or 0.0 for r in metrics["per_dimension"] if r["dimension"] == "all"}
    if f1.get("hybrid", 0.0) > max(f1.get("rules", 0.0), f1.get("model", 0.0)):
        return ""
    return (
        f"in cross-validation the hybrid (F1 {f1.get('hybrid', 0):.3f}) did not beat the rules "
        f"({f1.get('rules', 0):.3f}) and the model ({f1.get('model', 0):.3f})"
    )


def uncertainty(store: Store, codebook: Codebook, unit_ids: list[str]) -> np.ndarray:
    """Return how unsure the model is of each unit: 1 when some code sits at p = 0.5."""
    model = load_model(store, codebook).model
    tokens = store.newest_tokens()
    texts = store.units().set_index("unit_id")["text"]
    if not model.classes_:
        raise ModelError("the trained model learned no code; code more units first")
    proba = model.predict_proba([tokens.get(u) or texts[u] for u in unit_ids])
    return (1 - np.abs(2 * proba - 1)).max(axis=1)


def uncertainty_order(store: Store, codebook: Codebook):
    """Return a unit order for coding sheets: what the trained model is least sure of first."""
    load_model(store, codebook)  # fail now, before a sheet is half made, if there is none

    def order(unit_ids: list[str]) -> list[str]:
        unsure = uncertainty(store, codebook, unit_ids)
        return [unit_ids[i] for i in np.argsort(-unsure, kind="stable")]

    return order
