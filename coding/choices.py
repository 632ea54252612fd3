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


class Level(StrEnum):
    """Level of measurement for Krippendorff's alpha."""

    nominal = "nominal"
    ordinal = "ordinal"
    interval = "interval"
    ratio = "ratio"


class Lang(StrEnum):
    """Language of a report."""

    zh = "zh"
    en = "en"
