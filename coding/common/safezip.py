"""Guards for the zip containers of Office files (.docx, .xlsx) before any XML is parsed.

The sizes a zip's headers declare are not trusted: every member is inflated
here in small chunks, counting bytes, and a member that inflates to more (or
less) than its header says is refused. Only then may python-docx or openpyxl,
which trust the headers and inflate a member in one call, read the file.

A reader that itself never inflates past a member's declared size (zipfile's
``open``/``read`` stop there, and a member whose bytes differ fails its CRC)
may ask for the headers alone (``inflate=False``): counts, declared sizes and
ratios, encryption, compression kind, and a packed size no honest deflate
stream of the declared size could have. A REFI-QDA import does: inflating its
``project.qde`` only to count it cost as much as a third of reading it.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

from coding.errors import DocumentError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted OOXML and old .doc/.xls
CHUNK = 64 * 1024
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile.structFileHeader
_LOCAL_MAGIC = b"PK\x03\x04"


def _inflated_size(handle, start: int, cap: int) -> int | None:
    """Return what a raw deflate stream at ``start`` inflates to, stopping once past ``cap``.

    None when the stream is broken or ends early.
    """
    handle.seek(start)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    total = 0
    try:
        while not inflater.eof:
            data = inflater.unconsumed_tail or handle.read(CHUNK)
            if not data:
                return None
            total += len(inflater.decompress(data, CHUNK))
            if total > cap:
                return total
    except zlib.error:
        return None
    return total


def _data_start(handle, info: zipfile.ZipInfo) -> int | None:
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != _LOCAL_MAGIC:
        return None
    fields = _LOCAL_HEADER.unpack(header)
    return info.header_offset + _LOCAL_HEADER.size + fields[10] + fields[11]


def _deflate_bound(size: int) -> int:
    """Return the most an honest deflate stream of ``size`` bytes can take (zlib's bound)."""
    # stored blocks at worst: 5 bytes of header per 16 kB block, plus zlib's slack
    return size + (size >> 12) + (size >> 14) + (size >> 25) + 13 + 64


def _check_member(handle, info: zipfile.ZipInfo, kind: str, path: Path, inflate: bool) -> None:
    """Refuse a member that is encrypted, oddly compressed, or not the size it declares."""
    if info.flag_bits & 0x1:
        raise DocumentError(f"this {kind} is password-protected; remove the password", path)
    start = _data_start(handle, info)
    if start is None:
        raise DocumentError(f"this {kind} is corrupt", path)
    if info.compress_type == zipfile.ZIP_STORED:
        actual = info.compress_size
    elif info.compress_type == zipfile.ZIP_DEFLATED and not inflate:
        # more packed bytes than the declared size could ever need: the size lies
        actual = info.file_size
        if info.compress_size > _deflate_bound(info.file_size):
            actual = info.file_size + 1
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflated = _inflated_size(handle, start, info.file_size)
        if inflated is None:
            raise DocumentError(f"this {kind} is corrupt", path)
        actual = inflated
    else:
        raise DocumentError(f"this {kind} uses a compression Office does not write", path)
    if actual != info.file_size:
        raise DocumentError(
            f"this {kind} unpacks to more than its zip headers declare "
            "(a zip bomb or a damaged file)"
            if actual > info.file_size
            else f"this {kind} is corrupt (a part is shorter than its header says)",
            path,
        )


def check_office_zip(
    path: Path,
    kind: str,
    body: str,
    max_entries: int = 5_000,
    max_uncompressed: int = 500 * 1024 * 1024,
    max_ratio: int = 1_000,
    inflate: bool = True,
) -> None:
    """Refuse a file that is not a sound Office zip: corrupt, encrypted, or a zip bomb.

    With ``inflate=False`` only the headers are checked (see the module's note):
    for readers that never inflate a member past its declared size.
    """
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
        with open(path, "rb") as handle:
            for info in infos:
                _check_member(handle, info, kind, path, inflate)
    except zipfile.BadZipFile:
        raise DocumentError(f"this {kind} is corrupt", path) from None
