"""The default coder: the codebook's rules, then the shipped model's say per code.

For each code the model learned, cross-validation on the training gold chose how it is
decided (``weights.POLICIES``): by the rules alone, by the rules plus the model where
the rules gave nothing, or by the model alone (which sees the rules' hits). A coding
keeps its provenance: ``rule_id`` is the rule that fired or ``model``, and
``probability`` the model's P(code) wherever the model decided.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from coding.codebook import Codebook
from coding.hybrid.modeljson import parse_model_json, source_digest
from coding.model import Coding
from coding.rulecoder import MODEL_RULE, RuleCoder, rule_texts
from coding.stance import code_stance, sentences_counts, stance_from_counts
from coding.textview import TextView

if TYPE_CHECKING:  # numpy and the features load with the model, not with this module
    import numpy as np

    from coding.hybrid.featurebatch import FeatureBatch
    from coding.hybrid.stancebatch import StanceBatch
    from coding.hybrid.weights import LearnedWeights

MODELS = Path(__file__).resolve().parent.parent.parent / "codebooks" / "models"


def find_shipped(codebook: Codebook, folder: Path = MODELS) -> Path | None:
    """Return the shipped model trained with exactly this codebook, or None."""
    found = _shipped(codebook.hash, _headers(codebook.name, folder))
    return found[0] if found else None


def shipped_coder(codebook: Codebook) -> str | None:
    """Return the coder id (``hybrid@<version>``) of the model shipped for this codebook, or
    None; read from the model's header, without loading the model."""
    found = _shipped(codebook.hash, _headers(codebook.name, MODELS))
    return f"hybrid@{found[1]}" if found else None


def shipped_sets(codebook: Codebook) -> tuple[str, ...]:
    """Return the gold sets the model shipped for this codebook learned from (named from the
    gold folder), empty if none is shipped; read from the model's header."""
    found = _shipped(codebook.hash, _headers(codebook.name, MODELS))
    return found[2] if found else ()


def _headers(name: str, folder: Path) -> tuple[tuple[Path, int], ...]:
    """The model headers a codebook name could have, with their modification times."""
    return tuple((p, p.stat().st_mtime_ns) for p in sorted(folder.glob(f"{name}-*.json")))


@lru_cache(maxsize=8)
def _shipped(
    codebook_hash: str, headers: tuple[tuple[Path, int], ...]
) -> tuple[Path, str, tuple[str, ...]] | None:
    """The shipped model's path, version and training sets for a codebook: each header (as
    of its modification time) is parsed once per process."""
    found = []
    for path, mtime in headers:
        try:
            data = path.read_bytes()
            head = parse_model_json(data)
        except (OSError, ValueError):
            continue
        if head.get("codebook_hash") == codebook_hash:
            # the whole model is in this file: kept for loading it, not parsed twice (with
            # its digest, which tells whether the tables kept beside it are its own)
            _PARSED[(path, mtime)] = (head, source_digest(data))
            made_from = head.get("made_from", {})
            sets = tuple(str(s) for s in made_from.get("sets", []))
            found.append((int(made_from.get("units", 0)), path, str(head.get("version")), sets))
    return max(found)[1:] if found else None


# model files parsed while looking for the shipped one, by (path, modification time);
# each is handed to the loader once and dropped
_PARSED: dict[tuple[Path, int], tuple[dict, str]] = {}


@lru_cache(maxsize=4)
def _cached_weights(path: Path) -> LearnedWeights:
    from coding.hybrid.weights import load_weights

    head, source = _PARSED.pop((path, path.stat().st_mtime_ns), (None, None))
    _PARSED.clear()
    return load_weights(path, head, source)


def shipped_weights(codebook: Codebook) -> LearnedWeights | None:
    """Return the shipped model for this codebook (loaded once), or None if there is none."""
    path = find_shipped(codebook)
    return _cached_weights(path) if path else None


