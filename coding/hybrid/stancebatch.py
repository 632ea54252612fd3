"""The learned stance of a whole batch of units' codings at once.

``StanceWeights.restance`` spells every feature of every coding as a string (a few
hundred n-grams of its sentences) and hashes each; that was half the default coder's
time. Here each 1- or 2-gram is an integer (its code points), looked up for a batch
in one NumPy search of each unit's text, whose stretches each coding then reads; the
columns found per coding are exactly ``predict``'s, and each coding is scored as
``predict`` scores it (the same sorted columns summed the same way), so the stances are
the same ones.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

from coding.hybrid.keyindex import KeyIndex
from coding.hybrid.stancemodel import (
    BAR,
    EVIDENCE_CHARS,
    NEIGHBOUR_CHARS,
    StanceWeights,
    evidence_sentences,
    span_stances,
)
from coding.model import Coding
from coding.stance import code_stance
from coding.textview import TextView

_POINT = 1 << 21  # above every Unicode code point
_PLANE = 0x10000  # the Basic Multilingual Plane
# the n-gram families of the evidence that take the code's dimension into account
_EVIDENCE = ("e:", "eAGENCY:", "eCOND:", "eEVAL:")


def gram_key(gram: str) -> int:
    """Return a 1- or 2-gram as one integer: a character is its code point, a pair
    ``(first + 1) * 2**21 + second``."""
    if len(gram) == 1:
        return ord(gram)
    return (ord(gram[0]) + 1) * _POINT + ord(gram[1])


def _whole_keys(grams: list[str]) -> np.ndarray:
    """Return ``gram_key`` of each 1- or 2-gram."""
    lengths = np.fromiter(map(len, grams), np.int64, len(grams))
    joined = "".join(grams).encode("utf-32-le", "surrogatepass")
    points = np.frombuffer(joined, dtype=np.uint32).astype(np.int64)
    ends = np.cumsum(lengths)
    last, first = points[ends - 1], points[ends - lengths]
    return np.where(lengths == 2, (first + 1) * _POINT + last, last)


def gram_table(
    vocabulary: list[str], families: tuple[str, ...], lengths: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return the sorted gram keys of some gram families of a vocabulary and, per key,
    each family's column (-1: the gram is not in that family's vocabulary)."""
    # (column, family, gram) of every 1- or 2-gram of these families, looked for among
    # the features of its length only (``lengths``: each feature's); a family names
    # no colon before its own, so its features are those it starts
    if lengths is None:
        lengths = np.fromiter(map(len, vocabulary), np.int64, len(vocabulary))
    found = [
        (i, f, vocabulary[i][len(family) :])
        for f, family in enumerate(families)
        for n in (1, 2)
        for i in np.flatnonzero(lengths == len(family) + n).tolist()
        if vocabulary[i].startswith(family)
    ]
    grams = [gram for _i, _f, gram in found]
    keys, rows = np.unique(_whole_keys(grams), return_inverse=True)
    columns = np.full((len(keys), len(families)), -1, dtype=np.int64)
    columns[rows, [f for _i, f, _g in found]] = [i for i, _f, _g in found]
    return keys, columns


def stance_tables(model: StanceWeights) -> dict[str, np.ndarray]:
    """Return the stance model's gram tables (``gram_table``) by name: what ``StanceBatch``
    builds from its vocabulary, and what a shipped model keeps ready."""
    lengths = np.fromiter(map(len, model.vocabulary), np.int64, len(model.vocabulary))
    evidence = gram_table(model.vocabulary, _EVIDENCE, lengths)
    neighbours = gram_table(model.vocabulary, ("n:",), lengths)
    return {
        "evidence_keys": evidence[0],
        "evidence_columns": evidence[1],
        "neighbour_keys": neighbours[0],
        "neighbour_columns": neighbours[1],
    }


