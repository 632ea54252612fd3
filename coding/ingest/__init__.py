"""Ingest stage: transcript files -> normalised documents with speaker turns, stored."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from coding.errors import ClusterQDAError, DuplicateDocumentError, InputError
from coding.ingest.frontmatter import split_front_matter
from coding.ingest.manifest import read_manifest
from coding.ingest.normalize import match_view, normalise, traditional_share
from coding.ingest.read import SUPPORTED_SUFFIXES, read_file
from coding.ingest.turns import find_turns
from coding.model import IngestReport, ParsedDocument, Turn
from coding.parallel import bounded_map
from coding.store import Store

__all__ = ["collect_files", "ingest", "parse_document"]

# Below this many files a process pool costs more than it saves.
PARALLEL_MIN_FILES = 16
TRADITIONAL_THRESHOLD = 0.05


def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into the sorted list of transcripts to read."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError("no such file or folder", path)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and not p.name.lower().startswith("readme")
            )
            files.extend(found)
        else:
            files.append(path)
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    if not unique:
        raise InputError(
            "no .txt, .md or .docx transcripts found", ", ".join(str(p) for p in paths)
        )
    return unique


def _merge_metadata(front: dict, manifest: dict, path: Path, warnings: list[str]) -> dict:
    merged = dict(manifest)
    for key, value in front.items():
        if key in manifest and str(manifest[key]) != str(value):
            warnings.append(
                f"{path}: front matter says {key}={value!r}, the manifest says "
                f"{manifest[key]!r}; using the front matter"
            )
        merged[key] = value
    return merged


def parse_document(
    path: Path,
    manifest_fields: dict | None = None,
    default_cluster: str | None = None,
    encoding: str | None = None,
) -> ParsedDocument:
    """Read, decode, normalise and split one transcript into turns."""
    data, decoded, used = read_file(path, encoding)
    text = normalise(decoded)
    front, body_start = split_front_matter(text, path)
    warnings: list[str] = []
    metadata = _merge_metadata(front, manifest_fields or {}, path, warnings)
    turns = find_turns(text, body_start, metadata)
    if not turns:
        body = text[body_start:]
        stripped = body.strip()
        if not stripped:
            raise InputError("the file has front matter but no transcript text", path)
        start = body_start + (len(body) - len(body.lstrip()))
        turns = [Turn(1, None, False, start, start + len(stripped))]
        warnings.append(f"{path}: no speaker turns recognised; stored as one unit")
    view = match_view(text)
    if traditional_share(text, view) > TRADITIONAL_THRESHOLD:
        metadata.setdefault("script", "traditional")
    # Cluster names group documents, so one spelling: the Simplified form.
    cluster = metadata.get("cluster") or default_cluster
    if cluster:
        metadata["cluster"] = cluster = match_view(str(cluster).strip())
    return ParsedDocument(
        doc_id=str(metadata.get("id") or path.stem),
        path=str(path),
        content_hash=hashlib.sha256(data).hexdigest(),
        encoding=used,
        cluster=str(cluster) if cluster else None,
        metadata=metadata,
        original_text=decoded,
        text=text,
        match_text=view,
        turns=turns,
        warnings=warnings,
    )


def _parse_job(job: tuple) -> ParsedDocument | ClusterQDAError:
    try:
        return parse_document(*job)
    except ClusterQDAError as exc:  # returned, so the parent raises it in file order
        return exc


def _parsed(jobs: list[tuple], workers: int) -> Iterator[ParsedDocument]:
    if workers > 1 and len(jobs) >= PARALLEL_MIN_FILES:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = bounded_map(pool, _parse_job, jobs, window=workers * 4)
            for result in results:
                if isinstance(result, ClusterQDAError):
                    raise result
                yield result
    else:
        for job in jobs:
            yield parse_document(*job)


def _store_document(store, doc: ParsedDocument, old, report: IngestReport) -> None:
    if old is None:
        store.insert_document(doc)
        report.added.append(doc.doc_id)
    elif old.content_hash != doc.content_hash:
        store.replace_document(doc)
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


def ingest(
    store: Store,
    paths: Iterable[str | Path],
    manifest: str | Path | None = None,
    cluster: str | None = None,
    encoding: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Ingest transcripts into the project store as one transaction.

    ``progress(done, total)`` is called after each file. On any error
    nothing is stored.
    """
    files = collect_files(paths)
    by_path = read_manifest(Path(manifest)) if manifest else {}
    jobs = [(f, by_path.get(f.resolve()), cluster, encoding) for f in files]
    workers = workers or min(os.cpu_count() or 1, 8)
    existing = store.document_index()
    report = IngestReport()
    seen: dict[str, str] = {}
    with store.transaction():
        for i, doc in enumerate(_parsed(jobs, workers), 1):
            if doc.doc_id in seen:
                raise DuplicateDocumentError(
                    f"document id '{doc.doc_id}' is also used by {seen[doc.doc_id]}; "
                    "give each transcript its own id",
                    doc.path,
                )
            seen[doc.doc_id] = doc.path
            report.warnings.extend(doc.warnings)
            _store_document(store, doc, existing.get(doc.doc_id), report)
            if progress:
                progress(i, len(jobs))
    return report
