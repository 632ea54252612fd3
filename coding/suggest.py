"""Model-assisted coding: a scikit-learn estimator that learns codes from human codings."""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass

import jieba
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import GroupKFold, KFold
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from coding.codebook import Codebook
from coding.errors import ClusterQDAError
from coding.store import Store

# With fewer positives, a code has at most three per fold of the two-fold
# sigmoid calibration once a fifth is held out for cross-validation, and the
# learning curves on the sample show F1 near zero below it.
MIN_EXAMPLES = 8
# A code's model threshold must beat the rules alone by this much F1 on the
# out-of-fold predictions, so one lucky fold does not switch the model on.
GAIN = 0.02


class ModelError(ClusterQDAError):
    """Raised when there is nothing to learn from, or no trained model to use."""


def _words(text: str | list[str]) -> list[str]:
    """Word unigrams and bigrams from cached jieba tokens (or jieba on a raw string)."""
    tokens = [t for t in (text if isinstance(text, list) else jieba.lcut(text)) if t.strip()]
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def _chars(text: str | list[str]) -> list[str]:
    """Character 2- and 3-grams, which catch words the segmenter cut differently."""
    s = "".join(text) if isinstance(text, list) else text
    return [s[i : i + n] for n in (2, 3) for i in range(len(s) - n + 1)]


class CodeSuggester(BaseEstimator):
    """One calibrated linear classifier per code over word and character n-grams.

    ``fit(texts, code_sets)``: texts are strings or lists of jieba tokens;
    code_sets the codes a person gave each text. Codes with fewer than
    ``min_examples`` positives are not learned; ``classes_`` lists the rest.
    """

    def __init__(
        self,
        min_examples: int = MIN_EXAMPLES,
        C: float = 0.5,
        random_state: int = 0,
        n_jobs: int | None = None,
    ):
        self.min_examples = min_examples
        self.C = C
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, texts, code_sets, judged=None) -> CodeSuggester:
        """Learn every code with enough positive examples; return self.

        ``judged`` optionally gives, per text, the codes the coder looked at
        (None: all); a text is a negative example only for codes it was judged on.
        """
        code_sets = [set(c) for c in code_sets]
        if len(texts) != len(code_sets):
            raise ValueError("texts and code_sets differ in length")
        judged = list(judged) if judged is not None else [None] * len(code_sets)
        counts = pd.Series([c for s in code_sets for c in s], dtype=object).value_counts()
        self.counts_ = {str(k): int(v) for k, v in counts.items()}
        if self.min_examples < 2:
            raise ValueError("min_examples must be at least 2 (calibration splits in two)")
        masks = {c: np.array([j is None or c in j for j in judged]) for c in self.counts_}
        self.classes_ = sorted(
            c
            for c, n in self.counts_.items()
            if n >= self.min_examples and masks[c].sum() - n >= 2  # a code on every unit: no
        )
        self.features_ = FeatureUnion(
            [
                ("words", TfidfVectorizer(analyzer=_words, sublinear_tf=True, min_df=1)),
                ("chars", TfidfVectorizer(analyzer=_chars, sublinear_tf=True, min_df=2)),
            ]
        )
        matrix = self.features_.fit_transform(list(texts))
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_code)(
                matrix[masks[c]],
                np.array([c in s for s in code_sets], dtype=int)[masks[c]],
                self,
            )
            for c in self.classes_
        )
        return self

    def predict_proba(self, texts) -> np.ndarray:
        """Return P(code applies) for each text (rows) and each of ``classes_`` (columns)."""
        check_is_fitted(self, "estimators_")
        matrix = self.features_.transform(list(texts))
        if not self.estimators_:
            return np.zeros((matrix.shape[0], 0))
        return np.column_stack([e.predict_proba(matrix)[:, 1] for e in self.estimators_])

    def predict(self, texts, threshold: float | dict[str, float] = 0.5) -> list[set[str]]:
        """Return the codes whose probability reaches the threshold (one or per code)."""
        return codes_above(self.classes_, self.predict_proba(texts), threshold)


