"""Training a model on a project's human codings, scored beside the rules."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sklearn.base import clone

from coding.codebook import Codebook
from coding.metrics import by_dimension
from coding.store import Store
from coding.suggest.data import training_data
from coding.suggest.estimator import CodeSuggester
from coding.suggest.storage import save_model
from coding.suggest.validate import cross_validate, learning_curve


@dataclass
class TrainResult:
    """A trained and stored model with its cross-validated scores."""

    version: str
    coder: str
    units: int
    per_code: pd.DataFrame
    per_dimension: pd.DataFrame
    thresholds: dict[str, float]
    learned: list[str]


def train(
    store: Store, codebook: Codebook, sources: list[str], folds: int = 5, seed: int = 0
) -> TrainResult:
    """Cross-validate against the rules on the same folds, fit on all units, store the model."""
    data = training_data(store, codebook, sources)
    model = CodeSuggester(random_state=seed, n_jobs=-1)
    per_code, thresholds = cross_validate(data, model, folds, seed)
    per_dimension = by_dimension(per_code)
    fitted = clone(model).fit(data.texts, data.codes, data.scope())
    metrics = {
        "folds": folds,
        "per_dimension": per_dimension.to_dict(orient="records"),
        "support": fitted.counts_,
    }
    version = save_model(store, codebook, fitted, data, thresholds, metrics)
    return TrainResult(
        version, data.coder, len(data.texts), per_code, per_dimension, thresholds, fitted.classes_
    )


def per_code_summary(result: TrainResult) -> pd.DataFrame:
    """One row per code: examples, learned or not, F1 of rules/model/hybrid, threshold."""
    table = result.per_code
    wide = table.pivot(index="code_id", columns="coder", values="f1")
    support = table[table["coder"] == "rules"].set_index("code_id")
    summary = pd.DataFrame(
        {
            "examples": support["tp"] + support["fn"],
            "learned": support.index.isin(result.learned),
            "f1_rules": wide.get("rules"),
            "f1_model": wide.get("model"),
            "f1_hybrid": wide.get("hybrid"),
            "threshold": pd.Series(result.thresholds).where(lambda t: t <= 1),
        }
    )
    return summary.rename_axis("code_id").reset_index()


@dataclass
class Training:
    """What `model train` reports: the stored model and the tables to print or write."""

    result: TrainResult
    tables: dict[str, pd.DataFrame]  # per_code, per_dimension, and with a curve: curve, held_out


def train_and_report(
    store: Store, codebook: Codebook, sources: list[str], folds: int = 5, curve: bool = False
) -> Training:
    """Train and store a model; return its per-code summary, scores and, if asked, its curve."""
    result = train(store, codebook, sources, folds)
    tables = {"per_code": per_code_summary(result), "per_dimension": result.per_dimension}
    if curve:
        tables["curve"], tables["held_out"] = learning_curve(
            training_data(store, codebook, [result.coder])
        )
    return Training(result, tables)
