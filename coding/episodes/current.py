"""The episodes a project tells: the reviewed ones where a cluster has them, else proposals.

``cluster_episodes`` describes them (``describe.Episode``); ``episode_table`` is the one
table every output uses (the CSV export, the review sheet, the report), one row per
episode with ``EPISODE_COLUMNS``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from coding.codebook import Codebook
from coding.episodes.describe import Episode, candidate_names, describe
from coding.episodes.mentions import Mention, load_mentions
from coding.episodes.propose import METHOD, propose
from coding.store import Store

EPISODE_COLUMNS = [
    "episode_id",
    "cluster",
    "name",
    "name_en",
    "year_start",
    "year_end",
    "ca_type",
    "mode",
    "forms",
    "initiators",
    "participants",
    "goals",
    "conditions",
    "evaluations",
    "unit_ids",
    "n_units",
    "n_interviewees",
    "roles",
    "status",
    "proposed_by",
    "reviewed_by",
]
PROPOSED, REVIEWED = "proposed", "reviewed"


@dataclass
class ClusterEpisodes:
    """A cluster's episodes and where they come from (``reviewed`` or ``proposed``)."""

    cluster: str
    source: str
    episodes: list[Episode]


def proposal_id(cluster: str, n: int) -> str:
    """Return the id of a cluster's n-th proposed episode (unique across clusters)."""
    return f"{cluster}#E{n:02d}"


def proposed_episodes(
    store: Store,
    codebook: Codebook,
    cluster: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[ClusterEpisodes]:
    """Propose and describe the episodes of one cluster, or of every cluster."""
    labels = {c.id: c.label_en for c in codebook.codes.values()}
    by_cluster: dict[str, list] = {}
    for proposal in propose(store, cluster, progress):
        by_cluster.setdefault(proposal.cluster, []).append(proposal)
    out = []
    for name, proposals in by_cluster.items():
        frequency, n = _phrase_frequency([m for p in proposals for m in p.mentions])
        episodes = [
            describe(proposal_id(name, i), name, p.mentions, frequency, n, labels)
            for i, p in enumerate(proposals, start=1)
        ]
        for e in episodes:
            e.proposed_by = METHOD
        out.append(ClusterEpisodes(name, PROPOSED, episodes))
    return out


def _phrase_frequency(mentions: list[Mention]) -> tuple[Counter, int]:
    return Counter(c for m in mentions for c in candidate_names(m)), len(mentions)


def reviewed_episodes(store: Store, codebook: Codebook) -> list[ClusterEpisodes]:
    """Describe the reviewed episodes of every cluster that has them."""
    stored = store.reviewed_episodes()
    if stored.empty:
        return []
    labels = {c.id: c.label_en for c in codebook.codes.values()}
    units = store.units().set_index("unit_id")["doc_id"]
    out = []
    for cluster, rows in stored.groupby("cluster", sort=True):
        wanted = set(rows["unit_id"])
        docs = sorted(set(units.loc[list(wanted)]))
        mentions = {m.unit_id: m for m in load_mentions(store, docs, wanted)}
        every = load_mentions(store, docs)
        frequency, n = _phrase_frequency(every)
        episodes = []
        for episode_id, part in rows.groupby("episode_id", sort=False):
            first = part.iloc[0]
            found = [mentions[u] for u in part["unit_id"] if u in mentions]
            if not found:
                continue
            e = describe(str(episode_id), str(cluster), found, frequency, n, labels, first["name"])
            e.status, e.proposed_by, e.reviewed_by = (
                REVIEWED,
                first["proposed_by"],
                first["reviewed_by"],
            )
            episodes.append(e)
        out.append(ClusterEpisodes(str(cluster), REVIEWED, _in_time_order(episodes)))
    return out


def _in_time_order(episodes: list[Episode]) -> list[Episode]:
    return sorted(episodes, key=lambda e: (e.year_start is None, e.year_start or 0, e.unit_ids[0]))


def current_episodes(
    store: Store, codebook: Codebook, cluster: str | None = None
) -> list[ClusterEpisodes]:
    """Return each cluster's reviewed episodes where it has them, its proposals otherwise."""
    reviewed = {c.cluster: c for c in reviewed_episodes(store, codebook)}
    clusters = store.interview_clusters() if cluster is None else [cluster]
    out = []
    for name in clusters:
        if name in reviewed:
            out.append(reviewed[name])
        else:
            out += proposed_episodes(store, codebook, name)
    return out


def episode_table(groups: list[ClusterEpisodes]) -> pd.DataFrame:
    """Return one row per episode (``EPISODE_COLUMNS``; lists joined by ';')."""
    rows = []
    for group in groups:
        for e in group.episodes:
            rows.append(
                {
                    "episode_id": e.episode_id,
                    "cluster": e.cluster,
                    "name": e.name,
                    "name_en": e.name_en,
                    "year_start": e.year_start,
                    "year_end": e.year_end,
                    "ca_type": e.ca_type,
                    "mode": e.mode,
                    "forms": ";".join(e.forms),
                    "initiators": ";".join(e.initiators),
                    "participants": ";".join(e.participants),
                    "goals": ";".join(e.goals),
                    "conditions": ";".join(e.conditions),
                    "evaluations": ";".join(
                        f"{j.role}:{j.code}:{j.stance or ''}" for j in e.judgements
                    ),
                    "unit_ids": ";".join(e.unit_ids),
                    "n_units": len(e.unit_ids),
                    "n_interviewees": len(e.interviewees),
                    "roles": ";".join(e.roles),
                    "status": e.status,
                    "proposed_by": e.proposed_by,
                    "reviewed_by": e.reviewed_by,
                }
            )
    frame = pd.DataFrame(rows, columns=EPISODE_COLUMNS)
    return frame.astype({"year_start": "Int64", "year_end": "Int64"})
