"""Belief types: k-means on standardised construct scores, reported only when there is structure.

For one set of respondents (a cluster, or all), k = 2 … ``MAX_TYPES`` is
tried and the k with the highest mean silhouette kept (scikit-learn's
``KMeans`` and ``silhouette_score``). Kaufman & Rousseeuw (1990, *Finding
Groups in Data*, p. 88) read an average silhouette of 0.25 or less as "no
substantial structure has been found"; then the result says
``NO_CLEAR_TYPES`` and the k-means groups are not presented as types. Note
that the silhouette of the best of several k is itself optimistic.

``TypeResult.types`` has one row per type (``scope, belief_type, description,
n, k, silhouette, verdict`` and ``<construct>_z``, the type's centre in
standard deviations), or, without clear types, one row with the verdict in
``description``, ``n`` respondents and no ``belief_type``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_TYPES = 6
MIN_RESPONDENTS = 10  # fewer complete respondents than this are not typed at all
SILHOUETTE_THRESHOLD = 0.25  # Kaufman & Rousseeuw: ≤ 0.25 means no substantial structure
CLEAR_TYPES = "有观念类型 belief types"
NO_CLEAR_TYPES = "无明显观念类型 no clear types"
TOO_FEW = "人数不足 too few respondents"


@dataclass
class TypeResult:
    """Belief types of one set of respondents, with the silhouette and its verdict."""

    scope: str
    n: int
    k: int
    silhouette: float
    verdict: str
    types: pd.DataFrame
    assignment: pd.Series  # respondent_id -> type number; empty without clear types

    @property
    def clear(self) -> bool:
        """Return whether the respondents fall into types (silhouette above the threshold)."""
        return self.verdict == CLEAR_TYPES


def belief_types(
    table: pd.DataFrame,
    constructs: Sequence[str],
    labels: Mapping[str, str],
    scope: str,
    seed: int = 0,
) -> TypeResult:
    """Return the belief types of the respondents in ``table`` with complete construct scores."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    constructs = list(constructs)
    complete = table.dropna(subset=constructs) if constructs else table.iloc[0:0]
    n = len(complete)
    if not constructs or n < MIN_RESPONDENTS:
        return _without_types(scope, n, 0, np.nan, TOO_FEW)
    features = StandardScaler().fit_transform(complete[constructs])
    best: tuple[float, int, KMeans] | None = None
    for k in range(2, min(MAX_TYPES, n - 1) + 1):
        # a few hundred rows: starting OpenMP threads costs 15 times the fit itself
        with threadpool_limits(1):
            model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(features)
        if len(set(model.labels_)) < 2:
            continue  # identical rows: k-means found one group only
        score = float(silhouette_score(features, model.labels_))
        if best is None or score > best[0]:
            best = (score, k, model)
    if best is None:
        return _without_types(scope, n, 0, np.nan, NO_CLEAR_TYPES)
    score, k, model = best
    if score <= SILHOUETTE_THRESHOLD:
        return _without_types(scope, n, k, score, NO_CLEAR_TYPES)
    centres = pd.DataFrame(model.cluster_centers_, columns=constructs)
    numbers = pd.Series(model.labels_ + 1, index=complete["respondent_id"].to_numpy())
    sizes = numbers.value_counts()
    types = pd.DataFrame(
        {
            "scope": scope,
            "belief_type": range(1, k + 1),
            "description": [_describe(centre, labels) for _, centre in centres.iterrows()],
            "n": [int(sizes.get(t, 0)) for t in range(1, k + 1)],
            "k": k,
            "silhouette": score,
            "verdict": CLEAR_TYPES,
        }
    )
    for c in constructs:
        types[f"{c}_z"] = centres[c].to_numpy()
    return TypeResult(scope, n, k, score, CLEAR_TYPES, types, numbers)


def _describe(centre: pd.Series, labels: Mapping[str, str]) -> str:
    top = centre.abs().sort_values(ascending=False).index[:2]
    words = [
        ("高" if centre[c] > 0 else "低") + labels.get(c, c) for c in top if abs(centre[c]) >= 0.3
    ]
    return "、".join(words) or "居中"


def _without_types(scope: str, n: int, k: int, score: float, verdict: str) -> TypeResult:
    why = f"（silhouette {score:.2f} ≤ {SILHOUETTE_THRESHOLD}）" if score == score else ""
    row = {
        "scope": scope,
        "belief_type": np.nan,
        "description": verdict + why,
        "n": n,
        "k": k or np.nan,
        "silhouette": score,
        "verdict": verdict,
    }
    return TypeResult(scope, n, k, score, verdict, pd.DataFrame([row]), pd.Series(dtype=float))
