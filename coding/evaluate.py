"""How good the rule coder is: the codebook's self-test and precision/recall against gold."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from coding.agree import Judged, dimension_agreement
from coding.autocode import RuleCoder, text_coder
from coding.codebook import Codebook
from coding.common.tables import read_table
from coding.errors import InputError
from coding.metrics import by_dimension, code_counts, prf

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
    agreement: pd.DataFrame  # dimension, n_units, n_judgements, alpha, alpha_low, alpha_high, note
    coder: str = ""  # the coder evaluated: rules@<hash> or hybrid@<version>


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


def evaluate_gold(codebook: Codebook, gold: pd.DataFrame, coder: str = "rules") -> Evaluation:
    """Compare a machine coder (``rules`` or ``hybrid``) with hand coding, per code, per
    dimension and overall; a ``question`` column feeds the hybrid's model."""
    from coding.autocode import code_texts

    coded = code_texts(
        codebook,
        range(len(gold)),
        gold["text"],
        gold.get("role"),
        coder,
        gold.get("question"),
    )
    given = coded.groupby("id")["code_id"].agg(frozenset)
    predicted = [given.get(i, frozenset()) for i in range(len(gold))]
    coder_id = coded["coder"].iloc[0] if len(coded) else text_coder(codebook, coder).coder
    truth = [set(t) for t in gold["gold"]]
    labels = sorted({c for s in truth + predicted for c in s})
    predicted_sets = [set(p) for p in predicted]
    counts = prf(code_counts(truth, predicted_sets, labels))
    per_code = pd.DataFrame(
        {
            "code_id": labels,
            "support": counts["tp"] + counts["fn"],
            "predicted": counts["tp"] + counts["fp"],
            "precision": counts["precision"].fillna(0.0),
            "recall": counts["recall"].fillna(0.0),
            "f1": counts["f1"].fillna(0.0),
        }
    )
    per_code.insert(1, "dimension", per_code["code_id"].str.split(".").str[0])
    pooled = by_dimension(code_counts(truth, predicted_sets, labels).assign(coder="rules"))
    per_dimension = pd.DataFrame(
        {
            "dimension": pooled["dimension"],
            "support": pooled["tp"] + pooled["fn"],
            "micro_precision": pooled["precision"].fillna(0.0),
            "micro_recall": pooled["recall"].fillna(0.0),
            "micro_f1": pooled["f1"].fillna(0.0),
            "macro_f1": pooled["macro_f1"].fillna(0.0),
        }
    )
    ids = [str(i) for i in gold["id"]]
    agreement = dimension_agreement(
        {u: Judged(frozenset(t)) for u, t in zip(ids, truth, strict=True)},
        {u: Judged(p) for u, p in zip(ids, predicted, strict=True)},
        codebook,
    )
    return Evaluation(
        per_code,
        per_dimension,
        _confusions(gold["id"], truth, predicted),
        len(gold),
        agreement,
        coder_id,
    )


VALIDATION_COLUMNS = [
    "codebook_hash",
    "codebook_version",
    "coder",
    "gold",
    "dimension",
    "n_units",
    "alpha",
    "alpha_low",
    "alpha_high",
]


def save_validation(result: Evaluation, codebook: Codebook, gold: str | Path, path: Path) -> None:
    """Record a machine coder's agreement with the gold per dimension in a validation CSV.

    Rows of the same codebook (by hash) and kind of coder (``rules``, ``hybrid``) are
    replaced; others stay.
    Reports read this file to state how the rules (or the hybrid) did against people
    on units they were not tuned on.
    """
    from coding.common.csvfile import write_csv

    rows = result.agreement.assign(
        codebook_hash=codebook.hash,
        codebook_version=codebook.version,
        coder=result.coder or codebook.coder,
        gold=Path(gold).name,
    )[VALIDATION_COLUMNS]
    if path.is_file():
        old = read_validation(path)
        # one row set per codebook and kind of coder: a rebuilt model replaces the last one's
        kind = str(rows["coder"].iloc[0]).split("@")[0]
        same = (old["codebook_hash"] == codebook.hash) & (
            old["coder"].astype(str).str.split("@").str[0] == kind
        )
        rows = pd.concat([old[~same], rows], ignore_index=True)
    write_csv(rows, path)


def read_validation(path: Path) -> pd.DataFrame:
    """Read a validation CSV (columns ``VALIDATION_COLUMNS``); empty when there is none."""
    if not path.is_file():
        return pd.DataFrame(columns=VALIDATION_COLUMNS)
    frame = read_table(path, required=VALIDATION_COLUMNS)
    for column in ("n_units", "alpha", "alpha_low", "alpha_high"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def _confusions(ids, truth, predicted) -> pd.DataFrame:
    """Count (missed gold code, wrongly given code) pairs within a dimension, with examples."""
    pairs: Counter = Counter()
    examples: dict[tuple, list[str]] = {}
    for unit_id, gold, pred in zip(ids, truth, predicted, strict=True):
        missed, extra = sorted(gold - pred), sorted(pred - gold)
        for m in missed:
            partners = [e for e in extra if e.split(".")[0] == m.split(".")[0]] or ["(none)"]
            for e in partners:
                pairs[(m, e)] += 1
                examples.setdefault((m, e), []).append(str(unit_id))
        for e in extra:
            if not any(m.split(".")[0] == e.split(".")[0] for m in missed):
                pairs[("(none)", e)] += 1
                examples.setdefault(("(none)", e), []).append(str(unit_id))
    ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
    rows = [(g, p, n, ", ".join(examples[(g, p)][:3])) for (g, p), n in ranked]
    return pd.DataFrame(rows, columns=["gold", "predicted", "count", "examples"])
