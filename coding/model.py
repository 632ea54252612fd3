"""Plain dataclasses passed between the pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Turn:
    """One speaker turn found in a transcript; offsets index the normalised text."""

    turn: int
    speaker: str | None
    is_interviewer: bool
    start: int
    end: int
    timestamp: str | None = None


@dataclass
class ParsedDocument:
    """A decoded, normalised transcript with its metadata and turns, ready to store."""

    doc_id: str
    path: str
    content_hash: str
    encoding: str
    cluster: str | None
    metadata: dict
    original_text: str | None  # as decoded; None when normalising changed nothing
    text: str
    match_text: str | None  # the matching view; None when equal to ``text``
    turns: list[Turn]
    warnings: list[str] = field(default_factory=list)
    tokens: list[bytes] | None = None  # encoded tokens per turn, when cut during ingest

    @property
    def view(self) -> str:
        """Return the matching view (same length as ``text``)."""
        return self.text if self.match_text is None else self.match_text

    def unit_views(self) -> list[str]:
        """Return the matching view of each turn."""
        view = self.view
        return [view[t.start : t.end] for t in self.turns]


@dataclass
class IngestReport:
    """What one ingest run did, document by document."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    units: int = 0
    chars: int = 0
    segmented: int = 0
    engine: str | None = None
    dict_version: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class SegmentReport:
    """What one segmentation run did."""

    engine: str
    dict_version: str
    units: int = 0
    chars: int = 0
    seconds: float = 0.0


@dataclass(frozen=True, init=False)
class Coding:
    """One code given to one text, with its evidence (offsets into that text)."""

    code_id: str
    stance: str
    start: int
    end: int
    terms: tuple[str, ...]
    rule_id: str  # the code id whose rule fired, "speaker_rule", or "model"
    probability: float | None = None  # the learned model's P(code), when it was asked

    def __init__(
        self,
        code_id: str,
        stance: str,
        start: int,
        end: int,
        terms: tuple[str, ...],
        rule_id: str,
        probability: float | None = None,
    ) -> None:
        # what a frozen dataclass's own __init__ does, at a fraction of its cost (it sets
        # each field through object.__setattr__, and `code` makes a few hundred thousand):
        # the fields in one new dict, given as the instance's own. Filled in place instead,
        # the dict shares its keys with the class, and Python 3.11 cannot specialise reading
        # an attribute from such a dict: every read of a field cost 4 times as much
        _set_fields(
            self,
            {
                "code_id": code_id,
                "stance": stance,
                "start": start,
                "end": end,
                "terms": terms,
                "rule_id": rule_id,
                "probability": probability,
            },
        )


_set_fields = Coding.__dict__["__dict__"].__set__  # the instance dict's setter, frozen or not


@dataclass
class CodeReport:
    """What one coding run did."""

    coder: str
    units: int = 0
    codings: int = 0
    seconds: float = 0.0
    note: str = ""  # why the default coder fell back to the rules, if it did
    # after a codebook edit: the earlier rule coder whose codings of unchanged rules were
    # kept, how many rules changed and how many units were coded again
    reused_from: str = ""
    changed_rules: int = 0
    recoded: int = 0
