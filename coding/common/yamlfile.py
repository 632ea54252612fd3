"""Reading the YAML researchers write (codebooks, survey schemas, front matter) safely.

Two things a safe loader alone does not stop: aliases (``*name``), with which a
few hundred bytes expand to gigabytes ("billion laughs"), and constructors that
raise plain Python errors (``date: 2023-13-45`` is a ValueError). Both become
located YAML errors here, so every reader reports file and line.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from yaml.constructor import ConstructorError

from coding.errors import InputError

# Deeper nesting serves no codebook, schema or front matter, and would reach
# Python's recursion limit in the code that walks the result.
MAX_DEPTH = 50

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SafeLoader(_Base):  # type: ignore[misc, valid-type]
    """libyaml's safe loader (when built) whose impossible dates are located errors."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, AttributeError, OverflowError):
            raise ConstructorError(
                None,
                None,
                f"'{node.value}' is not a valid date; write YYYY-MM-DD, or quote it to keep text",
                node.start_mark,
            ) from None


SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", SafeLoader.construct_yaml_timestamp)


def safe_load(text: str, loader: type = SafeLoader) -> object:
    """Parse YAML text, refusing aliases; errors are yaml.YAMLError with a mark."""
    # Scanning events first is cheap (no objects are built) and sees each alias
    # once, before the constructor would copy what it points to again and again.
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ConstructorError(
                    None,
                    None,
                    f"lists and mappings nest more than {MAX_DEPTH} deep",
                    event.start_mark,  # type: ignore[arg-type]  # libyaml's Mark
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            raise ConstructorError(
                None,
                None,
                f"YAML aliases (*{event.anchor}) are not allowed; write the value out",
                event.start_mark,  # type: ignore[arg-type]  # libyaml's Mark
            )
    try:
        return yaml.load(text, Loader=loader)
    except (ValueError, TypeError, AttributeError, OverflowError, RecursionError) as exc:
        raise ConstructorError(
            None, None, f"a value cannot be read ({type(exc).__name__})"
        ) from None


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
        return text, safe_load(text, loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        kind = "" if isinstance(exc, ConstructorError) else "YAML syntax error, "
        if mark is None:
            raise error(f"{kind}{problem}", path) from None
        raise error(
            f"{kind}column {mark.column + 1}: {problem}", path, line=mark.line + 1
        ) from None
