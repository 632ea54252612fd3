"""Project status: what is stored, per cluster and per document."""

from __future__ import annotations

import pandas as pd

from coding.segment import user_dictionary
from coding.store import Store

NO_CLUSTER = "(未指定)"


def document_status(store: Store) -> pd.DataFrame:
    """Return one row per document: cluster, id, encoding, role, units, chars, segmented."""
    frame = store.status(user_dictionary().version)
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
