"""Another tool's coded project (.qdpx, or a bare project.qde) brought into a project.

Sources become documents through the ingest path (``ingest.parse_text``:
normalised, speaker turns found as for any transcript); case and source
variables become their metadata. A document the project already has with the
same text is kept and coded, never replaced (replacing would drop its units
and every coder's codings); one with another text is refused.

Each selection's span is read in the counting that fits its source
(``offsets``), then attached to every unit it overlaps, clipped to the unit.
Codes map to the project's codebook by GUID, then by full path of names;
the rest keep the ids of the file's own codebook, which is saved as
``codebooks/imported_<file>.yaml``. Each ``User`` becomes a person coder
(kind ``human``; a name kept for machines or the consensus gets " (imported)"):
``import_names``.
The imported codings replace that person's codings of the same documents, and
every unit of a document they coded counts as looked at by them.

Everything read is accounted for (``import_account``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from coding.codebook import Codebook
from coding.common.parallel import default_workers, few_collections
from coding.errors import ClusterQDAError
from coding.exchange.archive import ProjectArchive
from coding.exchange.codebook_qdc import codebook_yaml, write_codebook_yaml
from coding.exchange.import_account import (
    ImportSummary,
    account_head,
    account_unkept,
    drop_source,
    summary_lines,
    warn_per_kind,
)
from coding.exchange.import_names import coder_name, map_codes, reserved_coder
from coding.exchange.import_rows import rows_by_coder, shared_rows
from coding.exchange.qde_ahead import (
    AheadReader,
    Parsed,
    SourceText,
    cases_by_source,
    document_name,
    parse_source,
    source_metadata,
    source_text,
)
from coding.exchange.qde_map import Mapped, convert
from coding.exchange.qde_read import QdeHead, QdeRest, SourceRead, read_qde
from coding.model import IngestReport, ParsedDocument
from coding.store import Store

__all__ = ["AHEAD_MIN_BYTES", "ImportSummary", "import_qdpx", "reserved_coder", "summary_lines"]

# about how many bytes of project.qde a coding takes (ours: ~395 a selection with one
# coding, ~510 when every evidence was written out): an estimate of the rows to come,
# to decide on dropping the indexes
QDE_BYTES_PER_CODING = 400
# a project.qde this large is read in a second process (~30,000-40,000 of our selections):
# below it, starting the process costs about what it saves
AHEAD_MIN_BYTES = 16 * 1024 * 1024
# indexes kept up while the codings go in, not built at the end: each coder's codes
# arrive in unit order, so their upkeep costs about what building them would (0.7 and
# 0.6 s on the 20 MB benchmark), and it is paid while the reading process is slower
KEPT_INDEXES = ("coding_data_coder", "coding_data_also")
# new documents' codings are stored this many at a time, with one check and labelling
CODINGS_BATCH = 20_000


@dataclass
class _Context:
    store: Store
    codebook: Codebook
    summary: ImportSummary
    dry_run: bool
    code_ids: dict[str, str] = field(default_factory=dict)  # GUID -> our code id
    coders: dict[str, str] = field(default_factory=dict)  # user GUID -> coder
    coded: dict[str, int] = field(default_factory=dict)  # coder -> unit codings taken
    registered: set[str] = field(default_factory=set)
    case_taken: set[str] = field(default_factory=set)
    variables_taken: set[str] = field(default_factory=set)
    doc_ids: set[str] = field(default_factory=set)
    existing: set[str] | None = None  # the project's documents before the import
    cases_of: dict[str, list] | None = None  # source GUID -> the cases covering it
    ready: bool = False
    bulk: bool = False  # the codings' indexes are dropped, to be built once at the end
    unindexed: int = 0  # characters of new documents not yet in the search index
    pending: list[tuple] = field(default_factory=list)  # new documents' codings to store
    pending_rows: int = 0
    rowids: dict[str, int] = field(default_factory=dict)  # coder -> its row id


def _start(ctx: _Context, head: QdeHead) -> None:
    if ctx.ready:
        return
    ctx.ready = True
    summary = ctx.summary
    ctx.code_ids = map_codes(ctx.codebook, head, summary)
    summary.in_file["users"] = len(head.users)
    summary.in_file["cases"] = len(head.cases)
    summary.in_file["variables"] = len(head.variables)


def _metadata(ctx: _Context, head: QdeHead, source: SourceRead) -> dict:
    if ctx.cases_of is None:  # built once: cases by the sources they cover
        ctx.cases_of = cases_by_source(head)
    for case in ctx.cases_of.get(source.guid, ()):
        ctx.case_taken.add(case.guid)
    metadata = source_metadata(ctx.cases_of, source)
    ctx.variables_taken.update(metadata)
    return metadata


def _on_source(
    ctx: _Context,
    archive: ProjectArchive,
    head: QdeHead,
    source: SourceRead,
    text: SourceText,
    parsed: Parsed | None = None,
    mapped: Mapped | None = None,
) -> None:
    _start(ctx, head)
    summary = ctx.summary
    summary.in_file["sources"] += 1
    # the reader sends the selections converted (``mapped``) when it could read the text
    if mapped is not None:
        summary.in_file["selections"] += len(mapped) + len(source.bad_selections)
        summary.in_file["codings"] += len(mapped.codes)
    else:
        summary.in_file["selections"] += len(source.selections) + len(source.bad_selections)
        summary.in_file["codings"] += len(source.selections.codes)
    summary.in_file["codings"] += source.whole_codings
    for guid, reason in source.bad_selections:
        summary.drop("PlainTextSelection", guid, "", reason)
    for _ in range(source.whole_codings):
        summary.drop("Coding", source.guid, source.name, "it codes a whole source, not a span")
    raw, unreadable = text
    if raw is None:
        drop_source(summary, source, mapped, unreadable or "")
        return
    if not raw.strip():
        drop_source(summary, source, mapped, "its plain text is empty")
        return
    doc_id = document_name(source, ctx.doc_ids)
    metadata = _metadata(ctx, head, source)
    # parsed by the reading process when it chose the same name and metadata
    doc = parsed.doc if parsed is not None and parsed.fits(doc_id, metadata) else None
    if doc is None:
        try:
            doc = parse_source(raw, archive.path.name, metadata, doc_id)
        except ClusterQDAError as exc:
            reason = f"it cannot be stored as a transcript ({exc})"
            drop_source(summary, source, mapped, reason)
            return
    units = _units(ctx, doc)
    if units is None:
        drop_source(
            summary,
            source,
            mapped,
            f"the project already has a document '{doc_id}' with another text; "
            "remove or rename it first",
        )
        return
    ctx.doc_ids.add(doc_id)
    summary.counts["sources"] += 1
    summary.documents.append(doc_id)
    summary.warnings.extend(doc.warnings)
    if mapped is None:
        mapped = convert(raw, source.selections, head.origin.startswith("clusterqda"))
    summary.readings[doc_id] = mapped.reading
    length = len(doc.text)
    # found by the reader on the units it parsed, unless they are not these
    if not mapped.found_on(units, length):
        mapped.find(units, length)
    _take_selections(ctx, head, doc, units, mapped)


def _units(ctx: _Context, doc: ParsedDocument) -> list[tuple[int, int, str, int]] | None:
    """Return the document's units (start, end, id, row id): stored anew, or the project's own.

    Row ids are what the compact codings table points to (0 in a dry run).
    """
    if ctx.existing is None:
        ctx.existing = set(ctx.store.document_ids())
    store = ctx.store
    rowids: dict[str, int] = {}
    if doc.doc_id in ctx.existing:
        if store.document_text(doc.doc_id)[1] != doc.text:
            return None
        rowids = store.document_unit_rowids(doc.doc_id)
        return [
            (u.start, u.end, u.unit_id, rowids[u.unit_id]) for u in store.unit_spans(doc.doc_id)
        ]
    if not ctx.dry_run:
        from coding.ingest import INDEX_BATCH_CHARS, store_document

        store_document(store, doc, None, IngestReport())
        rowids = store.document_unit_rowids(doc.doc_id)
        # the search index taken as ingest takes it, batch by batch while the other
        # process still reads, not all at the commit once it is done
        ctx.unindexed += len(doc.text)
        if ctx.unindexed >= INDEX_BATCH_CHARS:
            store.run_deferred()
            ctx.unindexed = 0
    ids = [f"{doc.doc_id}#{t.turn}" for t in doc.turns]
    return sorted(
        (t.start, t.end, u, rowids.get(u, 0)) for t, u in zip(doc.turns, ids, strict=True)
    )


def _take_selections(
    ctx: _Context,
    head: QdeHead,
    doc: ParsedDocument,
    units: list[tuple[int, int, str, int]],
    mapped: Mapped,
) -> None:
    """Take a source's selections as codings of its units, stored a batch at a time."""
    summary = ctx.summary
    rows_by, taken, codings_taken = rows_by_coder(
        mapped,
        [u[3] for u in units],
        ctx.code_ids,
        lambda user: coder_name(ctx.store, head, user, ctx.coders, summary.warnings),
        summary,
    )
    summary.counts["selections"] += taken
    summary.counts["codings"] += codings_taken
    # stored a batch of documents at a time: memory holds a batch's codings, never the project's
    for coder, rows in rows_by.items():
        ctx.coded[coder] = ctx.coded.get(coder, 0) + len(rows)
        if ctx.dry_run:
            continue
        if coder not in ctx.registered:
            ctx.store.register_coder(coder, "human", ctx.codebook.hash, ctx.codebook.version)
            ctx.registered.add(coder)
        if doc.doc_id not in (ctx.existing or ()):
            continue
        _store_pending(ctx)  # in the order taken: the codings' row ids are the same
        if ctx.bulk:  # earlier codings are found through the indexes
            ctx.store.end_bulk_codings()
            ctx.bulk = False
        ctx.store.import_codings(coder, [u[2] for u in units], rows, replace=True)
    if not ctx.dry_run and doc.doc_id not in (ctx.existing or ()):
        _pend(ctx, [u[2] for u in units], rows_by)
    if ctx.pending_rows >= CODINGS_BATCH:
        _store_pending(ctx)


