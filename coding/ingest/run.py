"""The ingest run: parse the collected files (in a process pool for many), store them in one
transaction."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from coding.common.parallel import default_workers, few_collections
from coding.errors import ClusterQDAError, DuplicateDocumentError
from coding.ingest.enginecheck import EngineCheck
from coding.ingest.files import collect_files, collect_sized
from coding.ingest.manifest import read_manifest
from coding.ingest.parse import parse_document, parse_text
from coding.model import IngestReport, ParsedDocument, Turn
from coding.segment import (
    UserDictionary,
    choose_engine,
    get_segmenter,
    rjieba_available,
    user_dictionary,
)
from coding.store import Store
from coding.store.documents import DocumentRows, document_rows

__all__ = ["collect_files", "ingest", "parse_document", "parse_text", "store_document"]

# Below this many files a process pool costs more than it saves.
PARALLEL_MIN_FILES = 16
# Files parsed up front to check that rjieba cuts this project's text like jieba.
SAMPLE_FILES = 5
CHUNK_FILES = 16
CHUNK_BYTES = 256 << 10
# Files parsed ahead of the parent, which stores them a batch at a time: with two small
# tasks per worker ahead, the workers idled while it stored a batch, and then it waited
# for them (the parent waited 1.3-1.8 s of a 10 MB ingest on a loaded machine, 0.2-0.7 s
# with this window). Bytes, not tasks, so memory stays bounded for large files.
WINDOW_BYTES = 2 << 20
# Units are cut this many characters at a time, so tokens in memory stay few.
CUT_BATCH_CHARS = 200_000
# New documents are stored this many (or this many characters) at a time.
STORE_BATCH_DOCS = 128
STORE_BATCH_CHARS = 1_000_000
# ...and their units are added to the search index this many characters at a time:
# each index statement is one FTS5 segment at least, and fewer, larger segments
# cost less merging (0.69 -> 0.46 s of the main process on 21 MB).
INDEX_BATCH_CHARS = 2_000_000
# ...and once more when this share of the files is left for the workers to parse, so that
# the index the commit builds holds only the last files: built after the last file, it ran
# with every worker idle (70 ms of a 10 MB ingest's 1.4 s). With a twentieth left, that
# index still began as the workers ended (their last files took about as long as it).
INDEX_TAIL_SHARE = 0.10


# Set in each worker (and in the parent for serial runs) by _init_worker:
# the (dictionary, engine) to cut with, its segmenter, and content hashes already stored.
_WORKER: dict = {"spec": None, "segmenter": None, "skip": frozenset()}


def _init_worker(spec: tuple[UserDictionary, str] | None, skip: frozenset[str]) -> None:
    # the segmenter is looked up once: hashing a project dictionary (thousands of
    # codebook terms) for the cache on every file cost a tenth of the cutting
    _WORKER["spec"], _WORKER["skip"] = spec, skip
    _WORKER["segmenter"] = get_segmenter(*spec) if spec is not None else None


class _Parsed(NamedTuple):
    """A parsed file as a worker returns it: the document without its turns, which travel
    as the rows of its units (a Turn object each cost the parent three times as much to
    unpickle as its row, and the row had still to be made)."""

    doc: ParsedDocument
    rows: DocumentRows

    def whole(self) -> ParsedDocument:
        """Return the document with its turns again (to replace or compare a stored one)."""
        turns = [Turn(r[2], r[3], bool(r[4]), r[5], r[6], r[7]) for r in self.rows.units]
        return replace(self.doc, turns=turns)


def _parse_job(job: tuple) -> _Parsed | ClusterQDAError:
    try:
        doc = parse_document(*job)
    except ClusterQDAError as exc:  # returned, so the parent raises it in file order
        return exc
    if _WORKER["segmenter"] is not None and doc.content_hash not in _WORKER["skip"]:
        doc.tokens = _cut_encoded(_WORKER["segmenter"], doc.unit_views())
    rows = document_rows(doc)
    doc.turns = []  # this process's own copy (dataclasses.replace cost 8 µs a file)
    return _Parsed(doc, rows)


def _cut_encoded(segmenter, views: list[str]) -> list[bytes]:
    """Cut units a batch at a time and keep only the encoded tokens.

    A token is a Python string of some 60 bytes: cutting a whole large file at
    once would hold dozens of bytes per character.
    """
    encoded: list[bytes] = []
    start = size = 0
    for i, view in enumerate(views, 1):
        size += len(view)
        if size >= CUT_BATCH_CHARS or i == len(views):
            encoded += segmenter.cut_encoded(views[start:i])
            start, size = i, 0
    return encoded


def _parse_chunk(jobs: list[tuple]) -> list[_Parsed | ClusterQDAError]:
    return [_parse_job(job) for job in jobs]


def _in_pool(jobs: list[tuple], workers: int) -> bool:
    return workers > 1 and len(jobs) >= PARALLEL_MIN_FILES


class _Delivery:
    """How far the workers are: the files of their finished tasks (counted in the pool's
    thread as each task ends), and a call made once they have their first tasks."""

    def __init__(self, started: Callable[[], None]) -> None:
        self.files, self.started = 0, started

    def count(self, future: Future, files: int) -> None:
        """Count a task's files once it is done."""
        future.add_done_callback(lambda _: self._add(files))

    def _add(self, files: int) -> None:
        self.files += files  # only the pool's one thread writes


