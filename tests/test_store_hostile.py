"""The project database under stress: a second writer, a full disk, a read-only project."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from pathlib import Path

import numpy as np
import pytest

import coding.store.database as database_module
from cli import app
from coding.errors import ProjectError
from coding.project import DB_NAME, open_project
from coding.store import Store
from coding.store.database import BUSY_TIMEOUT, database_error
from tests.conftest import GOOD


def _ingest(runner, project: Path):
    return runner.invoke(
        app,
        ["ingest", str(GOOD), "--project", str(project), "--manifest", str(GOOD / "manifest.csv")],
    )


def _documents(project: Path) -> int:
    conn = sqlite3.connect(project / DB_NAME)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    finally:
        conn.close()


def _one_error_line(result, *phrases: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error:")
    for phrase in phrases:
        assert phrase in lines[0]
    assert "Traceback" not in result.output and "cannot rollback" not in result.output


# 1. two writers at once ----------------------------------------------------


def test_the_connection_waits_for_another_writer(project):
    with open_project(project) as store:
        waited = store.conn.execute("PRAGMA busy_timeout").fetchone()[0]
    assert BUSY_TIMEOUT >= 10
    assert waited == BUSY_TIMEOUT * 1000


def test_a_second_writer_gets_a_plain_busy_message(project, runner, monkeypatch):
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT", 0.05)
    holder = sqlite3.connect(project / DB_NAME, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another ingest in the middle of its transaction
    try:
        result = _ingest(runner, project)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _one_error_line(result, DB_NAME, "the project database is busy", "try again")
    assert "database is locked" not in result.output
    assert _documents(project) == 0
    assert _ingest(runner, project).exit_code == 0  # once the other one is done


def test_busy_in_the_library_is_a_project_error(project, monkeypatch):
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT", 0.05)
    holder = sqlite3.connect(project / DB_NAME, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with open_project(project) as store, pytest.raises(ProjectError, match="busy"):
            store.register_dictionary("v1", 3)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# 2. a full disk --------------------------------------------------------------


@pytest.fixture
def full_disk(monkeypatch):
    """Make every store opened from now on 'full': no page can be added to the file."""
    opened = Store.__init__

    def full(self, path):
        opened(self, path)
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        self.conn.execute(f"PRAGMA max_page_count = {pages}")

    monkeypatch.setattr(Store, "__init__", full)
    return monkeypatch


def test_a_full_disk_gives_one_line_and_leaves_the_database_whole(project, runner, full_disk):
    result = _ingest(runner, project)
    _one_error_line(result, DB_NAME, "the disk is full", "not changed")
    full_disk.undo()  # space freed
    assert _documents(project) == 0
    result = runner.invoke(app, ["status", "--project", str(project)])
    assert result.exit_code == 0, result.output
    assert "not a clusterqda project database" not in result.output
    assert _ingest(runner, project).exit_code == 0
    assert _documents(project) == 13


class _CommitFails:
    """A connection whose COMMIT fails as on a disk that fills up while the WAL is written."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def execute(self, sql, *args):
        if sql == "COMMIT":
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorcode, error.sqlite_errorname = 13, "SQLITE_FULL"
            raise error
        return self._conn.execute(sql, *args)


def test_a_failed_commit_rolls_back_once_and_says_why(project):
    with open_project(project) as store:
        real = store.conn
        store.conn = _CommitFails(real)
        with pytest.raises(ProjectError, match="the disk is full"):
            store.register_dictionary("v1", 3)
        assert not real.in_transaction
        store.conn = real
        assert real.execute("SELECT COUNT(*) FROM dictionaries").fetchone() == (0,)
        store.register_dictionary("v1", 3)  # the connection is usable again
        assert real.execute("SELECT COUNT(*) FROM dictionaries").fetchone() == (1,)


def _raised(action) -> sqlite3.Error:
    try:
        action()
    except sqlite3.Error as exc:
        return exc
    raise AssertionError("no error")


