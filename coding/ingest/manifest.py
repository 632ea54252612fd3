"""Manifest CSV: metadata for transcripts that carry no front matter, keyed by file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from coding.errors import ManifestError
from coding.ingest.read import decode_bytes

FILE_COLUMNS = ("file", "path", "文件")


def read_manifest(path: Path) -> dict[Path, dict]:
    """Read a manifest; return metadata by resolved file path."""
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
        target = (path.parent / name).resolve()
        if not target.is_file():
            raise ManifestError(
                f"the manifest names '{name}', which does not exist", path, line=line
            )
        if target in out:
            raise ManifestError(f"'{name}' is listed twice", path, line=line)
        fields = {
            k.strip(): v.strip()
            for k, v in record.items()
            if k and k != file_col and isinstance(v, str) and v.strip()
        }
        out[target] = fields
    return out
