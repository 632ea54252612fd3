"""The transcripts an ingest reads: files and folders expanded, in path order, each once."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from coding.errors import InputError
from coding.ingest.read import SUPPORTED_SUFFIXES, check_size

__all__ = ["collect_files", "collect_sized"]


def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into the sorted list of transcripts to read."""
    return [f for f, _ in collect_sized(paths)]


def collect_sized(paths: Iterable[str | Path]) -> list[tuple[Path, int]]:
    """``collect_files``, with each file's size (the tasks are cut by size)."""
    files: list[tuple[Path, os.DirEntry | None]] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError("no such file or folder", path)
        files.extend(_transcripts(path) if path.is_dir() else [(path, None)])
    seen: set[tuple[int, int]] = set()
    unique = []
    for f, entry in files:
        stat = entry.stat() if entry else f.stat()  # the same file reached twice (a link, …)
        check_size(f, stat.st_size)  # before any file is read or a dictionary loaded
        key = (stat.st_dev, stat.st_ino)
        if key not in seen:
            seen.add(key)
            unique.append((f, stat.st_size))
    if not unique:
        raise InputError(
            "no .txt, .md or .docx transcripts found", ", ".join(str(p) for p in paths)
        )
    return unique


def _transcripts(root: Path) -> list[tuple[Path, os.DirEntry]]:
    """Return the transcripts in a folder and its subfolders, sorted as paths are.

    Walked with ``os.scandir``, whose entries know their type: ``rglob`` and ``is_file``
    took a system call or two a file (half of listing 2,106 files). As with ``rglob``,
    linked folders are not entered and unreadable ones are skipped; hidden files and
    folders and README files are left out.
    """
    found: list[tuple[tuple[str, ...], os.DirEntry]] = []
    folders: list[tuple[str, tuple[str, ...]]] = [(str(root), ())]
    while folders:
        folder, parts = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except PermissionError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if entry.is_dir() and not entry.is_symlink():
                folders.append((entry.path, (*parts, name)))
            elif (
                entry.is_file()
                and name[name.rfind(".") :].lower() in SUPPORTED_SUFFIXES
                and not name.lower().startswith("readme")
            ):
                found.append(((*parts, name), entry))
    found.sort(key=lambda item: item[0])  # a path's parts, as paths compare
    return [(Path(entry.path), entry) for _, entry in found]
