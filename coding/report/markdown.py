"""Render a report ``Document`` as Markdown: every text from the data goes through md_escape."""

from __future__ import annotations

import pandas as pd

from coding.report.data import is_number
from coding.report.layout import Document, display
from coding.report.safe import md_escape
from coding.report.text import TEXT, fmt


def _cell(value: object) -> str:
    if is_number(value):
        return fmt(value)  # numbers are ours, not the data's text: keep them readable
    return md_escape(fmt(value))


def _md_row(values) -> str:
    return "| " + " | ".join(_cell(v) for v in values) + " |"


def _md_table(frame: pd.DataFrame | None, lang: str) -> str:
    if frame is None or frame.empty:
        return TEXT[lang]["no_data"] + "\n"
    shown = display(frame, lang)
    assert shown is not None
    lines = [_md_row(shown.columns), "|" + "---|" * len(shown.columns)]
    lines += [_md_row(row) for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def render_markdown(doc: Document) -> str:
    """Return the report as Markdown: text and tables, with the data's text escaped.

    Charts are left to the HTML and Word files (Markdown has no inline drawing);
    their numbers are in the tables beside them.
    """
    t = TEXT[doc.lang]
    parts = [f"# {md_escape(doc.title)}\n", md_escape(doc.byline) + "\n"]
    for section in doc.sections:
        parts.append(f"## {md_escape(section.title)}\n")
        for block in section.blocks:
            kind = type(block).__name__
            if kind == "Para":
                text = md_escape(block.text)
                parts.append(f"> **!** {text}\n" if block.kind == "warning" else text + "\n")
            elif kind == "Heading":
                parts.append(f"### {md_escape(block.text)}\n")
            elif kind == "Table":
                parts.append(_md_table(block.shown(), doc.lang))
            elif kind == "Bullets":
                parts.append("\n".join(f"- {md_escape(item)}" for item in block.items) + "\n")
            elif kind == "Quotes":
                for title, quotes in block.groups:
                    parts.append(f"#### {md_escape(title)}\n")
                    for q in quotes:
                        cite = t["cite"].format(role=q.role, doc=q.doc_id, turn=q.turn)
                        parts.append(f"> {_quote(q)}\n>\n> {md_escape(cite)}\n")
    return "\n".join(parts)


def _quote(q) -> str:
    """Escape a quotation and put its evidence in bold."""
    if q.start is None or q.end is None or not 0 <= q.start < q.end <= len(q.text):
        return md_escape(q.text)
    before, evidence, after = q.text[: q.start], q.text[q.start : q.end], q.text[q.end :]
    return f"{md_escape(before)}**{md_escape(evidence)}**{md_escape(after)}"
