"""A project.qde read in a second process, a batch of sources ahead of the importer.

Reading the XML (inflating the zip, lxml's parse, the selections as columns)
and each source's text are about half of an import's work; in a worker
process they run beside the main process's mapping and storing, on a machine
of two or more cores. The worker sends its sources in order, in batches
through a bounded queue (so memory holds a few batches, never the project),
each with its text already read (or the reason it cannot be) and its
selections converted (``qde_map``), sent in columns. The parse of its turns
and the search for units are left to the importer unless it is behind (its
queue is full: the reader would wait): reading the XML alone keeps the reader
the busier process, and a document parsed here costs both processes more (its
turns pickled and unpickled) than one parsed there. One parsed here is parsed
under the name and metadata the importer will give it (the importer parses
again itself when its choice differs: a name taken by a document it refused),
its selections found in its turns, and its text not sent again beside it.
The head (users, codes, variables, cases) comes with the first batch and
again whenever it has grown, so the importer sees what a reader in its own
process would have seen. Errors (a file that is not well-formed, a DTD) come
back as themselves.

The pure steps both sides share live here: the text, the name, the metadata
and the parse of a source.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import pickle
import queue
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from coding.common.parallel import few_collections
from coding.errors import ClusterQDAError, ExchangeError, InputError
from coding.exchange.archive import ProjectArchive
from coding.exchange.qde_columns import Selections
from coding.exchange.qde_map import Mapped, convert
from coding.exchange.qde_read import CaseRead, QdeHead, QdeRest, SourceRead, read_qde
from coding.model import ParsedDocument

# sources a batch holds at most, and selections after which it is sent early
BATCH_SOURCES = 32
BATCH_SELECTIONS = 10_000
QUEUE_BATCHES = 4  # batches under way at most: memory stays flat
# a source's text as the tool wrote it (BOM removed), or why it cannot be read
SourceText = tuple[str | None, str | None]
_SUFFIXES = (".txt", ".docx", ".doc", ".rtf", ".md", ".pdf", ".odt")


@dataclass
class Parsed:
    """A source parsed ahead, under the name and metadata it was parsed with."""

    doc_id: str
    metadata: list[tuple]  # the metadata's items in order (the order is stored too)
    doc: ParsedDocument

    def fits(self, doc_id: str, metadata: dict) -> bool:
        """Return whether the importer's choice of name and metadata is this one."""
        return doc_id == self.doc_id and list(metadata.items()) == self.metadata


