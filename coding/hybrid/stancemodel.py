"""A learned stance for the default coder's COND, EVAL and AGENCY codings.

The cue-word stance (``coding/stance.py``) knows each code's valence and a list of
judging words; the human gold (v2 sets, ``stances`` column) shows where speakers hedge
(``效果是有的，但是…`` is ``mixed``), state a policy without judging it (``neutral``) or
deny a will. This model reads the code, the cue-word stance, negation and wish cues, and
the character n-grams of the evidence's sentences and their neighbours, and predicts
one of ``STANCES`` with a multinomial logistic regression. It is fitted and judged by
leave-cluster-out cross-validation on training gold only; a dimension keeps the cue
words where cross-validation did not find the model better (``StanceWeights.dimensions``).
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

import numpy as np

from coding.model import Coding
from coding.stance import (
    around_counts,
    code_stance,
    cueless,
    polarity_counts,
    sentences_counts,
    stance_from_counts,
)
from coding.textview import TextView

# The dimensions whose codes carry a stance in the gold (GUIDE.md, "Stance").
STANCE_DIMENSIONS = ("AGENCY", "COND", "EVAL")
# Feature families; prefixes keep them apart.
_GRAM_ORDERS = (1, 2)
# what the stance model reads of a span: its first EVIDENCE_CHARS characters, and
# NEIGHBOUR_CHARS either side (stancebatch reads the same stretches by offset)
NEIGHBOUR_CHARS = 80
EVIDENCE_CHARS = 400
BAR = "|"  # between the neighbouring text before a span and after it
C = 1.0
# a code needs this many training stances, all alike, before its stance is fixed
MIN_FIXED = 10


def _grams(text: str, prefix: str) -> list[str]:
    return [prefix + text[i : i + n] for n in _GRAM_ORDERS for i in range(len(text) - n + 1)]


def evidence_sentences(view: TextView, coding: Coding) -> tuple[int, int]:
    """Return the span of the sentences holding a coding's evidence (the unit for a
    model's coding, which has no evidence span)."""
    if coding.rule_id == "model" or coding.end <= coding.start:
        return 0, len(view.text)
    return view.sentences_span(coding.start, coding.end)


def stance_features(view: TextView, coding: Coding) -> list[str]:
    """Return the feature strings the stance model reads for one coding of one unit."""
    code, dim = coding.code_id, coding.code_id.split(".")[0]
    start, end = evidence_sentences(view, coding)
    cue, shared = _span_features(view, start, end, dim)
    return [
        "c:" + code,  # first: ``StanceWeights.fixed`` reads the code here
        f"cc:{code}|{cue}",
        "rule:" + ("model" if coding.rule_id == "model" else "rule"),
        # the cue-word method's answer is itself a strong feature
        f"old:{code}|{code_stance(code, cue, False)}",
        *shared,
    ]


def _span_features(view: TextView, start: int, end: int, dim: str) -> tuple[str, list[str]]:
    """Return the cue-word stance and the features of one span of sentences for codes of
    one dimension; kept on the view, since a unit's codings often share their sentences."""
    cache = view.__dict__.setdefault("_stance_spans", {})
    key = (start, end, dim)
    if key not in cache:
        cue, evidence, (neighbours, around), flags = span_parts(view, start, end)
        features = ["d:" + dim, "cue:" + cue, f"around:{dim}|{around}"]
        features += [f"{flag}:{dim}" for flag in flags]
        features += _grams(evidence, "e:")
        features += _grams(evidence, f"e{dim}:")
        features += _grams(neighbours, "n:")
        cache[key] = (cue, features)
    return cache[key]


def span_parts(
    view: TextView, start: int, end: int
) -> tuple[str, str, tuple[str, str], tuple[str, ...]]:
    """Return what the stance model reads of a span of sentences whatever the code: the
    cue-word stance, the evidence (its first 400 characters), the neighbouring text with
    its cue-word stance, and which of negation (``neg``) and wish (``hyp``) it holds."""
    cache = view.__dict__.setdefault("_stance_parts", {})
    key = (start, end)
    if key not in cache:
        text = view.text
        # a span of whole sentences (as evidence_sentences gives) is counted on the view
        whole = end - start <= EVIDENCE_CHARS and _sentence_edges(view, start, end)
        cue, around, flags = span_stances(view, start, end, whole)
        before = text[max(0, start - NEIGHBOUR_CHARS) : start]
        after = text[end : end + NEIGHBOUR_CHARS]
        evidence = text[start:end][:EVIDENCE_CHARS]
        cache[key] = (cue, evidence, (before + BAR + after, around), flags)
    return cache[key]


