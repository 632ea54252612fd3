"""The learned part of the default coder as shipped data: vocabulary, idf and weights.

Nothing is pickled. ``<name>-<version>.json`` holds the codes, vocabulary, idf,
intercepts, the sigmoid calibration, per-code thresholds and how each code is decided;
``<name>-<version>.npy`` the weight matrix (codes x features, float32). The small stance
model (``stancemodel.py``) is kept in the JSON as lists. Both are written
byte for byte the same from the same inputs, and ``version`` is a hash of what the model
was made from (codebook hash, training data, parameters, library versions).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from coding.errors import ModelError
from coding.hybrid.stancemodel import StanceWeights

FORMAT = "clusterqda-hybrid-1"
# How a code is decided: by the rules alone, by the rules plus the model's code where
# the rules gave none, or by the model alone (it sees the rules' hits as features).
POLICIES = ("rules", "union", "model")


@dataclass
class LearnedWeights:
    """A fitted linear model per code over the features of ``features.py``."""

    name: str  # the codebook's name
    version: str
    codebook_hash: str
    codes: list[str]
    vocabulary: list[str]
    idf: np.ndarray  # (features,)
    coef: np.ndarray  # (codes, features) float32
    intercept: np.ndarray  # (codes,)
    calibration: np.ndarray  # (codes, 2): P = 1 / (1 + exp(-(a * score + b)))
    thresholds: dict[str, float]
    policy: dict[str, str]
    made_from: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    # the learned stance of COND, EVAL and AGENCY codings; None keeps the cue words
    stance: StanceWeights | None = None

    def __post_init__(self) -> None:
        self._index = {f: i for i, f in enumerate(self.vocabulary)}

    @property
    def coder(self) -> str:
        """Return the coder id of codings made with these weights."""
        return f"hybrid@{self.version}"

    def matrix(self, feature_lists: list[list[str]]):
        """Return the tf-idf rows (sublinear tf, L2-normalised) of units' features."""
        from scipy.sparse import csr_matrix
        from sklearn.preprocessing import normalize

        index = self._index
        indptr: list[int] = [0]
        indices: list[int] = []
        values: list[int] = []
        for features in feature_lists:
            counts: dict[int, int] = {}
            for f in features:
                j = index.get(f)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            indices += counts.keys()
            values += counts.values()
            indptr.append(len(indices))
        data = np.asarray(values, dtype=np.float64)
        rows = csr_matrix(
            (1.0 + np.log(data, where=data > 0, out=np.zeros_like(data)), indices, indptr),
            shape=(len(feature_lists), len(self.vocabulary)),
        )
        rows = rows.multiply(self.idf).tocsr()
        return normalize(rows)

    def predict_proba(self, feature_lists: list[list[str]]) -> np.ndarray:
        """Return calibrated P(code) per unit (rows) and code (columns, ``codes``)."""
        if not feature_lists:
            return np.zeros((0, len(self.codes)))
        scores = self.matrix(feature_lists) @ self.coef.T.astype(np.float64) + self.intercept
        a, b = self.calibration[:, 0], self.calibration[:, 1]
        return 1.0 / (1.0 + np.exp(-(a * np.asarray(scores) + b)))

    def save(self, folder: Path) -> Path:
        """Write the .json and .npy files into ``folder``; return the .json path."""
        folder.mkdir(parents=True, exist_ok=True)
        stem = folder / f"{self.name}-{self.version}"
        head = {
            "format": FORMAT,
            "name": self.name,
            "version": self.version,
            "codebook_hash": self.codebook_hash,
            "codes": self.codes,
            "thresholds": self.thresholds,
            "policy": self.policy,
            "intercept": [float(x) for x in self.intercept],
            "calibration": [[float(a), float(b)] for a, b in self.calibration],
            "idf": [float(x) for x in self.idf],
            "vocabulary": self.vocabulary,
            "weights_sha256": _sha(self.coef),
            "made_from": self.made_from,
            "metrics": self.metrics,
            "stance": self.stance.to_json() if self.stance is not None else None,
        }
        json_path = stem.with_suffix(".json")
        json_path.write_text(
            json.dumps(head, ensure_ascii=False, indent=0, sort_keys=True), encoding="utf-8"
        )
        np.save(stem.with_suffix(".npy"), self.coef.astype(np.float32), allow_pickle=False)
        return json_path


def _sha(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array, dtype=np.float32).tobytes()).hexdigest()


def load_weights(json_path: Path) -> LearnedWeights:
    """Load shipped weights; refuse a file of another format or whose weights changed."""
    try:
        head = json.loads(json_path.read_text(encoding="utf-8"))
        coef = np.load(json_path.with_suffix(".npy"), allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the shipped model {json_path.name}: {exc}") from exc
    if head.get("format") != FORMAT:
        raise ModelError(f"{json_path.name} is not a clusterqda hybrid model")
    if _sha(coef) != head["weights_sha256"]:
        raise ModelError(f"the weights of {json_path.name} do not match their checksum")
    return LearnedWeights(
        head["name"],
        head["version"],
        head["codebook_hash"],
        head["codes"],
        head["vocabulary"],
        np.asarray(head["idf"], dtype=np.float64),
        coef,
        np.asarray(head["intercept"], dtype=np.float64),
        np.asarray(head["calibration"], dtype=np.float64).reshape(-1, 2),
        head["thresholds"],
        head["policy"],
        head.get("made_from", {}),
        head.get("metrics", {}),
        StanceWeights.from_json(head["stance"]) if head.get("stance") else None,
    )
