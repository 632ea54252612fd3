"""The codebook: a YAML tree of codes with definitions, examples and matching rules."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from coding.common.yamlfile import SafeLoader, load_yaml_file
from coding.errors import CodebookError, RuleSyntaxError
from coding.rules import Node, parse_rule, positive_terms, terms_of

# The code ids every shipped codebook must use (../shared/DOMAIN.md), in order.
FIXED_IDS = [
    "CA.BH",
    "CA.BV",
    "CA.MH",
    "CA.MV",
    "MODE.ROUTINE",
    "MODE.ABRUPT",
    "FORM.MARKET",
    "FORM.PLATFORM",
    "FORM.ORG",
    "FORM.INTL",
    "FORM.PARK",
    "FORM.BRAND",
    "FORM.SKILL",
    "FORM.FINANCE",
    "FORM.STANDARD",
    "FORM.INFO",
    "ACT.GOV",
    "ACT.FIRM",
    "ACT.FIRM.LEAD",
    "ACT.FIRM.SMALL",
    "ACT.ASSOC",
    "ACT.CENTER",
    "ACT.EDU",
    "ACT.TOWNCORP",
    "ACT.CLAN",
    "ACT.FIN",
    "ACT.EXT",
    "GOAL.FIRM.COST",
    "GOAL.FIRM.EFFICIENCY",
    "GOAL.FIRM.DIFFERENTIATION",
    "GOAL.CLUSTER.ECONOMY",
    "GOAL.CLUSTER.INNOVATION",
    "GOAL.CLUSTER.LINKAGE",
    "GOAL.REGION.NATURE",
    "GOAL.REGION.SOCIAL",
    "GOAL.REGION.GOVERNANCE",
    "GOAL.REGION.ENVIRONMENT",
    "AGENCY.WILL",
    "AGENCY.CAPACITY",
    "AGENCY.ACTION",
    "COND.TRUST",
    "COND.SOCIAL",
    "COND.FREERIDE",
    "COND.COMPETITION",
    "COND.IMITATION",
    "COND.SHOCK",
    "COND.POLICY",
    "EVAL.SUCCESS",
    "EVAL.FAILURE",
    "EVAL.TOOLITTLE",
    "EVAL.OVERHEAT",
]
DIMENSIONS = tuple(dict.fromkeys(i.split(".")[0] for i in FIXED_IDS))
REQUIRED_FIELDS = ("id", "label", "label_en", "definition", "rule")
SHIPPED = Path(__file__).resolve().parent.parent / "codebooks" / "collective_action.yaml"

_BaseLoader = SafeLoader
_HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,8}")


class _LineLoader(_BaseLoader):
    """A safe loader that records each mapping's line as '__line__'."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


@dataclass(frozen=True)
class Code:
    """One code: what it means, how to recognise it, and the rule that finds it."""

    id: str
    label: str
    label_en: str
    definition: str
    rule: str
    node: Node = field(compare=False, repr=False)
    definition_en: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    line: int = 0

    @property
    def triggers(self) -> frozenset[str]:
        """Return the terms one of which must be in a text for this code to be given."""
        return positive_terms(self.node)

    @property
    def dimension(self) -> str:
        """Return the dimension: the id's prefix before the first dot."""
        return self.id.split(".")[0]

    @property
    def parent(self) -> str:
        """Return the parent id (a code, a group or the dimension)."""
        return self.id.rsplit(".", 1)[0]