def codes_above(
    classes: list[str], proba: np.ndarray, threshold: float | dict[str, float]
) -> list[set[str]]:
    """Return per row the classes whose probability reaches the threshold (a code without
    a threshold of its own never does)."""
    cut = np.array(
        [threshold.get(c, 1.1) if isinstance(threshold, dict) else threshold for c in classes]
    )
    return [{classes[j] for j in np.flatnonzero(row >= cut)} for row in proba]


def _fit_code(matrix, y: np.ndarray, params: CodeSuggester) -> CalibratedClassifierCV:
    """Fit one code's calibrated linear SVM."""
    # balanced weights stop rare codes being drowned by the many negatives;
    # sigmoid calibration turns margins back into honest probabilities
    base = LinearSVC(
        C=params.C, class_weight="balanced", tol=1e-3, random_state=params.random_state
    )
    # two calibration folds, not three: 20,000 units train in 33 s instead of 66 s
    folds = 2
    return CalibratedClassifierCV(base, method="sigmoid", cv=folds).fit(matrix, y)


@dataclass
class TrainingData:
    """Human-coded units: ids, tokens, the codes given, and what the rules gave."""

    unit_ids: list[str]
    texts: list[list[str] | str]
    codes: list[set[str]]
    rules: list[set[str]]
    coder: str
    fingerprint: str
    judged: list[frozenset[str] | None] | None = None  # per unit the codes judged; None: all

    def scope(self) -> list[frozenset[str] | None]:
        """Return the codes judged per unit (None: every code)."""
        return self.judged if self.judged is not None else [None] * len(self.texts)

    def subset(self, index) -> TrainingData:
        """Return the units at these positions."""
        scope = self.scope()
        return TrainingData(
            [self.unit_ids[i] for i in index],
            [self.texts[i] for i in index],
            [self.codes[i] for i in index],
            [self.rules[i] for i in index],
            self.coder,
            self.fingerprint,
            [scope[i] for i in index],
        )


def training_data(store: Store, codebook: Codebook, coders: list[str]) -> TrainingData:
    """Collect the units of the first listed coder kind that has codings (consensus, human)."""
    kinds = store.coder_kinds()
    chosen = None
    for wanted in coders:
        names = [n for n, k in kinds.items() if wanted in (n, k) and store.coded_units(n)]
        if names:
            chosen = names[0]
            break
    if chosen is None:
        raise ModelError(f"no units coded by {' or '.join(coders)}; import a coding sheet first")
    done = store.coded_units(chosen)
    given: dict[str, set[str]] = {u: set() for u in done}
    for unit, code in store.coded_pairs(chosen):
        given[unit].add(code)
    rules: dict[str, set[str]] = {u: set() for u in done}
    for unit, code in store.coded_pairs(codebook.coder):
        if unit in rules:
            rules[unit].add(code)
    units = store.units().set_index("unit_id")
    tokens = store.newest_tokens()
    ids = sorted(done, key=lambda u: (units.at[u, "doc_id"], int(units.at[u, "turn"])))
    texts = [tokens.get(u) or units.at[u, "text"] for u in ids]
    digest = hashlib.sha256(
        json.dumps(
            [(u, sorted(given[u]), sorted(done[u]) if done[u] else None) for u in ids],
            ensure_ascii=False,
        ).encode()
    ).hexdigest()
    codes, ruled = [given[u] for u in ids], [rules[u] for u in ids]
    return TrainingData(ids, texts, codes, ruled, chosen, digest, [done[u] for u in ids])


def _scores(
    truth: list[set[str]], predicted: list[set[str]], codes: list[str], judged=None
) -> pd.DataFrame:
    """Return true/false positives and negatives per code, counting only judged codes."""
    if judged is not None:
        predicted = [p if j is None else p & j for p, j in zip(predicted, judged, strict=True)]
    rows = []
    for code in codes:
        tp = sum(code in t and code in p for t, p in zip(truth, predicted, strict=True))
        fp = sum(code not in t and code in p for t, p in zip(truth, predicted, strict=True))
        fn = sum(code in t and code not in p for t, p in zip(truth, predicted, strict=True))
        rows.append((code, tp, fp, fn))
    return pd.DataFrame(rows, columns=["code_id", "tp", "fp", "fn"])


