"""Word frequencies on the cached segmentation, and the keyness of each group against the rest.

Words are the units' cached jieba tokens (the matching view, so Traditional
and Simplified spellings count as one word), without the Chinese stop words
of the stopwords-iso collection (``stopwordsiso``) and without tokens that
hold no letter or Han character (punctuation, numbers, spaces).

Keyness is reported as corpus linguists do (Rayson & Garside 2000, the
UCREL log-likelihood wizard): for a word seen ``a`` times in a group of ``c``
tokens and ``b`` times in the other ``d`` tokens, E1 = c(a+b)/(c+d),
E2 = d(a+b)/(c+d) and G² = 2(a ln(a/E1) + b ln(b/E2)), with Hardie's (2014)
log ratio log2((a/c)/(b/d)) as effect size, a zero count taken as 0.5.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from coding.errors import OptionError, QueryError
from coding.store import Store, UnitFilter
from coding.store.codepresence import group_index
from coding.store.wordcounts import UnitWordCounts

if TYPE_CHECKING:
    import pandas as pd

WORD_COLUMNS = [
    "group",  # the cluster, role or code; 全部 without --by
    "word",
    "pos",  # jieba's dictionary tag ('x' where it has none)
    "count",  # occurrences in the group
    "per_10k",  # per 10,000 words of the group
    "rest_count",  # occurrences in the other groups' units (empty without --by)
    "g2",  # log-likelihood G² of group against rest (Rayson & Garside 2000)
    "p",  # P(χ²₁ ≥ G²), not adjusted: thousands of words make a family too large to mean much
    "log_ratio",  # log2 of the relative frequencies, group over rest (Hardie 2014)
]
GROUPINGS = ("cluster", "role", "code")
ALL = "全部"
NO_GROUP = "（未指定）"
MIN_COUNT = 3  # keyness of a word seen once or twice in a group says nothing


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Return the stopwords-iso Chinese list (ships with the package: no network)."""
    import stopwordsiso

    return frozenset(stopwordsiso.stopwords("zh"))


# Up to this many words are found in one Aho-Corasick pass over jieba's dictionary text
# (0.1 s for 1,000); more (a --pos filter over every word counted) read the whole table
# once (0.3 s).
_LOOKUPS = 2000


@lru_cache(maxsize=1)
def _dictionary_text() -> str:
    """Return jieba's own dict.txt (``word freq tag`` lines) behind a newline, found without
    importing jieba, whose import loads its HMM tables."""
    from importlib.util import find_spec

    spec = find_spec("jieba")
    if spec is None or spec.origin is None:
        raise QueryError("jieba is not installed; it is needed for part-of-speech tags")
    return "\n" + (Path(spec.origin).parent / "dict.txt").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _tags() -> dict[str, str]:
    """Return jieba's dictionary word → part-of-speech tag, as ``jieba.posseg`` reads it
    (the last line of a word wins)."""
    lines = (line.strip() for line in _dictionary_text().splitlines())
    return {word: tag for word, _, tag in (line.split(" ") for line in lines if line)}


def _lookups(words: set[str]) -> dict[str, str | None]:
    """Return each word's tag from the last dictionary line that starts with it, found in
    one Aho-Corasick pass over the text (a search per word from its end took 0.3 s for a
    hundred words)."""
    import ahocorasick

    text = _dictionary_text()
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word("\n" + word + " ", word)
    last: dict[str, int] = {}
    if words:
        automaton.make_automaton()
        for end, word in automaton.iter(text):
            last[word] = end - len(word) - 1  # the line's newline
    found: dict[str, str | None] = dict.fromkeys(words)
    for word, at in last.items():
        end = text.find("\n", at + 1)
        parts = text[at + 1 : end if end >= 0 else len(text)].strip().split(" ")
        found[word] = parts[2] if len(parts) == 3 and parts[0] == word else None
    return found


