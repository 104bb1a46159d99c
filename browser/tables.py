"""Tables and small widgets the results pages share (HTML text, never solara.Markdown)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import pandas as pd
import solara

from browser.svg import PALETTE
from model.parameters import Parameters


def number(value: object) -> str:
    """A cell as shown: floats to 4 significant digits, missing values as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def cell(value: object) -> str:
    """A value as HTML text: ``number`` escaped (manifests and inputs are user text)."""
    return escape(number(value))


def column_label(name: str) -> str:
    """An axis label for a run-table column: a parameter with its unit, else its name."""
    if name in Parameters.names():
        return f"{name} ({Parameters.spec(name)['unit']})"
    return name


def table_html(frame: pd.DataFrame, css_class: str = "") -> str:
    """A DataFrame as an HTML table (escaped), without its index."""
    head = "".join(f"<th>{cell(c)}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return (f"<table class='{css_class}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
            "</table>")


def share_cell(share: float, low: float, high: float) -> str:
    """A share with its interval, in figures and as a small bar with a whisker."""
    if not math.isfinite(share):
        return "–"
    bar = (f"<svg width='70' height='9' viewBox='0 0 70 9'><rect width='70' height='9' "
           f"fill='#eeeeee'/><rect width='{70 * share:.1f}' height='9' fill='{PALETTE[0]}' "
           f"opacity='0.7'/><line x1='{70 * low:.1f}' y1='4.5' x2='{70 * high:.1f}' y2='4.5' "
           f"stroke='black'/></svg>")
    return f"{share:.1%} [{low:.1%}, {high:.1%}]<br>{bar}"


def show_html(content: str, css_class: str = "") -> None:
    solara.HTML(tag="div", unsafe_innerHTML=content, classes=[css_class] if css_class else [])


def charts_grid(charts: Sequence[str], css_class: str = "", width: int = 380) -> None:
    """Charts (SVG text) side by side, wrapping to the page's width."""
    with solara.Div(classes=[css_class] if css_class else [],
                    style={"display": "grid", "gap": "10px", "width": "100%",
                           "grid-template-columns": f"repeat(auto-fill, minmax({width}px, 1fr))"}):
        for chart in charts:
            solara.HTML(tag="div", unsafe_innerHTML=chart)
