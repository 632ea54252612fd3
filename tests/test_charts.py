"""Report charts: one description, drawn once; SVG keeps text as escaped text, PNG is a PNG,
year labels never touch, tentative bars stand out, and labels from data stay data."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import given, settings
from hypothesis import strategies as st

from coding.report.charts import (
    NO_DATA,
    TENTATIVE_LABEL,
    Bar,
    Chart,
    Point,
    chart_font,
    draw,
    font_covers,
    to_png,
    to_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
LONG = "行业协会与商会·集群层面·区域品牌"
HOSTILE = (
    "<script>alert(1)</script>",
    '" onload="x',
    "a & b &amp; c",
    "$5 到 $10",
    "red\x1b[31m\x00bell\x07",
    "]]><!-- x -->",
)


def _parse(svg: str):
    """Parse an inline SVG as XML (it must be well-formed on its own)."""
    return fromstring(svg)


def _texts(root) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def _bars(labels, tentative=()) -> Chart:
    return Chart(
        "bars",
        "合作行动 actions",
        bars=[Bar(label, i + 1, tentative=label in tentative) for i, label in enumerate(labels)],
        unit="单元",
    )


def test_svg_is_inline_xml_with_chinese_labels_as_text():
    svg = to_svg(_bars(["协会", LONG, "惯例型"]))
    assert svg.startswith("<svg") and "<?xml" not in svg and "<!DOCTYPE" not in svg
    root = _parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("aria-label") == "合作行动 actions"
    assert root.find(f"{SVG}title").text == "合作行动 actions"
    assert root.get("width") == "100%" and root.get("viewBox")  # scales with its container
    assert "height" not in root.attrib
    joined = "".join(_texts(root))
    for label in ("协会", "惯例型"):
        assert label in _texts(root)  # drawn as <text>, not as glyph paths
    assert LONG.replace("·", "") in joined.replace("·", "")  # a long label may wrap
    styles = " ".join(t.get("style", "") for t in root.iter(f"{SVG}text"))
    for family in ("Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei"):
        assert family in styles
    assert "sans-serif" in styles


@pytest.mark.parametrize("label", HOSTILE)
def test_labels_from_data_make_no_markup_and_stay_literal(label):
    chart = _bars([label, "协会"], tentative=[label])
    svg = to_svg(Chart("bars", label, bars=chart.bars, unit=label))
    root = _parse(svg)  # control characters or "]]>" would make this raise
    for element in root.iter():
        assert element.tag.removeprefix(SVG) not in ("script", "foreignObject", "a", "image")
        assert not any(name.lower().startswith("on") for name in element.attrib)
    shown = " ".join(re.sub(r"[\x00-\x1f]", " ", label).split())  # controls become spaces
    assert shown in _texts(root)
    assert root.get("aria-label") == shown
    png = to_png(chart)
    assert png.startswith(b"\x89PNG")


def test_dollar_signs_are_text_not_mathtext():
    fig = draw(_bars(["$5 到 $10", "$x^2$"]))
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["$5 到 $10", "$x^2$"]
    svg = to_svg(_bars(["$5 到 $10", "$x^2$"]))
    texts = _texts(_parse(svg))
    assert "$5 到 $10" in texts and "$x^2$" in texts  # mathtext would leave a path and a comment


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=40))
def test_any_label_gives_well_formed_svg(label):
    root = _parse(to_svg(_bars([label])))
    assert not any(e.tag.removeprefix(SVG) == "script" for e in root.iter())


def test_png_is_a_png_whose_height_grows_with_the_bars():
    from PIL import Image

    small = Image.open(io.BytesIO(to_png(_bars(["甲", "乙"]), dpi=100)))
    large = Image.open(io.BytesIO(to_png(_bars([f"标签{i}" for i in range(12)]), dpi=100)))
    assert small.format == large.format == "PNG"
    assert small.width == large.width and 400 <= small.width <= 1200
    assert large.height > small.height * 2
    hires = Image.open(io.BytesIO(to_png(_bars(["甲", "乙"]), dpi=200)))
    assert hires.width == 2 * small.width


def test_long_labels_and_values_are_inside_the_figure():
    fig = draw(_bars([LONG * 2, "短", LONG]))
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    figure_box = fig.bbox
    ax = fig.axes[0]
    texts = [*ax.get_yticklabels(), *ax.texts]  # the labels and the values at the bars' ends
    assert len(ax.get_yticklabels()) == 3
    for text in texts:
        box = text.get_window_extent(renderer)
        assert box.x0 >= figure_box.x0 and box.x1 <= figure_box.x1, text.get_text()


def test_tentative_bars_look_different_and_have_a_legend():
    fig = draw(_bars(["甲", "乙", "丙"], tentative=["乙"]))
    ax = fig.axes[0]
    patches = [p for p in ax.patches if p.get_width() > 0]
    assert len(patches) == 3
    colours = [p.get_facecolor() for p in patches]
    assert colours[1] != colours[0] and colours[0] == colours[2]
    assert patches[1].get_hatch() and not patches[0].get_hatch()
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == [TENTATIVE_LABEL]
    assert draw(_bars(["甲", "乙"])).axes[0].get_legend() is None


SPANS = {
    "1949-2026 every year": list(range(1949, 2027)),
    "1949 and 2026": [1949, 2026],
    "one year": [2009],
    "two neighbours": [2008, 2009],
    "gaps": [1958, 1978, 1992, 2001, 2008, 2009, 2019],
    "two centuries": [1900, 2100],
}


@pytest.mark.parametrize("years", SPANS.values(), ids=SPANS.keys())
def test_year_labels_never_overlap_and_are_plain_years(years):
    fig = draw(Chart("years", "时间线", points=[Point(y, 1 + y % 4) for y in years]))
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    low, high = ax.get_xlim()
    shown = [
        label
        for tick, label in zip(ax.get_xticks(), ax.get_xticklabels(), strict=True)
        if low <= tick <= high and label.get_text()
    ]
    assert shown, "at least one year is labelled"
    for label in shown:
        assert re.fullmatch(r"\d{4}", label.get_text()), label.get_text()  # no offset, no 1e3
    boxes = sorted((label.get_window_extent(renderer) for label in shown), key=lambda b: b.x0)
    for left, right in zip(boxes, boxes[1:], strict=False):
        assert left.x1 < right.x0, "two year labels touch"
    assert low <= min(years) and max(years) <= high


def test_years_coloured_by_category_and_shaped_by_mode_with_a_legend():
    points = [
        Point(2003, 2, category="CA.MH", shape="惯例型 routine"),
        Point(2003, 1, category="CA.BV", shape="突变型 abrupt"),
        Point(2008, 3, category="CA.MH", shape="突变型 abrupt"),
    ]
    fig = draw(Chart("years", "按类型", points=points))
    marks = [line for line in fig.axes[0].get_lines() if line.get_marker() not in (None, "None")]
    assert len(marks) == 3
    assert marks[0].get_color() == marks[2].get_color() != marks[1].get_color()
    assert marks[1].get_marker() == marks[2].get_marker() != marks[0].get_marker()
    assert marks[0].get_xdata()[0] != marks[1].get_xdata()[0]  # one year's two side by side
    legend_texts = {t.get_text() for legend in fig.legends for t in legend.get_texts()}
    assert legend_texts == {"CA.MH", "CA.BV", "惯例型 routine", "突变型 abrupt"}


def _years(points: list[tuple[int, int, str]]) -> str:
    return to_svg(Chart("years", points=[Point(y, c, tip=tip) for y, c, tip in points]))


def test_hover_text_is_kept_as_svg_titles():
    svg = _years([(2003, 2, "2003年：成立协会 <b>"), (2009, 1, "2009年：博览会")])
    root = _parse(svg)
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "2003年：成立协会 <b>" in titles and "2009年：博览会" in titles
    same_year = _years([(2003, 2, "成立协会\n“引文”"), (2003, 1, "办展会")])
    assert "成立协会\n“引文”\n办展会" in [t.text for t in _parse(same_year).iter(f"{SVG}title")]
    one_bar = to_svg(Chart("bars", bars=[Bar("协会", 3)], unit="单元"))
    bar_titles = [t.text for t in _parse(one_bar).iter(f"{SVG}title")]
    assert "协会: 3 单元" in bar_titles


def test_two_charts_on_one_page_share_no_id():
    ids = []
    for chart in (_bars(["甲", "乙"]), _bars(["丙"], tentative=["丙"])):
        ids.append({e.get("id") for e in _parse(to_svg(chart)).iter() if e.get("id")})
    assert ids[0] and ids[1] and not ids[0] & ids[1]


def test_no_data_is_said():
    for kind in ("bars", "years"):
        assert NO_DATA in _texts(_parse(to_svg(Chart(kind, "空"))))


def test_settings_do_not_leak_and_no_pyplot(tmp_path: Path):
    import matplotlib

    before = dict(matplotlib.rcParams)
    to_svg(_bars(["甲"]))
    to_png(_bars(["甲"]))
    assert dict(matplotlib.rcParams) == before
    script = (
        "import sys\n"
        "import coding.report.charts as c\n"
        "assert 'matplotlib' not in sys.modules, 'imported at module level'\n"
        "c.to_png(c.Chart('bars', bars=[c.Bar('甲', 1)]))\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=Path(__file__).parent.parent)


def test_chart_font_has_the_chinese_of_the_labels():
    assert font_covers(chart_font(), LONG + "待定惯例型突变型年")
