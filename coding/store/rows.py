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


class CodingRow(NamedTuple):
    """One coding as the store takes and gives it; offsets index ``documents.text``."""

    unit_id: str
    code_id: str
    stance: str | None
    start: int | None = None
    end: int | None = None
    evidence: str | None = None
    rule_id: str | None = None  # the code whose rule fired, or ``speaker_rule``
    terms: list[str] | None = None  # the rule's terms that fired; None for people
    probability: float | None = None  # a model's P(code); None for rules and people


class UnitToCode(NamedTuple):
    """A unit not yet coded by a coder, as a coding worker needs it."""

    rowid: int
    unit_id: str
    start: int
    text: str
    match_text: str | None  # None where the matching view equals the text
    tokens: bytes | None  # as stored: ``decode_tokens`` with the view gives them back
    role: str | None  # the document's actor code for interviewee turns, None otherwise
    question: str | None = None  # the matching view of the interviewer's turn before it
    interviewer: bool = False  # the unit is an interviewer's turn
