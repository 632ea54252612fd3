"""Guards for the zip containers of Office files (.docx, .xlsx) before any XML is parsed."""

from __future__ import annotations

import zipfile
from pathlib import Path

from coding.errors import DocumentError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted OOXML and old .doc/.xls


def check_office_zip(
    path: Path,
    kind: str,
    body: str,
    max_entries: int = 5_000,
    max_uncompressed: int = 500 * 1024 * 1024,
    max_ratio: int = 1_000,
) -> None:
    """Refuse a file that is not a sound Office zip: corrupt, encrypted, or a zip bomb."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head == OLE_MAGIC:
        raise DocumentError(
            f"this {kind} is password-protected or in an old binary format; "
            "remove the password and save it again as a new-format file",
            path,
        )
    if not zipfile.is_zipfile(path):
        raise DocumentError(f"this file is not a valid {kind} (not a zip archive)", path)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > max_entries:
                raise DocumentError(f"this {kind} has too many parts", path)
            if sum(i.file_size for i in infos) > max_uncompressed:
                size = max_uncompressed // (1024 * 1024)
                raise DocumentError(f"this {kind} unpacks to more than {size} MB", path)
            for info in infos:
                if info.compress_size and info.file_size / info.compress_size > max_ratio:
                    raise DocumentError(f"this {kind} looks like a zip bomb", path)
            if body not in {i.filename for i in infos}:
                raise DocumentError(f"this {kind} is incomplete (it has no {body})", path)
    except zipfile.BadZipFile:
        raise DocumentError(f"this {kind} is corrupt", path) from None
