"""Report charts: described once as data, drawn once with matplotlib, written as SVG or PNG.

A ``Chart`` holds what is shown (bars, or counts per year); ``draw`` makes one
matplotlib ``Figure`` of it; ``to_svg`` keeps the text as text (inline HTML:
the reader's own CJK fonts, searchable, selectable) and ``to_png`` rasterises
it with a CJK font for Word. Labels are data from transcripts and codebooks:
control characters are removed, mathtext is off (``$5 到 $10`` stays literal)
and matplotlib's SVG writer escapes the rest.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from coding.common.textwidth import display_width
from coding.errors import ReportError
from coding.report.safe import without_controls
from coding.report.text import fmt

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BAR = "#3b6ea5"
TENTATIVE = "#b9cde3"
TENTATIVE_LABEL = "待定 tentative"
NO_DATA = "（无数据 no data）"
# Fonts readers have, in the order a browser should try them; the SVG names them all.
CJK_FAMILIES = ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei"]
# Okabe-Ito: distinguishable with the common colour-vision deficiencies and in greyscale.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
MARKERS = ["o", "^", "s", "D", "v", "P", "X", "*"]
WIDTH_IN = 6.4
FONT_SIZE = 9
BAR_ROW_IN = 0.3
SVG_SLACK_IN = 0.12
MIN_YEARS_SHOWN = 8  # one or two years are drawn on a short stretch of time, not as a wall
GAP_PX = 4.0  # least space between two year labels
LABEL_WRAP = 28  # display columns (a CJK character is two) before a bar label wraps
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^<>]*>")
_ID_REF = re.compile(r'(\bid="|url\(#|\bhref="#)')
_FAMILY = re.compile(r"font-family: [^;\"]*")
_ROOT = re.compile(
    r'<svg\b[^>]*?\bwidth="(?P<width>[\d.]+)pt"[^>]*?\bviewBox="(?P<viewbox>[^"]*)"[^>]*>'
)


@dataclass(frozen=True)
class Bar:
    """One horizontal bar; a tentative one (code reliability not established) looks different."""

    label: str
    value: float
    tentative: bool = False
    tip: str = ""  # hover text in HTML; default "label: value unit"


@dataclass(frozen=True)
class Point:
    """A count in one year; ``category`` picks the colour and ``shape`` the marker."""

    year: int
    count: float
    category: str = ""
    shape: str = ""
    tip: str = ""


@dataclass(frozen=True)
class Chart:
    """What a chart shows: ``bars`` for kind "bars", ``points`` for kind "years"."""

    kind: Literal["bars", "years"]
    title: str = ""
    bars: Sequence[Bar] = field(default_factory=tuple)
    points: Sequence[Point] = field(default_factory=tuple)
    unit: str = ""


@lru_cache(maxsize=1)
def chart_font() -> Path:
    """Return a font file with Chinese glyphs: mplfonts' Noto Sans CJK SC, else a system one."""
    try:
        import mplfonts

        shipped = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
        if shipped.is_file():
            return shipped
    except ImportError:
        pass
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if any(key in entry.name for key in ("CJK", "Han Sans", "SimHei", "WenQuanYi")):
            return Path(entry.fname)
    raise ReportError(
        "no font with Chinese characters for the charts; pip install mplfonts, or install "
        "a CJK font such as fonts-noto-cjk"
    )


def font_covers(font: Path, text: str) -> bool:
    """Return whether a font file has a glyph for every character of a text."""
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(font), fontNumber=0, lazy=True).getBestCmap()
    return all(ord(ch) in cmap for ch in text if not ch.isspace())


@lru_cache(maxsize=1)
def _families() -> tuple[str, ...]:
    """Register the chart font with matplotlib once; return it and the CJK families installed
    here (matplotlib logs a warning for every text in a family it cannot find)."""
    from matplotlib import font_manager

    path = chart_font()
    font_manager.fontManager.addfont(str(path))
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    ours = font_manager.FontProperties(fname=str(path)).get_name()
    return tuple(dict.fromkeys([ours, *(f for f in CJK_FAMILIES if f in installed)]))


