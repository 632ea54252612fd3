"""Building the shipped default coder from the gold, and scoring coders on a gold table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coding.codebook import Codebook
from coding.hybrid.coder import MODELS, HybridCoder
from coding.hybrid.features import unit_features
from coding.hybrid.gold import GOLD, read_training_gold, training_paths
from coding.hybrid.learn import Examples, fit_weights
from coding.hybrid.stancemodel import (
    STANCE_DIMENSIONS,
    StanceExamples,
    fit_stance,
    stance_features,
)
from coding.hybrid.weights import LearnedWeights
from coding.ingest.normalize import match_view
from coding.rulecoder import RuleCoder
from coding.stance import STANCES


def _analysed(frame: pd.DataFrame, rules: RuleCoder):
    """Yield each gold row's view, the rules' codings of it, its question and role."""
    for text, role, question in zip(frame["text"], frame["role"], frame["question"], strict=True):
        view_text = match_view(text)
        tokens = rules._segmenter.cut(view_text) if rules.needs_tokens else None
        view, codings = rules.code_view(view_text, tokens, role or None)
        yield view, codings, match_view(question) or None, role or None


def gold_examples(frame: pd.DataFrame, rules: RuleCoder) -> Examples:
    """Turn gold rows (``read_training_gold``) into the learner's examples."""
    features, ruled = [], []
    for view, codings, question, role in _analysed(frame, rules):
        features.append(unit_features(view, codings, question, role))
        ruled.append({c.code_id for c in codings})
    return Examples(
        [str(i) for i in frame["id"]],
        [str(g) for g in frame["group"]],
        features,
        [set(g) for g in frame["gold"]],
        ruled,
    )


def stance_examples(frame: pd.DataFrame, rules: RuleCoder) -> StanceExamples:
    """Turn the gold's stances of COND, EVAL and AGENCY codes into the stance model's
    examples: each code as the default coder would hold it (the rule's coding with its
    evidence where the rules gave the code, else a model's coding of the whole turn)."""
    features, labels, cue, dims, groups = [], [], [], [], []
    analysed = _analysed(frame, rules)
    for (view, codings, _q, _r), gold, stances, group in zip(
        analysed, frame["gold"], frame["stances"], frame["group"], strict=True
    ):
        by_rules = {c.code_id: c for c in codings}
        for code, stance in sorted(stances.items()):
            dim = code.split(".")[0]
            if dim not in STANCE_DIMENSIONS or stance not in STANCES or code not in gold:
                continue
            coding = by_rules.get(code) or HybridCoder.model_coding(code, 1.0, view)
            features.append(stance_features(view, coding))
            labels.append(stance)
            cue.append(coding.stance)
            dims.append(dim)
            groups.append(str(group))
    return StanceExamples(features, labels, cue, dims, groups)


def training_frame(codebook: Codebook, paths: list[Path] | None = None) -> pd.DataFrame:
    """Read and join every training gold file (never the held-out set)."""
    frames = [read_training_gold(p, codebook) for p in (paths or training_paths())]
    return pd.concat(frames, ignore_index=True)


def build_model(
    codebook: Codebook, paths: list[Path] | None = None, folder: Path = MODELS
) -> tuple[LearnedWeights, Path]:
    """Fit the default coder's model on the training gold and write it into ``folder``.

    Older files of this codebook's name are removed (``.tables.npy`` too), so one model
    per codebook ships.
    """
    paths = paths or training_paths()
    frame = training_frame(codebook, paths)
    # named from the gold folder (v2/setA.csv, heldout2/partC.csv), so tests can find them
    sets = [p.relative_to(GOLD).as_posix() if p.is_relative_to(GOLD) else p.name for p in paths]
    rules = RuleCoder(codebook)
    stance = fit_stance(stance_examples(frame, rules))
    weights = fit_weights(gold_examples(frame, rules), codebook, sets=sets, stance=stance)
    for old in folder.glob(f"{codebook.name}-*.*"):
        if old.suffix in (".json", ".npy") and old.stem != f"{codebook.name}-{weights.version}":
            old.unlink()
    return weights, weights.save(folder)


def code_gold(coder: HybridCoder | RuleCoder, frame: pd.DataFrame) -> list[list]:
    """Return each gold row's codings by a coder (rules or hybrid)."""
    roles = [r or None for r in frame["role"]]
    if isinstance(coder, RuleCoder):
        return [coder.code_text(t, r) for t, r in zip(frame["text"], roles, strict=True)]
    return [
        coder.code_text(t, r, q)
        for t, r, q in zip(frame["text"], roles, frame["question"], strict=True)
    ]
