"""The codebook as researchers read it: Markdown for a methods appendix, xlsx for assistants."""

from __future__ import annotations

from pathlib import Path

from coding.codebook import Codebook
from coding.common.excel import write_workbook
from coding.common.files import atomic_write
from coding.errors import OptionError

XLSX_HEADER = [
    "维度 dimension",
    "代码 code",
    "中文标签",
    "English label",
    "定义",
    "Definition",
    "何时使用",
    "何时不用",
    "例句 examples",
    "反例 counter-examples",
    "规则 rule",
]
XLSX_WIDTHS = [14, 24, 16, 26, 40, 40, 30, 30, 40, 40, 40]


def export_codebook(codebook: Codebook, fmt: str, out: str | Path) -> None:
    """Write the codebook as 'md', 'xlsx' or 'qdc' (REFI-QDA, for other QDA programs)."""
    if fmt == "md":
        with atomic_write(out, "w", encoding="utf-8") as handle:
            handle.write(codebook_markdown(codebook))
    elif fmt == "xlsx":
        rows = [
            (
                codebook.dimension_label(c.dimension) + f" ({c.dimension})",
                c.id,
                c.label,
                c.label_en,
                c.definition,
                c.definition_en,
                c.include,
                c.exclude,
                "\n".join(c.examples),
                "\n".join(c.counter_examples),
                c.rule,
            )
            for c in codebook.codes.values()
        ]
        write_workbook(out, [("编码本 codebook", XLSX_HEADER, rows, XLSX_WIDTHS)])
    elif fmt == "qdc":
        from coding.exchange.codebook_qdc import export_qdc

        export_qdc(codebook, out)
    else:
        raise OptionError(f"unknown codebook format '{fmt}'; use md, xlsx or qdc")


def codebook_markdown(codebook: Codebook) -> str:
    """Return the codebook as a Markdown document."""
    lines = [
        f"# {codebook.title or codebook.name}",
        "",
        f"版本 version {codebook.version} · 内容校验 hash `{codebook.hash[:12]}` · "
        f"{len(codebook.codes)} 个代码 codes",
        "",
    ]
    by_dimension: dict[str, list] = {}
    for code in codebook.codes.values():
        by_dimension.setdefault(code.dimension, []).append(code)
    for dimension, codes in by_dimension.items():
        info = codebook.dimensions.get(dimension, {})
        lines += [f"## {dimension} {info.get('label', '')} ({info.get('label_en', '')})", ""]
        for code in codes:
            lines += [f"### `{code.id}` {code.label} — {code.label_en}", "", code.definition]
            if code.definition_en:
                lines += ["", f"*{code.definition_en}*"]
            if code.include:
                lines += ["", f"**何时使用：** {code.include}"]
            if code.exclude:
                lines += ["", f"**何时不用：** {code.exclude}"]
            if code.examples:
                lines += ["", "**例句：**", *[f"- {e}" for e in code.examples]]
            if code.counter_examples:
                lines += ["", "**反例（不编此码）：**", *[f"- {e}" for e in code.counter_examples]]
            lines += ["", f"规则 rule: `{code.rule}`", ""]
    return "\n".join(lines)