def css_font_family() -> str:
    """Return the CSS font-family of chart text: the CJK fonts readers have, then sans-serif."""
    names = dict.fromkeys([*_families(), *CJK_FAMILIES])
    return ", ".join([*(f"'{name}'" for name in names), "sans-serif"])


def _rc() -> dict[Any, Any]:
    """Settings for one drawing: data text is never TeX or mathtext, fonts are CJK first."""
    families = list(_families())
    return {
        # Named on each text when it is made (a generic family would be looked up again
        # at drawing time, in whatever settings are current then).
        "font.family": [*families, "sans-serif"],
        "font.sans-serif": families,
        "font.size": FONT_SIZE,
        "text.usetex": False,
        "text.parse_math": False,
        "axes.unicode_minus": False,
        "svg.fonttype": "none",
        "figure.dpi": 100,
    }


@contextmanager
def _settings(extra: dict[Any, Any] | None = None) -> Iterator[None]:
    """Our matplotlib settings for one drawing or saving, restored afterwards."""
    import matplotlib

    with matplotlib.rc_context({**_rc(), **(extra or {})}), warnings.catch_warnings():
        # A character no font here has (an emoji in a label) is drawn as a box, not an error.
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        yield


def clean(text: object) -> str:
    """Return data text fit for a chart: no control characters, whitespace runs as one space."""
    return _SPACE.sub(" ", without_controls(str(text)).replace("\ufffd", " ")).strip()


def _lines(text: str) -> str:
    """Hover text keeps its line breaks; each line cleaned."""
    return "\n".join(filter(None, (clean(line) for line in str(text).splitlines())))


def wrap(text: str, width: int = LABEL_WRAP) -> str:
    """Break a label into lines of at most ``width`` display columns, at '·', '/' or spaces
    when one is near, so that a long Chinese label grows down instead of off the chart."""
    lines: list[str] = []
    line = ""
    for ch in text:
        if display_width(line + ch) > width:
            cut = max(line.rfind(sep) for sep in "· /、")
            if cut > len(line) // 2:
                lines.append(line[: cut + 1].rstrip())
                line = line[cut + 1 :].lstrip()
            else:
                lines.append(line)
                line = ""
        line += ch
    return "\n".join([*lines, line])


def draw(chart: Chart) -> Figure:
    """Draw the chart on a new matplotlib Figure (no pyplot: nothing is shared between calls).

    Save it with ``to_svg``/``to_png``, which also set how text is written."""
    with _settings():
        return _draw(chart)


def _draw(chart: Chart) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    if chart.kind == "bars":
        rows = sum(wrap(clean(b.label)).count("\n") + 1 for b in chart.bars)
        height = 0.9 + BAR_ROW_IN * max(rows, 2)
    else:
        height = 2.6
    # A reader's browser may draw the labels in a wider font than the one measured here.
    fig = Figure(figsize=(WIDTH_IN, height), layout=ConstrainedLayoutEngine(w_pad=SVG_SLACK_IN))
    FigureCanvasAgg(fig)  # the Agg canvas measures text for the layout; no pyplot
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    if chart.title:
        ax.set_title(clean(chart.title), loc="left", fontsize=FONT_SIZE + 1)
    if chart.kind == "bars" and chart.bars:
        _bars(ax, chart)
    elif chart.kind == "years" and chart.points:
        _years(fig, ax, chart)
    elif chart.kind in ("bars", "years"):
        ax.set_axis_off()
        ax.text(0.5, 0.5, NO_DATA, ha="center", va="center", transform=ax.transAxes)
    else:
        raise ReportError(f"unknown chart kind {chart.kind!r}; use 'bars' or 'years'")
    return fig


