"""Charts as inline SVG: sharp at any size, readable without JavaScript, no
dependency. Each chart has a title, labelled axes and says how many sheets
it shows. Text is escaped; the SVG is a string to put in HTML as it is."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

__all__ = ["histogram_svg", "scatter_svg"]

_WIDTH, _HEIGHT = 480, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 16, 34, 46


def _frame(title: str, x_label: str, y_label: str, body: list[str]) -> str:
    plot_bottom = _HEIGHT - _BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
        f'width="{_WIDTH}" height="{_HEIGHT}" role="img" aria-label="{escape(title)}" '
        'font-family="system-ui, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<text x="{_WIDTH / 2}" y="18" text-anchor="middle" font-size="13" '
        f'font-weight="bold">{escape(title)}</text>',
        f'<line x1="{_LEFT}" y1="{plot_bottom}" x2="{_WIDTH - _RIGHT}" y2="{plot_bottom}" '
        'stroke="#333"/>',
        f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{plot_bottom}" stroke="#333"/>',
        f'<text x="{(_LEFT + _WIDTH - _RIGHT) / 2}" y="{_HEIGHT - 8}" '
        f'text-anchor="middle">{escape(x_label)}</text>',
        f'<text x="14" y="{(_TOP + plot_bottom) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {(_TOP + plot_bottom) / 2})">{escape(y_label)}</text>',
        *body,
        "</svg>",
    ]
    return "".join(parts)


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / max(1, ticks)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _label(value: float) -> str:
    return f"{value:g}"


def histogram_svg(
    scores: Sequence[float], max_score: float, title: str, *, bins: int | None = None
) -> str:
    """The distribution of ``scores`` on a real axis from 0 to ``max_score``,
    binned (about one bin per mark, at most 20), counts on the y axis."""
    count = len(scores)
    top = max_score if max_score > 0 else max([1.0, *scores])
    if bins is None:
        bins = max(1, min(20, math.ceil(top)))
    width = top / bins
    counts = [0] * bins
    for score in scores:
        index = min(bins - 1, max(0, int(score / width))) if width > 0 else 0
        counts[index] += 1
    highest = max(counts) if counts else 0
    plot_w = _WIDTH - _LEFT - _RIGHT
    plot_h = _HEIGHT - _TOP - _BOTTOM
    body = []
    for index, value in enumerate(counts):
        if not value:
            continue
        height = plot_h * value / highest
        x = _LEFT + plot_w * index / bins
        body.append(
            f'<rect x="{x + 1:.1f}" y="{_TOP + plot_h - height:.1f}" '
            f'width="{max(1.0, plot_w / bins - 2):.1f}" height="{height:.1f}" fill="#4a7bb7">'
            f"<title>{_label(index * width)}-{_label((index + 1) * width)}: {value}</title></rect>"
        )
    step = _nice_step(top)
    tick = 0.0
    while tick <= top + 1e-9:
        x = _LEFT + plot_w * tick / top
        body.append(
            f'<line x1="{x:.1f}" y1="{_TOP + plot_h}" x2="{x:.1f}" y2="{_TOP + plot_h + 4}" '
            'stroke="#333"/>'
            f'<text x="{x:.1f}" y="{_TOP + plot_h + 16}" text-anchor="middle">{_label(tick)}</text>'
        )
        tick += step
    y_step = max(1, math.ceil(_nice_step(max(1, highest))))
    for value in range(0, highest + 1, y_step):
        y = _TOP + plot_h - (plot_h * value / highest if highest else 0)
        body.append(
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value}</text>'
            f'<line x1="{_LEFT - 3}" y1="{y:.1f}" x2="{_LEFT}" y2="{y:.1f}" stroke="#333"/>'
        )
    sheets = f"{count} sheet{'s' if count != 1 else ''}"
    return _frame(f"{title} ({sheets})", f"score (0 to {_label(top)})", "sheets", body)


def scatter_svg(
    points: Sequence[tuple[str, float, float]],
    title: str,
    x_label: str,
    y_label: str,
    *,
    x_range: tuple[float, float] = (0.0, 1.0),
    y_range: tuple[float, float] = (-1.0, 1.0),
    sheets: int | None = None,
) -> str:
    """Labelled points (``(label, x, y)``) on fixed axes, with a zero line on y."""
    plot_w = _WIDTH - _LEFT - _RIGHT
    plot_h = _HEIGHT - _TOP - _BOTTOM
    (x0, x1), (y0, y1) = x_range, y_range

    def at(x: float, y: float) -> tuple[float, float]:
        return (
            _LEFT + plot_w * (x - x0) / (x1 - x0),
            _TOP + plot_h - plot_h * (y - y0) / (y1 - y0),
        )

    body = []
    if y0 < 0 < y1:
        _, zero = at(x0, 0)
        body.append(
            f'<line x1="{_LEFT}" y1="{zero:.1f}" x2="{_WIDTH - _RIGHT}" y2="{zero:.1f}" '
            'stroke="#bbb" stroke-dasharray="4 3"/>'
        )
    for fraction in (0.0, 0.25, 0.5, 0.75, 1.0):
        x, _ = at(x0 + fraction * (x1 - x0), y0)
        body.append(
            f'<text x="{x:.1f}" y="{_TOP + plot_h + 16}" text-anchor="middle">'
            f"{_label(round(x0 + fraction * (x1 - x0), 2))}</text>"
        )
        _, y = at(x0, y0 + fraction * (y1 - y0))
        body.append(
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_label(round(y0 + fraction * (y1 - y0), 2))}</text>"
        )
    for label, x, y in points:
        cx, cy = at(min(max(x, x0), x1), min(max(y, y0), y1))
        body.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="#c0504d">'
            f"<title>{escape(label)}: {x:.2f}, {y:.2f}</title></circle>"
            f'<text x="{cx + 6:.1f}" y="{cy - 5:.1f}" font-size="10">{escape(label)}</text>'
        )
    suffix = f" ({sheets} sheets)" if sheets is not None else ""
    return _frame(title + suffix, x_label, y_label, body)
