"""Render a cluster's report as Markdown: every text from the data goes through md_escape."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coding.report.data import ReportData
from coding.report.safe import md_escape
from coding.report.text import TEXT, fmt


def _cell(value: object) -> str:
    if isinstance(value, int | float | np.number) and not isinstance(value, bool):
        return fmt(value)  # numbers are ours, not the data's text: keep them readable
    return md_escape(fmt(value))


def _md_row(values) -> str:
    return "| " + " | ".join(_cell(v) for v in values) + " |"


def _md_table(frame: pd.DataFrame | None) -> str:
    if frame is None or frame.empty:
        return "（无数据 no data）\n"
    lines = [_md_row(frame.columns), "|" + "---|" * len(frame.columns)]
    lines += [_md_row(row) for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def render_markdown(report: ReportData, labels: dict[str, str], lang: str = "zh") -> str:
    """Return the report as Markdown: text and tables, with the data's text escaped."""
    t = TEXT[lang]
    sections = t["sections"]
    matrix = report.matrix.reset_index(names="actor") if not report.matrix.empty else None
    coders = ", ".join(md_escape(c) for c in report.coders)
    version = md_escape(report.codebook_version)
    parts = [
        "# " + t["title"].format(cluster=md_escape(report.cluster)) + "\n",
        t["made"].format(version=version, coders=coders) + "\n",
        f"## {sections[0]}\n",
        _md_table(report.overview),
        f"### {t['roles']}\n",
        _md_table(report.interviewees),
        f"## {sections[1]}\n",
        t["actions_note"] + "\n",
        _md_table(report.actions),
        f"### {t['matrix']}\n",
        _md_table(matrix),
        f"### {t['modes']}\n",
        _md_table(report.modes),
        f"## {sections[2]}\n",
        _md_table(report.goals),
        f"## {sections[3]}\n",
        _md_table(report.timeline),
        f"## {sections[4]}\n",
        _md_table(report.conditions),
        f"## {sections[5]}\n",
    ]
    for q in report.quotes:
        cite = t["cite"].format(role=md_escape(q.role), doc=md_escape(q.doc_id), turn=q.turn)
        code = md_escape(f"{q.code_id} {labels.get(q.code_id, '')}".strip())
        parts.append(f"> **{code}** {md_escape(q.text)}\n> {cite}\n")
    parts += [
        f"## {sections[6]}\n",
        t["attitudes_note"] + "\n",
        _md_table(report.attitudes),
        _md_table(report.reliability),
    ]
    parts += [f"- {md_escape(f)}\n" for f in report.findings]
    parts += [
        f"\n## {sections[7]}\n",
        _md_table(report.comparison),
        f"## {sections[8]}\n",
        t["methods_note"].format(version=version) + "\n",
        _md_table(report.agreement),
        _md_table(report.codebook),
    ]
    return "\n".join(parts)