def _bars(ax: Axes, chart: Chart) -> None:
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    bars = list(chart.bars)
    values = [float(b.value) for b in bars]
    container = ax.barh(
        range(len(bars)),
        values,
        height=0.65,
        color=[TENTATIVE if b.tentative else BAR for b in bars],
        edgecolor=BAR,
        linewidth=0.6,
    )
    unit = clean(chart.unit)
    for i, (patch, bar) in enumerate(zip(container.patches, bars, strict=True)):
        if bar.tentative:
            patch.set_hatch("///")
        patch.set_gid(f"bar{i}")
    ax.set_yticks(range(len(bars)), [wrap(clean(b.label)) for b in bars])
    ax.invert_yaxis()  # first bar on top, as read
    ax.tick_params(axis="y", length=0)
    ax.bar_label(container, labels=[fmt(v) for v in values], padding=3, fontsize=FONT_SIZE - 1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=all(v.is_integer() for v in values)))
    top = max([*values, 0.0])
    ax.set_xlim(min([*values, 0.0]), top * 1.12 if top > 0 else 1)
    if unit:
        ax.set_xlabel(unit)
    if any(b.tentative for b in bars):
        ax.legend(
            handles=[Patch(facecolor=TENTATIVE, edgecolor=BAR, hatch="///", label=TENTATIVE_LABEL)],
            loc="lower right",
            bbox_to_anchor=(1, 1),  # above the bars, on the title's line: never over a bar
            borderaxespad=0,
            frameon=False,
            fontsize=FONT_SIZE - 1,
        )


