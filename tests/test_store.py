"""The project database: schema version, migrations, pragmas, transactions."""

import sqlite3

import pytest

import coding.store as store_module
from coding.errors import ProjectError
from coding.project import DB_NAME, init_project, open_project
from coding.store import SCHEMA_VERSION, Store


def test_init_creates_folders_and_database(tmp_path):
    db = init_project(tmp_path / "p")
    for name in ("corpora", "codebooks", "reports"):
        assert (tmp_path / "p" / name).is_dir()
    assert db.name == DB_NAME
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_open_missing_project_says_what_to_run(tmp_path):
    with pytest.raises(ProjectError, match="run 'clusterqda init"):
        open_project(tmp_path)


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / DB_NAME
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ProjectError, match="made by a newer clusterqda"):
        Store(db)


def test_not_a_database(tmp_path):
    db = tmp_path / DB_NAME
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ProjectError, match="not a clusterqda project database"):
        Store(db)


def test_migration_step_upgrades_an_old_project(tmp_path, monkeypatch):
    db = tmp_path / DB_NAME
    Store(db).close()
    monkeypatch.setattr(
        store_module,
        "MIGRATIONS",
        [*store_module.MIGRATIONS, "ALTER TABLE documents ADD COLUMN note TEXT"],
    )
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION + 1
        columns = [r[1] for r in store.conn.execute("PRAGMA table_info(documents)")]
        assert "note" in columns


def test_transaction_rolls_back_on_error(tmp_path):
    with Store(tmp_path / DB_NAME) as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.conn.execute("INSERT INTO meta VALUES ('a', 'b')")
            raise RuntimeError("boom")
        assert store.conn.execute("SELECT COUNT(*) FROM meta").fetchone()[0] == 0
