"""The connection every table family shares: opening, migrating, transactions, secrets."""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Self

from coding.errors import ProjectError
from coding.store.database import BUSY_TIMEOUT, connect, database_error, writable
from coding.store.schema import MIGRATIONS, SCHEMA_VERSION, statements

if TYPE_CHECKING:
    import pandas as pd


def query_frame(sql: str, conn: sqlite3.Connection, params: tuple = ()) -> pd.DataFrame:
    """Return a query's rows as a DataFrame (pandas is loaded only by readers of tables)."""
    import pandas as pd

    return pd.read_sql_query(sql, conn, params=params)


def timestamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# Queries read the file through a memory map of up to this many bytes: looking up each
# candidate unit by rowid (patterns of four characters or more) then costs half as much,
# since SQLite copies no page into its own cache (1.75 -> 0.9 ms for 龙头企业's 1,404 units
# of the 20 MB benchmark project).
_MMAP_BYTES = 1 << 30


class Connection:
    """A project database connection; use as a context manager.

    A database its user may not write (or in a folder they may not write, where
    WAL mode cannot make its -wal and -shm files) is opened read-only, so that
    reading commands work and writing ones say plainly that it is read-only.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.read_only = not writable(self.path)
        self._depth = 0
        # batch work gathered during a transaction and done once before it commits
        self._deferred: dict[str, tuple[Callable[[list], None], list]] = {}
        try:
            self.conn = connect(self.path, self.read_only)
        except sqlite3.Error as exc:
            raise database_error(self.path, exc) from None
        try:
            if not self.read_only:
                self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except (sqlite3.Error, ProjectError) as exc:
            self.conn.close()
            if isinstance(exc, ProjectError):
                raise
            raise database_error(self.path, exc) from None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def map_file(self) -> None:
        """Read the database through a memory map from now on (a setting of this connection
        only; SQLite falls back to reads where mapping is not possible)."""
        self.conn.execute(f"PRAGMA mmap_size = {_MMAP_BYTES}").fetchall()

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    @property
    def schema_version(self) -> int:
        """Return the schema version stored in the database."""
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise ProjectError(
                f"{self.path}: the project was made by a newer clusterqda "
                f"(schema {version}, this one knows {SCHEMA_VERSION}); upgrade clusterqda"
            )
        for number in range(version, SCHEMA_VERSION):
            step = MIGRATIONS[number]
            with self.transaction():
                if callable(step):
                    step(self.conn)
                else:
                    for statement in statements(step):
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number + 1}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block as one transaction; nested blocks join the outer one.

        A database error (busy, read-only, full disk, I/O) rolls back what is
        left of the transaction and becomes one ProjectError; SQLite may already
        have rolled back on its own (a full disk does), so ROLLBACK is only
        sent while a transaction is open and can never raise a second error.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise database_error(self.path, exc) from None
        self._depth = 1
        try:
            yield self.conn
            self.run_deferred()
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise database_error(self.path, exc) from None
        except BaseException:
            self._rollback()
            raise
        finally:
            self._depth = 0
            self._deferred.clear()

    @contextmanager
    def bulk_transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block that writes much (ingest, code, import) as one transaction, through a
        rollback journal when no other connection has the project open, and in WAL mode again
        after.

        In WAL mode every page is written twice, to the log and then, at the commit's
        checkpoint, to the database (0.1-0.2 s of a 10 MB ingest, after its last file);
        a rollback journal writes each new page once. The commit is as durable (the
        database is synced before the journal goes, with synchronous=FULL); other
        processes wait to read until it is done.
        """
        bulk = not self.read_only and not self._depth and self._journal("DELETE") == "delete"
        if bulk:
            self.conn.execute("PRAGMA synchronous=FULL")
        try:
            with self.transaction() as conn:
                yield conn
        finally:
            if bulk:
                self.conn.execute("PRAGMA synchronous=NORMAL")
                self._journal("WAL")  # if another connection holds it, the next open does it

    def _journal(self, mode: str) -> str:
        """Switch the journal mode without waiting for other connections; return the mode
        in force after."""
        self.conn.execute("PRAGMA busy_timeout = 0")
        try:
            return self.conn.execute(f"PRAGMA journal_mode={mode}").fetchone()[0].lower()
        except sqlite3.OperationalError:  # another connection has the database open
            return ""
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")

    def defer(self, key: str, items: Iterable, run: Callable[[list], None]) -> None:
        """Gather ``items`` under ``key``; pass them all to ``run`` once, before the commit."""
        if not self._depth:
            run(list(items))
            return
        self._deferred.setdefault(key, (run, []))[1].extend(items)

    def run_deferred(self) -> None:
        """Do the deferred batch work now (before a commit, or a delete it must precede)."""
        while self._deferred:
            run, items = self._deferred.pop(next(iter(self._deferred)))
            run(items)

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            # SQLite may have rolled back itself; the first error is the one to report
            with suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def secret(self, name: str) -> bytes:
        """Return the project's random secret ``name``, made on first use; it never leaves."""
        key = f"secret:{name}"
        query = "SELECT value FROM meta WHERE key = ?"
        row = self.conn.execute(query, (key,)).fetchone()
        if row is None:
            with self.transaction():
                self.conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                    (key, secrets.token_hex(32)),
                )
            row = self.conn.execute(query, (key,)).fetchone()
        return bytes.fromhex(row[0])