class _Table:
    """Sorted gram keys of one set of gram families, with each family's column (-1: the
    gram is not in that family's vocabulary)."""

    def __init__(self, keys: np.ndarray, columns: np.ndarray) -> None:
        self.keys, self.columns = keys, columns
        self.flat = columns.ravel()  # row-major: a key's families side by side
        # the row of each character of the Basic Multilingual Plane (-1: none): 1-grams,
        # half of every lookup, are found by their code point without a search
        self.plane = np.full(_PLANE, -1, dtype=np.int64)
        chars = self.keys[self.keys < _PLANE]
        self.plane[chars] = np.arange(len(chars))
        self._found = KeyIndex(keys)  # the other keys' rows, without a search

    def find(self, keys: np.ndarray, singles: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Return, for the keys present, their positions in ``keys`` and their table rows;
        ``keys[:singles]`` are 1-grams."""
        if not len(self.keys):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        head = keys[:singles]
        rows = self.plane[np.minimum(head, _PLANE - 1)]
        rare = np.flatnonzero(head >= _PLANE)
        if len(rare):  # beyond the plane (an emoji, a rare character): hashed
            rows[rare] = self._found.rows(head[rare])
        found = np.flatnonzero(rows >= 0)
        at = self._found.rows(keys[singles:])
        present = np.flatnonzero(at >= 0)
        return np.concatenate((found, present + singles)), np.concatenate(
            (rows[found], at[present])
        )

    def rows_at(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the row of the 1-gram at each of the code points and of the 2-gram that
        starts there (-1: none)."""
        keys = np.concatenate((points, (points[:-1] + 1) * _POINT + points[1:]))
        rows = np.full(len(keys), -1, dtype=np.int64)
        present, at = self.find(keys, len(points))
        rows[present] = at
        return rows[: len(points)], rows[len(points) :]


def _merged(*tables: tuple[np.ndarray, np.ndarray]) -> _Table:
    """Return one table of the keys of several, with each one's columns side by side."""
    keys = np.unique(np.concatenate([k for k, _c in tables]))
    columns = np.full((len(keys), sum(c.shape[1] for _k, c in tables)), -1, dtype=np.int64)
    first = 0
    for k, c in tables:
        columns[np.searchsorted(keys, k), first : first + c.shape[1]] = c
        first += c.shape[1]
    return _Table(keys, columns)


def _read(
    single: np.ndarray, pair: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return (coding, table row) of every known gram of each coding's stretch of text
    ``[starts, ends)``: its 1-grams, and its 2-grams that end inside it."""
    rows, at = [], []
    for table, stops in ((single, ends), (pair, np.maximum(ends - 1, starts))):
        owner, positions = _stretches(starts, stops - starts)
        found = table[positions]
        known = found >= 0
        rows.append(owner[known])
        at.append(found[known])
    return np.concatenate(rows), np.concatenate(at)


def _stretches(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (stretch, position) of every position of the stretches ``[starts, starts +
    counts)``, one stretch after the other."""
    owner = np.repeat(np.arange(len(starts), dtype=np.int64), counts)
    positions = np.arange(len(owner), dtype=np.int64) + np.repeat(
        starts - (np.cumsum(counts) - counts), counts
    )
    return owner, positions


def _sorted_once(flat: np.ndarray, n: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the (coding, column) pairs ``coding * width + column`` spells, sorted, each
    once."""
    if n * width < 2**31:  # 32-bit keys sort in half the time
        flat = flat.astype(np.int32)
    flat = np.sort(flat)  # by coding, then by column
    flat = flat[np.concatenate(([True], flat[1:] != flat[:-1]))]  # each column once
    return flat // width, (flat % width).astype(np.intp)


class StanceBatch:
    """A stance model made ready to restance many units' codings per call."""

    def __init__(self, model: StanceWeights, tables: dict[str, np.ndarray] | None = None) -> None:
        self.model = model
        self.index = model.index
        self.width = len(model.vocabulary)
        # ``tables``: ``stance_tables(model)`` as shipped with the model
        tables = tables if tables is not None else stance_tables(model)
        # the evidence's families and the neighbours' in one table: one search per gram
        self.grams = _merged(
            (tables["evidence_keys"], tables["evidence_columns"]),
            (tables["neighbour_keys"], tables["neighbour_columns"]),
        )
        # the columns of the named features, by what spells them (few distinct ones)
        self._named: dict[tuple, list[int]] = {}
        self._codes: dict[str, tuple[str, int]] = {}
        self._coef_t: np.ndarray | None = None  # the weights, classes innermost
        self._largest = np.zeros(0)  # each class's largest weight (in size)

    def _code(self, code: str) -> tuple[str, int]:
        """Return a code's dimension and its evidence family (-1: the cue words decide)."""
        if code not in self._codes:
            dim = code.split(".")[0]
            decided = dim in self.model.dimensions
            self._codes[code] = (dim, _EVIDENCE.index(f"e{dim}:") if decided else -1)
        return self._codes[code]

    def _named_columns(
        self, dim: str, code: str, cue: str, learned: bool, around: str, flags: tuple[str, ...]
    ) -> list[int]:
        """Return the columns of a coding's named features (``stance_features``' first ones)."""
        features = (
            "c:" + code,
            f"cc:{code}|{cue}",
            "rule:" + ("model" if learned else "rule"),
            f"old:{code}|{code_stance(code, cue, False)}",
            "d:" + dim,
            "cue:" + cue,
            f"around:{dim}|{around}",
            *(f"{flag}:{dim}" for flag in flags),
        )
        return [self.index[f] for f in features if f in self.index]

    def restance(self, units: list[tuple[TextView, list[Coding]]]) -> list[list[Coding]]:
        """Return each unit's codings with the learned stance where the model decides: what
        ``StanceWeights.restance`` gives for every unit."""
        model = self.model
        out = [codings for _view, codings in units]
        asked: list[tuple[int, int, Coding]] = []  # (unit, position, coding) to score
        named: list[list[int]] = []  # each coding's columns of the named features
        texts: list[str] = []  # the text of each unit with a coding to score, once
        owners, starts, ends, families = [], [], [], []  # each coding's text and span
        fixed, known, spelt = model.fixed, self._codes, self._named
        for u, (view, codings) in enumerate(units):
            mine = -1  # the view's text's number in ``texts``
            for j, coding in enumerate(codings):
                code = coding.code_id
                dim, family = known.get(code) or self._code(code)
                if family < 0:
                    continue
                stance = fixed.get(code)
                if stance is not None:
                    if stance != coding.stance:
                        _set(out, u, j, codings, stance)
                    continue
                if mine < 0:
                    mine = len(texts)
                    texts.append(view.text)
                    parts: dict[tuple[int, int], tuple[str, str, tuple[str, ...]]] = {}
                span = evidence_sentences(view, coding)
                # a span of whole sentences: counted on the view if not too long
                got = parts.get(span)
                if got is None:
                    got = parts[span] = span_stances(
                        view, *span, span[1] - span[0] <= EVIDENCE_CHARS
                    )
                cue, around, flags = got
                key = (code, cue, coding.rule_id == "model", around, flags)
                columns = spelt.get(key)
                if columns is None:
                    columns = spelt[key] = self._named_columns(dim, *key)
                named.append(columns)
                asked.append((u, j, coding))
                owners.append(mine)
                starts.append(span[0])
                ends.append(span[1])
                families.append(family)
        if not asked:
            return out
        counts = np.fromiter(map(len, named), np.int64, len(named))
        pairs = np.empty((int(counts.sum()), 2), dtype=np.int64)
        pairs[:, 0] = np.repeat(np.arange(len(named), dtype=np.int64), counts)
        pairs[:, 1] = np.fromiter(chain.from_iterable(named), np.int64, len(pairs))
        spans = np.array([owners, starts, ends], dtype=np.int64)
        rows, found = self._columns(texts, spans, np.asarray(families, np.int64), pairs)
        chosen = self.choices(rows, found, len(asked)).tolist()
        classes = model.classes
        for (u, j, coding), label in zip(asked, chosen, strict=True):
            if classes[label] != coding.stance:  # an equal coding is the same one
                _set(out, u, j, units[u][1], classes[label])
        return out

    def choices(self, rows: np.ndarray, columns: np.ndarray, n: int) -> np.ndarray:
        """Return each coding's class: ``argmax(column_sums(...) + intercept)``, the same
        one, from float32 sums NumPy adds faster in another order wherever their rounding
        cannot change which class is highest; the others are summed as ``predict`` sums.

        Why the bound holds. Let u = 2**-24 (float32's unit roundoff), k a coding's
        number of columns and, in one class, A = sum(|w|) of its weights (at most k times
        the class's largest |w|) and b the intercept. Turning each weight into float32
        moves it by at most u|w| (and 2**-150 if it is subnormal there); adding k float32
        terms in any order is within 1.01 * (k - 1) * u * sum(|terms|) of their exact sum
        (k * u <= 2**-10); the sum is widened exactly and the intercept added in float64,
        one rounding of 2**-53. ``predict``'s sum is within (k + 1) * 2**-53 * (A + |b|)
        of the exact one. So both scores lie within (k + 2) * u * (A + |b|) + k * 2**-149
        of each other, and the bound below, four times that, keeps a clear margin for its
        own float64 arithmetic. Weights too large for float32 (2**64 or more) are summed
        in float64, where the same bound holds a fortiori; codings of more than 2**14
        columns are always summed again.
        """
        if self._coef_t is None:
            coef = self.model.coef
            # float32 halves the bytes each gathered weight moves (and the table fits
            # a core's cache); the float64 fallback only guards absurd weights
            large = coef.size and np.abs(coef).max() >= 2.0**64
            self._coef_t = np.ascontiguousarray(coef.T, np.float64 if large else np.float32)
            self._largest = np.abs(coef).max(axis=1, initial=0.0)
        intercept = self.model.intercept
        starts = np.searchsorted(rows, np.arange(n + 1))  # ``rows`` ascend
        lengths = np.diff(starts)
        scores = np.zeros((n, len(intercept)))
        filled = lengths > 0
        if filled.any():
            # an empty coding's sum is 0 (``reduceat`` would give a column): left out
            gathered = np.take(self._coef_t, columns, axis=0)
            scores[filled] = np.add.reduceat(gathered, starts[:-1][filled], axis=0)
        scores += intercept
        k = lengths[:, None].astype(np.float64)
        bound = 4.0 * (
            (k + 2.0) * 2.0**-24 * (k * self._largest + np.abs(intercept)) + k * 2.0**-149
        )
        bound[lengths > 2**14] = np.inf
        top = np.argmax(scores, axis=1)
        every = np.arange(n)
        lowest = scores[every, top] - bound[every, top]
        others = scores + bound
        others[every, top] = -np.inf
        unsure = np.flatnonzero(others.max(axis=1, initial=-np.inf) >= lowest)
        if len(unsure):
            # their stretches of ``columns``, one after the other
            owner, at = _stretches(starts[unsure], lengths[unsure])
            exact = column_sums(self.model.coef, owner, columns[at], len(unsure))
            top[unsure] = np.argmax(exact + intercept, axis=1)
        return top

    def _columns(
        self, texts: list[str], spans: np.ndarray, families: np.ndarray, named: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return every coding's sorted feature columns, as ``predict`` collects them, one
        after the other: the coding each belongs to, and the column. ``spans``: each
        coding's text (in ``texts``), and the start and end of its sentences."""
        width = self.width
        lengths = np.fromiter(map(len, texts), np.int64, len(texts))
        offsets = np.concatenate(([0], np.cumsum(lengths)))
        points = np.frombuffer(
            "".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
        ).astype(np.int64)
        # every gram of each text looked up once, whatever the codings that read it: the
        # 1-gram at each character and the 2-gram starting there (those across two texts
        # looked up too, never read)
        single, pair = self.grams.rows_at(points)
        owner, start, end = spans
        base, size = offsets[owner], lengths[owner]
        start, end = np.minimum(start, size), np.minimum(end, size)
        # the evidence: the span's first ``EVIDENCE_CHARS`` characters
        stop = np.minimum(end, start + EVIDENCE_CHARS)
        rows, at = _read(single, pair, base + start, base + stop)
        # each evidence gram counts in the plain family and in the coding's dimension's
        # (read from the flat table: a 2-D gather costs a third more)
        flat, step = self.grams.flat, self.grams.columns.shape[1]
        plain, own = flat[at * step], flat[at * step + families[rows]]
        known, mine = plain >= 0, own >= 0
        rows = rows * width
        found = [rows[known] + plain[known], rows[mine] + own[mine]]
        # the neighbours: ``NEIGHBOUR_CHARS`` before the span, a bar, as many after it
        low, high = (
            np.maximum(start - NEIGHBOUR_CHARS, 0),
            np.minimum(end + NEIGHBOUR_CHARS, size),
        )
        neighbour = step - 1
        for first, last in ((low, start), (end, high)):
            rows, at = _read(single, pair, base + first, base + last)
            column = flat[at * step + neighbour]
            found.append((rows * width + column)[column >= 0])
        bar = ord(BAR)
        every = np.arange(len(owner), dtype=np.int64)
        before, after = start > low, high > end
        keys = np.concatenate(
            (
                np.full(len(owner), bar),
                (points[(base + start - 1)[before]] + 1) * _POINT + bar,
                (bar + 1) * _POINT + points[(base + end)[after]],
            )
        )
        rows = np.concatenate((every, every[before], every[after]))
        present, at = self.grams.find(keys)
        column = flat[at * step + neighbour]
        found.append((rows[present] * width + column)[column >= 0])
        found.append(named[:, 0] * width + named[:, 1])
        return _sorted_once(np.concatenate(found), len(owner), width)


def column_sums(coef: np.ndarray, rows: np.ndarray, columns: np.ndarray, n: int) -> np.ndarray:
    """Return, for each of ``n`` codings, the sum of ``coef``'s columns that ``columns``
    lists for it (``rows``: whose each is, ascending), one row of class scores per coding.

    ``coef[:, cols].sum(axis=1)`` (``predict``) adds a coding's columns one after the
    other (its gathered columns lie class-innermost, so NumPy does not sum them
    pairwise), and so does ``bincount``: the same floats, without a call per coding.
    """
    return np.stack(
        [np.bincount(rows, weights=line[columns], minlength=n) for line in coef], axis=1
    )


def _set(out: list[list[Coding]], unit: int, at: int, codings: list[Coding], stance: str) -> None:
    """Give one coding a stance, copying its unit's list the first time it changes."""
    if out[unit] is codings:
        out[unit] = list(codings)
    c = codings[at]
    out[unit][at] = Coding(c.code_id, stance, c.start, c.end, c.terms, c.rule_id, c.probability)