def _parsed(
    jobs: list[tuple], sizes: list[int], workers: int, delivery: _Delivery
) -> Iterator[_Parsed]:
    """Parse the jobs in file order, telling ``delivery`` how far the workers are."""
    if _in_pool(jobs, workers):
        pool = ProcessPoolExecutor(
            workers, initializer=_init_worker, initargs=(_WORKER["spec"], _WORKER["skip"])
        )
        try:
            for results in _ahead(pool, _chunks(jobs, sizes, workers), workers, delivery):
                yield from _raise_errors(results)
        except BaseException:
            pool.shutdown()  # as a with block does: after the tasks in flight
            raise
        # every task is done: the workers exit while the last files are stored (waiting for
        # them took 10-15 ms after the last file)
        pool.shutdown(wait=False)
    else:
        delivery.started()
        yield from _raise_errors(map(_parse_job, jobs))


def _chunks(jobs: list[tuple], sizes: list[int], workers: int) -> list[tuple[list[tuple], int]]:
    """Group jobs into tasks of a few files (at most ``CHUNK_FILES`` and ``CHUNK_BYTES``;
    a larger file alone); return each task with its files' bytes."""
    # Several files per task: one round trip per file costs more than parsing it.
    most = max(1, min(CHUNK_FILES, len(jobs) // (workers * 4)))
    chunks: list[tuple[list[tuple], int]] = []
    chunk: list[tuple] = []
    size = 0
    for job, added in zip(jobs, sizes, strict=True):
        if chunk and (len(chunk) >= most or size + added > CHUNK_BYTES):
            chunks.append((chunk, size))
            chunk, size = [], 0
        chunk.append(job)
        size += added
    if chunk:
        chunks.append((chunk, size))
    return chunks


def _ahead(
    pool: Executor,
    chunks: list[tuple[list[tuple], int]],
    workers: int,
    delivery: _Delivery | None = None,
) -> Iterator[list]:
    """Yield each task's results in order; at least two tasks per worker are in flight, and
    more while their files total under ``WINDOW_BYTES``. ``delivery`` counts the finished
    tasks' files and is started before the first wait."""
    delivery = delivery or _Delivery(lambda: None)
    pending: deque[tuple[Future, int]] = deque()
    held = 0
    told = False
    for chunk, size in chunks:
        while len(pending) >= workers * 2 and held + size > WINDOW_BYTES:
            if not told:
                delivery.started()
                told = True
            future, done = pending.popleft()
            held -= done
            yield future.result()
        future = pool.submit(_parse_chunk, chunk)
        delivery.count(future, len(chunk))
        pending.append((future, size))
        held += size
    if not told:
        delivery.started()
    for future, _ in pending:
        yield future.result()


def _raise_errors(results: Iterable[_Parsed | ClusterQDAError]) -> Iterator[_Parsed]:
    for result in results:
        if isinstance(result, ClusterQDAError):
            raise result
        yield result


def _sample(jobs: list[tuple]) -> list[str]:
    """Return the unit views of the first files, to check rjieba against jieba on."""
    sample: list[str] = []
    for job in jobs[:SAMPLE_FILES]:
        # A broken file among the first is the first error in file order: raised
        # here, before a dictionary is loaded, the refusal takes no time.
        sample += parse_document(*job).unit_views()
    return sample


class _EnginesDiffer(Exception):
    """rjieba cut the sample unlike jieba: nothing is kept, and jieba does the ingest."""


def store_document(store, doc: ParsedDocument, old, report: IngestReport) -> None:
    """Insert, replace or update one parsed document, and count what was done."""
    if old is None:
        store.insert_document(doc, report.dict_version)
        report.added.append(doc.doc_id)
    elif old.content_hash != doc.content_hash:
        store.replace_document(doc, report.dict_version)
        report.replaced.append(doc.doc_id)
    elif old.metadata != doc.metadata or old.path != doc.path:
        store.update_document_metadata(doc)
        report.updated.append(doc.doc_id)
        return
    else:
        report.unchanged.append(doc.doc_id)
        return
    report.units += len(doc.turns)
    report.chars += len(doc.text)
    report.segmented += len(doc.tokens or ())


def ingest(
    store: Store,
    paths: Iterable[str | Path],
    manifest: str | Path | None = None,
    cluster: str | None = None,
    encoding: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    segment: bool = True,
    dictionary: UserDictionary | None = None,
    engine: str = "auto",
) -> IngestReport:
    """Ingest transcripts into the project store as one transaction.

    With ``segment`` (the default) new units are also cut into tokens in the
    same pass, so the text is read and shipped to a worker only once;
    ``engine="auto"`` cuts with rjieba only if it cuts the units of the first
    files exactly like jieba (checked in another process while a large job
    runs, before a small one). ``progress(done, total)`` is called after each
    file. On any error nothing is stored.
    """
    collected = collect_sized(paths)
    files, sizes = [f for f, _ in collected], [size for _, size in collected]
    by_path = read_manifest(Path(manifest), files) if manifest else {}
    jobs = [(f, by_path.get(f.resolve()) if by_path else None, cluster, encoding) for f in files]
    workers = workers or default_workers()
    if not segment:
        return _ingest(store, jobs, sizes, workers, progress, None, engine)
    dictionary = dictionary or user_dictionary()
    parallel = workers > 1 and len(jobs) >= PARALLEL_MIN_FILES
    if engine == "auto" and rjieba_available() and parallel:
        # Cut with rjieba at once while another process checks a sample against
        # jieba (loading jieba is a tenth of the whole job); if they differ,
        # nothing is kept and the ingest runs again with jieba.
        with EngineCheck(dictionary, _sample(jobs)) as check:
            try:
                return _ingest(store, jobs, sizes, workers, progress, dictionary, "rjieba", check)
            except _EnginesDiffer:
                pass
        engine = "jieba"
    elif engine == "auto":
        engine = choose_engine(dictionary, _sample(jobs), engine)
    return _ingest(store, jobs, sizes, workers, progress, dictionary, engine)


def _ingest(
    store, jobs, sizes, workers, progress, dictionary, engine, check: EngineCheck | None = None
) -> IngestReport:
    """Ingest parsed jobs in one transaction; cut with ``engine`` unless no dictionary."""
    existing = store.document_index()
    report = IngestReport()
    segmenter = get_segmenter(dictionary, engine) if dictionary is not None else None
    spec = (segmenter.dictionary, segmenter.engine) if segmenter else None
    _init_worker(spec, frozenset(d.content_hash for d in existing.values()))

    def register() -> None:
        # once the workers have their first files: the dictionary's version (jieba's
        # from its metadata) took 10 ms before any worker started
        if segmenter is not None:
            report.engine, report.dict_version = segmenter.engine, segmenter.dictionary.version
            store.register_dictionary(report.dict_version, len(segmenter.dictionary.words))

    seen: dict[str, str] = {}
    batch = _NewDocuments(store, report)
    delivery = _Delivery(register)
    # once the workers have parsed all but the last files, what is stored is indexed (see
    # INDEX_TAIL_SHARE): counted by what the parent had stored, under load the index ran
    # after the workers had ended
    tail = len(jobs) - int(len(jobs) * INDEX_TAIL_SHARE) if _in_pool(jobs, workers) else 0
    # the parsed documents waiting to be stored are many tuples, none in a cycle, which the
    # collector walked again and again (237 collections, 0.17-0.28 s of a 10 MB ingest)
    # into a project with no documents yet an ingest stores only new rows, each naming a
    # document or unit stored before it in the same transaction: looking each one's up
    # was a sixth of storing the units and tokens (25-30 ms of the parent's CPU on 10 MB)
    keys = store.unchecked_keys() if not existing else nullcontext()
    with few_collections(), keys, store.bulk_transaction():
        for i, parsed in enumerate(_parsed(jobs, sizes, workers, delivery), 1):
            doc = parsed.doc
            if doc.doc_id in seen:
                raise DuplicateDocumentError(
                    f"document id '{doc.doc_id}' is also used by {seen[doc.doc_id]}; "
                    "give each transcript its own id",
                    doc.path,
                )
            seen[doc.doc_id] = doc.path
            report.warnings.extend(doc.warnings)
            old = existing.get(doc.doc_id)
            if old is None:
                batch.add(parsed.rows)
            else:
                batch.flush()  # rows keep file order
                store_document(store, parsed.whole(), old, report)
            if tail and (i >= tail or delivery.files >= tail):
                batch.flush(index=True)
                tail = 0
            if progress:
                progress(i, len(jobs))
        batch.flush()
        if check is not None and check.differs():
            raise _EnginesDiffer  # rolls the transaction back
    return report


class _NewDocuments:
    """New documents stored many at a time: one statement per table and batch.

    Storing each document with its own statements took half again as long as
    storing batches of a few hundred (the same rows, in the same order). The
    search index takes several batches in one statement (``INDEX_BATCH_CHARS``).
    """

    def __init__(self, store: Store, report: IngestReport) -> None:
        self.store, self.report = store, report
        self.docs: list[DocumentRows] = []
        self.chars = self.unindexed = 0

    def add(self, doc: DocumentRows) -> None:
        """Queue a new document; store the batch once it is large enough."""
        self.docs.append(doc)
        self.chars += doc.chars
        if len(self.docs) >= STORE_BATCH_DOCS or self.chars >= STORE_BATCH_CHARS:
            self.flush()

    def flush(self, index: bool = False) -> None:
        """Store the queued documents and count them; with ``index``, index every stored
        document now."""
        if self.docs:
            self.store.insert_rows(self.docs, self.report.dict_version)
            self.unindexed += self.chars
            for doc in self.docs:
                self.report.added.append(doc.doc_id)
                self.report.units += len(doc.units)
                self.report.chars += doc.chars
                self.report.segmented += len(doc.tokens or ())
            self.docs, self.chars = [], 0
        if self.unindexed and (index or self.unindexed >= INDEX_BATCH_CHARS):
            # Index them now, while the workers still parse: all of it at the end
            # would run after the last file with every worker idle.
            self.store.run_deferred()
            self.unindexed = 0