def pos_tags(words: Iterable[str]) -> dict[str, str]:
    """Return each word's tag as jieba.posseg gives dictionary words: else 'eng', 'm', 'x'."""
    wanted = set(words)
    if len(wanted) > _LOOKUPS:
        table = _tags()
        found = {w: table.get(w) for w in wanted}
    else:  # a few words: no need to read 349,046 lines into a table
        found = _lookups(wanted)
    return {w: tag or _untagged(w) for w, tag in found.items()}


def pos_tag(word: str) -> str:
    """Return a word's tag as jieba.posseg gives dictionary words: 'eng', 'm', or 'x'."""
    return pos_tags([word])[word]


def _untagged(word: str) -> str:
    if word.isascii():
        return "m" if word.isdigit() else "eng"
    return "x"


def is_word(token: str) -> bool:
    """Return whether a token counts as a word: a letter or Han character, not a stop word."""
    return any(ch.isalpha() for ch in token) and token not in stop_words()


def keyness(
    a: np.ndarray | Sequence[float],
    b: np.ndarray | Sequence[float],
    c: float | np.ndarray,
    d: float | np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (G², log ratio) of counts ``a`` in ``c`` tokens against ``b`` in ``d`` tokens.

    Example (UCREL log-likelihood wizard's worked example: 52 in 50,000 tokens
    against 57 in 75,000): G² = 2.65, overuse in the first corpus.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    with np.errstate(divide="ignore", invalid="ignore"):
        # x·log(x/e), 0 where x is 0 (scipy.special.xlogy, whose import costs a query 50 ms)
        g2 = 2 * (
            np.where(a > 0, a * np.log(a / e1), 0.0) + np.where(b > 0, b * np.log(b / e2), 0.0)
        )
        log_ratio = np.log2((np.where(a > 0, a, 0.5) / c) / (np.where(b > 0, b, 0.5) / d))
    return g2, log_ratio


def chi2_sf_one(x: float) -> float:
    """Return P(χ²₁ ≥ x) = erfc(√(x/2)), the value of ``scipy.stats.chi2.sf(x, 1)`` without
    importing scipy (its import costs more than the query)."""
    return math.erfc(math.sqrt(x / 2)) if x > 0 else 1.0


def word_table(
    store: Store,
    flt: UnitFilter,
    *,
    by: str | None = None,
    pos: Iterable[str] = (),
    top: int = 20,
    coder: str | None = None,
) -> pd.DataFrame:
    """Return the top words (``WORD_COLUMNS``) as ``word_rows`` finds them."""
    return word_frame(word_rows(store, flt, by=by, pos=pos, top=top, coder=coder))


def word_frame(rows: list[tuple]) -> pd.DataFrame:
    """Return ``word_rows``' rows as a table with ``WORD_COLUMNS``."""
    import pandas as pd

    return pd.DataFrame(rows or None, columns=WORD_COLUMNS)


def word_rows(
    store: Store,
    flt: UnitFilter,
    *,
    by: str | None = None,
    pos: Iterable[str] = (),
    top: int = 20,
    coder: str | None = None,
) -> list[tuple]:
    """Return the top words, rows of ``WORD_COLUMNS``' values (without pandas, which the
    command does not need): by count overall, or by G² per group.

    ``by`` is ``cluster``, ``role`` or ``code`` (a unit counts in every code its
    most trusted coder, or ``coder``, gave it). ``pos`` keeps words whose tag
    starts with one of the prefixes (``n`` keeps n, nr, ns, nz …). Each group
    lists the words it uses more than the rest (log ratio > 0) and seen at
    least ``MIN_COUNT`` times, strongest G² first.
    """
    if by is not None and by not in GROUPINGS:
        raise OptionError(f"unknown grouping '{by}': use one of {', '.join(GROUPINGS)}")
    if top < 1:
        raise OptionError("--top must be at least 1")
    prefixes = tuple(p.strip() for p in pos if p.strip())
    if by == "code":
        counted = _code_counts(store, flt, coder)
    elif store.read_only:
        counted = _token_counts(store, flt, by)
    else:  # a document's counts are cached: sum them instead of decoding every unit's tokens
        store.refresh_word_counts()
        counted = _cached_counts(store, flt, by)
    if not counted.units:
        raise QueryError(
            "no unit with cached tokens matches; run 'clusterqda segment' or widen the filters"
        )
    vocab = counted.vocab
    seen = np.flatnonzero(counted.total).tolist()
    keep = [i for i in seen if is_word(vocab[i])]
    if prefixes:
        tags = pos_tags(vocab[i] for i in keep)
        keep = [i for i in keep if tags[vocab[i]].startswith(prefixes)]
    mask = np.zeros(len(vocab), dtype=np.int64)
    mask[keep] = 1
    total = counted.total * mask
    if by is None:
        return _frequencies(vocab, total, top)
    return _keywords(vocab, total, {g: c * mask for g, c in counted.groups.items()}, top)


class _Counts(NamedTuple):
    """Word counts as arrays over a vocabulary: overall, per group, and the units counted."""

    vocab: list[str]
    total: np.ndarray
    groups: dict[str, np.ndarray]
    units: int


def _token_counts(store: Store, flt: UnitFilter, by: str | None) -> _Counts:
    """Return word counts overall and per cluster or role from every unit's cached tokens
    (a project opened read-only, whose counts cannot be cached)."""
    units, vocab = _unit_counts(store, flt)
    size = len(vocab)

    def summed(keys: np.ndarray, length: int) -> np.ndarray:
        # float sums of integer counts are exact below 2**53
        return np.rint(np.bincount(keys, units.counts, minlength=length)).astype(np.int64)

    total = summed(units.words, size)
    documents = store.unit_rowids_by_group(flt, by) if by else []
    if not documents or not units.rowids.size:
        return _Counts(vocab, total, {}, units.rowids.size)
    names, rowids, groups = group_index(documents, _group_name)
    unit_group = groups[np.searchsorted(rowids, units.rowids)]  # each unit is in one document
    keys = np.repeat(unit_group, units.sizes) * size + units.words
    table = summed(keys, size * len(names)).reshape(len(names), size)
    return _Counts(vocab, total, dict(zip(names, table, strict=True)), units.rowids.size)


def _code_counts(store: Store, flt: UnitFilter, coder: str | None) -> _Counts:
    """Return word counts overall and per code (a unit counts in each of its codes): the
    codes × units incidence times the units × words counts cached per unit beside the
    documents' (decoding every unit's tokens, then a Counter per unit and code, took seconds)."""
    from scipy.sparse import csr_matrix

    from coding.query.matrix import code_units

    if store.read_only:
        units, vocab = _unit_counts(store, flt)
    else:
        store.refresh_word_counts()
        units, vocab = store.unit_word_counts(flt), store.word_vocab()
    starts = np.zeros(units.sizes.size + 1, dtype=np.int64)
    np.cumsum(units.sizes, out=starts[1:])
    # float sums of integer counts are exact below 2**53
    words = csr_matrix(
        (units.counts.astype(np.float64), units.words, starts),
        shape=(units.sizes.size, len(vocab)),
    )
    # each counted unit's row by its rowid (-1: not counted here): a code's rows are a
    # lookup of its rowids, in rowid order as they come, not a search per code
    row_of = np.full(int(units.rowids.max(initial=0)) + 1, -1, dtype=np.int64)
    row_of[units.rowids] = np.arange(units.rowids.size)
    codes: list[str] = []
    rows: list[np.ndarray] = []
    for code, coded in code_units(store, coder).items():
        mine = row_of[coded[coded < row_of.size]]
        mine = mine[mine >= 0]
        if mine.size:
            codes.append(code)
            rows.append(mine)
    row_starts = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([r.size for r in rows], out=row_starts[1:])
    incidence = csr_matrix(
        (np.ones(row_starts[-1]), np.concatenate(rows or [np.zeros(0, np.int64)]), row_starts),
        shape=(len(rows), units.sizes.size),
    )
    table = np.rint((incidence @ words).toarray()).astype(np.int64)
    total = np.rint(np.asarray(words.sum(axis=0)).ravel()).astype(np.int64)
    return _Counts(vocab, total, dict(zip(codes, table, strict=True)), units.sizes.size)


def _unit_counts(store: Store, flt: UnitFilter) -> tuple[UnitWordCounts, list[str]]:
    """Return the filtered units' word counts and their vocabulary from every unit's cached
    tokens (a project opened read-only, whose counts cannot be cached)."""
    index: dict[str, int] = {}
    rowids: list[int] = []
    sizes: list[int] = []
    words: list[int] = []
    counts: list[int] = []
    for rowid, _, tokens in store.unit_token_rows(flt):
        counted = Counter(tokens)
        rowids.append(rowid)
        sizes.append(len(counted))
        words.extend(index.setdefault(w, len(index)) for w in counted)
        counts.extend(counted.values())
    arrays = (np.array(a, dtype=np.int64) for a in (rowids, sizes, words, counts))
    return UnitWordCounts(*arrays), list(index)


def _cached_counts(store: Store, flt: UnitFilter, by: str | None) -> _Counts:
    """Return word counts overall and per cluster or role, summed from the documents'
    cached counts."""
    rows = store.word_count_rows(flt, by)
    vocab = store.word_vocab()
    names = sorted({_group_name(g) for g, *_ in rows}) if by else []
    index = {g: k for k, g in enumerate(names)}
    size = len(vocab)
    if rows:
        which = np.concatenate(
            [ids.astype(np.int64) + size * index.get(_group_name(g), 0) for g, _, ids, _ in rows]
        ).astype(np.int64)
        weights = np.concatenate([counts for *_, counts in rows]).astype(np.float64)
        # float sums of integer counts are exact below 2**53
        summed: np.ndarray = np.bincount(which, weights, minlength=size * max(len(names), 1))
    else:
        summed = np.zeros(size)
    table = np.rint(summed).astype(np.int64).reshape(max(len(names), 1), size)
    groups = {g: table[k] for g, k in index.items()}
    return _Counts(vocab, table.sum(axis=0), groups, sum(units for _, units, *_ in rows))


def _group_name(group: object) -> str:
    return group if isinstance(group, str) and group else NO_GROUP


def _frequencies(vocab: list[str], total: np.ndarray, top: int) -> list[tuple]:
    size = int(total.sum())
    # only words counted at least as often as the top-th can be shown
    floor = np.partition(total, -top)[-top] if top < total.size else 0
    candidates = np.flatnonzero(total >= max(floor, 1))
    ranked = sorted((-int(total[i]), vocab[i]) for i in candidates)[:top]
    best = [(w, -m) for m, w in ranked]
    tags = pos_tags(w for w, _ in best)
    return [(ALL, w, tags[w], n, 1e4 * n / size, None, np.nan, np.nan, np.nan) for w, n in best]


def _keywords(
    vocab: list[str], total: np.ndarray, per_group: dict[str, np.ndarray], top: int
) -> list[tuple]:
    size = int(total.sum())
    rows: list[tuple] = []
    for group in sorted(per_group):
        counts = per_group[group]
        seen = np.flatnonzero(counts >= MIN_COUNT)
        a = counts[seen].astype(float)
        b = (total[seen] - counts[seen]).astype(float)
        c = float(counts.sum())
        d = float(size - c)
        if not seen.size or d <= 0:
            continue
        g2, ratio = keyness(a, b, c, d)
        (over,) = np.nonzero(ratio > 0)
        # strongest G² first, then by word (words are unique: the order is total)
        best = sorted(over.tolist(), key=lambda i: (-g2[i], vocab[seen[i]]))[:top]
        chosen = np.array(best, dtype=np.int64)
        columns = (
            a[chosen].astype(int).tolist(),
            (1e4 * a / c)[chosen].tolist(),
            b[chosen].astype(int).tolist(),
            g2[chosen].tolist(),
            [chi2_sf_one(x) for x in g2[chosen].tolist()],
            ratio[chosen].tolist(),
        )
        rows += [
            (group, vocab[seen[i]], *values) for i, *values in zip(best, *columns, strict=True)
        ]
    tags = pos_tags(row[1] for row in rows)
    return [(g, w, tags[w], *rest) for g, w, *rest in rows]
