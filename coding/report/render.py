"""Render a report ``Document`` as one self-contained HTML page (inline CSS and SVG)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape

from coding.report.data import Quote, is_number
from coding.report.layout import Document, display
from coding.report.text import TEXT, fmt

TEMPLATES = Path(__file__).parent / "templates"
# numbers already formatted as text ("29.7", "< .001", "0.498"): right-aligned like numbers
NUMERIC_TEXT = re.compile(r"<?\s*-?\d*\.?\d+%?")


@lru_cache(maxsize=1)
def template_env() -> Environment:
    """Return the report templates' environment: every value is HTML-escaped."""
    # Always on: select_autoescape() would leave "report.html.j2" (a .j2 name) unescaped.
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    env.filters["fmt"] = fmt
    env.tests["number"] = is_number
    env.tests["numeric_text"] = lambda v: isinstance(v, str) and bool(NUMERIC_TEXT.fullmatch(v))
    return env


def quote_html(q: Quote) -> Markup:
    """Escape the spoken text and mark the coded evidence."""
    if q.start is None or q.end is None or not 0 <= q.start < q.end <= len(q.text):
        return escape(q.text)
    # Markup.format escapes each part: the only markup is our own <mark>.
    return Markup("{}<mark>{}</mark>{}").format(
        q.text[: q.start], q.text[q.start : q.end], q.text[q.end :]
    )


def chart_svg(chart) -> Markup:
    """Return a chart as inline SVG; its texts were escaped when the SVG was written."""
    from coding.report.charts import to_svg

    return Markup(to_svg(chart)) if chart.bars or chart.points else Markup("")


def render_html(doc: Document, links: list[tuple[str, list[Path]]] | None = None) -> str:
    """Return a report document as one self-contained HTML page."""
    return (
        template_env()
        .get_template("report.html.j2")
        .render(
            doc=doc,
            t=TEXT[doc.lang],
            display=display,
            quote_html=quote_html,
            chart_svg=chart_svg,
            links=links or [],
        )
    )
