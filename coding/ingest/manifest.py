"""Manifest CSV: metadata for transcripts that carry no front matter, keyed by file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from coding.errors import ManifestError
from coding.ingest.read import decode_bytes

FILE_COLUMNS = ("file", "path", "文件")


def _target(name: str, path: Path, ingested: dict[str, list[Path]], line: int) -> Path:
    """Return the file a manifest row names: relative to the manifest, else an ingested file."""
    target = (path.parent / name).resolve()
    wanted = Path(name.replace("\\", "/")).parts
    # A bare name (DS01.txt) or a partial path names the one ingested file it ends.
    same_name = ingested.get(wanted[-1], []) if wanted else []
    found = [f for f in same_name if f.parts[-len(wanted) :] == wanted]
    if target in ingested.get(target.name, ()) or (target.is_file() and not found):
        return target
    if len(found) == 1:
        return found[0]
    if found:
        raise ManifestError(
            f"the manifest names '{name}', which matches {len(found)} of the files being "
            "ingested; write its path relative to the manifest",
            path,
            line=line,
        )
    raise ManifestError(f"the manifest names '{name}', which does not exist", path, line=line)


def read_manifest(path: Path, files: list[Path] | None = None) -> dict[Path, dict]:
    """Read a manifest; return metadata by resolved file path.

    A row's file is found relative to the manifest; failing that, a name that
    ends exactly one of ``files`` (those being ingested) names that file.
    """
    ingested: dict[str, list[Path]] = {}
    for resolved in (f.resolve() for f in files or ()):
        ingested.setdefault(resolved.name, []).append(resolved)
    if not path.is_file():
        raise ManifestError("the manifest file does not exist", path)
    text, _ = decode_bytes(path.read_bytes(), path)
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    columns = [c.strip() for c in (reader.fieldnames or [])]
    file_col = next((c for c in reader.fieldnames or [] if c.strip() in FILE_COLUMNS), None)
    if file_col is None:
        raise ManifestError(
            f"the manifest has no 'file' column; its columns are: {', '.join(columns) or '(none)'}",
            path,
            line=1,
        )
    out: dict[Path, dict] = {}
    for record in reader:
        line = reader.line_num
        name = (record.get(file_col) or "").strip()
        if not name:
            raise ManifestError("this row names no file", path, line=line)
        target = _target(name, path, ingested, line)
        if target in out:
            raise ManifestError(f"'{name}' is listed twice", path, line=line)
        fields = {
            k.strip(): v.strip()
            for k, v in record.items()
            if k and k != file_col and isinstance(v, str) and v.strip()
        }
        out[target] = fields
    return out
