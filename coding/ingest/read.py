"""Read transcript files into text: encoding detection for .txt/.md, paragraphs for .docx."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

from coding.common.safezip import check_office_zip
from coding.errors import DecodingError, DocumentError

TEXT_SUFFIXES = {".txt", ".md"}
DOCX_SUFFIX = ".docx"
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | {DOCX_SUFFIX}
# Detection only chooses among these; anything else needs --encoding.
CANDIDATE_ENCODINGS = ["utf_8", "gb18030", "big5"]

# Memory while ingesting grows with the file (some 20 times its size beyond the
# CLI's own, benchmarks/large_transcript.py), so a file and a turn have limits.
MAX_TRANSCRIPT_BYTES = 20 * 1024 * 1024
MAX_TURN_CHARS = 200_000
# A .docx holds text as XML: its body may unpack to this much, and its text may
# be as long as a 20 MB UTF-8 Chinese transcript (three bytes a character).
MAX_DOCX_BODY_BYTES = 100 * 1024 * 1024
MAX_DOCX_CHARS = MAX_TRANSCRIPT_BYTES // 3

# Guards against zip bombs in .docx files.
MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_DOCX_RATIO = 200


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_bytes(data: bytes, path: str | Path, encoding: str | None = None) -> tuple[str, str]:
    """Decode a text file's bytes; return the text and the encoding used."""
    if not data.strip():
        raise DocumentError("the file is empty", path)
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise DecodingError(f"unknown encoding {encoding!r}", path) from None
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            raise DecodingError(
                f"the bytes are not valid {encoding}; check the file or try another --encoding",
                path,
                line=_line_of(data, exc.start),
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise DecodingError(
                "the file starts with a UTF-8 byte-order mark but is not valid UTF-8",
                path,
                line=_line_of(data, exc.start),
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise DecodingError("the file is not valid UTF-16", path) from None
    if b"\x00" in data[:8192]:
        raise DocumentError("this looks like a binary file, not a text transcript", path)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad_line = _line_of(data, exc.start)
    # imported here: most corpora are UTF-8, and the import (5 ms) delayed every ingest's
    # first task
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=CANDIDATE_ENCODINGS[1:]).best()
    if best is None:
        raise DecodingError(
            "cannot decode the file as UTF-8, GBK/GB18030 or Big5; "
            "pass --encoding with the file's real encoding",
            path,
            line=first_bad_line,
        )
    encoding_name = best.encoding
    try:
        return data.decode(encoding_name), encoding_name
    except UnicodeDecodeError as exc:  # detection guessed but strict decoding disagrees
        raise DecodingError(
            f"the bytes are not valid {encoding_name}; pass --encoding with the file's encoding",
            path,
            line=_line_of(data, exc.start),
        ) from None


def _check_zip(path: Path) -> None:
    check_office_zip(
        path,
        "Word document",
        "word/document.xml",
        max_uncompressed=MAX_DOCX_UNCOMPRESSED,
        max_ratio=MAX_DOCX_RATIO,
    )
    with zipfile.ZipFile(path) as archive:  # sizes checked against the contents above
        size = archive.getinfo("word/document.xml").file_size
    if size > MAX_DOCX_BODY_BYTES:
        raise DocumentError(
            f"the document's text unpacks to {size / 2**20:.0f} MB of XML; a .docx transcript "
            f"may have at most {MAX_DOCX_BODY_BYTES // 2**20} MB: split it into several files",
            path,
        )


def read_docx(path: Path) -> str:
    """Return a .docx file's paragraphs (and table rows) as lines of text."""
    _check_zip(path)
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many types for corrupt parts
        raise DocumentError(
            f"this .docx file cannot be read ({type(exc).__name__})", path
        ) from None
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells = [c.text.strip() for c in row.cells]
                # Two-column tables are speaker | words; keep them as "speaker：words".
                lines.append("：".join(cells) if len(cells) == 2 else " ".join(cells))
    return "\n".join(lines)


def check_size(path: Path, size: int) -> None:
    """Refuse a transcript larger than MAX_TRANSCRIPT_BYTES before it is read."""
    if size > MAX_TRANSCRIPT_BYTES:
        raise DocumentError(
            f"the file is {size / 2**20:.1f} MB; a transcript may be at most "
            f"{MAX_TRANSCRIPT_BYTES // 2**20} MB: split it into several files",
            path,
        )


def read_file(path: Path, encoding: str | None = None) -> tuple[bytes, str, str]:
    """Read a transcript; return its raw bytes, decoded text and the encoding name."""
    suffix = path.suffix.lower()
    if suffix == ".doc":
        raise DocumentError("old .doc files are not supported; save the file as .docx", path)
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError("unsupported file type; use .txt, .md or .docx", path)
    try:
        check_size(path, path.stat().st_size)
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read the file ({exc.strerror})", path) from None
    if suffix == DOCX_SUFFIX:
        text = read_docx(path)
        if not text.strip():
            raise DocumentError("the document is empty", path)
        if len(text) > MAX_DOCX_CHARS:
            raise DocumentError(
                f"the document has {len(text):,} characters; a transcript may have at most "
                f"{MAX_DOCX_CHARS:,}: split it into several files",
                path,
            )
        return data, text, "docx"
    text, used = decode_bytes(data, path, encoding)
    return data, text, used
