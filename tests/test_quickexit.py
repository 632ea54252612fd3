"""The console command's quick exit: nothing it would have done at exit is lost."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from coding import __version__
from coding.common.quickexit import exit_code

ROOT = Path(__file__).resolve().parent.parent


def _python(script: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    # buffered output, as a user's shell gives it: only then is there anything to flush
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "code, status", [(None, 0), (0, 0), (1, 1), (2, 2), (256 + 3, 3), ("a message", None)]
)
def test_exit_code_is_what_python_would_give(code, status):
    assert exit_code(code) == status


def test_exit_now_flushes_output_waits_for_threads_and_runs_handlers(tmp_path):
    done = tmp_path / "done.txt"
    script = f"""
        import atexit, sys, threading, time
        from pathlib import Path
        from coding.common.quickexit import exit_now

        out = Path({str(done)!r})
        def late():
            time.sleep(0.2)
            with out.open("a") as f:
                f.write("thread\\n")
        threading.Thread(target=late).start()
        atexit.register(lambda: out.open("a").write("handler\\n") and None)
        for _ in range(100_000):  # many small writes: the last ones wait in the buffer
            sys.stdout.write("行行行")
        sys.stderr.write("to stderr")
        exit_now(3)
    """
    shown = _python(script)
    assert shown.returncode == 3
    assert shown.stdout == "行" * 300_000
    assert shown.stderr == "to stderr"
    # the thread ended before the handlers ran, as at a normal exit
    assert done.read_text().splitlines() == ["thread", "handler"]


def test_exit_now_after_the_reader_went_away_fails_as_python_does():
    script = """
        import os, sys
        from coding.common.quickexit import exit_now

        read, write = os.pipe()
        os.close(read)
        sys.stdout = os.fdopen(write, "w")
        sys.stdout.write("x" * 100)
        exit_now(0)
    """
    assert _python(script).returncode == 120


def test_console_command_keeps_its_output_and_exit_codes(tmp_path):
    run = "import sys, cli; sys.argv[0] = 'clusterqda'; cli.run()"
    shown = _python(run, "--version")
    assert (shown.returncode, shown.stdout.strip()) == (0, f"clusterqda {__version__}")
    missing = tmp_path / "missing"
    failed = _python(run, "ingest", str(missing), "--project", str(tmp_path / "p"))
    assert failed.returncode == 1
    assert "Error:" in failed.stderr and "Traceback" not in failed.stderr
    usage = _python(run, "no-such-command")
    assert usage.returncode == 2 and "No such command" in usage.stderr


def _names() -> list[str]:
    from typer.main import get_command_name

    from cli import app

    commands = [c.name or get_command_name(c.callback.__name__) for c in app.registered_commands]
    return commands + [g.name for g in app.registered_groups]


@pytest.mark.parametrize("name", _names())
def test_the_app_built_for_one_command_reads_as_the_whole_one(runner, name):
    # the console command builds only the command asked for: its help (options, usage,
    # subcommands) must be the same as the whole app's
    from cli import app, asked_app

    asked = asked_app([name, "--help"])
    assert asked is not app and len(asked.registered_commands + asked.registered_groups) == 1
    whole = runner.invoke(app, [name, "--help"])
    alone = runner.invoke(asked, [name, "--help"])
    assert (alone.exit_code, alone.stdout) == (whole.exit_code, whole.stdout)
    assert whole.exit_code == 0 and name in whole.stdout


@pytest.mark.parametrize("args", [[], ["--version"], ["--help"], ["no-such-command"]])
def test_the_whole_app_answers_what_names_no_command(args):
    from cli import app, asked_app

    assert asked_app(args) is app
