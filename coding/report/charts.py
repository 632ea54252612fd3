"""Charts as inline SVG: text stays text, so Chinese renders in the reader's own fonts."""

from __future__ import annotations

from html import escape

BAR = "#3b6ea5"
ROW = 22
LABEL_WIDTH = 150
WIDTH = 560


def bar_chart(items: list[tuple[str, float]], unit: str = "") -> str:
    """Return a horizontal bar chart of (label, value) pairs as an SVG element."""
    if not items:
        return ""
    top = max(v for _, v in items) or 1
    height = ROW * len(items) + 8
    bars = []
    for i, (label, value) in enumerate(items):
        y = 4 + i * ROW
        length = (WIDTH - LABEL_WIDTH - 50) * value / top
        bars.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{escape(str(label))}'
            f"</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{length:.1f}" height="{ROW - 8}" '
            f'fill="{BAR}"><title>{escape(str(label))}: {value:g}{escape(unit)}</title></rect>'
            f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + 15}">{value:g}</text>'
        )
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg>'
    )


def year_chart(points: list[tuple[int, int, str]]) -> str:
    """Return a timeline of (year, count, tooltip) as SVG columns, one per year."""
    if not points:
        return ""
    years = sorted({y for y, _, _ in points})
    first, last = years[0], years[-1]
    span = max(last - first, 1)
    top = max(c for _, c, _ in points) or 1
    height, base = 160, 130
    marks = []
    for year, count, tip in points:
        x = 30 + (WIDTH - 60) * (year - first) / span
        h = 100 * count / top
        marks.append(
            f'<rect x="{x - 5:.1f}" y="{base - h:.1f}" width="10" height="{h:.1f}" '
            f'fill="{BAR}"><title>{escape(tip)}</title></rect>'
        )
    ticks = "".join(
        f'<text x="{30 + (WIDTH - 60) * (y - first) / span:.1f}" y="{base + 18}" '
        f'text-anchor="middle">{y}</text>'
        for y in years
    )
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f'<line x1="20" y1="{base}" x2="{WIDTH - 20}" y2="{base}" stroke="#888"/>'
        f"{''.join(marks)}{ticks}</svg>"
    )
