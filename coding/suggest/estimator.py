"""The model coder: a scikit-learn estimator that learns codes from people's codings.

One calibrated linear SVM per code over word unigrams and bigrams (from the
cached jieba tokens) and character 2- and 3-grams (which catch words the
segmenter cut differently), with balanced class weights.
"""

from __future__ import annotations

import jieba
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

# With fewer positives, a code has at most three per fold of the two-fold
# sigmoid calibration once a fifth is held out for cross-validation, and the
# learning curves on the sample show F1 near zero below it.
MIN_EXAMPLES = 8


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
