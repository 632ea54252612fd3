"""Peak memory of ingesting one transcript just under the size limit.

Writes one transcript of --mb megabytes (default: just under
``MAX_TRANSCRIPT_BYTES``) from the bundled sample transcripts' turns, then
runs ``clusterqda ingest`` on it in a fresh child process and reports that
process's peak memory (ru_maxrss) and time, beside ``clusterqda status`` on
an empty project (what the CLI takes before reading anything).

Usage: python benchmarks/large_transcript.py [--mb 19.5]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_transcript(path: Path, megabytes: float) -> int:
    """Write one transcript of the sample turns repeated; return its size in bytes."""
    from coding.ingest import collect_files, parse_document
    from coding.project import SAMPLE_CORPORA

    turns = [
        f"{t.speaker}：{doc.text[t.start : t.end]}"
        for doc in map(parse_document, collect_files([SAMPLE_CORPORA]))
        for t in doc.turns
        if t.speaker
    ]
    target = int(megabytes * 2**20)
    parts, written = ["---\nid: large\ncluster: 测试\n---\n"], 0
    while written < target:
        for turn in turns:
            line = turn.replace("\n", " ") + "\n"
            size = len(line.encode("utf-8"))
            if written + size > target:
                break
            parts.append(line)
            written += size
        else:
            continue
        break
    path.write_text("".join(parts), encoding="utf-8")
    return path.stat().st_size


def run(args: list[str]) -> tuple[float, float]:
    """Run the CLI in a child process; return its seconds and peak memory in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], check=True, capture_output=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far: run the light command first.
    return seconds, max(peak, before) / 1024


def main() -> None:
    """Build the transcript, ingest it, print the figures."""
    from coding.ingest.read import MAX_TRANSCRIPT_BYTES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=MAX_TRANSCRIPT_BYTES / 2**20 - 0.5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        transcript = folder / "large.txt"
        size = build_transcript(transcript, options.mb)
        project = str(folder / "project")
        run(["init", project])
        idle_s, idle_mb = run(["status", "--project", project])
        seconds, peak_mb = run(["ingest", str(transcript), "--project", project])
    print(f"transcript: {size / 2**20:.1f} MB (limit {MAX_TRANSCRIPT_BYTES / 2**20:.0f} MB)")
    print(f"clusterqda status (start-up only): {idle_s:.1f} s, peak {idle_mb:.0f} MB")
    print(f"clusterqda ingest:                 {seconds:.1f} s, peak {peak_mb:.0f} MB")
    print(f"memory for the transcript itself:  {peak_mb - idle_mb:.0f} MB")


if __name__ == "__main__":
    main()
