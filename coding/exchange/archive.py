"""A .qdpx zip (or a bare project.qde with its sources folder) opened with limits.

The zip's headers are checked by ``common/safezip`` before anything in it is
parsed: encrypted, corrupt and zip-bomb archives are refused, and so is a
member packed larger than its declared size allows. Every member is read
through zipfile, which inflates no further than the declared size and fails
a member whose bytes do not match its CRC. Nothing is ever
extracted: members are read by name, so no path in the archive can reach the
file system. A source path may be written ``internal://<name>`` (the
standard), a bare name, ``sources/`` or ``Sources/`` (NVivo for Windows);
a path that climbs out (``..``) or names a file outside the archive is not
read, and the source is reported as dropped.
"""

from __future__ import annotations

import io
import posixpath
import queue
import threading
import zipfile
from pathlib import Path
from typing import IO, cast

from coding.common.safezip import check_office_zip
from coding.errors import DocumentError, ExchangeError
from coding.ingest.read import MAX_TRANSCRIPT_BYTES

KIND = "REFI-QDA project (.qdpx)"
AHEAD_BLOCK = 1 << 20  # bytes a block of the inflated project.qde holds
AHEAD_BLOCKS = 4  # blocks inflated ahead of the parser at most: memory stays flat


class _InflatedAhead(io.RawIOBase):
    """A zip member's bytes, inflated by a thread a few blocks ahead of the reader.

    zlib inflates (and checks the CRC) without holding the GIL, so the parse
    and the inflating run on two cores where one is free (the importer's, while
    it waits for the reader). An error of the member (its CRC) is raised by
    ``read`` at the point it was met, as a plain read would raise it.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__()
        self._stream = stream
        self._blocks: queue.Queue = queue.Queue(AHEAD_BLOCKS)
        self._block = memoryview(b"")
        self._end = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._inflate, daemon=True)
        self._thread.start()

    def _inflate(self) -> None:
        try:
            while True:
                data = self._stream.read(AHEAD_BLOCK)
                if not self._put(data) or not data:
                    return
        except Exception as exc:  # the member is corrupt: raised by the reader's read
            self._put(exc)

    def _put(self, item: bytes | Exception) -> bool:
        """Queue a block (or the error met), unless the reader closed meanwhile."""
        while not self._stop.is_set():
            try:
                self._blocks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Return up to ``size`` bytes (all that is left for a negative size)."""
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(AHEAD_BLOCK), b""))
        while not self._block and not self._end:
            item = self._blocks.get()
            if isinstance(item, Exception):
                self._end = True
                raise item
            self._block = memoryview(item)
            self._end = not item
        data = bytes(self._block[:size])
        self._block = self._block[size:]
        return data

    def close(self) -> None:
        if not self.closed:
            self._stop.set()
            self._thread.join()
            self._stream.close()
        super().close()


class ProjectArchive:
    """The project.qde and the source texts of a .qdpx (or of a folder with a .qde)."""

    def __init__(self, path: str | Path, guard: bool = True) -> None:
        """Open the file; ``guard=False`` leaves the zip's check to a ``check()`` call
        (made at once by another process: zipfile never inflates a member past the
        size its header declares, so reading meanwhile stays bounded)."""
        self.path = Path(path)
        if not self.path.is_file():
            raise ExchangeError("no such file", self.path)
        self.zip: zipfile.ZipFile | None = None
        self.members: dict[str, str] = {}  # lower-case name -> name in the zip
        if zipfile.is_zipfile(self.path):
            with zipfile.ZipFile(self.path) as archive:
                names = archive.namelist()
            qde = [n for n in names if "/" not in n.strip("/") and n.lower().endswith(".qde")]
            if not qde:
                raise ExchangeError(f"this {KIND} has no project.qde", self.path)
            self.qde = qde[0]
            if guard:
                self.check()
            self.zip = zipfile.ZipFile(self.path)
            self.members = {n.lower(): n for n in names}
        else:
            self.qde = self.path.name

    def check(self) -> None:
        """Refuse a zip that is corrupt, encrypted or a zip bomb (nothing to do for a .qde)."""
        if not zipfile.is_zipfile(self.path):
            return
        try:
            # headers only: every read here stops at a member's declared size and a
            # member whose bytes differ fails its CRC, so inflating all to count is waste
            check_office_zip(self.path, KIND, self.qde, inflate=False)
        except DocumentError as exc:
            raise ExchangeError(exc.message, self.path) from None

    def __enter__(self) -> ProjectArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.zip is not None:
            self.zip.close()

    def open_qde(self, ahead: bool = False) -> IO[bytes]:
        """Return the project.qde as a binary stream (``ahead``: inflated by a thread)."""
        if self.zip is not None:
            # on a handle of its own: a source read between two reads of the stream
            # would move a shared handle and cost a seek and a refill at every read
            with zipfile.ZipFile(self.path) as own:
                stream = own.open(self.qde)  # it keeps the file open till it closes
            return cast(IO[bytes], _InflatedAhead(stream)) if ahead else stream
        return open(self.path, "rb")

    def qde_size(self) -> int:
        """Return the size of the project.qde in bytes (uncompressed)."""
        if self.zip is not None:
            return self.zip.getinfo(self.qde).file_size
        return self.path.stat().st_size

    def _candidates(self, reference: str) -> list[str] | str:
        """Return the names a source path may have in the archive, or why it cannot be read."""
        ref = reference.strip().replace("\\", "/")
        lowered = ref.lower()
        if lowered.startswith("internal://"):
            ref = ref[len("internal://") :]
        elif "://" in ref or ref.startswith("/") or (len(ref) > 1 and ref[1] == ":"):
            return "its text is an external file, not inside the project"
        ref = ref.lstrip("/")
        clean = posixpath.normpath(ref)
        if clean.startswith("..") or clean in ("", "."):
            return "its text path leaves the project folder; refused"
        return [f"sources/{clean}", clean]

    def read_source(self, reference: str) -> bytes | str:
        """Return a source's bytes, or the reason they cannot be read."""
        names = self._candidates(reference)
        if isinstance(names, str):
            return names
        if self.zip is not None:
            for name in names:
                found = self.members.get(name.lower())
                if found is not None:
                    info = self.zip.getinfo(found)
                    if info.file_size > MAX_TRANSCRIPT_BYTES:
                        return "its text is larger than 20 MB"
                    # inflated at most to its declared size (a longer member fails its CRC)
                    try:
                        with self.zip.open(info) as member:
                            return member.read(info.file_size)
                    except zipfile.BadZipFile as exc:  # its bytes fail the CRC
                        raise ExchangeError(f"this {KIND} is corrupt ({exc})", self.path) from None
            return f"its text file {reference!r} is not in the archive"
        folder = self.path.parent.resolve()
        for name in names:
            for candidate in (folder / name, folder / name.replace("sources/", "Sources/", 1)):
                resolved = candidate.resolve()
                if not resolved.is_relative_to(folder):
                    return "its text path leaves the project folder; refused"
                if resolved.is_file():
                    if resolved.stat().st_size > MAX_TRANSCRIPT_BYTES:
                        return "its text is larger than 20 MB"
                    return resolved.read_bytes()
        return f"its text file {reference!r} is not beside the .qde"
