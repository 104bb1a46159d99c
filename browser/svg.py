"""Charts as inline SVG text: what the browser app draws instead of matplotlib images.

A matplotlib figure costs a tenth to half a second to draw and encode (a week of Play
at most), and Altair needs vega from a CDN (shared/VIZ_OFFLINE.md). An SVG string is
built in about a millisecond, works offline, stays sharp at any size and is plain text
that tests can read. Every chart names its axes with their units.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161", "#949494",
           "#56b4e9")   # seaborn's colour-blind palette
FONT = "font-family='sans-serif'"
MARGIN = (52, 12, 26, 40)   # left, right, top, bottom (px): room for ticks and labels
MAX_SCALE = 1.4             # a chart grows with the page up to this factor, fonts with it


@dataclass(frozen=True)
class Line:
    """One series of a line chart; ``step`` draws it as a staircase (a running maximum)."""

    label: str
    xs: Sequence[float]
    ys: Sequence[float]
    colour: str = ""
    dashed: bool = False
    step: bool = False


@dataclass(frozen=True)
class Frame:
    """A chart's plotting area: data ranges mapped to pixels."""

    width: int
    height: int
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    margin: tuple[int, int, int, int] = MARGIN

    def x(self, value: float) -> float:
        low, high = self.x_range
        left, right = self.margin[0], self.width - self.margin[1]
        return left + (value - low) / ((high - low) or 1) * (right - left)

    def y(self, value: float) -> float:
        low, high = self.y_range
        top, bottom = self.margin[2], self.height - self.margin[3]
        return bottom - (value - low) / ((high - low) or 1) * (bottom - top)


@dataclass(frozen=True)
class Mark:
    """A labelled horizontal line (a threshold) or dot (an event) on a line chart."""

    label: str
    y: float
    x: float | None = None   # None: a horizontal line across the chart
    colour: str = "#999999"


def nice_ticks(low: float, high: float, count: int = 5, whole: bool = False) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten, at least 1 if ``whole``) in
    [low, high]."""
    if not math.isfinite(low) or not math.isfinite(high) or high <= low:
        return [low] if math.isfinite(low) else []
    raw = max((high - low) / max(1, count), 1.0 if whole else 0.0)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return [round(first + i * step, 12) for i in range(int((high - first) / step + 1e-9) + 1)]


def tick_text(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.2g}"


def data_range(values: Sequence[float], floor: float | None = None,
               ceiling: float | None = None) -> tuple[float, float]:
    """The range of the finite values (with 5% headroom), within optional fixed bounds."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    low = floor if floor is not None else min(finite, default=0.0)
    high = ceiling if ceiling is not None else max(finite, default=1.0)
    if ceiling is None:
        high += 0.05 * ((high - low) or abs(high) or 1.0)
    if high <= low:
        high = low + 1.0
    return low, high


def svg(frame: Frame, body: Sequence[str], title: str, css_class: str = "chart") -> str:
    """The whole chart: a titled, scalable SVG element."""
    head = (f"<svg class='{css_class}' viewBox='0 0 {frame.width} {frame.height}' "
            f"width='100%' style='max-width: {frame.width * MAX_SCALE:.0f}px' "
            f"preserveAspectRatio='xMidYMid meet' role='img' "
            f"xmlns='http://www.w3.org/2000/svg' {FONT}>"
            f"<title>{escape(title)}</title>"
            f"<text x='{frame.width / 2:.0f}' y='14' text-anchor='middle' font-size='12' "
            f"font-weight='bold'>{escape(title)}</text>")
    return head + "".join(body) + "</svg>"


