"""The README stays true: its commands exist and every command is in it."""

import re
from pathlib import Path

import typer.main

from cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def command_paths(group: typer.Typer, prefix: tuple[str, ...] = ()) -> list[str]:
    """Return every command path of a Typer app, e.g. 'export units'."""
    click_group = typer.main.get_command(group)
    paths = []
    for name, command in click_group.commands.items():
        sub = getattr(command, "commands", None)
        if sub:
            paths += [" ".join((*prefix, name, s)) for s in sub]
        else:
            paths.append(" ".join((*prefix, name)))
    return paths


def test_quick_start_is_install_demo_test_in_that_order():
    block = re.search(r"## Quick start.*?```bash\n(.*?)```", README, re.S).group(1)
    assert block.strip().splitlines() == [
        'python -m pip install -e ".[dev]"',
        "clusterqda demo",
        "python -m pytest",
    ]


def test_ci_runs_the_readme_commands():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'python -m pip install -e ".[dev]"' in ci
    assert "python -m pytest" in ci
    assert "venv" in ci


def test_every_command_is_in_the_readme():
    for path in command_paths(app):
        assert f"clusterqda {path}" in README or f"**`{path}" in README, path
