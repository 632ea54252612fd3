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
from itertools import chain, repeat
from pathlib import Path

import numpy as np

from coding.errors import ModelError
from coding.hybrid.modeljson import parse_model_json, source_digest
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
    # the integer tables of ``tables.model_tables``, when kept beside the shipped model
    tables: dict[str, np.ndarray] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index = {f: i for i, f in enumerate(self.vocabulary)}
        self._coef_t: np.ndarray | None = None

    @property
    def index(self) -> dict[str, int]:
        """Return each feature's column (do not change it)."""
        return self._index

    @property
    def coder(self) -> str:
        """Return the coder id of codings made with these weights."""
        return f"hybrid@{self.version}"

    def matrix(self, feature_lists: list[list[str]]):
        """Return the tf-idf rows (sublinear tf, L2-normalised) of units' features.

        Built with whole-batch NumPy operations: every feature looked up in one pass,
        counted per unit by ``np.unique``; each row's norm is summed over its columns in
        their sorted order (the product with the idf sorts them), as a loop per unit and
        scikit-learn's ``normalize`` do, so the result is bit for bit theirs.
        """
        n = len(feature_lists)
        lengths = np.fromiter(map(len, feature_lists), np.int64, n)
        total = int(lengths.sum())
        found = np.fromiter(
            map(self._index.get, chain.from_iterable(feature_lists), repeat(-1)), np.int64, total
        )
        rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
        known = found >= 0
        return self.matrix_of(rows[known], found[known], n)

    def matrix_of(self, rows: np.ndarray, columns: np.ndarray, n: int):
        """Return ``matrix`` of ``n`` units from their known features' (unit, column)
        pairs, in any order (a pair as often as the feature comes)."""
        from scipy.sparse import csr_matrix

        data, columns, indptr = self._tfidf(rows, columns, n)
        return csr_matrix((data, columns, indptr), shape=(n, len(self.vocabulary)))

    def _tfidf(
        self, rows: np.ndarray, columns: np.ndarray, n: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``matrix_of``'s rows as CSR arrays (data, columns, row starts)."""
        width = len(self.vocabulary)
        # each (unit, column) once, sorted, with how often it came: the columns' order in a
        # row is the sorted one the product with the idf gives in any case
        keys = np.sort(rows * width + columns)
        edges = np.ones(len(keys), dtype=bool)
        edges[1:] = keys[1:] != keys[:-1]
        starts = np.flatnonzero(edges)
        counts = np.diff(np.append(starts, len(keys)))
        keys = keys[starts]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys // width, minlength=n), out=indptr[1:])
        columns = keys % width
        data = (1.0 + np.log(counts.astype(np.float64))) * self.idf[columns]
        _normalise_rows(data, indptr)
        return data, columns, indptr

    def proba_of_pairs(self, rows: np.ndarray, columns: np.ndarray, n: int) -> np.ndarray:
        """Return ``proba_of(matrix_of(rows, columns, n))`` without SciPy (whose import
        took a third of a second in each worker of `code`), the same figures bit for bit."""
        data, columns, indptr = self._tfidf(rows, columns, n)
        return self._calibrated(_sparse_dot(data, columns, indptr, self.dense_coef()))

    def dense_coef(self) -> np.ndarray:
        """Return the weights as float64, features x codes (converted once)."""
        if self._coef_t is None:
            self._coef_t = np.ascontiguousarray(self.coef.T, dtype=np.float64)
        return self._coef_t

    def predict_proba(self, feature_lists: list[list[str]]) -> np.ndarray:
        """Return calibrated P(code) per unit (rows) and code (columns, ``codes``)."""
        if not feature_lists:
            return np.zeros((0, len(self.codes)))
        return self.proba_of(self.matrix(feature_lists))

    def proba_of(self, matrix) -> np.ndarray:
        """Return calibrated P(code) of the rows of a ``matrix``."""
        return self._calibrated(np.asarray(matrix @ self.dense_coef()))

    def _calibrated(self, products: np.ndarray) -> np.ndarray:
        """Return calibrated P(code) from the rows' products with the weights."""
        scores = products + self.intercept
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
        from coding.hybrid.tables import write_tables

        write_tables(self.vocabulary, self.stance, json_path)
        return json_path


def _normalise_rows(data: np.ndarray, indptr: np.ndarray) -> None:
    """Divide each CSR row by its L2 norm in place (rows of zeros stay), summing the
    squares of a row in its stored order, as scikit-learn's ``normalize`` does."""
    lengths = np.diff(indptr)
    rows = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    # ``bincount`` adds each weight to its bin one after the other, from zero: each
    # row's squares summed in their stored order, for all rows in one pass
    sums = np.bincount(rows, weights=data * data, minlength=len(lengths))
    norms = np.sqrt(sums)
    norms[norms == 0.0] = 1.0
    data /= np.repeat(norms, lengths)


def _sparse_dot(
    data: np.ndarray, columns: np.ndarray, indptr: np.ndarray, dense: np.ndarray
) -> np.ndarray:
    """Return the CSR rows (data, columns, indptr) times ``dense``, summed as SciPy's
    ``csr @ dense`` sums: each row from zero, one stored entry after the other in order.

    Vectorised across rows instead: step ``p`` adds every row's ``p``-th entry, the rows
    sorted longest first so that those still going are a prefix.
    """
    n = len(indptr) - 1
    lengths = np.diff(indptr)
    order = np.argsort(-lengths, kind="stable")
    firsts = indptr[:-1][order]
    longer = n - np.cumsum(np.bincount(lengths, minlength=1))  # rows longer than p
    out = np.zeros((n, dense.shape[1]))
    for p, k in enumerate(longer[:-1].tolist()):
        at = firsts[:k] + p
        out[:k] += data[at, None] * dense[columns[at]]
    products = np.empty_like(out)
    products[order] = out
    return products


def _sha(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array, dtype=np.float32).tobytes()).hexdigest()


def load_weights(
    json_path: Path, head: dict | None = None, source: str | None = None
) -> LearnedWeights:
    """Load shipped weights; refuse a file of another format or whose weights changed.
    ``head`` is the JSON file already parsed, when the caller has it, and ``source`` its
    bytes' SHA-256 (the model's kept tables are used only with it)."""
    from coding.hybrid.tables import read_tables

    try:
        if head is None:
            data = json_path.read_bytes()
            head, source = parse_model_json(data), source_digest(data)
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
        read_tables(json_path, source) if source is not None else None,
    )
