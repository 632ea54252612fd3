"""A project.qde read in a second process, a batch of sources ahead of the importer.

Reading the XML (inflating the zip, lxml's parse, the selections as tuples) and
each source's text is about half of an import's work; in a worker process it
runs beside the main process's mapping and storing, on a machine of two or
more cores. The worker sends its sources in order, in batches through a
bounded queue (so memory holds a few batches, never the project), each with
its text already read (or the reason it cannot be); the head (users, codes,
variables, cases) comes with the first batch and again whenever it has grown,
so the importer sees what a reader in its own process would have seen.
Errors (a file that is not well-formed, a DTD) come back as themselves.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Iterator
from pathlib import Path

from coding.errors import ClusterQDAError, ExchangeError, InputError
from coding.exchange.archive import ProjectArchive
from coding.exchange.qde_read import QdeHead, QdeRest, SourceRead, read_qde

# sources a batch holds at most, and selections after which it is sent early
BATCH_SOURCES = 32
BATCH_SELECTIONS = 10_000
QUEUE_BATCHES = 4  # batches under way at most: memory stays flat
# a source's text as the tool wrote it (BOM removed), or why it cannot be read
SourceText = tuple[str | None, str | None]


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


def _work(path: str, out: multiprocessing.Queue) -> None:
    """Read the project.qde at ``path``, putting batches of ``(source, text)`` on ``out``."""
    batch: list[tuple[SourceRead, SourceText]] = []
    sent: list[tuple | None] = [None]
    size = [0]

    def flush(head: QdeHead) -> None:
        state = _head_state(head)
        out.put(("batch", head if state != sent[0] else None, batch.copy()))
        sent[0] = state
        batch.clear()
        size[0] = 0

    try:
        with ProjectArchive(path, guard=False) as archive, archive.open_qde() as handle:

            def on_source(head: QdeHead, source: SourceRead) -> None:
                batch.append((source, source_text(archive, source)))
                size[0] += len(source.selections)
                if len(batch) >= BATCH_SOURCES or size[0] >= BATCH_SELECTIONS:
                    flush(head)

            head, rest = read_qde(handle, path, on_source)
            if batch:
                flush(head)
        out.put(("end", head, rest))
    except ClusterQDAError as exc:
        out.put(("error", exc, None))
    except Exception as exc:  # a bug: shown in the importer as itself
        out.put(("error", exc, None))


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
                return self.queue.get(timeout=1.0)
            except queue.Empty:
                if not self.process.is_alive():  # killed, out of memory: no message will come
                    raise ExchangeError(
                        "the process reading this file stopped unexpectedly", self.path
                    ) from None

    def __iter__(self) -> Iterator[tuple[QdeHead, SourceRead, SourceText]]:
        """Yield each source with its text and the head as it stood then."""
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
            for source, text in second:
                yield head, source, text

    def close(self) -> None:
        """Stop the worker (it is done, or the import failed) and wait for it."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.queue.close()
