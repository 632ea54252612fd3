"""A batch's codings as ``coding_data`` rows (``Store.write_codings``): offsets into the
document, and the default coder's codings stored on the rules' rows where they agree.

Made in the coding workers, so that only rows cross back to the main process.
"""

from __future__ import annotations

from coding.model import Coding
from coding.rulecoder import MODEL_RULE
from coding.store import UnitToCode

__all__ = ["coding_row", "shares", "stored_rows"]


def stored_rows(
    units: list[UnitToCode], ruled: list[list[Coding]], mixed: list[list[Coding]] | None
) -> list[tuple]:
    """Turn codings of matching views into stored rows (offsets into the document).

    The hybrid's codings (``mixed``) are mostly the rules' own, or theirs with the model's
    probability or the learned stance: a coding both gave is one row of the rules (coder 0)
    with the hybrid as ``also`` (1) and its own stance and probability where they differ.
    Rows are written in an order that keeps each coder's own order of its codings.
    """
    out: list[tuple] = []
    for n, unit in enumerate(units):
        first = ruled[n]
        if mixed is None:
            out += [coding_row(unit, c, 0, None) for c in first]
            continue
        if mixed[n] is first:  # an interviewer's turn: the hybrid keeps the rules' codings
            out += [coding_row(unit, c, 0, 1) for c in first]
            continue
        # the rules give a code once: a coding of theirs is found by its code, not searched
        at = {c.code_id: k for k, c in enumerate(first)}
        by_code = at if len(at) == len(first) else None
        i = 0
        for c in mixed[n]:
            j = _match(first, by_code, i, c)
            if j is None:
                out.append(coding_row(unit, c, 1, None))
                continue
            if j > i:
                out += [coding_row(unit, a, 0, None) for a in first[i:j]]
            a = first[j]
            if a is c:
                out.append(coding_row(unit, c, 0, 1))
            else:
                out.append(coding_row(unit, a, 0, 1, c))
            i = j + 1
        out += [coding_row(unit, a, 0, None) for a in first[i:]]
    return out


def _match(first: list[Coding], by_code: dict[str, int] | None, i: int, c: Coding) -> int | None:
    """Return where in ``first[i:]`` a coding ``c`` can share a row with is, or None;
    ``by_code`` gives each code's place in ``first`` when no code is in it twice."""
    if by_code is not None:
        j = by_code.get(c.code_id)
        return j if j is not None and j >= i and (first[j] is c or shares(first[j], c)) else None
    return next((j for j in range(i, len(first)) if shares(first[j], c)), None)


def shares(a: Coding, b: Coding) -> bool:
    """Return whether ``b`` can be stored on ``a``'s row: the same coding but for a stance or a
    probability of its own (NULL in ``also_stance``/``also_probability`` is ``a``'s)."""
    # most codings compared differ in their code: that is asked first
    return (
        a.code_id == b.code_id
        and a.start == b.start
        and a.end == b.end
        and a.rule_id == b.rule_id
        and a.terms == b.terms
        and (b.stance is not None or a.stance is None)
        and (b.probability is not None or a.probability is None)
    )


def coding_row(
    unit: UnitToCode, c: Coding, coder: int, also: int | None, own: Coding | None = None
) -> tuple:
    """Return the stored row of ``c``; ``own``: the second coder's coding, when not ``c`` itself."""
    # a code the model gave has no evidence span: no term marks it
    if c.rule_id == MODEL_RULE:
        start = end = None
    else:
        start, end = unit.start + c.start, unit.start + c.end
    stance = probability = None
    if own is not None:
        if own.stance != c.stance:
            stance = own.stance
        if own.probability != c.probability:
            probability = own.probability
    return (unit.rowid, coder, also, c.code_id, c.stance, start, end, c.rule_id, c.terms,
            c.probability, stance, probability)  # fmt: skip
