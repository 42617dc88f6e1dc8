"""Beranda's charts as SVG drawn on the server by pygal: no script, no CDN (pygal's tooltip
script is not linked, and the configuration script it always embeds is removed: the chart is
shown as an image, where no script runs anyway), styles inside the SVG, which the chart's
response allows for itself."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date

import pygal
from lxml import etree
from pygal.style import Style

# pygal appends to sys.meta_path a finder for its map plugins written the pre-3.4 way (no
# find_spec), so every import that no other finder satisfies warns (ImportWarning), anywhere
# in the process: an error where warnings are errors (the test suite). No map is drawn here.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__module__ != "pygal"]

#: The app's palette (Bootstrap's success green, secondary grey).
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    colors=("#198754", "#6c757d", "#0dcaf0"),
    font_family="system-ui, sans-serif",
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
    title_font_size=14,
)
#: What the chart's response allows: its own inline styles, nothing else.
CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _chart(chart_class, title: str, months: Sequence[date]):  # type: ignore[no-untyped-def]
    chart = chart_class(
        style=STYLE,
        width=720,
        height=300,
        js=[],  # no script: the page's policy allows none, and none is needed
        disable_xml_declaration=True,
        show_y_guides=True,
        legend_at_bottom=True,
        x_label_rotation=0,
        truncate_legend=-1,
        title=title,
    )
    chart.x_labels = [f"{m:%m-%y}" for m in months]
    return chart


def ticks(top: int, count: int = 5) -> list[int]:
    """Whole, round steps from 0 to at least ``top`` (about ``count`` of them): counts of
    people have no fractions, and an axis from 0 does not make a small change look big."""
    raw = max(top, 1) / count
    magnitude = 10 ** (len(str(int(raw))) - 1)
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    last = -(-max(top, 1) // step) * step
    return list(range(0, last + 1, step))


def movers_chart(rows: Sequence[tuple[date, int, int]], came: str, left: str, title: str) -> bytes:
    chart = _chart(pygal.Bar, title, [m for m, _c, _l in rows])
    chart.y_labels = ticks(max((max(c, lft) for _m, c, lft in rows), default=0))
    chart.add(came, [c for _m, c, _l in rows])
    chart.add(left, [lft for _m, _c, lft in rows])
    return _without_scripts(chart.render())


def contribution_chart(rows: Sequence[tuple[date, int | None]], series: str, title: str) -> bytes:
    """A line of the monthly totals; a month not computed yet (None) is a gap."""
    chart = _chart(pygal.Line, title, [m for m, _t in rows])
    chart.y_labels = ticks(max((total for _m, total in rows if total is not None), default=0))
    chart.value_formatter = lambda value: "Rp " + f"{value:,.0f}".replace(",", ".")
    chart.add(series, [total for _m, total in rows])
    return _without_scripts(chart.render())


def _without_scripts(svg: bytes) -> bytes:
    root = etree.fromstring(svg, etree.XMLParser(resolve_entities=False, no_network=True))
    for script in list(root.iter("{http://www.w3.org/2000/svg}script")):
        script.getparent().remove(script)
    return etree.tostring(root)
