"""The model's features for a whole batch of units at once, as integer columns.

``features.unit_features`` spells every character n-gram of a unit as a string and
``LearnedWeights.matrix`` looks each up in a dict: most of the model's cost. Here each
2- or 3-gram of a family (the answer, its negated and its hypothetical clauses, the
question) is an integer made of its code points, looked up for the whole batch in one
sorted NumPy array; the few other features (role, rules, terms) are still strings. The
same (unit, column) pairs are found as from ``unit_features`` (in another order, which
changes nothing: each tf-idf row's columns are sorted before its norm is summed), so
the rows, their norms and the products are bit for bit the same (a test compares them).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from coding.hybrid.features import (
    HYPOTHETICAL,
    MAX_CHARS,
    NEGATED,
    ORDERS,
    PUNCT_CHAR,
    QUESTION,
    QUESTION_ORDERS,
    ROLE,
    RULE,
    TERM,
    marked_clauses,
)
from coding.hybrid.keyindex import KeyIndex
from coding.model import Coding
from coding.textview import TextView

_BITS = 21  # every code point is below 2**21
_PLANE = 0x10000  # the Basic Multilingual Plane
# the families of n-grams, by prefix, with their orders: a job is one text of one family
_FAMILIES = (("", ORDERS), (NEGATED, ORDERS), (HYPOTHETICAL, ORDERS), (QUESTION, QUESTION_ORDERS))
_PLAIN, _NEGATED, _WISHED, _QUESTION = range(len(_FAMILIES))


def gram_key(gram: str) -> int:
    """Return a 2- or 3-gram as one integer; no 3-gram's equals a 2-gram's."""
    key = ord(gram[0]) + 1
    for ch in gram[1:-1]:
        key = (key << _BITS) + ord(ch) + 1
    return (key << _BITS) + ord(gram[-1])


def gram_keys(grams: list[str], n: int) -> np.ndarray:
    """Return ``gram_key`` of many n-grams of one length at once."""
    encoded = "".join(grams).encode("utf-32-le", "surrogatepass")
    points = np.frombuffer(encoded, np.uint32).astype(np.int64).reshape(len(grams), n)
    key = points[:, 0] + 1
    for k in range(1, n):
        key = (key << _BITS) + points[:, k] + (1 if k < n - 1 else 0)
    return key


@lru_cache(maxsize=1)
def _punctuation() -> np.ndarray:
    """Return every code point of the Basic Multilingual Plane ``PUNCT`` cuts at, found by
    the pattern itself (once per process)."""
    plane = "".join(map(chr, range(_PLANE)))
    return np.asarray([m.start() for m in re.finditer(PUNCT_CHAR, plane)], dtype=np.int64)


def _cuts(points: np.ndarray) -> np.ndarray:
    """Return where ``PUNCT`` cuts: the plane's punctuation, and any character beyond it
    asked of the pattern itself (rare: emoji, rare characters)."""
    cut = np.isin(points, _punctuation())
    beyond = np.flatnonzero(points >= _PLANE)
    if len(beyond):
        rare = np.unique(points[beyond])
        cutting = [p for p in rare.tolist() if re.fullmatch(PUNCT_CHAR, chr(p))]
        cut[beyond] = np.isin(points[beyond], np.asarray(cutting, dtype=np.int64))
    return cut


class FeatureBatch:
    """A model's vocabulary made ready to turn many units into columns per call."""

    def __init__(
        self,
        vocabulary: list[str],
        index: dict[str, int] | None = None,
        table: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self.index = index if index is not None else {f: i for i, f in enumerate(vocabulary)}
        self.width = len(vocabulary)
        # the column of a role, a rule's code and a term, by its name (-1: not a feature),
        # so that a unit's named features are looked up without spelling them again
        self._named: tuple[dict[str, int], ...] = ({}, {}, {})
        # ``table``: ``feature_table(vocabulary)`` as shipped with the model
        self.keys, self.columns = table if table is not None else feature_table(vocabulary)
        self._found = KeyIndex(self.keys)  # a gram key's row, without a search

    def columns_of(
        self,
        analysed: list[tuple[TextView, list[Coding]]],
        questions: list[str | None],
        roles: list[str | None],
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (unit, column) of every known feature of each unit (unknown features
        left out), as often as ``unit_features`` lists it (in another order)."""
        jobs: list[str] = []  # texts whose n-grams are features
        job_units: list[int] = []
        job_families: list[int] = []
        named: list[int] = []  # columns of the features spelt out: role, rules, terms
        named_units: list[int] = []
        roles_of, rules_of, terms_of = self._named
        for u, ((view, codings), question, role) in enumerate(
            zip(analysed, questions, roles, strict=True)
        ):
            text = view.text[:MAX_CHARS]
            jobs.append(text)
            job_units.append(u)
            job_families.append(_PLAIN)
            for start, end, negated, wished in marked_clauses(view, len(text)):
                if negated:
                    jobs.append(text[start:end])
                    job_units.append(u)
                    job_families.append(_NEGATED)
                if wished:
                    jobs.append(text[start:end])
                    job_units.append(u)
                    job_families.append(_WISHED)
            if question:
                jobs.append(question[-200:])
                job_units.append(u)
                job_families.append(_QUESTION)
            first = len(named)
            if role:
                column = roles_of.get(role)
                if column is None:
                    column = roles_of[role] = self.index.get(ROLE + role, -1)
                named.append(column)
            for coding in codings:
                code = coding.code_id
                column = rules_of.get(code)
                if column is None:
                    column = rules_of[code] = self.index.get(RULE + code, -1)
                named.append(column)
                for term in coding.terms:
                    column = terms_of.get(term)
                    if column is None:
                        column = terms_of[term] = self.index.get(TERM + term, -1)
                    named.append(column)
            named_units += [u] * (len(named) - first)
        gram_units, gram_columns = self._grams(jobs, job_units, job_families)
        found = np.asarray(named, np.int64)
        known = found >= 0
        units = np.concatenate((gram_units, np.asarray(named_units, np.int64)[known]))
        return units, np.concatenate((gram_columns, found[known]))

    def _grams(
        self, jobs: list[str], job_units: list[int], job_families: list[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (unit, column) of the known n-grams of every job: those of ``_grams``,
        whose pieces punctuation and the jobs' ends cut."""
        empty = np.zeros(0, np.int64)
        joined = "".join(jobs)
        if not joined or not len(self.keys):
            return empty, empty
        lengths = np.fromiter(map(len, jobs), np.int64, len(jobs))
        encoded = joined.encode("utf-32-le", "surrogatepass")
        points = np.frombuffer(encoded, np.uint32).astype(np.int64)
        job = np.repeat(np.arange(len(jobs), dtype=np.int64), lengths)
        cut = _cuts(points)
        families = np.asarray(job_families, np.int64)
        keys, at = [], []
        for n in sorted({n for _prefix, orders in _FAMILIES for n in orders}):
            if len(points) < n:
                continue
            span = len(points) - n + 1
            inside = job[:span] == job[n - 1 :]
            key = points[:span] + 1
            for k in range(1, n):
                inside &= ~cut[k : k + span]
                key = (key << _BITS) + points[k : k + span] + (1 if k < n - 1 else 0)
            inside &= ~cut[:span]
            wanted = np.asarray([n in _FAMILIES[f][1] for f in range(len(_FAMILIES))])
            inside &= wanted[families[job[:span]]]
            where = np.flatnonzero(inside)
            keys.append(key[where])
            at.append(where)
        if not at:  # the batch's texts hold one character in all: no n-gram
            return empty, empty
        flat_at, flat_keys = np.concatenate(at), np.concatenate(keys)
        row = self._found.rows(flat_keys)
        column = np.where(row >= 0, self.columns[row, families[job[flat_at]]], -1)
        known = column >= 0
        units = np.asarray(job_units, np.int64)[job[flat_at[known]]]
        return units, column[known]


def feature_table(vocabulary: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return the sorted n-gram keys of a vocabulary and, per key, each family's column
    (-1: the gram is not a feature of that family)."""
    keys, families, columns = [], [], []
    # each family's n-grams are looked for among the features of their length only
    # (a walk of the whole vocabulary per family and order was most of a worker's start)
    lengths = np.fromiter(map(len, vocabulary), np.int64, len(vocabulary))
    for family, (prefix, orders) in enumerate(_FAMILIES):
        # a feature is found by its whole spelling: a plain 3-gram that starts with
        # the negation mark is the negated 2-gram of the same letters, as in a dict
        for n in orders:
            found = [
                (column, vocabulary[column][len(prefix) :])
                for column in np.flatnonzero(lengths == len(prefix) + n).tolist()
                if vocabulary[column].startswith(prefix)
            ]
            keys.append(gram_keys([gram for _c, gram in found], n))
            columns.append(np.asarray([c for c, _gram in found], dtype=np.int64))
            families.append(np.full(len(found), family, dtype=np.int64))
    unique, at = np.unique(np.concatenate(keys), return_inverse=True)
    table = np.full((len(unique), len(_FAMILIES)), -1, dtype=np.int64)
    table[at, np.concatenate(families)] = np.concatenate(columns)
    return unique, table