def axes(frame: Frame, x_label: str, y_label: str, x_ticks: Sequence[float] | None = None,
         y_ticks: Sequence[float] | None = None, x_names: Sequence[str] = ()) -> list[str]:
    """Axis lines, ticks with values, and the two axis labels (with their units)."""
    left, bottom = frame.margin[0], frame.height - frame.margin[3]
    right, top = frame.width - frame.margin[1], frame.margin[2]
    out = [f"<line x1='{left}' y1='{bottom}' x2='{right}' y2='{bottom}' stroke='#333'/>",
           f"<line x1='{left}' y1='{top}' x2='{left}' y2='{bottom}' stroke='#333'/>"]
    for value in nice_ticks(*frame.y_range) if y_ticks is None else y_ticks:
        y = frame.y(value)
        out.append(f"<line x1='{left - 3}' y1='{y:.1f}' x2='{right}' y2='{y:.1f}' "
                   f"stroke='#e6e6e6'/><text x='{left - 5}' y='{y + 3:.1f}' "
                   f"text-anchor='end' font-size='9'>{tick_text(value)}</text>")
    names = list(x_names)
    for i, value in enumerate(nice_ticks(*frame.x_range) if x_ticks is None else x_ticks):
        x = frame.x(value)
        text = escape(names[i]) if names else tick_text(value)
        out.append(f"<line x1='{x:.1f}' y1='{bottom}' x2='{x:.1f}' y2='{bottom + 3}' "
                   f"stroke='#333'/><text x='{x:.1f}' y='{bottom + 13}' text-anchor='middle' "
                   f"font-size='9'>{text}</text>")
    out.append(f"<text x='{(left + right) / 2:.0f}' y='{frame.height - 4}' "
               f"text-anchor='middle' font-size='10'>{escape(x_label)}</text>")
    out.append(f"<text transform='translate(11 {(top + bottom) / 2:.0f}) rotate(-90)' "
               f"text-anchor='middle' font-size='10'>{escape(y_label)}</text>")
    return out


def _path(frame: Frame, line: Line) -> str:
    points = [(x, y) for x, y in zip(line.xs, line.ys, strict=True)
              if y is not None and math.isfinite(y)]
    if not points:
        return ""
    parts, last = [], None
    for x, y in points:
        if line.step and last is not None:
            parts.append(f"L{frame.x(x):.1f},{frame.y(last):.1f}")
        parts.append(f"{'L' if parts else 'M'}{frame.x(x):.1f},{frame.y(y):.1f}")
        last = y
    dash = " stroke-dasharray='5 3'" if line.dashed else ""
    return (f"<path class='series' data-label='{escape(line.label)}' d='{' '.join(parts)}' "
            f"fill='none' stroke='{line.colour}' stroke-width='1.6'{dash}/>")


def legend(frame: Frame, entries: Sequence[tuple[str, str]], dashed: Sequence[bool] = ()
           ) -> list[str]:
    """Colour keys in the chart's top-right corner."""
    out, right = [], frame.width - frame.margin[1] - 4
    for i, (label, colour) in enumerate(entries):
        y = frame.margin[2] + 8 + 12 * i
        dash = " stroke-dasharray='4 2'" if i < len(dashed) and dashed[i] else ""
        out.append(f"<line x1='{right - 16}' y1='{y - 3}' x2='{right}' y2='{y - 3}' "
                   f"stroke='{colour}' stroke-width='2'{dash}/><text x='{right - 19}' "
                   f"y='{y}' text-anchor='end' font-size='9' paint-order='stroke' "
                   f"stroke='white' stroke-width='3'>{escape(label)}</text>")
    return out


