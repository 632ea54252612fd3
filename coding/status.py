"""Project status: what is stored, per cluster and per document."""

from __future__ import annotations

import pandas as pd

from coding.segment import UserDictionary, user_dictionary
from coding.store import Store

NO_CLUSTER = "(未指定)"


def document_status(store: Store, dictionary: UserDictionary | None = None) -> pd.DataFrame:
    """Return one row per document: cluster, id, encoding, role, units, chars, segmented.

    ``segmented`` counts units cut with ``dictionary`` (default: the domain word list).
    """
    frame = store.status((dictionary or user_dictionary()).version)
    frame["cluster"] = frame["cluster"].fillna(NO_CLUSTER)
    return frame


def cluster_status(documents: pd.DataFrame) -> pd.DataFrame:
    """Sum a document status table by cluster."""
    return (
        documents.groupby("cluster", sort=True)
        .agg(
            documents=("doc_id", "count"),
            units=("units", "sum"),
            interviewee_units=("interviewee_units", "sum"),
            chars=("chars", "sum"),
            segmented=("segmented", "sum"),
        )
        .reset_index()
    )


def code_frequencies(store: Store, coder: str) -> pd.DataFrame:
    """Return, per code, how many interviewee units each cluster has with it (and in all)."""
    codings = store.codings(coder)
    codings = codings[~codings["is_interviewer"].astype(bool)]
    if codings.empty:
        return pd.DataFrame(columns=["code_id", "total"])
    counts = (
        codings.drop_duplicates(["unit_id", "code_id"])
        .assign(cluster=lambda f: f["cluster"].fillna(NO_CLUSTER))
        .pivot_table(
            index="code_id", columns="cluster", values="unit_id", aggfunc="count", fill_value=0
        )
    )
    counts["total"] = counts.sum(axis=1)
    counts.columns.name = None
    return counts.reset_index()
