"""How good the rule coder is: the codebook's self-test and precision/recall against gold."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sklearn.metrics import precision_recall_fscore_support
from sklearn.preprocessing import MultiLabelBinarizer

from coding.autocode import RuleCoder
from coding.codebook import Codebook
from coding.errors import InputError
from coding.tables import read_table

SPLIT_CODES = re.compile(r"[;；,，\s]+")


def self_test(codebook: Codebook) -> pd.DataFrame:
    """Code every example and counter-example; return the failures.

    Columns: ``code_id, kind, text, coded`` (``kind`` is ``example`` when the
    example missed its code, ``counter_example`` when a counter-example got it).
    """
    coder = RuleCoder(codebook)
    failures = []
    for code in codebook.codes.values():
        for kind, texts, wanted in (
            ("example", code.examples, True),
            ("counter_example", code.counter_examples, False),
        ):
            for text in texts:
                coded = sorted({c.code_id for c in coder.code_text(text)})
                if (code.id in coded) != wanted:
                    failures.append((code.id, kind, text, ";".join(coded)))
    return pd.DataFrame(failures, columns=["code_id", "kind", "text", "coded"])


@dataclass
class Evaluation:
    """Precision, recall and F1 of the rule coder against a gold table."""

    per_code: pd.DataFrame
    per_dimension: pd.DataFrame
    confusions: pd.DataFrame
    units: int


def read_gold(path: str | Path, codebook: Codebook) -> pd.DataFrame:
    """Read a gold table (``id, text, codes``, optionally ``role``); codes ``;``-separated."""
    frame = read_table(path, required=["id", "text", "codes"])
    frame["gold"] = frame["codes"].map(lambda s: frozenset(c for c in SPLIT_CODES.split(s) if c))
    unknown = sorted({c for codes in frame["gold"] for c in codes} - set(codebook.codes))
    if unknown:
        raise InputError(f"codes not in the codebook: {', '.join(unknown)}", path)
    if frame["id"].duplicated().any():
        first = frame.loc[frame["id"].duplicated(), "id"].iloc[0]
        raise InputError(f"duplicate id '{first}'", path)
    return frame


def evaluate_gold(codebook: Codebook, gold: pd.DataFrame) -> Evaluation:
    """Compare the rule coder with hand coding, per code, per dimension and overall."""
    coder = RuleCoder(codebook)
    roles = gold["role"] if "role" in gold else [None] * len(gold)
    predicted = [
        frozenset(c.code_id for c in coder.code_text(text, role or None))
        for text, role in zip(gold["text"], roles, strict=True)
    ]
    truth = list(gold["gold"])
    labels = sorted({c for s in truth + predicted for c in s})
    binarizer = MultiLabelBinarizer(classes=labels)
    y_true = binarizer.fit_transform(truth)
    y_pred = binarizer.transform(predicted)
    p, r, f, support = precision_recall_fscore_support(
        y_true, y_pred, average=None, zero_division=0
    )
    per_code = pd.DataFrame(
        {
            "code_id": labels,
            "support": support,
            "predicted": y_pred.sum(axis=0),
            "precision": p,
            "recall": r,
            "f1": f,
        }
    )
    per_code.insert(1, "dimension", per_code["code_id"].str.split(".").str[0])
    rows = []
    groups = [
        (d, [i for i, c in enumerate(labels) if c.split(".")[0] == d])
        for d in dict.fromkeys(c.split(".")[0] for c in labels)
    ]
    groups.append(("ALL", list(range(len(labels)))))
    for dimension, idx in groups:
        t, q = y_true[:, idx], y_pred[:, idx]
        mp, mr, mf, _ = precision_recall_fscore_support(t, q, average="micro", zero_division=0)
        _, _, macro, _ = precision_recall_fscore_support(t, q, average="macro", zero_division=0)
        rows.append((dimension, int(t.sum()), mp, mr, mf, macro))
    per_dimension = pd.DataFrame(
        rows,
        columns=["dimension", "support", "micro_precision", "micro_recall", "micro_f1", "macro_f1"],
    )
    return Evaluation(per_code, per_dimension, _confusions(gold["id"], truth, predicted), len(gold))


def _confusions(ids, truth, predicted) -> pd.DataFrame:
    """Count (missed gold code, wrongly given code) pairs within a dimension, with examples."""
    pairs: Counter = Counter()
    examples: dict[tuple, list[str]] = {}
    for unit_id, gold, pred in zip(ids, truth, predicted, strict=True):
        missed, extra = gold - pred, pred - gold
        for m in missed:
            partners = [e for e in extra if e.split(".")[0] == m.split(".")[0]] or ["(none)"]
            for e in partners:
                pairs[(m, e)] += 1
                examples.setdefault((m, e), []).append(str(unit_id))
        for e in extra:
            if not any(m.split(".")[0] == e.split(".")[0] for m in missed):
                pairs[("(none)", e)] += 1
                examples.setdefault(("(none)", e), []).append(str(unit_id))
    rows = [(g, p, n, ", ".join(examples[(g, p)][:3])) for (g, p), n in pairs.most_common()]
    return pd.DataFrame(rows, columns=["gold", "predicted", "count", "examples"])