def line_chart(lines: Sequence[Line], title: str, x_label: str, y_label: str, *,
               x_range: tuple[float, float] | None = None,
               y_range: tuple[float, float] | None = None, y_floor: float | None = None,
               marks: Sequence[Mark] = (), cursor: float | None = None, width: int = 380,
               height: int = 210) -> str:
    """Lines over a shared x axis of whole numbers (weeks, generations), with optional
    threshold lines, event dots and a cursor; the y axis fits the data (from ``y_floor``)
    unless ``y_range`` is given."""
    lines = [Line(ln.label, ln.xs, ln.ys, ln.colour or PALETTE[i % len(PALETTE)], ln.dashed,
                  ln.step) for i, ln in enumerate(lines)]
    xs = [x for ln in lines for x in ln.xs]
    frame = Frame(width, height, x_range or data_range(xs, min(xs, default=0),
                                                       max(xs, default=1)),
                  y_range or data_range([y for ln in lines for y in ln.ys], y_floor))
    body = axes(frame, x_label, y_label, x_ticks=nice_ticks(*frame.x_range, whole=True))
    for mark in marks:
        if mark.x is None:
            y = frame.y(mark.y)
            body.append(f"<line class='mark' x1='{frame.margin[0]}' y1='{y:.1f}' "
                        f"x2='{frame.width - frame.margin[1]}' y2='{y:.1f}' "
                        f"stroke='{mark.colour}' stroke-dasharray='3 3'/>"
                        f"<text x='{frame.margin[0] + 3}' y='{y - 2:.1f}' font-size='8' "
                        f"fill='{mark.colour}'>{escape(mark.label)}</text>")
        else:
            body.append(f"<circle class='event' cx='{frame.x(mark.x):.1f}' "
                        f"cy='{frame.y(mark.y):.1f}' r='3.5' fill='{mark.colour}'>"
                        f"<title>{escape(mark.label)}</title></circle>")
    body += [_path(frame, ln) for ln in lines]
    if cursor is not None:
        x = frame.x(cursor)
        body.append(f"<line class='cursor' x1='{x:.1f}' y1='{frame.margin[2]}' x2='{x:.1f}' "
                    f"y2='{frame.height - frame.margin[3]}' stroke='#333' "
                    f"stroke-dasharray='2 2'/>")
    if len(lines) > 1:
        body += legend(frame, [(ln.label, ln.colour) for ln in lines],
                       [ln.dashed for ln in lines])
    return svg(frame, body, title)


def interval_chart(rows: Sequence[tuple[str, float, float, float]], title: str,
                   x_label: str, *, targets: Sequence[tuple[float, float, float] | None] = (),
                   width: int = 520, row_height: int = 22) -> str:
    """Horizontal estimates with intervals, one row each: (label, value, low, high).

    ``targets`` (one per row, or None) are drawn under each row as a grey band with a
    diamond: what the estimate is compared with.
    """
    label_width = 8 + 6 * max((len(r[0]) for r in rows), default=0)
    frame = Frame(width + label_width, 40 + row_height * len(rows), (0.0, 1.0), (0.0, 1.0),
                  (label_width, 16, 24, 34))
    body = axes(frame, x_label, "", y_ticks=[])
    for i, (label, value, low, high) in enumerate(rows):
        y = frame.margin[2] + row_height * (i + 0.5)
        target = targets[i] if i < len(targets) else None
        if target is not None:
            t_value, t_low, t_high = target
            body.append(f"<rect class='target' x='{frame.x(t_low):.1f}' y='{y - 7:.1f}' "
                        f"width='{max(1.0, frame.x(t_high) - frame.x(t_low)):.1f}' "
                        f"height='14' fill='#bbbbbb' opacity='0.6'/><path d='M"
                        f"{frame.x(t_value):.1f},{y - 6:.1f} l5,6 l-5,6 l-5,-6 z' "
                        f"fill='#555'/>")
        body.append(f"<text x='{label_width - 6}' y='{y + 3:.1f}' text-anchor='end' "
                    f"font-size='10'>{escape(label)}</text>")
        if math.isfinite(value):
            body.append(f"<line x1='{frame.x(low):.1f}' y1='{y:.1f}' x2='{frame.x(high):.1f}' "
                        f"y2='{y:.1f}' stroke='{PALETTE[0]}' stroke-width='2'/><circle "
                        f"class='estimate' cx='{frame.x(value):.1f}' cy='{y:.1f}' r='3.5' "
                        f"fill='{PALETTE[0]}'><title>{escape(label)}: {value:.3f} "
                        f"[{low:.3f}, {high:.3f}]</title></circle>")
    return svg(frame, body, title)