@dataclass
class Codebook:
    """A loaded, validated codebook."""

    name: str
    version: str
    title: str
    dimensions: dict[str, dict]
    groups: dict[str, dict]
    synonyms: dict[str, list[str]]
    codes: dict[str, Code]
    path: str
    hash: str
    warnings: list[str] = field(default_factory=list)
    speaker_rule: str | None = None
    speaker_node: Node | None = field(default=None, repr=False)

    @property
    def coder(self) -> str:
        """Return the coder id of the rule coder for this codebook."""
        return f"rules@{self.hash[:12]}"

    def terms(self) -> set[str]:
        """Return every term any rule (and the speaker rule) looks for."""
        nodes = [code.node for code in self.codes.values()]
        if self.speaker_node is not None:
            nodes.append(self.speaker_node)
        return {t.text for node in nodes for t in terms_of(node)}

    def segmentation_terms(self) -> list[str]:
        """Return the terms worth adding to jieba's dictionary: 2 to 8 Han characters."""
        return sorted(t for t in self.terms() if _HAN_WORD.fullmatch(t))

    def dimension_label(self, dimension: str) -> str:
        """Return a dimension's Chinese label (or its id)."""
        return str(self.dimensions.get(dimension, {}).get("label", dimension))

    def select(self, dimensions: list[str] | None) -> list[Code]:
        """Return the codes of the given dimensions (all when None)."""
        wanted = set(dimensions or self.dimensions or DIMENSIONS)
        return [c for c in self.codes.values() if c.dimension in wanted]


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _strings(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value.strip(),)
    return tuple(str(v).strip() for v in value)  # type: ignore[attr-defined]  # a YAML list


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load and validate a codebook; raise CodebookError listing every problem."""
    path = Path(path) if path else SHIPPED
    text, data = load_yaml_file(path, CodebookError, "codebook", _LineLoader)
    if not isinstance(data, dict) or not isinstance(data.get("codes"), list):
        raise CodebookError("a codebook needs a 'codes:' list", path, line=1)

    problems: list[str] = []
    warnings: list[str] = []
    dimensions = {k: v for k, v in (data.get("dimensions") or {}).items() if k != "__line__"}
    groups = {k: v for k, v in (data.get("groups") or {}).items() if k != "__line__"}
    synonyms: dict[str, list[str]] = {}
    for name, words in (data.get("synonyms") or {}).items():
        if name == "__line__":
            continue
        words = [
            w.strip()
            for w in (
                "".join(words).split("|") if isinstance(words, str) else map(str, words or [])
            )
            if w.strip()
        ]
        if not words:
            problems.append(f"synonym list '{name}' is empty")
        synonyms[str(name)] = words
    codes: dict[str, Code] = {}
    for entry in data["codes"]:
        if not isinstance(entry, dict):
            problems.append("every item under 'codes:' must be a mapping")
            continue
        line = entry.get("__line__", 0)
        nested = [f for f in REQUIRED_FIELDS if isinstance(entry.get(f), list | dict)]
        code_id = "?" if "id" in nested else _text(entry.get("id")) or "?"
        if nested:
            kind = "a list" if isinstance(entry[nested[0]], list) else "a mapping"
            problems.append(
                f"line {line}: code '{code_id}': '{nested[0]}' must be a single value, not {kind}"
            )
            continue
        missing = [f for f in REQUIRED_FIELDS if not _text(entry.get(f))]
        if missing:
            what = "an empty rule" if missing == ["rule"] else "no " + ", ".join(missing)
            problems.append(f"line {line}: code '{code_id}' has {what}")
            continue
        if code_id in codes:
            problems.append(
                f"line {line}: duplicate id '{code_id}' (first at line {codes[code_id].line})"
            )
            continue
        rule = " ".join(_text(entry["rule"]).split())
        try:
            node = parse_rule(rule, synonyms)
        except RuleSyntaxError as exc:
            problems.append(f"line {line}: code '{code_id}': {exc}")
            continue
        codes[code_id] = Code(
            id=code_id,
            label=_text(entry["label"]),
            label_en=_text(entry["label_en"]),
            definition=_text(entry["definition"]),
            rule=rule,
            node=node,
            definition_en=_text(entry.get("definition_en")),
            include=_text(entry.get("include")),
            exclude=_text(entry.get("exclude")),
            examples=_strings(entry.get("examples")),
            counter_examples=_strings(entry.get("counter_examples")),
            line=line,
        )
    for code in codes.values():
        parent = code.parent
        if (
            "." in code.id
            and parent not in codes
            and parent not in groups
            and ("." in parent or (dimensions and parent not in dimensions))
        ):
            problems.append(f"line {code.line}: code '{code.id}' has unknown parent '{parent}'")
        if code.id not in FIXED_IDS:
            warnings.append(f"{path}, line {code.line}: '{code.id}' is not a code id of DOMAIN.md")
    speaker_rule = " ".join(_text(data.get("speaker_rule")).split()) or None
    speaker_node = None
    if speaker_rule:
        try:
            speaker_node = parse_rule(speaker_rule, synonyms)
        except RuleSyntaxError as exc:
            problems.append(f"speaker_rule: {exc}")
    if problems:
        count = f"{len(problems)} problems" if len(problems) > 1 else "1 problem"
        raise CodebookError(f"{count}: " + "; ".join(problems), path)
    return Codebook(
        name=_text(data.get("codebook")) or path.stem,
        version=_text(data.get("version")) or "0",
        title=_text(data.get("title")),
        dimensions=dimensions,
        groups=groups,
        synonyms=synonyms,
        codes=codes,
        speaker_rule=speaker_rule,
        speaker_node=speaker_node,
        path=str(path),
        hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        warnings=warnings,
    )
