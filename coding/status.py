"""Project status: what is stored, per cluster and per document.

Computed without pandas, so that `clusterqda status` starts fast.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coding.segment import UserDictionary, user_dictionary
from coding.store import DocumentCount, Store

if TYPE_CHECKING:
    import pandas as pd

NO_CLUSTER = "(未指定)"
COUNTS = ("units", "interviewee_units", "chars", "segmented")


@dataclass
class Table:
    """A small table of named columns and rows, for the terminal."""

    columns: list[str]
    rows: list[tuple]

    def frame(self) -> pd.DataFrame:
        """Return the table as a DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)


def document_status(store: Store, dictionary: UserDictionary | None = None) -> list[DocumentCount]:
    """Return one row per stored document, interview or survey respondent's open answers.

    ``segmented`` counts units cut with ``dictionary`` (default: the domain word list).
    """
    rows = store.status((dictionary or user_dictionary()).version)
    return [r._replace(cluster=r.cluster or NO_CLUSTER) for r in rows]


def interview_status(documents: list[DocumentCount]) -> Table:
    """Return the interviews one row each and every survey as one row summing its respondents.

    A survey row's doc_id reads ``<survey>:* (<n> respondents)`` and its cluster
    lists the clusters its respondents belong to.
    """
    columns = ["cluster", "doc_id", "encoding", "role", *COUNTS]
    rows = [
        (d.cluster, d.doc_id, d.encoding, d.role, *(getattr(d, c) for c in COUNTS))
        for d in documents
        if d.survey is None
    ]
    surveys: dict[str, list[DocumentCount]] = defaultdict(list)
    for d in documents:
        if d.survey is not None:
            surveys[d.survey].append(d)
    for survey, docs in sorted(surveys.items()):
        rows.append(
            (
                ", ".join(sorted({d.cluster or NO_CLUSTER for d in docs})),
                f"{survey}:* ({len(docs)} respondents)",
                "survey",
                None,
                *(sum(getattr(d, c) for d in docs) for c in COUNTS),
            )
        )
    return Table(columns, rows)


def cluster_status(documents: list[DocumentCount], respondents: list[tuple] | None = None) -> Table:
    """Sum document counts by cluster, interviews and survey respondents apart.

    Columns: cluster, interviews, interview_units, interviewee_units,
    respondents, survey_units, chars, segmented. ``respondents`` counts
    ``(survey, cluster, n)`` rows (``Store.respondents_per_cluster``: everyone
    who answered, with open answers or not) when given, else the respondents
    with open answers.
    """
    columns = ["cluster", "interviews", "interview_units", "interviewee_units",
               "respondents", "survey_units", "chars", "segmented"]  # fmt: skip
    sums: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(columns[1:], 0))
    for d in documents:
        row = sums[d.cluster or NO_CLUSTER]
        if d.survey is None:
            row["interviews"] += 1
            row["interview_units"] += d.units
            row["interviewee_units"] += d.interviewee_units
        else:
            row["respondents"] += 1
            row["survey_units"] += d.units
        row["chars"] += d.chars
        row["segmented"] += d.segmented
    if respondents is not None:
        for row in sums.values():
            row["respondents"] = 0
        for _survey, cluster, n in respondents:
            sums[cluster or NO_CLUSTER]["respondents"] += n
    return Table(columns, [(c, *sums[c].values()) for c in sorted(sums)])


def project_status(store: Store, dictionary: UserDictionary | None = None) -> tuple[Table, Table]:
    """Return (clusters, documents): ``cluster_status`` and ``interview_status`` of a project."""
    documents = document_status(store, dictionary)
    return cluster_status(documents, store.respondents_per_cluster()), interview_status(documents)


def code_frequencies(store: Store, coder: str) -> Table:
    """Return, per code, how many interviewee units each cluster has with it (and in all),
    counted in SQL and tabled without pandas: `code` prints it last, and importing pandas
    for it took a fifth of a second after the coding was done."""
    rows = store.code_unit_counts(coder, NO_CLUSTER)
    clusters = sorted({cluster for _code, cluster, _n in rows})
    counts: dict[str, dict[str, int]] = {}
    for code, cluster, n in rows:
        per = counts.setdefault(code, dict.fromkeys(clusters, 0))
        per[cluster] += n
    return Table(
        ["code_id", *clusters, "total"],
        [(code, *counts[code].values(), sum(counts[code].values())) for code in sorted(counts)],
    )