def _pend(ctx: _Context, unit_ids: list[str], rows_by: dict[str, list[tuple]]) -> None:
    """Keep a new document's codings to store with the batch: two coders' as shared rows."""
    if len(rows_by) != 2:
        for coder, rows in rows_by.items():
            ctx.pending.append((coder, unit_ids, rows))
            ctx.pending_rows += len(rows)
        return
    (a, first), (b, second) = rows_by.items()
    if a not in ctx.rowids or b not in ctx.rowids:
        ctx.rowids = ctx.store.coder_rowids()
    rows = shared_rows(first, second, ctx.rowids[a], ctx.rowids[b])
    ctx.pending.append(((a, b), unit_ids, rows))
    ctx.pending_rows += len(rows)


def _store_pending(ctx: _Context) -> None:
    """Store the new documents' codings taken so far."""
    if ctx.pending:
        ctx.store.import_new_codings(ctx.pending)
    ctx.pending, ctx.pending_rows = [], 0


def _finish(ctx: _Context, head: QdeHead, rest: QdeRest, root: Path | None, stem: str) -> None:
    _start(ctx, head)
    summary = ctx.summary
    account_unkept(summary, rest)
    account_head(summary, head, ctx.coders, ctx.coded, ctx.case_taken, ctx.variables_taken)
    if summary.codes_own and root is not None:
        summary.codebook_path = str(root / "codebooks" / f"imported_{stem}.yaml")
    warn_per_kind(summary)
    if ctx.dry_run:
        return
    if summary.codebook_path:
        book = codebook_yaml(head.codes, f"imported_{stem}", head.origin or stem)
        write_codebook_yaml(book, summary.codebook_path)


