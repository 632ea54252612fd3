"""The project database: schema version, migrations, pragmas, transactions."""

import json
import sqlite3

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import coding.store.connection as store_module  # where the schema version is read
from coding.errors import ProjectError
from coding.project import DB_NAME, init_project, open_project
from coding.store import SCHEMA_VERSION, Store, decode_tokens, encode_tokens
from tests.conftest import add_document, store_at_version


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


def _modes(store):
    pragmas = ("journal_mode", "synchronous")
    return [store.conn.execute(f"PRAGMA {p}").fetchone()[0] for p in pragmas]


def test_bulk_transaction_journals_alone_and_is_wal_again_after(tmp_path):
    with Store(tmp_path / DB_NAME) as store:
        with store.bulk_transaction():
            assert _modes(store) == ["delete", 2]  # a rollback journal, synced in full
            store.conn.execute("INSERT INTO meta VALUES ('a', 'b')")
        assert _modes(store) == ["wal", 1]
        with pytest.raises(RuntimeError), store.bulk_transaction():
            store.conn.execute("INSERT INTO meta VALUES ('c', 'd')")
            raise RuntimeError("boom")
        assert _modes(store) == ["wal", 1]
        with store.transaction(), store.bulk_transaction():  # joins the outer one as it is
            assert _modes(store) == ["wal", 1]
        assert store.conn.execute("SELECT key FROM meta WHERE key IN ('a', 'c')").fetchall() == [
            ("a",)
        ]


def test_bulk_transaction_stays_in_wal_while_another_connection_is_open(tmp_path):
    with Store(tmp_path / DB_NAME) as store, Store(tmp_path / DB_NAME) as other:
        with store.bulk_transaction():
            assert _modes(store) == ["wal", 1]
            store.conn.execute("INSERT INTO meta VALUES ('a', 'b')")
        assert other.conn.execute("SELECT value FROM meta WHERE key = 'a'").fetchone() == ("b",)


def _bulk_write_cut_short(tmp_path) -> None:
    """Leave a project's hot journal: a process killed inside its bulk transaction."""
    import subprocess
    import sys

    code = (
        "import os, sys; from coding.store import Store\n"
        "store = Store(sys.argv[1])\n"
        "with store.bulk_transaction():\n"
        "    store.conn.executemany('INSERT INTO meta VALUES (?, ?)',"
        " ((f'k{i}', 'x' * 5000) for i in range(5000)))\n"
        "    os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path / DB_NAME)], check=True)


def test_a_bulk_transaction_cut_short_leaves_nothing_and_wal(tmp_path):
    # a process killed inside the transaction leaves its journal; the next open rolls it back
    _bulk_write_cut_short(tmp_path)
    assert (tmp_path / f"{DB_NAME}-journal").stat().st_size > 0  # pages were written
    with Store(tmp_path / DB_NAME) as store:
        left = store.conn.execute("SELECT COUNT(*) FROM meta WHERE key LIKE 'k%'").fetchone()
        assert left == (0,)
        assert _modes(store) == ["wal", 1]
        assert store.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@given(st.lists(st.text(alphabet="协会a \n,", min_size=1, max_size=300), max_size=6))
def test_token_encoding_round_trips(tokens):
    view = "".join(tokens)
    assert decode_tokens(encode_tokens(tokens), view) == tokens
    assert decode_tokens(encode_tokens(tokens), view + "x") is None  # not this text's tokens


@given(st.lists(st.tuples(st.integers(-(2**63), 2**63 - 1), st.text(max_size=3) | st.none())))
@example([(i, str(i)) for i in range(64 * 2 + 5)])  # two statements of many rows, then single
def test_many_rows_a_statement_store_what_one_a_statement_stores(rows):
    from coding.store.documents import _insert_many

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a, b)")
    _insert_many(conn, "INSERT INTO t (a, b) VALUES ", rows)
    assert conn.execute("SELECT a, b FROM t ORDER BY rowid").fetchall() == rows