class HybridCoder:
    """Rules plus a learned model; ``coder`` is ``hybrid@<model version>``."""

    def __init__(
        self, codebook: Codebook, weights: LearnedWeights, rules: RuleCoder | None = None
    ) -> None:
        self.rules = rules if rules is not None else RuleCoder(codebook)
        self.weights = weights
        self.coder = weights.coder
        self._columns = {c: j for j, c in enumerate(weights.codes)}
        self._model_columns: dict[str, int] | None = None  # built on first use
        self._stance: StanceBatch | None = None  # built on first use
        self._passing: np.ndarray | None = None  # per code: the P it needs, or inf
        self._features: FeatureBatch | None = None  # built on first use

    def analyse(
        self,
        texts: list[str],
        tokens: list[list[str] | None] | None = None,
        roles: list[str | None] | None = None,
        questions: list[str | None] | None = None,
    ) -> tuple[list[tuple[TextView, list[Coding]]], np.ndarray]:
        """Return each text's view and rule codings, and the model's P(code) per text."""
        import numpy as np

        n = len(texts)
        tokens = tokens or [None] * n
        roles = roles or [None] * n
        questions = questions or [None] * n
        analysed = [
            self.rules.code_view(t, k, r) for t, k, r in zip(texts, tokens, roles, strict=True)
        ]
        if not n:
            return analysed, np.zeros((0, len(self.weights.codes)))
        # the features of unit_features, found for the whole batch as integer columns
        units, columns = self.prepare().columns_of(analysed, questions, roles)
        return analysed, self.weights.proba_of_pairs(units, columns, n)

    def prepare(self) -> FeatureBatch:
        """Build the model's batch tables now (features and, if any, the learned stance), so
        that worker processes forked afterwards share them; return the features' table."""
        if self._features is None:
            from coding.hybrid.featurebatch import FeatureBatch

            # the integer tables kept beside a shipped model, when they are its own
            tables = self.weights.tables
            table = (tables["feature_keys"], tables["feature_columns"]) if tables else None
            self._features = FeatureBatch(self.weights.vocabulary, self.weights.index, table)
            self.weights.dense_coef()
        if self._stance is None and self.weights.stance is not None:
            from coding.hybrid.stancebatch import StanceBatch

            self._stance = StanceBatch(self.weights.stance, self.weights.tables)
        return self._features

    def code_views(
        self,
        texts: list[str],
        tokens: list[list[str] | None] | None = None,
        roles: list[str | None] | None = None,
        questions: list[str | None] | None = None,
    ) -> list[list[Coding]]:
        """Code matching-view texts in one batch: rules, then the model for each code."""
        analysed, proba = self.analyse(texts, tokens, roles, questions)
        return self.combine_all(analysed, proba)

    def rules_text(self) -> dict[str, str]:
        """Return the rule text behind each rule id this coder records (``model`` too)."""
        return hybrid_rules_text(self.rules.codebook, self.weights.version)

    def code_text(self, text: str, role: str | None = None, question: str | None = None):
        """Code one raw text outside a project (its matching view)."""
        from coding.ingest.normalize import match_view

        view = match_view(text)
        tokens = self.rules._segmenter.cut(view) if self.rules.needs_tokens else None
        return self.code_views([view], [tokens], [role], [match_view(question or "")])[0]

    def combine(self, view: TextView, codings: list[Coding], proba: np.ndarray) -> list[Coding]:
        """Apply each learned code's policy to the rules' codings of one unit, then the
        learned stance where it was found better than the cue words."""
        return self.combine_all([(view, codings)], [proba])[0]

    def combine_all(
        self, analysed: list[tuple[TextView, list[Coding]]], proba: np.ndarray | list[np.ndarray]
    ) -> list[list[Coding]]:
        """``combine`` for many units: the learned stance is found for all of them at once."""
        decided = self._decide_all(analysed, proba)
        if self.weights.stance is None:
            return decided
        self.prepare()
        assert self._stance is not None
        return self._stance.restance([(v, d) for (v, _c), d in zip(analysed, decided, strict=True)])

    def _decide_all(
        self, analysed: list[tuple[TextView, list[Coding]]], proba: np.ndarray | list[np.ndarray]
    ) -> list[list[Coding]]:
        """Apply each learned code's policy to the rules' codings of every unit.

        Which codes pass their threshold is found for the whole batch in one comparison;
        each unit then looks only at its own codings and the codes that passed.
        """
        import numpy as np

        weights = self.weights
        if self._passing is None:
            codes = weights.codes
            # a code the model may give: its threshold; the others can never pass
            limits = [
                weights.thresholds[c] if weights.policy.get(c, "rules") != "rules" else np.inf
                for c in codes
            ]
            self._passing = np.asarray(limits, dtype=np.float64)
        table = np.asarray(proba, dtype=np.float64).reshape(len(analysed), len(weights.codes))
        rows, cols = np.nonzero(table >= self._passing)
        bounds = np.searchsorted(rows, np.arange(len(analysed) + 1)).tolist()
        passed: list[int] = cols.tolist()
        return [
            self._decide(view, codings, table[u], passed[bounds[u] : bounds[u + 1]])
            for u, (view, codings) in enumerate(analysed)
        ]

    def _decide(
        self, view: TextView, codings: list[Coding], proba: np.ndarray, passed: list[int]
    ) -> list[Coding]:
        """Apply each learned code's policy to the rules' codings of one unit; ``passed``
        are the columns of the codes not decided by the rules alone whose P passed."""
        thresholds, out = self.weights.thresholds, []
        model_columns = self._model_columns
        if model_columns is None:
            # the codes whose rule codings the model keeps or drops, with their column
            policy = self.weights.policy
            model_columns = self._model_columns = {
                c: j for c, j in self._columns.items() if policy.get(c, "rules") == "model"
            }
        by_rules = set()
        for coding in codings:
            code = coding.code_id
            by_rules.add(code)
            j = model_columns.get(code)
            if j is None:
                out.append(coding)
            else:
                p = float(proba[j])
                if p >= thresholds[code]:
                    c = coding  # a new Coding: dataclasses.replace costs several times more
                    out.append(Coding(c.code_id, c.stance, c.start, c.end, c.terms, c.rule_id,
                                      round(p, 4)))  # fmt: skip
        names = self.weights.codes
        for j in passed:
            if names[j] not in by_rules:
                out.append(self.model_coding(names[j], float(proba[j]), view))
        return out

    @staticmethod
    def model_coding(code: str, p: float, view: TextView) -> Coding:
        """A code the model gave: no evidence span (stored as none), the unit's stance."""
        end = len(view.text.rstrip())
        whole = (0, -1)  # a key no sentence span has
        if whole not in view.stances:
            view.stances[whole] = stance_from_counts(*sentences_counts(view, 0, len(view.text)))
        stance = _code_stance(code, view.stances[whole])
        return Coding(code, stance, 0, end, (), MODEL_RULE, round(p, 4))


# a model's coding's stance by its code and the unit's cue-word stance: few pairs, asked
# once per such coding
_code_stance = cache(code_stance)


def hybrid_rules_text(codebook: Codebook, version: str) -> dict[str, str]:
    """Return the rule text behind each rule id the hybrid of a model version records."""
    return {**rule_texts(codebook), MODEL_RULE: f"learned model {version}"}


def project_coder(store, codebook: Codebook) -> str:
    """Return the machine coder whose codings a project shows: the shipped hybrid once it
    has coded every unit, else the rules (``rules@<hash>``)."""
    weights = shipped_weights(codebook)
    known = weights is not None and weights.coder in store.coder_kinds()
    if weights is not None and known and store.count_uncoded(weights.coder) == 0:
        return weights.coder
    return codebook.coder
