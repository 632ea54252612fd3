"""The named rows the store returns where a query has more than three fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class StoredDocument:
    """What the store remembers of a document to decide whether it changed."""

    doc_id: str
    path: str
    content_hash: str
    metadata: dict


class SheetRow(NamedTuple):
    """An interviewee turn as a coding sheet shows it."""

    unit_id: str
    doc_id: str
    speaker: str | None
    context: str  # the previous turn's text
    text: str
    view: str  # the matching view (Simplified, half-width)
    role: str | None  # the speaker's actor code
    suggestion: str | None  # codes of the suggesting coder, joined by ';'


class DocumentCount(NamedTuple):
    """What one stored document holds: ``survey`` is None for an interview."""

    cluster: str | None
    doc_id: str
    encoding: str
    role: str | None
    survey: str | None
    units: int
    interviewee_units: int
    chars: int
    segmented: int
