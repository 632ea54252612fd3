"""Reading a REFI-QDA ``project.qde`` as a stream: the head, then one source at a time.

Everything before ``<Sources>`` (users, the code tree, variables, cases) is
small and kept; each text source is handed on as soon as its element ends and
is then cleared, so a project of many megabytes never sits in memory as one
tree. XmlElement names are compared without their namespace, so a file with
another ``schemaLocation`` (or none) reads the same. What clusterqda cannot
hold (notes, sets, links, graphs, pictures, PDFs, audio, video, codings of a
whole source) is counted and named, never passed over in silence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from coding.exchange.codebook_qdc import CodeTree, read_code
from coding.exchange.guids import normal_guid
from coding.exchange.qde_columns import Selections, read_columns
from coding.exchange.xmlsafe import XmlElement, forget, iter_ends, local_name

_VALUE_TAGS = {
    "TextValue",
    "BooleanValue",
    "IntegerValue",
    "FloatValue",
    "DateValue",
    "DateTimeValue",
}
OTHER_SOURCES = {"PictureSource", "PDFSource", "AudioSource", "VideoSource"}
UNSUPPORTED = {"Notes": "Note", "Links": "Link", "Sets": "Set", "Graphs": "Graph"}


@dataclass
class SourceRead:
    """One ``TextSource``: where its text is, its selections and its own variables."""

    guid: str
    name: str
    plain_path: str | None
    content: str | None  # PlainTextContent, when the text is inline
    selections: Selections
    variables: dict[str, str]
    whole_codings: int  # Coding elements on the source itself (no span)
    bad_selections: list[tuple[str, str]] = field(default_factory=list)  # (guid, reason)


@dataclass
class CaseRead:
    """A case: its variables by name and the sources it covers."""

    guid: str
    name: str
    variables: dict[str, str]
    sources: list[str]


@dataclass
class QdeHead:
    """What comes before the sources: users, codes, variables, cases."""

    name: str = ""
    origin: str = ""
    creating_user: str | None = None
    users: dict[str, str] = field(default_factory=dict)  # GUID -> name
    codes: CodeTree = field(default_factory=CodeTree)
    variables: dict[str, str] = field(default_factory=dict)  # GUID -> name
    cases: list[CaseRead] = field(default_factory=list)


@dataclass
class QdeRest:
    """What was counted but not taken, by element kind."""

    notes: int = 0
    sets: int = 0
    links: int = 0
    graphs: int = 0
    other_sources: list[tuple[str, str, str]] = field(default_factory=list)  # kind, guid, name


def _guid(element: XmlElement, attribute: str = "guid") -> str:
    return normal_guid(element.get(attribute) or "")


def _value(element: XmlElement, variables: dict[str, str]) -> tuple[str, str] | None:
    """Return (variable name, value as text) of a VariableValue element."""
    name = None
    value = None
    for child in element:
        kind = local_name(child.tag)
        if kind == "VariableRef":
            guid = _guid(child, "targetGUID")
            name = variables.get(guid, guid)
        elif kind in _VALUE_TAGS:
            value = (child.text or "").strip()
    return (name, value) if name and value is not None else None


class _Memo(dict):
    """A dict that makes a missing value once from its key (a tag's local name, a GUID's
    normal form): a key met again is a plain dict lookup, with no call."""

    def __init__(self, make: Callable[[Any], str]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> str:
        value = self[key] = self.make(key)
        return value


def _source(element: XmlElement, head: QdeHead, kinds: _Memo, guids: _Memo) -> SourceRead:
    """Read one TextSource; ``kinds`` and ``guids`` remember local names and normal GUIDs."""
    bad: list[tuple[str, str]] = []
    source = SourceRead(
        guid=_guid(element),
        name=element.get("name") or "",
        plain_path=element.get("plainTextPath"),
        content=None,
        selections=Selections(),
        variables={},
        whole_codings=0,
        bad_selections=bad,
    )
    fast = read_columns(element, guids)  # the common shape, by XPath
    if fast is not None:
        source.selections = fast
    children = element if fast is None else ()
    # the loop runs once per selection and coding of the file's other shapes: a tight
    # loop of dict lookups and appends to the columns, no call per element where it can
    # be helped
    columns = source.selections
    add_guid, add_start, add_end = columns.guids.append, columns.starts.append, columns.ends.append
    add_name, add_description = columns.names.append, columns.descriptions.append
    add_count, add_coding = columns.counts.append, columns.coding_guids.append
    add_code, add_user = columns.codes.append, columns.users.append
    for child in children:
        kind = kinds[child.tag]
        if kind == "PlainTextSelection":
            get = child.get
            guid = get("guid") or ""
            try:
                start = int(get("startPosition", ""))
                end = int(get("endPosition", ""))
            except ValueError:
                bad.append((guid, "its startPosition or endPosition is not a whole number"))
                continue
            user = get("creatingUser")
            description = None
            n = 0
            for part in child:
                kind = kinds[part.tag]
                if kind == "Coding":
                    ref = None
                    for inner in part:
                        if kinds[inner.tag] == "CodeRef":
                            ref = inner
                            break
                    if ref is None:
                        continue
                    coder = part.get("creatingUser") or user
                    add_coding(part.get("guid") or "")
                    add_code(guids[ref.get("targetGUID") or ""])
                    add_user(guids[coder] if coder else None)
                    n += 1
                elif kind == "Description" and description is None:
                    description = part.text or ""
            add_guid(guid)
            add_start(start)
            add_end(end)
            add_name(get("name") or "")
            add_description(description or "")
            add_count(n)
        elif kind == "PlainTextContent":
            source.content = child.text or ""
        elif kind == "Coding":
            source.whole_codings += 1
        elif kind == "VariableValue" and (pair := _value(child, head.variables)):
            source.variables[pair[0]] = pair[1]
    return source


_TAGS = ("Project", "User", "Code", "Variable", "Case", "TextSource", *OTHER_SOURCES)
_TAGS += tuple(UNSUPPORTED.values())


def read_qde(
    handle: IO[bytes], where: str, on_source: Callable[[QdeHead, SourceRead], None]
) -> tuple[QdeHead, QdeRest]:
    """Read a project.qde, calling ``on_source`` for each text source as it is read."""
    head = QdeHead()
    rest = QdeRest()
    named = False
    kinds = _Memo(local_name)
    guids = _Memo(normal_guid)
    for element in iter_ends(handle, where, _TAGS, "Project", "project"):
        if not named:  # the root's attributes, read once its first child has ended
            root = element.getroottree().getroot()
            head.name, head.origin = root.get("name") or "", root.get("origin") or ""
            creator = root.get("creatingUserGUID")
            head.creating_user = normal_guid(creator) if creator else None
            named = True
        name = local_name(element.tag)
        parent = element.getparent()
        above = local_name(parent.tag) if parent is not None else ""
        if name == "User" and above == "Users":
            guid = _guid(element)
            head.users[guid] = element.get("name") or element.get("id") or guid
        elif name == "Code" and above == "Codes":
            head.codes.roots.append(read_code(element, None, head.codes))
            forget(element)
        elif name == "Variable" and above == "Variables":
            head.variables[_guid(element)] = element.get("name") or _guid(element)
        elif name == "Case" and above == "Cases":
            case = CaseRead(_guid(element), element.get("name") or "", {}, [])
            for child in element:
                kind = local_name(child.tag)
                if kind == "VariableValue" and (pair := _value(child, head.variables)):
                    case.variables[pair[0]] = pair[1]
                elif kind == "SourceRef":
                    case.sources.append(_guid(child, "targetGUID"))
            head.cases.append(case)
            forget(element)
        elif above == "Sources" and name == "TextSource":
            on_source(head, _source(element, head, kinds, guids))
            forget(element)
        elif above == "Sources" and name in OTHER_SOURCES:
            rest.other_sources.append((name, _guid(element), element.get("name") or ""))
            forget(element)
        elif UNSUPPORTED.get(above) == name:
            count = {"Notes": "notes", "Links": "links", "Sets": "sets", "Graphs": "graphs"}
            setattr(rest, count[above], getattr(rest, count[above]) + 1)
            forget(element)
    return head, rest