def test_v5_migration_converts_json_token_caches(tmp_path, monkeypatch):
    db = tmp_path / DB_NAME
    with store_at_version(monkeypatch, db, 4) as old:
        add_document(old, "协会开会\x1f")
        old.conn.execute(
            'INSERT INTO units (unit_id, doc_id, turn, is_interviewer, start, "end", text)'
            " VALUES ('d#1', 'd', 1, 0, 0, 5, '协会开会\x1f')"
        )
        old.conn.execute("INSERT INTO dictionaries VALUES ('v1', 1, '2026-01-01')")
        old.conn.execute(
            "INSERT INTO tokens VALUES ('d#1', 'v1', ?)", (json.dumps(["协会", "开会", "\x1f"]),)
        )
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.tokens("v1") == {"d#1": ["协会", "开会", "\x1f"]}


def test_v6_migration_keeps_every_answer(tmp_path, monkeypatch):
    db = tmp_path / DB_NAME
    with store_at_version(monkeypatch, db, 5) as old:
        old.conn.execute("INSERT INTO surveys VALUES ('s', 's.csv', '{}', 'now')")
        old.conn.execute("INSERT INTO respondents VALUES ('r1', 's', '甲', NULL, '{}')")
        old.conn.execute("INSERT INTO respondents VALUES ('r2', 's', '乙', NULL, '{}')")
        old.conn.executemany(
            "INSERT INTO answers VALUES (?,?,?,?)",
            [("r1", "q1", "比较同意", 4.0), ("r1", "q2", "2", 2.0), ("r2", "q1", "x", None)],
        )
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        answers = store.answers()
    assert answers[["respondent_id", "item", "raw"]].values.tolist() == [
        ["r1", "q1", "比较同意"],
        ["r1", "q2", "2"],
        ["r2", "q1", "x"],
    ]
    assert answers["value"].tolist()[:2] == [4.0, 2.0] and answers["value"].isna().tolist()[2]


@given(
    parts=st.lists(
        st.lists(st.integers(0, 300), max_size=40).flatmap(
            lambda p: st.sampled_from([p, sorted(p), sorted(set(p))])
        ),
        min_size=1,
        max_size=4,
    )
)
def test_sorted_unique_is_numpys_unique(parts):
    # runs as the index gives them (sorted), and any order, repeats included
    import numpy as np

    from coding.store.codepresence import _sorted_unique

    arrays = [np.array(p, dtype=np.int64) for p in parts]
    got = _sorted_unique(arrays)
    assert got.dtype == np.int64
    assert got.tolist() == np.unique(np.concatenate(arrays)).tolist()


def test_opening_a_project_leaves_numpy_unloaded(tmp_path):
    """The store's counting tables load NumPy when a query counts, so `status` and an
    ingest's writer start without it."""
    import subprocess
    import sys

    code = (
        "import sys; from coding.project import init_project, open_project;"
        f"init_project({str(tmp_path / 'p')!r});"
        f"s = open_project({str(tmp_path / 'p')!r}).__enter__();"
        "s.refresh_word_counts();"
        "print('numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_cut_short_bulk_write_is_refused_read_only_not_read(tmp_path, monkeypatch):
    # read-only, the journal cannot be rolled back: reading the file as it is ("immutable")
    # would show the half-written pages, so the project is refused with a plain sentence
    import coding.store.connection as connection

    _bulk_write_cut_short(tmp_path)
    monkeypatch.setattr(connection, "writable", lambda path: False)
    with pytest.raises(ProjectError, match="cut short"):
        Store(tmp_path / DB_NAME)
    monkeypatch.undo()
    with Store(tmp_path / DB_NAME) as store:  # writable again: rolled back
        left = store.conn.execute("SELECT COUNT(*) FROM meta WHERE key LIKE 'k%'").fetchone()
        assert left == (0,)