def span_stances(
    view: TextView, start: int, end: int, whole: bool
) -> tuple[str, str, tuple[str, ...]]:
    """Return ``span_parts``' cue-word stances (the evidence's and the neighbours') and
    flags, without its texts; ``whole``: the span is at most ``EVIDENCE_CHARS`` long and
    starts and ends where sentences do (then it is counted on the view)."""
    if whole and cueless(view):  # most texts: no cue in any piece of them
        cue = around = "neutral"
    elif whole:
        cue = stance_from_counts(*sentences_counts(view, start, end))
        around = stance_from_counts(*around_counts(view, start, end, NEIGHBOUR_CHARS))
    else:
        text = view.text
        cue = stance_from_counts(*polarity_counts(text[start:end][:EVIDENCE_CHARS]))
        before = text[max(0, start - NEIGHBOUR_CHARS) : start]
        around = stance_from_counts(*polarity_counts(before + text[end : end + NEIGHBOUR_CHARS]))
    # a text without a negation character negates no clause of it (asked once per view)
    negated = view.may_negate and view.clause_negated(start, end)
    flags: tuple[str, ...] = ("neg",) if negated else ()
    # view.hypothetical of a hit at ``start``, without building the Hit
    if bisect_right(view.sentence_starts(), start) - 1 in view.hypotheticals:
        flags += ("hyp",)
    return cue, around, flags


def _sentence_edges(view: TextView, start: int, end: int) -> bool:
    """Return whether a span starts where a sentence starts and ends where one ends."""
    starts = view.sentence_starts()
    at = bisect_left(starts, start)
    if at == len(starts) or starts[at] != start:
        return False
    if end == len(view.text):
        return True
    after = bisect_left(starts, end)
    return after < len(starts) and starts[after] == end


@dataclass
class StanceWeights:
    """A fitted multinomial model over ``stance_features``; shipped inside the model JSON."""

    classes: list[str]
    vocabulary: list[str]
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray  # (classes,)
    dimensions: list[str]  # where the model decides; elsewhere the cue words
    metrics: dict = field(default_factory=dict)
    # codes the training gold always gave one stance (EVAL.TOOLITTLE is never praise)
    fixed: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._index = {f: i for i, f in enumerate(self.vocabulary)}

    @property
    def index(self) -> dict[str, int]:
        """Return each feature's column (do not change it)."""
        return self._index

    def predict(self, feature_lists: list[list[str]]) -> list[str]:
        """Return the most likely stance for each coding's features."""
        index, out = self._index, []
        # a few codings per unit: summing their weight columns beats building a matrix
        for features in feature_lists:
            code = features[0][len("c:") :] if features else ""
            if code in self.fixed:
                out.append(self.fixed[code])
                continue
            columns = sorted({index[f] for f in features if f in index})
            scores = self.coef[:, columns].sum(axis=1) + self.intercept
            out.append(self.classes[int(np.argmax(scores))])
        return out

    def restance(self, view: TextView, codings: list[Coding]) -> list[Coding]:
        """Return the codings with the learned stance where this model decides."""
        from dataclasses import replace

        chosen = [i for i, c in enumerate(codings) if c.code_id.split(".")[0] in self.dimensions]
        if not chosen:
            return codings
        said = self.predict([stance_features(view, codings[i]) for i in chosen])
        out = list(codings)
        for i, stance in zip(chosen, said, strict=True):
            out[i] = replace(out[i], stance=stance)
        return out

    def to_json(self) -> dict:
        """Return the model as plain JSON data."""
        return {
            "classes": self.classes,
            "vocabulary": self.vocabulary,
            "coef": [[round(float(v), 6) for v in row] for row in self.coef],
            "intercept": [round(float(v), 6) for v in self.intercept],
            "dimensions": self.dimensions,
            "metrics": self.metrics,
            "fixed": self.fixed,
        }

    @classmethod
    def from_json(cls, data: dict) -> StanceWeights:
        """Rebuild the model from ``to_json``'s data."""
        return cls(
            list(data["classes"]),
            list(data["vocabulary"]),
            np.asarray(data["coef"], dtype=np.float64),
            np.asarray(data["intercept"], dtype=np.float64),
            list(data["dimensions"]),
            dict(data.get("metrics", {})),
            dict(data.get("fixed", {})),
        )

    def digest(self) -> str:
        """Return a SHA-256 of the model's data (part of the coder's version)."""
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()


