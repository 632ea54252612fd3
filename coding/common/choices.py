"""The fixed choices of command options, as enums the CLI offers and checks.

Kept free of heavy imports: the CLI reads this module at start-up.
"""

from __future__ import annotations

from enum import StrEnum


class Engine(StrEnum):
    """Segmentation engine: auto uses rjieba when it cuts exactly like jieba."""

    auto = "auto"
    jieba = "jieba"
    rjieba = "rjieba"


class SheetOrder(StrEnum):
    """Order of the units in a coding sheet."""

    document = "document"
    uncertainty = "uncertainty"


class CodebookFormat(StrEnum):
    """What `codebook export` writes."""

    md = "md"
    xlsx = "xlsx"
    qdc = "qdc"


class Level(StrEnum):
    """Level of measurement for Krippendorff's alpha."""

    nominal = "nominal"
    ordinal = "ordinal"
    interval = "interval"
    ratio = "ratio"


class ReportFormat(StrEnum):
    """A format of case-study reports (`report --format` takes several, comma-separated)."""

    html = "html"
    md = "md"
    xlsx = "xlsx"
    docx = "docx"


def report_formats(value: str) -> list[ReportFormat]:
    """Return the formats of a comma-separated list; raise ValueError naming a wrong one."""
    names = [v.strip() for v in value.split(",") if v.strip()]
    wrong = [n for n in names if n not in ReportFormat.__members__]
    if wrong or not names:
        choices = ", ".join(ReportFormat.__members__)
        raise ValueError(f"'{wrong[0] if wrong else value}' is not one of {choices}")
    return [ReportFormat(n) for n in names]


class Lang(StrEnum):
    """Language of a report."""

    zh = "zh"
    en = "en"


class Speaker(StrEnum):
    """Whose turns a query reads."""

    interviewee = "interviewee"
    interviewer = "interviewer"
    all = "all"


class Source(StrEnum):
    """Which units a query reads: interview turns, survey open answers, or both."""

    interviews = "interviews"
    survey = "survey"
    all = "all"


class ConcordanceOrder(StrEnum):
    """Order of concordance lines: by the left or right context, or as in the documents."""

    left = "left"
    right = "right"
    doc = "doc"


class WordGroup(StrEnum):
    """What `words --by` compares: each group's words against the rest."""

    cluster = "cluster"
    role = "role"
    code = "code"


class CoderChoice(StrEnum):
    """Which machine coder codes: the default hybrid (rules plus the shipped model) or rules."""

    hybrid = "hybrid"
    rules = "rules"
