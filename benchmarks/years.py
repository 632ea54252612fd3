"""Year reading speed: coding.years against the report's old regex, over the sample turns.

Reads the 18 sample transcripts through the ingest parser (every encoding and
.docx), takes their speaker turns with each interview's date, repeats them
until the text is --megabytes long, then times both readers over every turn.
Target: a 20 MB corpus in well under a minute.

Usage: python benchmarks/years.py [--megabytes 20]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The baseline: years_mentioned as coding/report/data.py had it before coding/years.py,
# copied verbatim (it reads 七八年才能出来 as 1978 and counts denied and wished years).
_DIGITS = dict(zip("零〇一二三四五六七八九", "00123456789", strict=True))
_YEAR = re.compile(
    r"((?:19|20)\d{2})年|([零〇一二三四五六七八九]{2})年|([零〇一二三四五六七八九])十年代|(去年|前年|今年)"
)


def old_years_mentioned(text: str, interview_year: int | None) -> list[int]:
    """Return the years a text mentions: 2003年, 零三年, 九十年代 (1990), 去年 (from the date)."""
    years = []
    for full, short, decade, relative in _YEAR.findall(text):
        if full:
            years.append(int(full))
        elif short:
            two = int("".join(_DIGITS[c] for c in short))
            years.append(2000 + two if two <= 30 else 1900 + two)
        elif decade:
            years.append(1900 + 10 * int(_DIGITS[decade]))
        elif relative and interview_year:
            years.append(interview_year - {"去年": 1, "前年": 2, "今年": 0}[relative])
    return years


def sample_turns() -> list[tuple[str, str | None]]:
    """Return every speaker turn of the sample corpora with its interview date."""
    from coding.ingest import collect_files, parse_document
    from coding.project import SAMPLE_CORPORA

    turns = []
    for path in collect_files([SAMPLE_CORPORA]):
        doc = parse_document(path)
        when = doc.metadata.get("date")
        for turn in doc.turns:
            turns.append((doc.text[turn.start : turn.end], str(when) if when else None))
    return turns


def main() -> None:
    """Time both readers over the sample turns repeated to the size asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=20.0)
    args = parser.parse_args()
    from coding.years import interview_year, years_mentioned

    sample = sample_turns()
    chars = sum(len(t) for t, _ in sample)
    copies = max(1, round(args.megabytes * 1e6 / 3 / chars))  # ~3 UTF-8 bytes a character
    turns = sample * copies
    size = sum(len(t.encode("utf-8")) for t, _ in turns) / 1e6
    print(f"{len(sample):,} sample turns x {copies} = {len(turns):,} turns, {size:.1f} MB UTF-8")
    years_mentioned("二〇〇三年", "2023")  # cn2an and OpenCC load once, not timed

    old_found = new_found = 0
    started = time.perf_counter()
    for text, when in turns:
        old_found += len(old_years_mentioned(text, interview_year(when)))
    old = time.perf_counter() - started
    started = time.perf_counter()
    for text, when in turns:
        new_found += len(years_mentioned(text, when))
    new = time.perf_counter() - started
    print(f"old regex     {len(turns) / old:>12,.0f} turns/s  {old:6.2f} s  {old_found:,} years")
    print(f"coding.years  {len(turns) / new:>12,.0f} turns/s  {new:6.2f} s  {new_found:,} years")


if __name__ == "__main__":
    main()
