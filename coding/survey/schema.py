"""The survey schema: which columns hold the id, attributes, scale items and open answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from coding.common.yamlfile import load_yaml_file
from coding.errors import SchemaError


@dataclass(frozen=True)
class Construct:
    """A multi-item scale: its items, and which of them are reverse-keyed."""

    name: str
    label: str
    items: tuple[str, ...]
    reverse: tuple[str, ...] = ()


@dataclass
class SurveySchema:
    """A questionnaire's layout, as the researcher describes it in YAML."""

    name: str
    id_column: str
    attributes: dict[str, str]
    scale_min: float
    scale_max: float
    labels: dict[str, float]
    constructs: dict[str, Construct]
    open_ended: list[str]
    role_codes: dict[str, str] = field(default_factory=dict)
    path: str = ""

    @property
    def items(self) -> list[str]:
        """Return every scale item column, construct by construct."""
        return [i for c in self.constructs.values() for i in c.items]

    @property
    def reverse_items(self) -> set[str]:
        """Return the reverse-keyed item columns."""
        return {i for c in self.constructs.values() for i in c.reverse}

    def columns(self) -> list[str]:
        """Return every column the schema names."""
        return [self.id_column, *self.attributes.values(), *self.items, *self.open_ended]


def load_schema(path: str | Path) -> SurveySchema:
    """Load and validate a survey schema; raise SchemaError naming the file and line."""
    path = Path(path)
    text, data = load_yaml_file(path, SchemaError, "schema")
    if not isinstance(data, dict):
        raise SchemaError("a schema is a mapping with id_column, scale and constructs", path)

    def need(key: str, kind: type, what: str):
        value = data.get(key)
        if not isinstance(value, kind) or not value:
            raise SchemaError(f"'{key}' must be {what}", path, line=_line_of(text, key))
        return value

    id_column = str(need("id_column", str, "the name of the respondent id column"))
    scale = need("scale", dict, "a mapping with min, max and optionally labels")
    try:
        low, high = float(scale["min"]), float(scale["max"])
    except (KeyError, TypeError, ValueError):
        raise SchemaError(
            "'scale' needs numeric min and max", path, line=_line_of(text, "scale")
        ) from None
    if low >= high:
        raise SchemaError("scale min must be below max", path, line=_line_of(text, "scale"))
    labels = {}
    for label, value in (scale.get("labels") or {}).items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if number is None or not low <= number <= high:
            raise SchemaError(
                f"scale label '{label}' must map to a number from {low:g} to {high:g}",
                path,
                line=_line_of(text, str(label)),
            )
        labels[str(label).strip()] = number
    constructs = {}
    for name, spec in need("constructs", dict, "a mapping of constructs").items():
        line = _line_of(text, str(name))
        if not isinstance(spec, dict) or not spec.get("items"):
            raise SchemaError(f"construct '{name}' needs a list of items", path, line=line)
        items = tuple(str(i) for i in spec["items"])
        reverse = tuple(str(i) for i in spec.get("reverse") or ())
        stray = [r for r in reverse if r not in items]
        if stray:
            raise SchemaError(
                f"construct '{name}': reverse item {stray[0]} is not one of its items",
                path,
                line=line,
            )
        constructs[str(name)] = Construct(str(name), str(spec.get("label") or name), items, reverse)
    attributes = {str(k): str(v) for k, v in (data.get("attributes") or {}).items()}
    open_ended = [str(c) for c in data.get("open_ended") or []]
    role_codes = {str(k).strip(): str(v) for k, v in (data.get("role_codes") or {}).items()}
    return SurveySchema(
        name=str(data.get("name") or path.stem),
        id_column=id_column,
        attributes=attributes,
        scale_min=low,
        scale_max=high,
        labels=labels,
        constructs=constructs,
        open_ended=open_ended,
        role_codes=role_codes,
        path=str(path),
    )


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith(f"{key}:") or f" {key}:" in line or f"{{{key}:" in line:
            return number
    return None