def _years(fig: Figure, ax: Axes, chart: Chart) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    points = sorted(chart.points, key=lambda p: p.year)
    categories = list(dict.fromkeys(clean(p.category) for p in points if p.category))
    shapes = list(dict.fromkeys(clean(p.shape) for p in points if p.shape))
    if not categories and not shapes:
        per_year = _by_year(points)
        totals = [sum(float(p.count) for p in group) for group in per_year.values()]
        container = ax.bar(list(per_year), totals, width=0.8, color=BAR)
        for i, patch in enumerate(container.patches):
            patch.set_gid(f"point{i}")
    else:
        colour = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(categories)}
        marker = {s: MARKERS[i % len(MARKERS)] for i, s in enumerate(shapes)}
        i = 0
        for year, group in _by_year(points).items():
            for k, p in enumerate(group):
                # Episodes of one year side by side within the year's width, never on top.
                x = year + (0.0 if len(group) == 1 else 0.7 * (k / (len(group) - 1) - 0.5))
                c = colour.get(clean(p.category), BAR)
                ax.vlines(x, 0, p.count, color=c, linewidth=1)
                (line,) = ax.plot(
                    [x], [p.count], marker=marker.get(clean(p.shape), "o"), color=c, markersize=6
                )
                line.set_gid(f"point{i}")
                i += 1
        handles = [Line2D([], [], color=colour[c], marker="o", ls="", label=c) for c in categories]
        handles += [Line2D([], [], color="#555", marker=marker[s], ls="", label=s) for s in shapes]
        fig.legend(
            handles=handles, loc="outside right upper", frameon=False, fontsize=FONT_SIZE - 1
        )
    first, last = min(p.year for p in points), max(p.year for p in points)
    pad = max(0.7, (MIN_YEARS_SHOWN - (last - first)) / 2)
    ax.set_xlim(first - pad, last + pad)
    ax.set_ylim(0, max(float(p.count) for p in points) * 1.1 or 1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{round(v)}"))
    if chart.unit:
        ax.set_ylabel(clean(chart.unit))
    _year_ticks(fig, ax)


def _by_year(points: Sequence[Point]) -> dict[int, list[Point]]:
    """Points grouped by year, years in order (the order artists and their tips share)."""
    groups: dict[int, list[Point]] = {}
    for p in sorted(points, key=lambda p: p.year):
        groups.setdefault(int(p.year), []).append(p)
    return groups


def _year_ticks(fig: Figure, ax: Axes) -> None:
    """Integer year ticks, fewer until no two labels come within GAP_PX in the drawn figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.ticker import MaxNLocator

    renderer = cast(FigureCanvasAgg, fig.canvas).get_renderer()
    for nbins in (12, 10, 8, 6, 5, 4, 3, 2, 1):
        ax.xaxis.set_major_locator(
            MaxNLocator(nbins=nbins, steps=[1, 2, 5, 10], integer=True, min_n_ticks=1)
        )
        fig.draw_without_rendering()
        low, high = sorted(ax.get_xlim())
        boxes = sorted(
            (
                label.get_window_extent(renderer)
                for tick, label in zip(ax.get_xticks(), ax.get_xticklabels(), strict=True)
                if low <= tick <= high and label.get_text()
            ),
            key=lambda box: box.x0,
        )
        if all(b.x0 - a.x1 >= GAP_PX for a, b in zip(boxes, boxes[1:], strict=False)):
            return


def _tips(chart: Chart) -> dict[str, str]:
    """Hover text by artist id: given, or 'label: value unit'."""
    unit = clean(chart.unit)
    if chart.kind == "bars":
        return {
            f"bar{i}": _lines(b.tip) or f"{clean(b.label)}: {fmt(b.value)} {unit}".rstrip()
            for i, b in enumerate(chart.bars)
        }
    groups = list(_by_year(chart.points).items())
    if any(p.category or p.shape for p in chart.points):  # one mark per point
        groups = [(year, [p]) for year, group in groups for p in group]
    return {
        f"point{i}": "\n".join(_lines(p.tip) for p in group if p.tip)
        or f"{year}: {fmt(sum(float(p.count) for p in group))} {unit}".rstrip()
        for i, (year, group) in enumerate(groups)
    }


def to_svg(chart: Chart) -> str:
    """Return the chart as an ``<svg>`` element to inline in HTML: text kept as text, CJK
    font names listed, width following its container, titled for screen readers."""
    fig = draw(chart)
    key = hashlib.sha256(repr(chart).encode("utf-8", "surrogatepass")).hexdigest()[:8]
    buffer = io.StringIO()
    with _settings({"svg.hashsalt": key}):
        fig.savefig(
            buffer, format="svg", metadata=dict.fromkeys(("Creator", "Date", "Format", "Type"))
        )
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # no XML declaration or DOCTYPE inside HTML
    # Ids are page-wide in HTML: prefix ours so two charts on one page never share one.
    prefix = f"c{key}-"
    # SVG 2's plain href needs no xlink namespace (a link to w3.org in every report).
    family = f"font-family: {css_font_family()}"

    def fix_tag(tag: re.Match[str]) -> str:
        text = tag.group(0).replace(" xlink:href=", " href=")
        # matplotlib names only the fonts installed here; readers have others.
        return _FAMILY.sub(family, _ID_REF.sub(rf"\g<1>{prefix}", text))

    svg = _TAG.sub(fix_tag, svg)
    for gid, tip in _tips(chart).items():
        svg = svg.replace(
            f'<g id="{prefix}{gid}">', f'<g id="{prefix}{gid}"><title>{html.escape(tip)}</title>', 1
        )
    root = _ROOT.match(svg)
    if root is None:
        raise ReportError("matplotlib wrote an SVG without an <svg> element")
    title = html.escape(clean(chart.title) or chart.kind)
    opening = (
        f'<svg xmlns="http://www.w3.org/2000/svg" '
        f'class="chart" role="img" aria-label="{title}" width="100%" '
        f'style="max-width: {root["width"]}pt; height: auto" viewBox="{root["viewbox"]}">'
        f"<title>{title}</title>"
    )
    return opening + svg[root.end() :]


def to_png(chart: Chart, dpi: int = 150) -> bytes:
    """Return the chart as PNG bytes, the CJK font drawn as glyphs (for Word)."""
    fig = draw(chart)
    buffer = io.BytesIO()
    with _settings():
        # tight: a legend outside the axes keeps its last character in any CJK font
        fig.savefig(
            buffer,
            format="png",
            dpi=dpi,
            metadata={"Software": None},
            bbox_inches="tight",
            pad_inches=0.08,
        )
    return buffer.getvalue()