def _binary(feature_lists: list[list[str]], index: dict[str, int]):
    """Return a CSR matrix with 1 where a unit has a feature of the vocabulary."""
    from scipy.sparse import csr_matrix

    indptr, indices = [0], []
    for features in feature_lists:
        indices += sorted({index[f] for f in features if f in index})
        indptr.append(len(indices))
    data = np.ones(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(feature_lists), len(index)))


def _fit(features: list[list[str]], labels: list[str], c: float, min_df: int = 2):
    """Fit the multinomial model; return (vocabulary, classes, coef, intercept)."""
    from sklearn.linear_model import LogisticRegression

    counts: dict[str, int] = {}
    for fs in features:
        for f in set(fs):
            counts[f] = counts.get(f, 0) + 1
    vocabulary = sorted(f for f, n in counts.items() if n >= min_df)
    x = _binary(features, {f: i for i, f in enumerate(vocabulary)})
    if len(set(labels)) == 1:  # nothing to tell apart: always that stance
        return vocabulary, [labels[0]], np.zeros((1, len(vocabulary))), np.zeros(1)
    fitted = LogisticRegression(C=c, max_iter=2000).fit(x, labels)
    classes = [str(k) for k in fitted.classes_]
    coef, intercept = fitted.coef_, fitted.intercept_
    if len(classes) == 2:  # a binary fit has one row: make it one row per class
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return vocabulary, classes, coef, intercept


@dataclass
class StanceExamples:
    """Gold stances of codings as the stance model sees them."""

    features: list[list[str]]
    labels: list[str]
    cue: list[str]  # the cue-word method's stance for the same coding
    dimensions: list[str]
    groups: list[str]


def stance_cv(examples: StanceExamples, c: float = C, folds: int = 5) -> dict[str, np.ndarray]:
    """Return out-of-fold predictions of the learned model (folds keep groups together)."""
    from sklearn.model_selection import GroupKFold

    predicted = np.empty(len(examples.labels), dtype=object)
    for train, test in GroupKFold(folds).split(examples.labels, groups=examples.groups):
        vocab, classes, coef, intercept = _fit(
            [examples.features[i] for i in train], [examples.labels[i] for i in train], c
        )
        fixed = _fixed([examples.features[i] for i in train], [examples.labels[i] for i in train])
        model = StanceWeights(classes, vocab, coef, intercept, list(STANCE_DIMENSIONS), {}, fixed)
        predicted[test] = model.predict([examples.features[i] for i in test])
    return {"learned": predicted, "cue": np.asarray(examples.cue, dtype=object)}


def fit_stance(examples: StanceExamples, c: float = C, folds: int = 5) -> StanceWeights:
    """Cross-validate, keep the model for the dimensions where it beats the cue words, fit."""
    oof = stance_cv(examples, c, folds)
    labels = np.asarray(examples.labels, dtype=object)
    dims = np.asarray(examples.dimensions, dtype=object)
    kept, rows = [], []
    for dim in STANCE_DIMENSIONS:
        mask = dims == dim
        if not mask.any():
            continue
        learned = float((oof["learned"][mask] == labels[mask]).mean())
        cue = float((oof["cue"][mask] == labels[mask]).mean())
        rows.append({"dimension": dim, "n": int(mask.sum()), "learned": learned, "cue": cue})
        if learned > cue:
            kept.append(dim)
    vocab, classes, coef, intercept = _fit(examples.features, examples.labels, c)
    metrics = {"cross_validated": rows, "C": c, "folds": folds}
    fixed = _fixed(examples.features, examples.labels)
    return StanceWeights(classes, vocab, coef, intercept, kept, metrics, fixed)


def _fixed(features: list[list[str]], labels: list[str]) -> dict[str, str]:
    """Return the codes given one and the same stance in every one of at least
    ``MIN_FIXED`` training examples, with that stance."""
    seen: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    for fs, label in zip(features, labels, strict=True):
        code = fs[0][len("c:") :]
        seen.setdefault(code, set()).add(label)
        counts[code] = counts.get(code, 0) + 1
    return {
        code: next(iter(s))
        for code, s in sorted(seen.items())
        if len(s) == 1 and counts[code] >= MIN_FIXED
    }