def heatmap_chart(values: Sequence[Sequence[float]], counts: Sequence[Sequence[int]],
                  x_names: Sequence[str], y_names: Sequence[str], title: str, x_label: str,
                  y_label: str, width: int = 520) -> str:
    """A grid of shares (rows: y levels, bottom to top), each cell labelled with its share
    and its number of runs; empty cells stay white."""
    label_width = 10 + 6 * max((len(n) for n in y_names), default=0)
    height = 70 + 34 * len(y_names)
    frame = Frame(width, height, (0.0, float(len(x_names))), (0.0, float(len(y_names))),
                  (max(60, label_width + 16), 12, 24, 40))
    body = axes(frame, x_label, y_label, x_ticks=[i + 0.5 for i in range(len(x_names))],
                y_ticks=[], x_names=x_names)
    for j, name in enumerate(y_names):
        body.append(f"<text x='{frame.margin[0] - 4}' y='{frame.y(j + 0.5) + 3:.1f}' "
                    f"text-anchor='end' font-size='9'>{escape(name)}</text>")
        for i in range(len(x_names)):
            share, n = values[j][i], counts[j][i]
            x0, x1 = frame.x(i), frame.x(i + 1)
            y0, y1 = frame.y(j + 1), frame.y(j)
            if not n or not math.isfinite(share):
                continue
            shade = int(255 - 200 * share)
            ink = "white" if share > 0.55 else "black"
            body.append(f"<rect class='cell' x='{x0 + 1:.1f}' y='{y0 + 1:.1f}' "
                        f"width='{x1 - x0 - 2:.1f}' height='{y1 - y0 - 2:.1f}' "
                        f"fill='rgb({shade},{shade},255)'/><text x='{(x0 + x1) / 2:.1f}' "
                        f"y='{(y0 + y1) / 2 + 3:.1f}' text-anchor='middle' font-size='10' "
                        f"fill='{ink}'>{share:.0%} (n={n})</text>")
    return svg(frame, body, title)


def histogram_chart(edges: Sequence[tuple[float, float]], heights: Sequence[float],
                    title: str, x_label: str, y_label: str, *,
                    band: tuple[float, float] | None = None, level: float | None = None,
                    width: int = 300, height: int = 190) -> str:
    """Bars over bins (low, high); an optional shaded band and a dotted reference level."""
    frame = Frame(width, height, (edges[0][0], edges[-1][1]),
                  data_range([*heights, level or 0.0], floor=0.0))
    body = axes(frame, x_label, y_label)
    if band is not None:
        body.append(f"<rect class='band' x='{frame.x(band[0]):.1f}' y='{frame.margin[2]}' "
                    f"width='{frame.x(band[1]) - frame.x(band[0]):.1f}' "
                    f"height='{frame.height - frame.margin[2] - frame.margin[3]}' "
                    f"fill='{PALETTE[0]}' opacity='0.12'/>")
    for (low, high), value in zip(edges, heights, strict=True):
        body.append(f"<rect class='bar' x='{frame.x(low):.1f}' y='{frame.y(value):.1f}' "
                    f"width='{max(0.5, frame.x(high) - frame.x(low) - 1):.1f}' "
                    f"height='{frame.y(0) - frame.y(value):.1f}' fill='{PALETTE[0]}' "
                    f"opacity='0.8'/>")
    if level is not None:
        y = frame.y(level)
        body.append(f"<line x1='{frame.margin[0]}' y1='{y:.1f}' x2='{frame.width - 12}' "
                    f"y2='{y:.1f}' stroke='#777' stroke-dasharray='2 2'/>")
    return svg(frame, body, title)


def scatter_chart(xs: Sequence[float], ys: Sequence[float], sizes: Sequence[float],
                  title: str, x_label: str, y_label: str, *, x_range: tuple[float, float],
                  y_range: tuple[float, float], width: int = 360, height: int = 300) -> str:
    """Points with a radius each (e.g. posterior particles sized by weight)."""
    frame = Frame(width, height, x_range, y_range)
    body = axes(frame, x_label, y_label)
    body += [f"<circle class='point' cx='{frame.x(x):.1f}' cy='{frame.y(y):.1f}' "
             f"r='{r:.1f}' fill='{PALETTE[0]}' opacity='0.45'/>"
             for x, y, r in zip(xs, ys, sizes, strict=True)]
    return svg(frame, body, title)