def document_name(source: SourceRead, taken: set[str]) -> str:
    """Return a source's document id: its name (or file name) without a suffix, made unique."""
    path_name = (source.plain_path or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join(source.name.split()) or path_name or source.guid
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    doc_id, n = name, 1
    while doc_id in taken:
        n += 1
        doc_id = f"{name}~{n}"
    return doc_id


def cases_by_source(head: QdeHead) -> dict[str, list[CaseRead]]:
    """Return the cases covering each source GUID."""
    cases: dict[str, list[CaseRead]] = {}
    for case in head.cases:
        for guid in case.sources:
            cases.setdefault(guid, []).append(case)
    return cases


def source_metadata(cases: dict[str, list[CaseRead]], source: SourceRead) -> dict:
    """Return a source's metadata: its cases' variables, then its own."""
    metadata: dict = {}
    for case in cases.get(source.guid, ()):
        metadata.update(case.variables)
    metadata.update(source.variables)
    return metadata


def parse_source(raw: str, archive_name: str, metadata: dict, doc_id: str) -> ParsedDocument:
    """Return a source's text parsed as a transcript (``ingest.parse_text``)."""
    from coding.ingest import parse_text

    return parse_text(
        raw,
        Path(f"{archive_name}/{doc_id}"),
        hashlib.sha256(raw.encode("utf-8")).hexdigest(),
        "utf-8",
        metadata,
        doc_id=doc_id,
    )


def source_text(archive: ProjectArchive, source: SourceRead) -> SourceText:
    """Return ``(text, None)`` of a source (BOM removed), or ``(None, reason)`` to drop it."""
    from coding.ingest.read import decode_bytes

    if source.content is not None and not source.plain_path:
        return source.content.lstrip("\ufeff"), None
    if not source.plain_path:
        return None, "it has neither plain text nor a plainTextPath"
    data = archive.read_source(source.plain_path)
    if isinstance(data, str):
        return None, data
    try:
        text, _ = decode_bytes(data, source.plain_path)
    except InputError as exc:  # empty, binary, not in an encoding we read
        return None, f"its text cannot be read ({exc.message})"
    return text.lstrip("\ufeff"), None


def _head_state(head: QdeHead) -> tuple:
    """Return what tells whether the head has grown since it was last sent."""
    return (
        head.name,
        head.origin,
        head.creating_user,
        len(head.users),
        len(head.codes.by_guid),
        len(head.codes.roots),
        len(head.variables),
        len(head.cases),
    )


def _find(mapped: Mapped, parsed: Parsed) -> None:
    """Find the selections' units among the turns parsed, as the importer would store them."""
    doc = parsed.doc
    # the importer's order: (start, end, unit id)
    mapped.find(
        sorted((t.start, t.end, f"{doc.doc_id}#{t.turn}") for t in doc.turns), len(doc.text)
    )


def _importer_behind(out: multiprocessing.Queue) -> bool:
    """Return whether the importer has a full queue (the reader's next batch would wait)."""
    try:
        return out.qsize() >= QUEUE_BATCHES
    except (NotImplementedError, AttributeError):  # macOS counts no queue: parsed there
        return False


def _work(path: str, out: multiprocessing.Queue) -> None:
    """Read the project.qde at ``path``, putting batches of sources on ``out``."""
    batch: list[tuple[SourceRead, SourceText, Parsed | None, Mapped | None]] = []
    sent: list[tuple | None] = [None]
    size = [0]
    taken: set[str] = set()  # names as the importer gives them, if it takes every source
    cases: list[dict[str, list[CaseRead]]] = []  # built at the first source, as there

    def flush(head: QdeHead) -> None:
        state = _head_state(head)
        # pickled here, not in the queue's thread: the head may still change after
        out.put(pickle.dumps(("batch", head if state != sent[0] else None, batch), -1))
        sent[0] = state
        batch.clear()
        size[0] = 0

    def parse(archive: ProjectArchive, head: QdeHead, source: SourceRead, raw: str | None):
        if raw is None or not raw.strip():
            return None
        doc_id = document_name(source, taken)
        if not cases:
            cases.append(cases_by_source(head))
        metadata = source_metadata(cases[0], source)
        items = list(metadata.items())  # as the importer will have it, before parsing
        try:
            doc = parse_source(raw, archive.path.name, metadata, doc_id)
        except ClusterQDAError:
            return None  # the importer meets the same error and says so
        taken.add(doc_id)
        return Parsed(doc_id, items, doc)

    try:
        with (
            few_collections(),  # hundreds of thousands of tuples, none in a cycle
            ProjectArchive(path, guard=False) as archive,
            archive.open_qde(ahead=True) as handle,  # inflated by a thread, beside the parse
        ):

            def on_source(head: QdeHead, source: SourceRead) -> None:
                text = source_text(archive, source)
                if text[0] is not None and text[0].strip() and not _importer_behind(out):
                    # the importer parses this one itself; only while it is behind does
                    # the reader, which would wait otherwise, take the turns on
                    taken.add(document_name(source, taken))  # a misfit is parsed there again
                    parsed = None
                else:
                    parsed = parse(archive, head, source, text[0])
                size[0] += len(source.selections)
                mapped = None
                if text[0] is not None:
                    mapped = convert(
                        text[0], source.selections, head.origin.startswith("clusterqda")
                    )
                    source.selections = Selections()  # sent converted, without descriptions
                if parsed is not None:
                    text = (None, None)  # the parsed document holds it
                    if mapped is not None:
                        _find(mapped, parsed)
                batch.append((source, text, parsed, mapped))
                if len(batch) >= BATCH_SOURCES or size[0] >= BATCH_SELECTIONS:
                    flush(head)

            head, rest = read_qde(handle, path, on_source)
            if batch:
                flush(head)
        out.put(pickle.dumps(("end", head, rest), -1))
    except Exception as exc:  # ours, or a bug: raised in the importer as itself
        out.put(pickle.dumps(("error", exc, None), -1))


class AheadReader:
    """The sources of a project.qde, read by a worker process; iterate, then ``result``."""

    def __init__(self, path: Path) -> None:
        # started before the importer's transaction: the fork copies no open write
        self.path = path
        context = multiprocessing.get_context()
        self.queue: multiprocessing.Queue = context.Queue(QUEUE_BATCHES)
        self.process = context.Process(target=_work, args=(str(path), self.queue), daemon=True)
        self.process.start()
        self.result: tuple[QdeHead, QdeRest] | None = None

    def _get(self) -> tuple:
        while True:
            try:
                return pickle.loads(self.queue.get(timeout=1.0))
            except queue.Empty:
                if not self.process.is_alive():  # killed, out of memory: no message will come
                    raise ExchangeError(
                        "the process reading this file stopped unexpectedly", self.path
                    ) from None

    def __iter__(
        self,
    ) -> Iterator[tuple[QdeHead, SourceRead, SourceText, Parsed | None, Mapped | None]]:
        """Yield each source with its text, its parse, its selections converted (None when
        its text cannot be read) and the head as it stood then."""
        head: QdeHead | None = None
        while True:
            kind, first, second = self._get()
            if kind == "error":
                raise first
            if kind == "end":
                self.result = (first, second)
                return
            head = first if first is not None else head
            assert head is not None
            for source, text, parsed, mapped in second:
                if text == (None, None) and parsed is not None:  # not sent twice
                    doc = parsed.doc
                    text = (doc.text if doc.original_text is None else doc.original_text, None)
                yield head, source, text, parsed, mapped

    def close(self) -> None:
        """Stop the worker (it is done, or the import failed) and wait for it."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.queue.close()
