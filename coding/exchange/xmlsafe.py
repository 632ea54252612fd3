"""XML from outside read safely, and our text written as XML 1.0 can hold it.

Reading goes through defusedxml: a DTD (and so every entity, internal or
external) is refused before any is expanded, so neither a billion-laughs file
nor one that names ``file:///etc/passwd`` gets further than its first line.
Elements are streamed (``iterparse``) and cleared once used, so a project of
many megabytes is never held as one tree.

Writing: XML 1.0 cannot carry most C0 controls at all (not even escaped), so
they become U+FFFD in names and descriptions; transcript text itself goes to
``sources/`` as plain UTF-8 and is never put in the XML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO
from xml.etree.ElementTree import Element

from coding.errors import ExchangeError

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
# In attributes a newline or tab would be normalised to a space by the reader.
_ATTR_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\t": "&#9;",
     "\r": "&#13;"}
)  # fmt: skip


def xml_safe(text: str) -> str:
    """Return text with characters XML 1.0 cannot hold replaced by U+FFFD."""
    return _ILLEGAL.sub("\ufffd", text)


def escape_text(text: str) -> str:
    """Return text escaped for element content."""
    return xml_safe(text).translate(_ESCAPES)


def escape_attr(text: str) -> str:
    """Return text escaped for a double-quoted attribute value."""
    return xml_safe(text).translate(_ATTR_ESCAPES)


def local_name(tag: str) -> str:
    """Return an element's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def iter_elements(handle: IO[bytes], where: str) -> Iterator[tuple[str, Element]]:
    """Yield ("start" | "end", element) from an XML stream, DTDs and entities refused."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    try:
        yield from iterparse(handle, events=("start", "end"), forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException:
        raise ExchangeError(
            "this XML declares a DTD or entities, which a REFI-QDA file never needs; "
            "refused for safety",
            where,
        ) from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise ExchangeError("this is not well-formed XML", where, line=line) from None


def child_text(element: Element, name: str) -> str:
    """Return the text of the first child with this local name ('' when there is none)."""
    for child in element:
        if local_name(child.tag) == name:
            return child.text or ""
    return ""
