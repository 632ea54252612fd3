"""CLI start-up: how long a command takes before it does any work.

Times, as a user runs them (a new process each, median of --runs):
`python -c "import typer"` (the floor: Python plus the CLI framework), then
`clusterqda --help`, `clusterqda --version`, `clusterqda status` on an empty
project and `clusterqda sheets export --help`; prints each beside the floor
and its peak memory. Target: light commands well under half a second.

Usage: python benchmarks/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(argv: list[str], runs: int) -> tuple[float, float]:
    """Return the median wall time (s) and the largest peak RSS (MB) of a command."""
    times, peak = [], 0.0
    for _ in range(runs):
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak memory
        times.append(time.perf_counter() - start)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            sys.exit(f"{' '.join(argv)} failed")
        peak = max(peak, usage.ru_maxrss / 1024)
    return statistics.median(times), peak


def main() -> None:
    """Print start-up times of light commands against importing typer."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    cli = shutil.which("clusterqda") or sys.exit("clusterqda is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "p"
        subprocess.run([cli, "init", str(project)], check=True, stdout=subprocess.DEVNULL)
        cases = {
            'python -c "import typer"': [sys.executable, "-c", "import typer"],
            "clusterqda --help": [cli, "--help"],
            "clusterqda --version": [cli, "--version"],
            "clusterqda status (empty project)": [cli, "status", "--project", str(project)],
            "clusterqda sheets export --help": [cli, "sheets", "export", "--help"],
        }
        floor = None
        print(f"{'command':38} {'median s':>9} {'x floor':>8} {'peak MB':>8}")
        for name, argv in cases.items():
            seconds, peak = timed(argv, args.runs)
            floor = floor or seconds
            print(f"{name:38} {seconds:9.3f} {seconds / floor:8.2f} {peak:8.0f}")


if __name__ == "__main__":
    main()