def import_qdpx(
    store: Store,
    codebook: Codebook,
    path: str | Path,
    dry_run: bool = False,
    root: str | Path | None = None,
    workers: int | None = None,
) -> ImportSummary:
    """Import a .qdpx (or bare .qde) into the project; with ``dry_run`` only report.

    With ``workers`` above 1 (default: on a machine of several cores, for a
    project.qde of at least ``AHEAD_MIN_BYTES``) the file is read in a second
    process while this one maps and stores (``qde_ahead``).
    """
    path = Path(path)
    summary = ImportSummary(str(path), dry_run)
    ctx = _Context(store, codebook, summary, dry_run)
    reader = None
    with ProjectArchive(path, guard=False) as archive:
        if workers is None:
            workers = default_workers() if archive.qde_size() >= AHEAD_MIN_BYTES else 1
        try:
            if workers > 1:
                reader = AheadReader(path)  # reading while the zip is checked
            archive.check()
            # keys unchecked: every row the import writes points to a document, unit or
            # coder it has just stored or read from the project (each coded_units row
            # looked up its unit and coder, each unit its document)
            with store.unchecked_keys(), store.bulk_transaction(), few_collections():
                # one transaction, as `code` writes: without index upkeep when the file
                # brings more codings than the project holds, the indexes built once at
                # the end
                ctx.bulk = not dry_run and store.bulk_codings(
                    archive.qde_size() // QDE_BYTES_PER_CODING, KEPT_INDEXES
                )
                if reader is not None:
                    for head, source, text, parsed, mapped in reader:
                        _on_source(ctx, archive, head, source, text, parsed, mapped)
                    assert reader.result is not None
                    head, rest = reader.result
                else:
                    with archive.open_qde() as handle:
                        head, rest = read_qde(
                            handle,
                            str(path),
                            lambda h, s: _on_source(ctx, archive, h, s, source_text(archive, s)),
                        )
                summary.origin = head.origin
                _store_pending(ctx)
                _finish(ctx, head, rest, Path(root) if root is not None else None, path.stem)
                if ctx.bulk:
                    store.end_bulk_codings()
        finally:
            if reader is not None:
                reader.close()
    return summary
