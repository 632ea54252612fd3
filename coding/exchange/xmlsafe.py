"""XML from outside read safely, and our text written as XML 1.0 can hold it.

Reading goes through lxml's parser with entity expansion, DTD loading and
the network off, and a document that declares a DOCTYPE at all (and so any
entity, internal or external) is refused at its first element: neither a
billion-laughs file nor one that names ``file:///etc/passwd`` gets further.
(defusedxml does the same through the pure-Python parser, five times slower
on a large project.) Elements are streamed (``iterparse``) and cleared once
used, so a project of many megabytes is never held as one tree.

Writing: XML 1.0 cannot carry most C0 controls at all (not even escaped), so
they become U+FFFD in names and descriptions; transcript text itself goes to
``sources/`` as plain UTF-8 and is never put in the XML.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from functools import lru_cache
from typing import IO, Any
from xml.sax.saxutils import escape

from coding.errors import ExchangeError

# an lxml element (lxml ships no type hints)
XmlElement = Any

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# saxutils.escape does & < > itself (in that order, so an entity is never escaped
# twice); these are the rest. In attributes a newline or tab would be normalised
# to a space by the reader.
_TEXT_ENTITIES = {'"': "&quot;"}
_ATTR_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\t": "&#9;", "\r": "&#13;"}


def xml_safe(text: str) -> str:
    """Return text with characters XML 1.0 cannot hold replaced by U+FFFD."""
    return _ILLEGAL.sub("\ufffd", text)


def escape_text(text: str) -> str:
    """Return text escaped for element content."""
    return escape(_ILLEGAL.sub("\ufffd", text), _TEXT_ENTITIES)


def escape_attr(text: str) -> str:
    """Return text escaped for a double-quoted attribute value."""
    return escape(_ILLEGAL.sub("\ufffd", text), _ATTR_ENTITIES)


@lru_cache(maxsize=256)  # a file has a few dozen distinct tags, met a million times
def local_name(tag: object) -> str:
    """Return an element's name without its namespace ('' for comments and PIs)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def iter_elements(handle: IO[bytes], where: str) -> Iterator[tuple[str, XmlElement]]:
    """Yield ("start" | "end", element) from an XML stream; a DTD or entity is refused."""
    from lxml import etree

    # lxml's C parser, told never to expand an entity, load a DTD or touch the
    # network; a document that declares a DOCTYPE at all is refused on its
    # first element, before anything of it is used.
    events = etree.iterparse(
        handle,
        events=("start", "end"),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    checked = False
    try:
        for event, element in events:
            if not checked:
                checked = True
                if element.getroottree().docinfo.doctype:
                    raise ExchangeError(
                        "this XML declares a DTD or entities, which a REFI-QDA file never "
                        "needs; refused for safety",
                        where,
                    )
            yield event, element
    except zipfile.BadZipFile as exc:  # read to its declared size, the bytes fail the CRC
        raise ExchangeError(f"this file is corrupt ({exc})", where) from None
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        if "entit" in str(exc).lower():  # an entity the parser would not expand
            raise ExchangeError(
                "this XML uses a DTD or entities, which a REFI-QDA file never needs; "
                "refused for safety",
                where,
                line=line,
            ) from None
        raise ExchangeError("this is not well-formed XML", where, line=line) from None


def iter_ends(
    handle: IO[bytes], where: str, tags: tuple[str, ...], root: str, kind: str
) -> Iterator[XmlElement]:
    """Yield each element named in ``tags`` (any namespace) when it ends; check the root.

    Only the named elements reach Python, so a project's hundreds of thousands
    of selections cost the C parser's time alone until their source ends.
    """
    from lxml import etree

    events = etree.iterparse(
        handle,
        events=("end",),
        tag=[f"{{*}}{t}" for t in tags],
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
    )

    def check(element: XmlElement) -> None:
        tree = element.getroottree()
        if tree.docinfo.doctype:
            raise ExchangeError(
                "this XML declares a DTD or entities, which a REFI-QDA file never needs; "
                "refused for safety",
                where,
            )
        found = local_name(tree.getroot().tag)
        if found != root:
            raise ExchangeError(
                f"this is not a REFI-QDA {kind} (its root is <{found}>, not <{root}>)", where
            )

    checked = False
    try:
        for _, element in events:
            if not checked:
                check(element)
                checked = True
            yield element
        if not checked and events.root is not None:
            check(events.root)
    except zipfile.BadZipFile as exc:  # read to its declared size, the bytes fail the CRC
        raise ExchangeError(f"this file is corrupt ({exc})", where) from None
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        reason = (
            "this XML uses a DTD or entities, which a REFI-QDA file never needs; refused for safety"
            if "entit" in str(exc).lower()
            else "this is not well-formed XML"
        )
        raise ExchangeError(reason, where, line=line) from None


def forget(element: XmlElement) -> None:
    """Free an element that has been used, and the siblings before it."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def child_text(element: XmlElement, name: str) -> str:
    """Return the text of the first child with this local name ('' when there is none)."""
    for child in element:
        if local_name(child.tag) == name:
            return child.text or ""
    return ""