def test_each_database_error_gets_its_own_message(tmp_path):
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not sqlite" * 100)
    not_a_db = _raised(lambda: sqlite3.connect(garbage).execute("PRAGMA user_version"))
    real = tmp_path / "real.sqlite"
    sqlite3.connect(real).execute("CREATE TABLE t (x)").connection.commit()
    read_only = sqlite3.connect(f"{real.as_uri()}?mode=ro", uri=True)
    readonly = _raised(lambda: read_only.execute("INSERT INTO t VALUES (1)"))
    full = sqlite3.connect(real, isolation_level=None)
    full.execute(f"PRAGMA max_page_count = {full.execute('PRAGMA page_count').fetchone()[0]}")
    disk_full = _raised(lambda: full.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,)))
    messages = {
        "not a db": str(database_error(garbage, not_a_db)),
        "read-only": str(database_error(real, readonly)),
        "full": str(database_error(real, disk_full)),
    }
    assert "not a clusterqda project database" in messages["not a db"]
    assert "the project database is read-only" in messages["read-only"]
    assert "the disk is full" in messages["full"]
    for kind in ("read-only", "full"):
        assert "not a clusterqda project database" not in messages[kind]
        assert messages[kind].startswith(str(real))


# 3. a read-only project --------------------------------------------------------


