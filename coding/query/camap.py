"""Correspondence analysis of a code × group table (``prince.CA``) and its map as a picture.

Codes and groups are drawn in one plane (the symmetric map: both as
principal coordinates, as prince and most CA software give them); axes are
labelled with the share of inertia they hold. Labels are data: control
characters are removed and mathtext is off.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coding.errors import QueryError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

ROW_COLOUR = "#0072B2"  # Okabe-Ito blue and vermilion, as the report charts
COLUMN_COLOUR = "#D55E00"


@dataclass(frozen=True)
class CAResult:
    """Coordinates of rows and columns on the first two axes, and each axis's share."""

    rows: pd.DataFrame  # index: row labels; columns 0 and 1
    columns: pd.DataFrame  # index: column labels; columns 0 and 1
    inertia: tuple[float, float]  # share of the total inertia on axis 1 and 2 (0–1)
    eigenvalues: tuple[float, float]


def correspondence(table: pd.DataFrame) -> CAResult:
    """Return the correspondence analysis of a table of counts (rows and columns all used).

    Rows or columns whose counts are all zero are left out; at least three rows
    and three columns must remain for a plane of two axes.
    """
    import numpy as np
    import prince

    counts = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0].astype(float)
    if min(counts.shape) < 3:
        raise QueryError(
            "a correspondence map needs at least three codes and three groups with counts"
        )
    ca = prince.CA(n_components=2, random_state=0, engine="scipy").fit(counts)
    shares = np.asarray(ca.eigenvalues_) / float(ca.total_inertia_)
    return CAResult(
        ca.row_coordinates(counts),
        ca.column_coordinates(counts),
        (float(shares[0]), float(shares[1])),
        (float(ca.eigenvalues_[0]), float(ca.eigenvalues_[1])),
    )


def draw_map(result: CAResult, title: str = "") -> Figure:
    """Draw the codes (blue dots) and groups (orange squares) on one matplotlib Figure."""
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from coding.report.charts import chart_font, clean

    font = chart_font()
    font_manager.fontManager.addfont(str(font))
    family = font_manager.FontProperties(fname=str(font)).get_name()
    settings: dict[Any, Any] = {
        "font.family": [family, "sans-serif"],
        "font.size": 8,
        "text.usetex": False,
        "text.parse_math": False,
        "axes.unicode_minus": False,
    }
    with matplotlib.rc_context(settings):
        fig = Figure(figsize=(7.0, 6.0), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        for frame, colour, marker in (
            (result.rows, ROW_COLOUR, "o"),
            (result.columns, COLUMN_COLOUR, "s"),
        ):
            ax.scatter(frame[0], frame[1], c=colour, marker=marker, s=22)
            for label, x, y in zip(frame.index, frame[0], frame[1], strict=True):
                ax.annotate(
                    clean(label), (x, y), xytext=(3, 3), textcoords="offset points", color=colour
                )
        ax.margins(0.15)  # room for the labels of the outermost points
        ax.axhline(0, color="#999999", linewidth=0.6)
        ax.axvline(0, color="#999999", linewidth=0.6)
        ax.set_xlabel(f"维度 1 axis 1 ({result.inertia[0]:.1%})")
        ax.set_ylabel(f"维度 2 axis 2 ({result.inertia[1]:.1%})")
        if title:
            ax.set_title(clean(title), loc="left")
    return fig


def map_image(result: CAResult, fmt: str = "png", title: str = "") -> bytes:
    """Return the map as PNG or SVG bytes."""
    import matplotlib

    if fmt not in ("png", "svg"):
        raise QueryError(f"a map is written as .png or .svg, not .{fmt}")
    fig = draw_map(result, title)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "clusterqda"}):
        fig.savefig(buffer, format=fmt, dpi=150, metadata={"Date": None} if fmt == "svg" else {})
    return buffer.getvalue()
