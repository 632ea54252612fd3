"""Keeping models in the project database: versioned by what they were made from."""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass

from coding.codebook import Codebook
from coding.errors import ModelError
from coding.store import Store
from coding.suggest.data import TrainingData
from coding.suggest.estimator import CodeSuggester


def save_model(
    store: Store,
    codebook: Codebook,
    model: CodeSuggester,
    data: TrainingData,
    thresholds: dict[str, float],
    metrics: dict,
) -> str:
    """Store a fitted model in the project database; return its version.

    The version names what the model was made from (codebook, training codings,
    parameters, thresholds, library versions), not the pickle's bytes, which vary
    from run to run with the order of sets: the same data give the same version.
    """
    import sklearn

    blob = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.sha256(blob).hexdigest()
    made_from = {
        "codebook": codebook.hash,
        "training": data.fingerprint,
        "params": {k: repr(v) for k, v in sorted(model.get_params().items())},
        "thresholds": {k: round(v, 9) for k, v in sorted(thresholds.items())},
        "sklearn": sklearn.__version__,
    }
    version = hashlib.sha256(json.dumps(made_from, sort_keys=True).encode()).hexdigest()[:12]
    store.save_model(
        version,
        codebook.hash,
        # the units it learned from: agreement on them would measure nothing (gating)
        {
            "coder": data.coder,
            "units": len(data.texts),
            "sha256": data.fingerprint,
            "unit_ids": list(data.unit_ids),
        },
        {**model.get_params(), "thresholds": thresholds},
        metrics,
        blob,
        digest,
    )
    return version


@dataclass
class StoredModel:
    """A model loaded from the project database."""

    version: str
    model: CodeSuggester
    thresholds: dict[str, float]
    metrics: dict


def load_model(store: Store, codebook: Codebook) -> StoredModel:
    """Load the newest model trained with this codebook from the project database."""
    row = store.newest_model(codebook.hash)
    if row is None:
        raise ModelError("no model trained with this codebook; run `clusterqda model train` first")
    version, params, metrics, digest, blob = row
    # only a blob this project wrote, unchanged since, is ever unpickled
    if hashlib.sha256(blob).hexdigest() != digest:
        raise ModelError(f"model {version} in the project database is corrupt; train it again")
    return StoredModel(version, pickle.loads(blob), params["thresholds"], metrics)
