"""Scale scores and their reliability: Cronbach's alpha, alpha if item deleted, item-total r."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coding.survey.schema import SurveySchema


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Return Cronbach's alpha of the complete cases (listwise, as SPSS does).

    alpha = k / (k - 1) * (1 - sum of item variances / variance of the total),
    with sample variances (Cronbach 1951). Example: psych::bfi agreeableness
    (A1 reversed) gives 0.70 (Revelle, psych documentation of ``alpha``).
    """
    complete = items.dropna()
    k = complete.shape[1]
    if k < 2 or len(complete) < 2:
        return float("nan")
    item_var = complete.var(axis=0, ddof=1).sum()
    total_var = complete.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - item_var / total_var))


def reliability(scored: pd.DataFrame, schema: SurveySchema) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the alpha of every construct and, per item, alpha if deleted and item-total r.

    First table: ``construct, label, n, k, alpha`` (``n`` complete cases). Second:
    ``construct, item, reverse, alpha_if_deleted, corrected_item_total_r``, both
    computed on the construct's complete cases.
    """
    summary, items = [], []
    for construct in schema.constructs.values():
        block = scored[list(construct.items)].dropna()
        summary.append(
            (
                construct.name,
                construct.label,
                len(block),
                len(construct.items),
                cronbach_alpha(block),
            )
        )
        for item in construct.items:
            rest = block.drop(columns=item)
            r = (
                np.corrcoef(block[item], rest.sum(axis=1))[0, 1]
                if len(block) > 2 and block[item].std() > 0
                else float("nan")
            )
            items.append(
                (construct.name, item, item in construct.reverse, cronbach_alpha(rest), float(r))
            )
    return (
        pd.DataFrame(summary, columns=["construct", "label", "n", "k", "alpha"]),
        pd.DataFrame(
            items,
            columns=["construct", "item", "reverse", "alpha_if_deleted", "corrected_item_total_r"],
        ),
    )


def construct_scores(scored: pd.DataFrame, schema: SurveySchema) -> pd.DataFrame:
    """Return each respondent's construct scores: the mean of the answered items.

    A score is given only when at least half of the construct's items were
    answered; otherwise it is missing.
    """
    out = pd.DataFrame(index=scored.index)
    for construct in schema.constructs.values():
        block = scored[list(construct.items)]
        enough = block.notna().sum(axis=1) >= len(construct.items) / 2
        out[construct.name] = block.mean(axis=1).where(enough)
    return out
