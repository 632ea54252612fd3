"""Proposing episodes: mentions of the same concrete action grouped, cluster by cluster.

Two mentions are alike when they share rare content words (TF-IDF over the block's
mentions, hashed so that no vocabulary grows with the corpus), with the interviewer's
question counted at half weight (a turn often names its action only through the
question it answers), and their concrete measures (``FORM.*``) as words too; turns that
follow each other in one interview are alike beyond their words, since a speaker
tells one action over several turns. scikit-learn's agglomerative clustering (average
linkage) cuts the tree at a fixed distance, so the number of episodes is not chosen.

Memory stays flat in corpus size: one cluster is proposed at a time, its interviews
read in blocks of at most ``BLOCK_UNITS`` turns; each block is clustered on its own,
and its episodes join an earlier block's episode whose centroid is close enough
(``JOIN_SIMILARITY``), else start their own. A block's mentions are dropped once
counted: an episode keeps only the tally describing it needs (``describe.Tally``).

An episode is proposed when at least ``MIN_TURNS`` turns tell it (one interviewee over
two turns, or two interviewees); an action told in a single turn is kept as a lone
mention, which the review sheet lists under no episode for the reviewer to assign. On
the sample corpora's key, 15 of the 22 one-turn proposals matched no key episode.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from coding.episodes.describe import Tally, Witness, candidate_names
from coding.episodes.mentions import Mention, load_mentions
from coding.store import Store

# the proposer's name and version, stored with reviews (2: one-turn actions are lone
# mentions; 3: turns that judge an action are mentions too)
METHOD = "episodes-rules/3"
BLOCK_UNITS = 2000
DISTANCE = 0.85  # cut of the average-linkage tree (1 - similarity)
QUESTION_WEIGHT = 0.3
FORM_WEIGHT = 1.0
NEXT_TURN = (0.15, 0.05)  # similarity added for the next, and the one after, mention
JOIN_SIMILARITY = 0.6
MIN_TURNS = 2
N_FEATURES = 2**18
PRODUCT_ROWS = 256


@dataclass
class ClusterProposals:
    """A cluster's proposed episodes (tallies of their mentions, in document order), with
    what naming them needs: how many of the cluster's ``n_mentions`` mentions hold each
    candidate name (``frequency``); and its lone mentions (told in one turn only)."""

    cluster: str
    tallies: list[Tally]
    frequency: Counter
    n_mentions: int
    lone: list[Witness]


def propose(
    store: Store,
    cluster: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[ClusterProposals]:
    """Yield the proposed episodes of one cluster (or of every cluster), a cluster at a time."""
    clusters = store.interview_clusters() if cluster is None else [cluster]
    for i, name in enumerate(clusters):
        found = _propose_cluster(store, name)
        if progress:
            progress(i + 1, len(clusters))
        yield found
        del found  # else held while the next cluster is proposed


def _propose_cluster(store: Store, cluster: str) -> ClusterProposals:
    """Cluster a cluster's mentions block by block, joining blocks through centroids."""
    tallies: list[Tally] = []
    centroids: list[Any] = []  # sparse rows, L2-normalised, one per tally
    frequency: Counter = Counter()
    n_mentions = 0
    for doc_ids in store.interview_blocks(cluster, BLOCK_UNITS):
        mentions = load_mentions(store, doc_ids)
        names = [candidate_names(m) for m in mentions]
        for held in names:
            frequency.update(held)
        n_mentions += len(mentions)
        for members, centroid in _cluster_block(mentions):
            tally = Tally()
            for i in members:
                tally.add(mentions[i], names[i])
            target = _nearest(centroids, centroid)
            if target is None:
                tallies.append(tally)
                centroids.append(centroid)
            else:
                from sklearn.preprocessing import normalize

                n, m = len(tallies[target].witnesses), len(members)
                centroids[target] = normalize(centroids[target] * n + centroid * m)
                tallies[target].merge(tally)
    for tally in tallies:
        tally.witnesses.sort(key=lambda w: (w.doc_id, w.turn))
    tallies.sort(key=lambda t: (t.witnesses[0].doc_id, t.witnesses[0].turn))
    told = [t for t in tallies if len(t.witnesses) >= MIN_TURNS]
    lone = [w for t in tallies if len(t.witnesses) < MIN_TURNS for w in t.witnesses]
    return ClusterProposals(cluster, told, frequency, n_mentions, lone)


def _nearest(centroids: list[Any], centroid) -> int | None:
    """Return the index of the centroid closest to ``centroid``, if close enough."""
    if not centroids:
        return None
    from scipy.sparse import vstack

    sims = (vstack(centroids) @ centroid.T).toarray().ravel()
    best = int(np.argmax(sims))
    return best if sims[best] >= JOIN_SIMILARITY else None


def features(mentions: list[Mention]):
    """Return the mentions' L2-normalised TF-IDF rows (a sparse matrix)."""
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.preprocessing import normalize

    def hashed(docs: list[list[str]]):
        vectorizer = HashingVectorizer(
            analyzer=lambda d: d, n_features=N_FEATURES, alternate_sign=False, norm=None
        )
        return vectorizer.transform(docs)

    forms = [[c for c in m.codes if c.startswith("FORM.")] for m in mentions]
    words = hashed([m.words for m in mentions])
    asked = hashed([m.question_words for m in mentions])
    coded = hashed(forms)
    idf = TfidfTransformer(sublinear_tf=True).fit(words + asked)
    rows = normalize(idf.transform(words)) + QUESTION_WEIGHT * normalize(idf.transform(asked))
    rows = normalize(rows) + FORM_WEIGHT * 0.3 * normalize(coded)
    return normalize(rows)


def similarity(mentions: list[Mention], rows) -> np.ndarray:
    """Return the mentions' pairwise similarity: words, plus following turns of one interview."""
    n = rows.shape[0]
    sims = np.empty((n, n))
    transposed = rows.T.tocsr()
    # a few hundred rows at a time: the sparse product of a whole block is nearly dense
    for i in range(0, n, PRODUCT_ROWS):
        sims[i : i + PRODUCT_ROWS] = (rows[i : i + PRODUCT_ROWS] @ transposed).toarray()
    order: dict[str, list[int]] = {}
    for i, m in enumerate(mentions):
        order.setdefault(m.doc_id, []).append(i)
    for indices in order.values():
        for step, bonus in enumerate(NEXT_TURN, start=1):
            for a, b in zip(indices, indices[step:], strict=False):
                sims[a, b] += bonus
                sims[b, a] += bonus
    np.clip(sims, 0.0, 1.0, out=sims)
    np.fill_diagonal(sims, 1.0)
    return sims


def _cluster_block(mentions: list[Mention]) -> Iterator[tuple[list[int], Any]]:
    """Yield the groups of one block's mentions (their indices) with their centroids."""
    if not mentions:
        return
    rows = features(mentions)
    if len(mentions) == 1:
        labels = np.zeros(1, dtype=int)
    else:
        from sklearn.cluster import AgglomerativeClustering

        model = AgglomerativeClustering(
            n_clusters=None,
            metric="precomputed",
            linkage="average",
            distance_threshold=DISTANCE,
        )
        distance = similarity(mentions, rows)
        np.subtract(1.0, distance, out=distance)  # in place: a block's matrix is tens of MB
        labels = model.fit_predict(distance)
    from scipy.sparse import csr_matrix
    from sklearn.preprocessing import normalize

    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        # kept sparse: a dense row of the hashed space is 2 MB
        yield members.tolist(), normalize(csr_matrix(rows[members].sum(axis=0)))