def score_coders(
    truth: list[set[str]], coders: dict[str, list[set[str]]], codes: list[str], judged=None
) -> pd.DataFrame:
    """Return tp/fp/fn per code for each named coder's code sets against the same truth."""
    return pd.concat(
        [_scores(truth, sets, codes, judged).assign(coder=name) for name, sets in coders.items()],
        ignore_index=True,
    )


def prf(counts: pd.DataFrame) -> pd.DataFrame:
    """Add precision, recall and F1 to tp/fp/fn counts."""
    out = counts.copy()
    out["precision"] = out["tp"] / (out["tp"] + out["fp"]).replace(0, np.nan)
    out["recall"] = out["tp"] / (out["tp"] + out["fn"]).replace(0, np.nan)
    out["f1"] = 2 * out["tp"] / (2 * out["tp"] + out["fp"] + out["fn"]).replace(0, np.nan)
    return out


def cross_validate(
    data: TrainingData, model: CodeSuggester, folds: int = 5, seed: int = 0
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Score model, rules and the hybrid on the same folds; choose per-code thresholds.

    Returns one row per (coder, code) with tp/fp/fn/precision/recall/F1, and the
    threshold per code that maximises the hybrid's F1 over the out-of-fold
    probabilities (the model adds a code the rules missed above it).
    """
    n = len(data.texts)
    if n < 2 * folds:
        raise ModelError(f"only {n} coded units; cross-validation needs at least {2 * folds}")
    codes = sorted({c for s in data.codes for c in s})
    proba = pd.DataFrame(0.0, index=range(n), columns=codes)
    learned: set[str] = set()
    groups = [_document(u) for u in data.unit_ids]
    if len(set(groups)) >= folds:
        # whole interviews per fold: turns of one interview share names and wording
        splits = GroupKFold(folds).split(data.texts, groups=groups)
    else:
        splits = KFold(folds, shuffle=True, random_state=seed).split(data.texts)
    scope = data.scope()
    for train, test in splits:
        fitted = clone(model).fit(
            [data.texts[i] for i in train],
            [data.codes[i] for i in train],
            [scope[i] for i in train],
        )
        learned |= set(fitted.classes_)
        if fitted.classes_:
            p = fitted.predict_proba([data.texts[i] for i in test])
            proba.loc[test, fitted.classes_] = p
    grid = np.round(np.arange(0.1, 0.95, 0.05), 2)
    thresholds: dict[str, float] = {}
    for code in sorted(learned):
        seen = np.array([j is None or code in j for j in scope])
        truth = np.array([code in s for s in data.codes])[seen]
        ruled = np.array([code in s for s in data.rules])[seen]
        best = (_f1(truth, ruled), 1.1)  # 1.1: never add, the rules alone are better
        for t in grid:
            f1 = _f1(truth, ruled | (proba[code].to_numpy()[seen] >= t))
            if f1 > best[0] + GAIN:
                best = (f1, float(t))
        thresholds[code] = best[1]
    model_sets = [{c for c in learned if proba.at[i, c] >= 0.5} for i in range(n)]
    hybrid_sets = [
        data.rules[i] | {c for c, t in thresholds.items() if proba.at[i, c] >= t} for i in range(n)
    ]
    sets = {"rules": data.rules, "model": model_sets, "hybrid": hybrid_sets}
    table = prf(score_coders(data.codes, sets, codes, scope))
    table["learned"] = table["code_id"].isin(learned)
    return table, thresholds


def _f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    tp = int((truth & predicted).sum())
    denominator = int(truth.sum() + predicted.sum())
    return 2 * tp / denominator if denominator else 0.0


def by_dimension(table: pd.DataFrame) -> pd.DataFrame:
    """Pool per-code counts into micro-averaged scores per dimension and coder."""
    pooled = (
        table.assign(dimension=table["code_id"].str.split(".").str[0])
        .groupby(["dimension", "coder"])[["tp", "fp", "fn"]]
        .sum()
        .reset_index()
    )
    overall = table.groupby("coder")[["tp", "fp", "fn"]].sum().reset_index()
    overall.insert(0, "dimension", "all")
    return prf(pd.concat([pooled, overall], ignore_index=True))


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
        {"coder": data.coder, "units": len(data.texts), "sha256": data.fingerprint},
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
    ruled: dict[str, list[tuple]] = {}
    if hybrid:
        store.register_coder(hybrid, "hybrid", codebook.hash, codebook.version)
        for row in store.coding_rows(codebook.coder):
            ruled.setdefault(row[0], []).append(row)
    stored = stored_hybrid = 0
    empty = (None, None, None, None, None, [])
    for start in range(0, len(ids_all), batch):
        ids = ids_all[start : start + batch]
        proba = model.predict_proba([tokens.get(u) or text_of[u] for u in ids])
        rows, mixed = [], []
        for i, unit in enumerate(ids):
            by_rules = {r[1] for r in ruled.get(unit, [])}
            mixed += ruled.get(unit, [])
            for j, code in enumerate(model.classes_):
                p = float(proba[i, j])
                if p >= 0.5:
                    rows.append((unit, code, *empty, p))
                if hybrid and code not in by_rules and p >= thresholds.get(code, 1.1):
                    mixed.append((unit, code, *empty, p))
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


def _document(unit_id: str) -> str:
    """Return the document of a unit id (``<doc_id>#<turn>``)."""
    return unit_id.rsplit("#", 1)[0]


def interview_halves(unit_ids: list[str], seed: int = 0) -> tuple[np.ndarray, int]:
    """Shuffle interviews and return (unit positions, split point) nearest half the units.

    Whole interviews go to one side, so no interview is both learned and tested.
    """
    docs = list(dict.fromkeys(_document(u) for u in unit_ids))
    rank = {d: i for i, d in enumerate(np.random.default_rng(seed).permutation(docs))}
    order = np.array(sorted(range(len(unit_ids)), key=lambda i: rank[_document(unit_ids[i])]))
    doc_of = [_document(unit_ids[i]) for i in order]
    starts = [i for i in range(1, len(order)) if doc_of[i] != doc_of[i - 1]]
    half = min(starts, key=lambda i: abs(i - len(order) / 2)) if starts else len(order) // 2
    return order, half


def learning_curve(
    data: TrainingData, steps: int = 4, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train on growing shares of half the units; score on the other half, never tuned on.

    Returns micro-averaged precision/recall/F1 of rules, model and hybrid per
    training size, and the per-dimension scores at the largest size.
    """
    order, half = interview_halves(data.unit_ids, seed)
    test = data.subset(order[half:])
    if half < 12:
        raise ModelError(f"only {len(order)} coded units; a learning curve needs at least 24")
    codes = sorted({c for s in data.codes for c in s})
    rows, last = [], None
    for size in sorted({max(12, round(half * (k + 1) / steps)) for k in range(steps)}):
        train_part = data.subset(order[:size])
        # thresholds come from cross-validation inside the training part only
        _, thresholds = cross_validate(train_part, CodeSuggester(random_state=seed), 3, seed)
        model = CodeSuggester(random_state=seed).fit(
            train_part.texts, train_part.codes, train_part.scope()
        )
        proba = model.predict_proba(test.texts)
        added = codes_above(model.classes_, proba, thresholds)
        sets = {
            "rules": test.rules,
            "model": codes_above(model.classes_, proba, 0.5),
            "hybrid": [r | a for r, a in zip(test.rules, added, strict=True)],
        }
        last = by_dimension(score_coders(test.codes, sets, codes, test.scope()))
        overall = last[last["dimension"] == "all"].drop(columns="dimension")
        rows.append(overall.assign(training_units=size, test_units=len(test.texts)))
    curve = pd.concat(rows, ignore_index=True)
    curve = curve[["training_units", "test_units", "coder", "precision", "recall", "f1"]]
    return curve, last


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
