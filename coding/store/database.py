"""Opening the project database, and what its errors mean to the user.

SQLite reports a second writer, a read-only file, a full disk and a file that
is no database by result codes; each becomes one plain ProjectError that names
the database, so that a busy or full disk is never called "not a project".
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from coding.errors import ProjectError

# How long a write waits for another clusterqda command writing to the same
# project before giving up (seconds): long enough for an ingest or a coding
# run to finish its transaction, short enough not to look hung.
BUSY_TIMEOUT = 30.0

# Below this many free bytes an I/O error is taken for a full disk (SQLite
# needs room for its -wal and 32 KB -shm files besides the pages it writes).
FULL_BELOW = 1 << 20

# SQLite's primary result codes (https://sqlite.org/rescode.html), the low byte
# of an extended code.
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26
# the extended code of a hot rollback journal (a write cut short) a read-only connection
# cannot roll back
_READONLY_ROLLBACK = 776


def writable(path: Path) -> bool:
    """Return whether the database (if it exists) and its folder (WAL's home) can be written."""
    return os.access(path.parent, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def connect(path: Path, read_only: bool) -> sqlite3.Connection:
    """Open the database, read-only when it cannot be written."""
    if not read_only:
        return sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT)
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, timeout=BUSY_TIMEOUT)
    try:
        conn.execute("PRAGMA user_version").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode == _READONLY_ROLLBACK:
            # "immutable" would read the half-written pages the journal was to undo
            conn.close()
            raise ProjectError(
                f"{path}: the project database holds a write that was cut short, which only "
                "a writable project can undo: make it and its folder writable and run any "
                "command once"
            ) from None
        if exc.sqlite_errorcode & 0xFF not in (_READONLY, _CANTOPEN):
            raise
        conn.close()
    # A WAL database read-only needs a -shm file, which a read-only folder cannot
    # hold; "immutable" reads the file alone, which is right since nothing can
    # write it (a clean close leaves no -wal file behind).
    return sqlite3.connect(
        f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None, timeout=BUSY_TIMEOUT
    )


def database_error(path: Path, exc: sqlite3.Error) -> ProjectError:
    """Return the one-line ProjectError that says what a database error means to the user."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (_BUSY, _LOCKED):
        message = (
            "the project database is busy: another clusterqda command is writing to it; "
            "try again when it has finished"
        )
    elif code == _READONLY:
        message = (
            "the project database is read-only: make it and its folder writable to change "
            "the project (status, export, report and agree work on it as it is)"
        )
    elif code == _FULL or (code == _IOERR and _disk_full(path)):
        # a full disk often shows as an I/O error: the -shm file cannot grow
        message = (
            "the disk is full: the project database was not changed; "
            "free some space and run the command again"
        )
    elif code == _IOERR:
        name = getattr(exc, "sqlite_errorname", "") or "SQLITE_IOERR"
        message = (
            f"disk I/O error ({name}): the project database was not changed; "
            "check the disk and run the command again"
        )
    elif code == _CANTOPEN:
        message = f"cannot open the project database ({exc})"
    elif code == _CORRUPT:
        message = f"the project database is damaged ({exc}); restore it from a backup"
    elif code == _NOTADB:
        message = f"not a clusterqda project database ({exc})"
    else:
        message = f"the project database failed ({exc})"
    return ProjectError(f"{path}: {message}")


def _disk_full(path: Path) -> bool:
    """Return whether the disk holding the database has (almost) no space left."""
    try:
        return shutil.disk_usage(path.parent).free < FULL_BELOW
    except OSError:
        return False
