"""YAML front matter (``---`` … ``---``) at the top of a transcript."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from coding.common.yamlfile import safe_load
from coding.errors import FrontMatterError

# Fields a researcher is expected to fill; others are kept as they are.
KNOWN_FIELDS = (
    "id",
    "cluster",
    "date",
    "interviewee",
    "role",
    "organisation",
    "location",
    "interviewer",
)

# Front matter most often is "key: value" lines whose values YAML reads as the text
# itself; those are read here, and anything else by YAML (parsing 2,106 small blocks
# took 0.045 s of a 10 MB ingest). Such a value starts with a letter or a Han
# character, which none of YAML's implicit types (numbers, dates, null) starts with,
# and is none of the words YAML reads as true, false or null.
_SIMPLE_LINE = re.compile(
    r"([A-Za-z_][A-Za-z0-9_]*): ([A-Za-z\u4e00-\u9fff][A-Za-z0-9_.\-\u4e00-\u9fff\uff01-\uff5e]*)"
)
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})


def _simple_mapping(block: str) -> dict[str, str] | None:
    """Return the fields of a block of plain ``key: value`` lines, or None for YAML to read."""
    fields: dict[str, str] = {}
    for line in block.split("\n"):
        if (m := _SIMPLE_LINE.fullmatch(line)) is None:
            return None
        key, value = m.groups()
        if key in fields or key.lower() in _YAML_WORDS or value.lower() in _YAML_WORDS:
            return None
        fields[key] = value
    return fields


def _plain(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def split_front_matter(text: str, path: str | Path) -> tuple[dict, int]:
    """Parse a leading front-matter block; return its fields and the body's start offset.

    ``text`` must already be normalised (LF line endings), so that the line
    numbers in errors are the file's own.
    """
    if not (text.startswith("---\n") or text.rstrip(" \t") == "---" or text.startswith("--- \n")):
        return {}, 0
    lines = text.split("\n")
    end_line = None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            end_line = i
            break
    if end_line is None:
        raise FrontMatterError("the front matter opened with '---' is never closed", path, line=1)
    block = "\n".join(lines[1:end_line])
    try:
        data = _simple_mapping(block) or (safe_load(block) if block.strip() else {})
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise FrontMatterError(
            f"front matter is not valid YAML ({problem})", path, line=line
        ) from None
    if not isinstance(data, dict):
        raise FrontMatterError("front matter must be 'key: value' lines", path, line=2)
    body_start = sum(len(line) + 1 for line in lines[: end_line + 1])
    fields = {str(k): _plain(v) for k, v in data.items() if v is not None}
    for key in ("id", "cluster", "interviewer", "interviewee", "role"):
        if key in fields and not isinstance(fields[key], str | int | float):
            raise FrontMatterError(
                f"front matter field '{key}' must be a single value", path, line=2
            )
        if key in fields:
            fields[key] = str(fields[key]).strip()
    return fields, min(body_start, len(text))
