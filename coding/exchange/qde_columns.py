"""A source's selections as columns, read by XPath when they have our exports' shape.

A large project's hundreds of thousands of ``PlainTextSelection``s cost more
walked element by element in Python than lxml's whole parse: four element
objects each, their tags and attributes. Here each field of every selection of
a source comes back from one XPath evaluation in C as a list of strings, so a
column costs about a string per selection. That holds only where every
selection has one shape, the one our exports write and the standard's usual
one, in a source that holds nothing else: exactly one ``Description`` of plain
text and one ``Coding`` holding exactly one ``CodeRef`` (nothing else), all in
the source's namespace, and each attribute on every selection or on none. One
XPath of counts checks it first; a source of any other shape (or a position
that is not a whole number) is read element by element (``qde_read``), to the
same columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coding.exchange.guids import normal_guid
from coding.exchange.xmlsafe import XmlElement


@dataclass
class Selections:
    """A source's selections in columns (no object per selection); a selection's
    codings are the next ``counts[k]`` entries of the coding columns."""

    guids: list[str] = field(default_factory=list)  # as written, '' when none
    starts: list[int] = field(default_factory=list)  # as written
    ends: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)  # the first one's text, or ''
    counts: list[int] = field(default_factory=list)  # codings per selection
    coding_guids: list[str] = field(default_factory=list)  # as written
    codes: list[str] = field(default_factory=list)  # the CodeRef's targetGUID, normalised
    # creatingUser normalised: the coding's, else the selection's, else None
    users: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.starts)

    def items(self) -> list[tuple[str, str, list[str]]]:
        """Return each selection's (GUID, name, its codings' GUIDs), to account for drops."""
        out = []
        c = 0
        for guid, name, n in zip(self.guids, self.names, self.counts, strict=True):
            out.append((guid, name, self.coding_guids[c : c + n]))
            c += n
        return out


_P = "q:PlainTextSelection"
# counts that read (n, 4n, n) for n selections, and a column of n codes (at most one
# a selection) for the one shape and no other: each selection has a first Description
# with a text and a first Coding with a first CodeRef (naming its code), so 4n
# elements are these and no others (no second Description or Coding, nothing else in
# the source or in any selection at any depth); the codes' column proves its part
# without a count of its own
_CHECK = (
    f"count({_P})",
    "count(.//*)",
    f"count({_P}/q:Description[1]/text()[1])",
)
_SHAPE = (1, 4, 1)
_COLUMNS = {
    "guids": f"{_P}/@guid",
    "starts": f"{_P}/@startPosition",
    "ends": f"{_P}/@endPosition",
    "names": f"{_P}/@name",
    "users": f"{_P}/@creatingUser",
    "descriptions": f"{_P}/q:Description/text()",
    "coding_guids": f"{_P}/q:Coding/@guid",
    "coding_users": f"{_P}/q:Coding/@creatingUser",
    "codes": f"{_P}/q:Coding[1]/q:CodeRef[1]/@targetGUID",  # one a selection at most
}
_PATHS: dict[str, dict[str, Any]] = {}  # namespace -> compiled XPaths


def _paths(namespace: str) -> dict[str, Any]:
    found = _PATHS.get(namespace)
    if found is None:
        from lxml import etree

        names = {"q": namespace}
        found = {
            key: etree.XPath(path, namespaces=names, smart_strings=False)
            for key, path in _COLUMNS.items()
        }
        check = "concat(" + ", ' ', ".join(_CHECK) + ")"
        found["check"] = etree.XPath(check, namespaces=names, smart_strings=False)
        _PATHS[namespace] = found
    return found


def _all_or_none(values: list[str], n: int, default: str = "") -> list[str] | None:
    """Return a column on every selection as it is, one on none as ``default``s, else None."""
    if len(values) == n:
        return values
    return [default] * n if not values else None


def _normal(values: list[str], guids: dict[str, str], empty: str | None = "") -> list:
    """Return GUIDs normalised (``guids`` remembers them), an empty one as ``empty``."""
    distinct = set(values)
    for value in distinct.difference(guids):
        guids[value] = normal_guid(value)
    found = {v: guids[v] if v else empty for v in distinct}
    return list(map(found.__getitem__, values))


def read_columns(source: XmlElement, guids: dict[str, str]) -> Selections | None:
    """Return a TextSource's selections, or None when it holds anything else or its
    selections have another shape (read it element by element then)."""
    tag = source.tag
    if not isinstance(tag, str) or not tag.startswith("{"):
        return None
    paths = _paths(tag[1 : tag.index("}")])
    counts = [int(c) for c in paths["check"](source).split()]
    n = counts[0]
    if counts != [n * k for k in _SHAPE]:
        return None
    try:
        starts = list(map(int, paths["starts"](source)))
        ends = list(map(int, paths["ends"](source)))
    except ValueError:
        return None  # the walk names the selections whose positions are not numbers
    names = _all_or_none(paths["names"](source), n)
    selection_guids = _all_or_none(paths["guids"](source), n)
    coding_guids = _all_or_none(paths["coding_guids"](source), n)
    codes = paths["codes"](source)
    if len(codes) != n:  # a selection without a code (or more than the shape): walked
        return None
    users = _all_or_none(paths["coding_users"](source), n)
    descriptions = paths["descriptions"](source)  # one text node each: merged by the parser
    if users is None or len(starts) != n or len(ends) != n or len(descriptions) != n:
        return None
    if not all(users):  # a coding without its own creatingUser: the selection's
        by = _all_or_none(paths["users"](source), n)
        if by is None:
            return None
        users = [u or s for u, s in zip(users, by, strict=True)]
    if names is None or selection_guids is None or coding_guids is None:
        return None
    selections = Selections(
        guids=selection_guids,
        starts=starts,
        ends=ends,
        names=names,
        descriptions=descriptions,
        counts=[1] * n,
        coding_guids=coding_guids,
        codes=_normal(codes, guids),
        users=_normal(users, guids, None),
    )
    return selections
