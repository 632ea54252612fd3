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


def _command(words: list[str]):
    """Return the click command a README line names, and the words that named it."""
    command = typer.main.get_command(app)
    used = []
    for word in words:
        sub = getattr(command, "commands", None)
        if not sub or word not in sub:
            break
        command = sub[word]
        used.append(word)
    return command, used


def _options(command) -> set[str]:
    return {o for p in command.params for o in (*p.opts, *p.secondary_opts)}


def _readme_command_lines() -> list[str]:
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", README, re.S):
        lines += [ln.split("#")[0].strip() for ln in block.splitlines()]
    lines += re.findall(r"`(clusterqda [^`]+)`", README)
    return [ln for ln in lines if ln.startswith("clusterqda ")]


def test_every_option_the_readme_shows_exists():
    checked = 0
    for line in _readme_command_lines():
        words = line.split()[1:]
        command, used = _command(words)
        assert used or words[0].startswith("-"), line
        wanted = {w.split("=")[0].strip("[]|") for w in words if w.startswith(("--", "[--"))}
        missing = wanted - _options(command) - {"--help"}
        assert not missing, f"README shows {sorted(missing)} for 'clusterqda {' '.join(used)}'"
        checked += 1
    assert checked > 30


def _all_options(command) -> set[str]:
    found = _options(command)
    for sub in getattr(command, "commands", {}).values():
        found |= _all_options(sub)
    return found


def test_every_option_named_in_the_readme_belongs_to_some_command():
    known = _all_options(typer.main.get_command(app)) | {"--help"}
    prose = README.split("## Quick start", 1)[1]
    # options of other programs run from the README (benchmark scripts, pytest) are theirs
    prose = re.sub(r"`python [^`]*`", "", prose)
    named = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", prose))
    # other programs' flags the README quotes
    not_ours = {"--no-sandbox", "--headless", "--randomly-seed"}
    assert named - known - not_ours == set()


def test_ingest_documents_no_segment_and_engine():
    ingest = _command(["ingest"])[0]
    assert {"--no-segment", "--engine", "--encoding", "--manifest", "--cluster"} <= _options(ingest)
