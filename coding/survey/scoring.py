"""Scoring survey answers the one way every stage uses: reverse-keyed items turned.

A reverse-keyed item's value x on a scale from min to max counts as
``min + max - x``; construct scores (``reliability.construct_scores``) are taken
over the turned values. Checks, beliefs and reports all score through here.
"""

from __future__ import annotations

import json

import pandas as pd

from coding.store import Store
from coding.survey.schema import Construct, SurveySchema


def reverse_scored(values: pd.DataFrame, schema: SurveySchema) -> pd.DataFrame:
    """Return item values (respondents x items) with the schema's reverse items turned."""
    scored = values.copy()
    for item in schema.reverse_items:
        if item in scored:
            scored[item] = schema.scale_min + schema.scale_max - scored[item]
    return scored


def stored_schemas(store: Store) -> list[SurveySchema]:
    """Return the schema of every survey stored in a project."""
    out = []
    for raw in store.survey_schemas():
        data = json.loads(raw)
        data["constructs"] = {
            k: Construct(v["name"], v["label"], tuple(v["items"]), tuple(v.get("reverse") or ()))
            for k, v in data["constructs"].items()
        }
        out.append(SurveySchema(**data))
    return out


def item_values(
    store: Store, schema: SurveySchema, respondent_ids: list[str] | None = None
) -> pd.DataFrame:
    """Return a stored survey's reverse-scored item values, one row per respondent."""
    answers = store.answers()
    wide = answers.pivot(index="respondent_id", columns="item", values="value")
    rows = wide.index if respondent_ids is None else [i for i in respondent_ids if i in wide.index]
    return reverse_scored(wide.reindex(index=rows, columns=schema.items), schema)