@pytest.fixture
def read_only_project(sample_project, tmp_path, monkeypatch) -> Path:
    """A copy of the demo project whose folder and database cannot be written.

    Tests run as root, to whom every file is writable, so besides removing the
    write bits, os.access is made to answer as it would to an ordinary user.
    """
    root = tmp_path / "ro"
    shutil.copytree(sample_project, root)
    (root / "reports").mkdir(exist_ok=True)
    locked = {root.resolve(), (root / DB_NAME).resolve()}
    for path in locked:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        if mode & os.W_OK and Path(path).resolve() in locked:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(database_module.os, "access", access)
    yield root
    for path in locked:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_reading_commands_work_on_a_read_only_project(read_only_project, runner, tmp_path):
    project = str(read_only_project)
    before = (read_only_project / DB_NAME).read_bytes()
    result = runner.invoke(app, ["status", "--project", project])
    assert result.exit_code == 0, result.output
    assert "aluminium-01" in result.stdout
    result = runner.invoke(
        app, ["export", "units", "--project", project, "--out", str(tmp_path / "u.csv")]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["agree", "--project", project, "--bootstrap", "0"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["report", "--project", project, "--format", "md", "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 0, result.output
    assert (read_only_project / DB_NAME).read_bytes() == before


def test_writing_commands_say_the_project_is_read_only(read_only_project, runner):
    result = _ingest(runner, read_only_project)
    _one_error_line(result, DB_NAME, "the project database is read-only")
    assert "not a clusterqda project database" not in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write any file")
def test_a_really_read_only_folder_can_be_read(sample_project, tmp_path, runner):
    root = tmp_path / "ro"
    shutil.copytree(sample_project, root)
    for path in (root / DB_NAME, root):
        path.chmod(0o555)
    try:
        result = runner.invoke(app, ["status", "--project", str(root)])
        assert result.exit_code == 0, result.output
        _one_error_line(_ingest(runner, root), "the project database is read-only")
    finally:
        root.chmod(0o755)


# 4. status: interviews and survey respondents apart, ids whole ---------------------


def test_status_counts_interviews_and_respondents_apart(sample_project, runner):
    from coding.status import project_status

    with open_project(sample_project) as store:
        clusters, documents = (t.frame() for t in project_status(store))
        respondents = sum(n for _, _, n in store.respondents_per_cluster())
    assert {"interviews", "interview_units", "respondents", "survey_units"} <= set(clusters)
    assert clusters["interviews"].tolist() == [6, 6, 6]  # six interviews a cluster, no more
    assert clusters["respondents"].sum() == respondents
    surveys = documents[documents["encoding"] == "survey"]
    assert len(surveys) == 1 and len(documents) == 18 + 1
    assert surveys["doc_id"].iloc[0].startswith("cluster_survey_2023:* (")
    result = runner.invoke(app, ["status", "--project", str(sample_project)])
    assert result.exit_code == 0, result.output
    assert "cluster_survey_2023:R" not in result.stdout  # respondents are not documents


LONG_ID = "cluster-aluminium-interview-with-the-deputy-director-2024-03-19-part-2"


def test_status_prints_long_document_ids_whole_when_piped(project, runner, tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "long.txt").write_text(
        f"---\nid: {LONG_ID}\ncluster: 一个名字很长的产业集群用来把表格撑宽\n---\n"
        "问: 今天谈一谈协会。\n答：好的，我们协会成立很早。\n",
        encoding="utf-8",
    )
    assert runner.invoke(app, ["ingest", str(corpus), "--project", str(project)]).exit_code == 0
    result = runner.invoke(app, ["status", "--project", str(project)], env={"COLUMNS": "60"})
    assert result.exit_code == 0, result.output
    assert LONG_ID in result.stdout
    assert "…" not in result.stdout


# 5. agreement without variation is undefined ----------------------------------------


def test_alpha_and_kappas_are_undefined_without_variation():
    from coding.agree import bootstrap_alpha, cohen_kappa, fleiss_kappa, krippendorff_alpha

    never = np.zeros((2, 12))
    never[1, 3] = np.nan
    assert np.isnan(krippendorff_alpha(never))
    krippendorff = pytest.importorskip("krippendorff")
    with pytest.raises(ValueError, match="more than one value"):  # the reference refuses too
        krippendorff.alpha(reliability_data=never, level_of_measurement="nominal")
    assert np.isnan(cohen_kappa([0] * 12, [0] * 12))
    assert np.isnan(fleiss_kappa([[2, 0]] * 12))
    once = np.zeros((2, 12))
    once[:, 0] = 1  # both coders agree on the one unit with the code
    assert krippendorff_alpha(once) == 1.0
    low, high = bootstrap_alpha(once, samples=200)  # resamples without unit 0 are left out
    assert low == high == 1.0


def test_agree_reports_no_variation_instead_of_perfect_agreement(sample_project, runner):
    from coding.agree import project_agreement
    from coding.codebook import load_codebook
    from coding.project import project_codebook

    book = load_codebook(project_codebook(sample_project))
    with open_project(sample_project) as store:
        coders = [book.coder, "王助理"]  # the rules and the assistant
        used = set().union(*(set(store.codings(c)["code_id"]) for c in coders))
        per_code, _, _ = project_agreement(store, book, coders, bootstrap=50)
        unused = [c for c in book.codes.values() if c.id not in used]
        assert unused, "the demo should leave a code unused by both coders"

        class OnlyUnused:
            def select(self, dimensions):
                return unused[:1]

        _, per_dimension, _ = project_agreement(store, OnlyUnused(), coders, bootstrap=50)
    rows = per_code.set_index("code_id").loc[[c.id for c in unused]]
    for column in ("alpha", "alpha_low", "alpha_high", "cohen_kappa", "fleiss_kappa"):
        assert rows[column].isna().all(), column
    assert (rows["note"] == "no variation: neither coder used this code; agreement undefined").all()
    varied = per_code[~per_code["code_id"].isin(rows.index)]
    assert (varied["note"] == "").all() and varied["alpha"].notna().all()
    assert per_dimension["alpha"].isna().all()
    assert per_dimension["note"].str.startswith("no variation").all()
    result = runner.invoke(
        app, ["agree", "--project", str(sample_project), "--coders", ",".join(coders)]
    )
    assert result.exit_code == 0, result.output
    assert "agreement undefined" in result.stdout


def _io_error() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode, error.sqlite_errorname = 10 | (3 << 8), "SQLITE_IOERR_WRITE"
    return error


def test_an_io_error_on_a_full_disk_is_called_a_full_disk(tmp_path, monkeypatch):
    db = tmp_path / DB_NAME
    monkeypatch.setattr(database_module, "FULL_BELOW", 0)  # plenty of room: a real I/O error
    message = str(database_error(db, _io_error()))
    assert "disk I/O error (SQLITE_IOERR_WRITE)" in message
    assert "not a clusterqda project database" not in message
    monkeypatch.setattr(database_module, "FULL_BELOW", 1 << 62)  # no room left
    assert "the disk is full" in str(database_error(db, _io_error()))


def test_an_output_that_cannot_be_written_is_one_line(sample_project, runner, tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where a folder is wanted", encoding="utf-8")
    result = runner.invoke(
        app,
        ["export", "units", "--project", str(sample_project), "--out", str(blocker / "u.csv")],
    )
    _one_error_line(result, str(blocker / "u.csv"), "cannot write here", "--out")
