"""What an import of another tool's project took and left out, and why.

``ImportSummary`` counts what the file holds (``in_file``) and what was taken
(the top-level counts) and names every element left out with its reason; the
standard asks importers to warn about what they cannot take, so each kind and
reason left out gives one warning. The same summary serves ``--dry-run --json``
and, in words, the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coding.exchange.qde_map import Mapped
from coding.exchange.qde_read import QdeHead, QdeRest, SourceRead

KINDS: tuple[str, ...] = ("codes", "sources", "selections", "codings", "users", "notes")
KINDS += ("sets", "cases", "variables", "links", "graphs")


@dataclass
class ImportSummary:
    """What an import took, what it left out and why."""

    path: str
    dry_run: bool
    origin: str = ""
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    in_file: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    dropped: list[dict] = field(default_factory=list)
    codes_by_guid: int = 0
    codes_by_path: int = 0
    codes_own: int = 0
    readings: dict[str, str] = field(default_factory=dict)  # document -> how offsets were read
    documents: list[str] = field(default_factory=list)
    coders: dict[str, int] = field(default_factory=dict)  # coder -> coding rows stored
    coding_rows: int = 0
    codebook_path: str | None = None
    warnings: list[str] = field(default_factory=list)

    def drop(self, kind: str, guid: str, name: str, reason: str) -> None:
        """Record one element left out."""
        self.dropped.append({"kind": kind, "guid": guid, "name": name, "reason": reason})

    def as_json(self) -> dict:
        """Return the summary as one JSON-ready object."""
        return {
            "file": self.path,
            "dry_run": self.dry_run,
            "origin": self.origin,
            **self.counts,
            "in_file": self.in_file,
            "codes_by_guid": self.codes_by_guid,
            "codes_by_path": self.codes_by_path,
            "codes_own": self.codes_own,
            "coding_rows": self.coding_rows,
            "coders": self.coders,
            "documents": self.documents,
            "readings": self.readings,
            "codebook": self.codebook_path,
            "dropped": self.dropped,
            "warnings": self.warnings,
        }


def account_unkept(summary: ImportSummary, rest: QdeRest) -> None:
    """Count and drop what clusterqda keeps none of: notes, sets, links, graphs, and
    sources other than text."""
    for kind, count in (("Note", rest.notes), ("Set", rest.sets), ("Link", rest.links)):
        key = kind.lower() + "s"
        summary.in_file[key] = count
        for _ in range(count):
            summary.drop(kind, "", "", f"clusterqda keeps no {key}")
    summary.in_file["graphs"] = rest.graphs
    for _ in range(rest.graphs):
        summary.drop("Graph", "", "", "clusterqda keeps no graphs")
    for kind, guid, name in rest.other_sources:
        summary.drop(kind, guid, name, "clusterqda codes text only")


def drop_source(
    summary: ImportSummary, source: SourceRead, mapped: Mapped | None, reason: str
) -> None:
    """Drop a text source, with its selections and their codings."""
    summary.drop("TextSource", source.guid, source.name, reason)
    items = mapped.dropped_items() if mapped is not None else source.selections.items()
    for guid, name, coding_guids in items:
        summary.drop("PlainTextSelection", guid, name, "its source is dropped")
        for coding_guid in coding_guids:
            summary.drop("Coding", coding_guid, "", "its source is dropped")


def account_head(
    summary: ImportSummary,
    head: QdeHead,
    coders: dict[str, str],
    coded: dict[str, int],
    cases_taken: set[str],
    variables_taken: set[str],
) -> None:
    """Count the users, cases and variables taken (``coders``: user GUID -> coder,
    ``coded``: coder -> unit codings stored) and drop the rest with their reasons."""
    used = {coder for coder, count in coded.items() if count}
    for guid, name in head.users.items():
        if coders.get(guid) not in used:
            summary.drop("User", guid, name, "made no coding that was taken; no coder made")
    summary.counts["users"] = len(used)
    for case in head.cases:
        if case.guid not in cases_taken:
            summary.drop("Case", case.guid, case.name, "it covers no imported text source")
    summary.counts["cases"] = len(cases_taken)
    for guid, name in head.variables.items():
        if name not in variables_taken:
            summary.drop("Variable", guid, name, "no imported source has a value of it")
    summary.counts["variables"] = len(set(head.variables.values()) & variables_taken)
    summary.coders = {c: n for c, n in coded.items() if n}
    summary.coding_rows = sum(summary.coders.values())


def warn_per_kind(summary: ImportSummary) -> None:
    """Add one warning per element kind and reason left out (the standard asks for them)."""
    counts: dict[tuple[str, str], int] = {}
    for item in summary.dropped:
        key = (item["kind"], item["reason"])
        counts[key] = counts.get(key, 0) + 1
    for (kind, reason), count in counts.items():
        summary.warnings.append(f"{count} × {kind} not imported: {reason}")


def summary_lines(summary: ImportSummary) -> list[str]:
    """Return the summary in words, one sentence a line, for the terminal."""
    verb = "Would import" if summary.dry_run else "Imported"
    c, f = summary.counts, summary.in_file
    lines = [
        f"{verb} from {summary.path} ({summary.origin or 'unknown program'}): "
        f"{c['sources']} of {f['sources']} sources, {c['selections']} of {f['selections']} "
        f"selections, {c['codings']} of {f['codings']} codings "
        f"({summary.coding_rows} unit codings) by {c['users']} of {f['users']} users.",
        f"Codes: {c['codes']} ({summary.codes_by_guid} matched by GUID, "
        f"{summary.codes_by_path} by path, {summary.codes_own} kept as imported codes).",
        f"Cases: {c['cases']} of {f['cases']}; variables: {c['variables']} of {f['variables']}; "
        f"notes {f['notes']}, sets {f['sets']}, links {f['links']}, graphs {f['graphs']} "
        "(clusterqda keeps none of these).",
    ]
    for coder, rows in summary.coders.items():
        lines.append(f"Coder {coder}: {rows} unit codings.")
    readings: dict[str, int] = {}
    for reading in summary.readings.values():
        readings[reading] = readings.get(reading, 0) + 1
    if readings:
        lines.append(
            "Offsets read as: " + ", ".join(f"{r} ({n} sources)" for r, n in readings.items())
        )
    if summary.codebook_path:
        lines.append(f"The file's own codes: {summary.codebook_path}")
    lines.append(f"Dropped: {len(summary.dropped)} elements (each named in --json output).")
    if not summary.dry_run and c["sources"]:
        lines.append("Run 'clusterqda segment' before coding the new documents with rules.")
    return lines
