"""Proposing episodes: mentions of the same concrete action grouped, cluster by cluster.

Two mentions are alike when they share rare content words (TF-IDF over the block's
mentions, hashed so that no vocabulary grows with the corpus), with the interviewer's
question counted at half weight (a turn often names its action only through the
question it answers), and their concrete measures (``FORM.*``) as words too; turns that
follow each other in one interview are alike beyond their words, since a speaker
tells one action over several turns. scikit-learn's agglomerative clustering (average
linkage) cuts the tree at a fixed distance, so the number of episodes is not chosen.

Memory stays flat in corpus size: a cluster's interviews are read in blocks of at most
``BLOCK_UNITS`` turns; each block is clustered on its own, and its episodes join an
earlier block's episode whose centroid is close enough (``JOIN_SIMILARITY``), else
start their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from coding.episodes.mentions import Mention, load_mentions
from coding.store import Store

METHOD = "episodes-rules/1"  # the proposer's name and version, stored with reviews
BLOCK_UNITS = 2000
DISTANCE = 0.85  # cut of the average-linkage tree (1 - similarity)
QUESTION_WEIGHT = 0.3
FORM_WEIGHT = 1.0
NEXT_TURN = (0.15, 0.05)  # similarity added for the next, and the one after, mention
JOIN_SIMILARITY = 0.6
N_FEATURES = 2**18


@dataclass
class Proposal:
    """A group of mentions proposed as one episode, before it is described."""

    cluster: str
    mentions: list[Mention]
    centroid: Any = field(repr=False)  # a sparse row, L2-normalised


def propose(
    store: Store,
    cluster: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Proposal]:
    """Return the proposed episodes of one cluster (or of every cluster), in cluster order."""
    clusters = store.interview_clusters() if cluster is None else [cluster]
    out: list[Proposal] = []
    for i, name in enumerate(clusters):
        out += _propose_cluster(store, name)
        if progress:
            progress(i + 1, len(clusters))
    return out


def _propose_cluster(store: Store, cluster: str) -> list[Proposal]:
    """Cluster a cluster's mentions block by block, joining blocks through centroids."""
    proposals: list[Proposal] = []
    for doc_ids in store.interview_blocks(cluster, BLOCK_UNITS):
        mentions = load_mentions(store, doc_ids)
        for group, centroid in _cluster_block(mentions):
            target = _nearest(proposals, centroid)
            if target is None:
                proposals.append(Proposal(cluster, group, centroid))
            else:
                from sklearn.preprocessing import normalize

                n, m = len(target.mentions), len(group)
                target.centroid = normalize(target.centroid * n + centroid * m)
                target.mentions += group
    for proposal in proposals:
        proposal.mentions.sort(key=lambda m: (m.doc_id, m.turn))
    proposals.sort(key=lambda p: (p.mentions[0].doc_id, p.mentions[0].turn))
    return proposals


def _nearest(proposals: list[Proposal], centroid) -> Proposal | None:
    if not proposals:
        return None
    from scipy.sparse import vstack

    sims = (vstack([p.centroid for p in proposals]) @ centroid.T).toarray().ravel()
    best = int(np.argmax(sims))
    return proposals[best] if sims[best] >= JOIN_SIMILARITY else None


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
    sims = (rows @ rows.T).toarray()
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


def _cluster_block(mentions: list[Mention]) -> Iterator[tuple[list[Mention], Any]]:
    """Yield the groups of one block's mentions with their centroids."""
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
        labels = model.fit_predict(1.0 - similarity(mentions, rows))
    from scipy.sparse import csr_matrix
    from sklearn.preprocessing import normalize

    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        # kept sparse: a dense row of the hashed space is 2 MB
        yield [mentions[i] for i in members], normalize(csr_matrix(rows[members].sum(axis=0)))
