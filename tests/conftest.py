"""Shared fixtures: real files under tests/data, fresh projects, the CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from coding.project import SAMPLE_CORPORA, init_project, open_project

DATA = Path(__file__).parent / "data"
GOOD = DATA / "ingest" / "good"
BAD = DATA / "ingest" / "bad"


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
