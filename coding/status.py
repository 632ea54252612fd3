"""Project status: what is stored, per cluster and per document."""

from __future__ import annotations

import pandas as pd

from coding.segment import UserDictionary, user_dictionary
from coding.store import Store

NO_CLUSTER = "(未指定)"


def document_status(store: Store, dictionary: UserDictionary | None = None) -> pd.DataFrame:
    """Return one row per stored document, interview or survey respondent's open answers.

    Columns: cluster, doc_id, encoding, role, survey (None for an interview),
    units, interviewee_units, chars, segmented. ``segmented`` counts units cut
    with ``dictionary`` (default: the domain word list).
    """
    frame = store.status((dictionary or user_dictionary()).version)
    frame["cluster"] = frame["cluster"].fillna(NO_CLUSTER)
    return frame


def interview_status(documents: pd.DataFrame) -> pd.DataFrame:
    """Return the interviews one row each and every survey as one row summing its respondents.

    A survey row's doc_id reads ``<survey>:* (<n> respondents)`` and its cluster
    lists the clusters its respondents belong to.
    """
    surveyed = documents["survey"].notna()
    interviews = documents[~surveyed].drop(columns="survey")
    if not surveyed.any():
        return interviews.reset_index(drop=True)
    surveys = (
        documents[surveyed]
        .groupby("survey", sort=True)
        .agg(
            cluster=("cluster", lambda c: ", ".join(sorted(set(c)))),
            respondents=("doc_id", "count"),
            units=("units", "sum"),
            interviewee_units=("interviewee_units", "sum"),
            chars=("chars", "sum"),
            segmented=("segmented", "sum"),
        )
        .reset_index()
    )
    surveys["doc_id"] = surveys["survey"] + ":* (" + surveys["respondents"].astype(str)
    surveys["doc_id"] += " respondents)"
    surveys["encoding"], surveys["role"] = "survey", None
    return pd.concat([interviews, surveys[interviews.columns]], ignore_index=True)


def cluster_status(
    documents: pd.DataFrame, respondents: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Sum a document status table by cluster, interviews and survey respondents apart.

    Columns: cluster, interviews, interview_units, interviewee_units,
    respondents, survey_units, chars, segmented. ``respondents`` counts the
    rows of ``respondents`` (``Store.respondents_per_cluster``: everyone who
    answered, with open answers or not) when given, else the respondents with
    open answers.
    """
    surveyed = documents["survey"].notna()
    frame = documents.assign(
        interview=~surveyed,
        interview_units=documents["units"].where(~surveyed, 0),
        interviewee_units=documents["interviewee_units"].where(~surveyed, 0),
        respondent=surveyed,
        survey_units=documents["units"].where(surveyed, 0),
    )
    clusters = (
        frame.groupby("cluster", sort=True)
        .agg(
            interviews=("interview", "sum"),
            interview_units=("interview_units", "sum"),
            interviewee_units=("interviewee_units", "sum"),
            respondents=("respondent", "sum"),
            survey_units=("survey_units", "sum"),
            chars=("chars", "sum"),
            segmented=("segmented", "sum"),
        )
        .astype(int)
    )
    if respondents is not None:
        counted = respondents.assign(cluster=respondents["cluster"].fillna(NO_CLUSTER))
        answered = counted.groupby("cluster")["respondents"].sum()
        clusters = clusters.reindex(clusters.index.union(answered.index), fill_value=0)
        clusters["respondents"] = answered.reindex(clusters.index, fill_value=0)
    clusters.index.name = "cluster"
    return clusters.reset_index()


def project_status(
    store: Store, dictionary: UserDictionary | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (clusters, documents): ``cluster_status`` and ``interview_status`` of a project."""
    documents = document_status(store, dictionary)
    return (
        cluster_status(documents, store.respondents_per_cluster()),
        interview_status(documents),
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
