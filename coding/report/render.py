"""Render a cluster's report as self-contained HTML (inline CSS and SVG) or Markdown."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape

from coding.report.charts import bar_chart, year_chart
from coding.report.data import Quote, ReportData
from coding.report.text import TEXT, fmt

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def template_env() -> Environment:
    """Return the report templates' environment: every value is HTML-escaped."""
    # Always on: select_autoescape() would leave "report.html.j2" (a .j2 name) unescaped.
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)


def _quote_html(q: Quote) -> Markup:
    """Escape the spoken text and mark the coded evidence."""
    if q.start is None or q.end is None or not 0 <= q.start < q.end <= len(q.text):
        return escape(q.text)
    # Markup.format escapes each part: the only markup is our own <mark>.
    return Markup("{}<mark>{}</mark>{}").format(
        q.text[: q.start], q.text[q.start : q.end], q.text[q.end :]
    )


def render_html(report: ReportData, labels: dict[str, str], lang: str = "zh") -> str:
    """Return the report as one self-contained HTML page."""
    env = template_env()
    quotes: dict[str, list] = {}
    for q in report.quotes:
        quotes.setdefault(q.code_id, []).append(
            {"html": _quote_html(q), "role": q.role, "doc_id": q.doc_id, "turn": q.turn}
        )
    charts = {
        "actions": Markup(
            bar_chart([(f"{r.label}", r.units) for r in report.actions.itertuples()], " 单元")
        ),
        "goals": Markup(
            bar_chart([(f"{r.level}·{r.label}", r.units) for r in report.goals.itertuples()])
        ),
        "timeline": Markup(
            year_chart(
                [
                    (
                        int(y),
                        int(g["units"].sum()),
                        f"{y}年："
                        + "、".join(labels.get(c, c) for c in g["code_id"])
                        + (f"\n“{g['quote'].iloc[0]}”" if "quote" in g else ""),
                    )
                    for y, g in report.timeline.groupby("year")
                ]
                if not report.timeline.empty
                else []
            )
        ),
    }
    matrix = report.matrix.reset_index(names="行动者") if not report.matrix.empty else None
    matrix_max = max(int(report.matrix.to_numpy().max()), 1) if matrix is not None else 1
    types = (
        report.types[["belief_type", "description", "n"]]
        if report.types is not None and not report.types.empty
        else None
    )
    return env.get_template("report.html.j2").render(
        r=report,
        fmt=fmt,
        charts=charts,
        quotes=list(quotes.items()),
        labels=labels,
        matrix=matrix,
        matrix_max=matrix_max,
        types=types,
        lang=lang,
        t=TEXT[lang],
    )


def report_tables(report: ReportData) -> dict[str, pd.DataFrame]:
    """Return every table of the report, by sheet name, numbers kept as numbers."""
    quotes = pd.DataFrame(
        [(q.code_id, q.role, q.doc_id, q.turn, q.text) for q in report.quotes],
        columns=["code_id", "role", "doc_id", "turn", "text"],
    )
    matrix = report.matrix.reset_index(names="行动者") if not report.matrix.empty else None
    tables = {
        "概况 overview": report.overview,
        "受访者 interviewees": report.interviewees,
        "合作行动 actions": report.actions,
        "行动者x行动 matrix": matrix,
        "惯例与突变 modes": report.modes,
        "目标 goals": report.goals,
        "时间线 timeline": report.timeline,
        "条件与评价 conditions": report.conditions,
        "引文 quotations": quotes,
        "观念 attitudes": report.attitudes,
        "信度 reliability": report.reliability,
        "比较 comparison": report.comparison,
        "编码本 codebook": report.codebook,
        "一致性 agreement": report.agreement,
    }
    return {name: frame for name, frame in tables.items() if frame is not None}
