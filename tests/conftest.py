"""Shared fixtures: real files under tests/data, fresh projects, the CLI runner."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coding.project import SAMPLE_CORPORA, init_project, open_project

DATA = Path(__file__).parent / "data"
GOOD = DATA / "ingest" / "good"
BAD = DATA / "ingest" / "bad"


@contextmanager
def store_at_version(monkeypatch: pytest.MonkeyPatch, db: Path, version: int) -> Iterator:
    """Yield a Store created at an older schema ``version`` (for a migration test to fill);
    once it is closed, a Store opens at the current version again and migrates it."""
    import coding.store.connection as connection  # where the schema version is read
    from coding.store import SCHEMA_VERSION, Store

    monkeypatch.setattr(connection, "SCHEMA_VERSION", version)
    try:
        with Store(db) as old:
            assert old.schema_version == version
            yield old
    finally:
        monkeypatch.setattr(connection, "SCHEMA_VERSION", SCHEMA_VERSION)


def add_document(store, text: str = "协会开会") -> None:
    """Insert document 'd' holding ``text`` directly, as any schema version stores it."""
    store.conn.execute(
        "INSERT INTO documents (doc_id, path, content_hash, encoding, metadata, text,"
        " ingested_at) VALUES ('d', 'd.txt', 'h', 'utf-8', '{}', ?, 'now')",
        (text,),
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Return a freshly initialised, empty project folder."""
    init_project(tmp_path / "proj")
    return tmp_path / "proj"


@pytest.fixture
def store(project: Path):
    """Return an open store of an empty project."""
    with open_project(project) as s:
        yield s


@pytest.fixture
def runner() -> CliRunner:
    """Return a CLI runner that keeps stdout and stderr apart."""
    return CliRunner()


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    """Run `clusterqda demo` once per test session; return its project folder and CLI result."""
    from cli import app

    root = tmp_path_factory.mktemp("sample") / "proj"
    result = CliRunner().invoke(app, ["demo", "--project", str(root)])
    assert result.exit_code == 0, result.output
    return root, result


@pytest.fixture(scope="session")
def sample_project(demo_run) -> Path:
    """Return the demo project built from the bundled sample corpora (once per session).

    Tests must not change it: copy it first (shutil.copytree) to write to it.
    """
    return demo_run[0]


@pytest.fixture(scope="session")
def sample_corpora() -> Path:
    """Return the bundled sample corpora folder."""
    return SAMPLE_CORPORA
