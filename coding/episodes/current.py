"""The episodes a project tells: the reviewed ones where a cluster has them, else proposals.

``current_episodes`` describes them (``describe.Episode``); ``episode_table`` is the one
table every output uses (the CSV export, the review sheet, the report), one row per
episode with ``EPISODE_COLUMNS``. Both kinds are described a cluster at a time from
tallies of their mentions (``describe.Tally``), so memory does not grow with the corpus.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from coding.codebook import Codebook
from coding.episodes.describe import (
    Episode,
    Tally,
    Witness,
    candidate_names,
    describe_tally,
    episode_name,
)
from coding.episodes.mentions import load_mentions
from coding.episodes.propose import BLOCK_UNITS, METHOD, propose
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
    lone: list[Witness] = field(default_factory=list)  # proposed: turns told alone


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
    out = []
    for found in propose(store, cluster, progress):
        if not found.tallies and not found.lone:
            continue
        names = [episode_name(t.names, found.frequency, found.n_mentions) for t in found.tallies]
        saying = _saying(store, found.tallies, names)
        episodes = [
            describe_tally(proposal_id(found.cluster, i), found.cluster, t, n, s, labels)
            for i, (t, n, s) in enumerate(zip(found.tallies, names, saying, strict=True), start=1)
        ]
        for e in episodes:
            e.proposed_by = METHOD
        out.append(ClusterEpisodes(found.cluster, PROPOSED, episodes, found.lone))
        del found, names, saying  # the tallies' counts, before the next cluster is proposed
    return out


def _saying(store: Store, tallies: list[Tally], names: list[str]) -> list[set[str]]:
    """Return, per episode, its units whose text says its name (texts read again, not kept)."""
    owners: dict[str, list[int]] = {}
    for i, tally in enumerate(tallies):
        for w in tally.witnesses:
            owners.setdefault(w.unit_id, []).append(i)
    out: list[set[str]] = [set() for _ in tallies]
    for unit_id, text in store.unit_texts(list(owners)):
        for i in owners[unit_id]:
            if names[i] in text:
                out[i].add(unit_id)
    return out


def reviewed_episodes(store: Store, codebook: Codebook) -> list[ClusterEpisodes]:
    """Describe the reviewed episodes of every cluster that has them."""
    stored = store.reviewed_episodes()
    if stored.empty:
        return []
    labels = {c.id: c.label_en for c in codebook.codes.values()}
    out = []
    for cluster, rows in stored.groupby("cluster", sort=True):
        firsts = rows.drop_duplicates("episode_id")  # in stored order
        tallies = {str(e): Tally() for e in firsts["episode_id"]}
        member_of: dict[str, list[str]] = {}
        for episode_id, unit_id in zip(rows["episode_id"], rows["unit_id"], strict=True):
            member_of.setdefault(unit_id, []).append(str(episode_id))
        docs = set(rows["doc_id"])
        # the phrases of every mention of these interviews say how rare a name is
        frequency: Counter = Counter()
        n = 0
        for block in store.interview_blocks(str(cluster), BLOCK_UNITS):
            block = [d for d in block if d in docs]
            if not block:
                continue
            for m in load_mentions(store, block):
                frequency.update(candidate_names(m))
                n += 1
            for m in load_mentions(store, block, set(member_of)):
                for episode_id in member_of[m.unit_id]:
                    tallies[episode_id].add(m)
        kept = [(e, t) for e, t in tallies.items() if t.witnesses]
        for _, tally in kept:
            tally.witnesses.sort(key=lambda w: (w.doc_id, w.turn))
        first = firsts.set_index("episode_id")
        names = [first.at[e, "name"] or episode_name(t.names, frequency, n) for e, t in kept]
        saying = _saying(store, [t for _, t in kept], names)
        episodes = []
        for (episode_id, tally), name, says in zip(kept, names, saying, strict=True):
            e = describe_tally(episode_id, str(cluster), tally, name, says, labels)
            e.status = REVIEWED
            e.proposed_by = first.at[episode_id, "proposed_by"]
            e.reviewed_by = first.at[episode_id, "reviewed_by"]
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
