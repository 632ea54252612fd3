"""One transcript parsed: its decoded text normalised, its metadata (front matter over the
manifest's row), its speaker turns and its matching view."""

from __future__ import annotations

import hashlib
from pathlib import Path

from coding.errors import DocumentError, InputError
from coding.ingest.frontmatter import split_front_matter
from coding.ingest.normalize import match_view, normalise, traditional_share
from coding.ingest.read import MAX_TURN_CHARS, read_file
from coding.ingest.turns import find_turns
from coding.model import ParsedDocument, Turn

TRADITIONAL_THRESHOLD = 0.05


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
    return parse_text(
        decoded, path, hashlib.sha256(data).hexdigest(), used, manifest_fields, default_cluster
    )


def parse_text(
    decoded: str,
    path: Path,
    content_hash: str,
    encoding: str = "utf-8",
    manifest_fields: dict | None = None,
    default_cluster: str | None = None,
    doc_id: str | None = None,
) -> ParsedDocument:
    """Normalise and split a transcript already decoded (from a file, or another tool's project)."""
    used = encoding
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
    _check_turn_sizes(turns, text, path, lines=used != "docx")
    view = match_view(text)
    if traditional_share(text, view) > TRADITIONAL_THRESHOLD:
        metadata.setdefault("script", "traditional")
    # Cluster names group documents, so one spelling: the Simplified form.
    cluster = metadata.get("cluster") or default_cluster
    if cluster:
        metadata["cluster"] = cluster = match_view(str(cluster).strip())
    return ParsedDocument(
        doc_id=doc_id or str(metadata.get("id") or path.stem),
        path=str(path),
        content_hash=content_hash,
        encoding=used,
        cluster=str(cluster) if cluster else None,
        metadata=metadata,
        original_text=None if decoded == text else decoded,
        text=text,
        match_text=None if view == text else view,
        turns=turns,
        warnings=warnings,
    )


def _check_turn_sizes(turns: list[Turn], text: str, path: Path, lines: bool) -> None:
    """Refuse a turn too long to code: it would take memory by the gigabyte to cut."""
    for turn in turns:
        if turn.end - turn.start > MAX_TURN_CHARS:
            line = text.count("\n", 0, turn.start) + 1 if lines else None
            raise DocumentError(
                f"this turn has {turn.end - turn.start:,} characters; a turn may have at most "
                f"{MAX_TURN_CHARS:,}: add speaker labels (问：/答：) where the speaker changes",
                path,
                line=line,
            )
