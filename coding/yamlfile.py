"""Reading the YAML files researchers write (codebooks, survey schemas) with located errors."""

from __future__ import annotations

from pathlib import Path

import yaml

from coding.errors import InputError

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml_file(
    path: Path, error: type[InputError], what: str, loader: type = SafeLoader
) -> tuple[str, object]:
    """Return a UTF-8 YAML file's text and data; raise ``error`` with the line and column."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read the {what} ({exc.strerror})", path) from None
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise error(f"the {what} must be UTF-8 text", path) from None
    try:
        return text, yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        if mark is None:
            raise error(f"YAML syntax error: {problem}", path) from None
        raise error(
            f"YAML syntax error, column {mark.column + 1}: {problem}", path, line=mark.line + 1
        ) from None
