"""Small server-side SVG charts (no JavaScript, no CDN): a horizontal bar chart and a line
chart, drawn from (label, value) pairs. Labels are escaped; the output is one <svg> element
with a <title> for screen readers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_COLOURS = {"ok": "#2e7d32", "warn": "#ed6c02", "bad": "#c62828", "": "#1565c0"}


def _pairs(data: Iterable[Sequence[object]]) -> list[tuple[str, float, str]]:
    rows = []
    for item in data:
        label, value = str(item[0]), float(item[1])  # type: ignore[arg-type]
        status = str(item[2]) if len(item) > 2 else ""
        rows.append((label, max(value, 0.0), status))
    return rows


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


@register.simple_tag
def bar_chart(data: Iterable[Sequence[object]], title: str = "", width: int = 420) -> SafeString:
    """Horizontal bars, one row per (label, value[, status])."""
    rows = _pairs(data)
    row_h, label_w, pad = 24, 110, 6
    height = max(row_h * len(rows), row_h) + pad * 2
    top = max((v for _l, v, _s in rows), default=0.0) or 1.0
    bar_w = width - label_w - 50
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bar-chart" role="img" '
             'style="max-width:100%;height:auto" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
             f"<title>{escape(title)}</title>"]
    if not rows:
        parts.append(f'<text x="{pad}" y="{pad + 16}" font-size="13">—</text>')
    for i, (label, value, status) in enumerate(rows):
        y = pad + i * row_h
        w = round(bar_w * value / top, 1)
        parts.append(f'<text x="{label_w - 6}" y="{y + 16}" font-size="13" text-anchor="end">{escape(label)}</text>')
        colour = _COLOURS.get(status, _COLOURS[""])
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="{row_h - 8}" fill="{colour}">'
                     f"<title>{escape(label)}: {_num(value)}</title></rect>")
        parts.append(f'<text x="{label_w + w + 4}" y="{y + 16}" font-size="12">{_num(value)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


@register.simple_tag
def line_chart(data: Iterable[Sequence[object]], title: str = "", width: int = 420,
               height: int = 160) -> SafeString:
    """A polyline over (label, value) points, labels along the bottom."""
    rows = _pairs(data)
    pad_x, pad_top, pad_bottom = 30, 12, 24
    top = max((v for _l, v, _s in rows), default=0.0) or 1.0
    inner_w, inner_h = width - pad_x * 2, height - pad_top - pad_bottom
    step = inner_w / max(len(rows) - 1, 1)
    points = [(round(pad_x + i * step, 1), round(pad_top + inner_h * (1 - v / top), 1))
              for i, (_l, v, _s) in enumerate(rows)]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart line-chart" role="img" '
             'style="max-width:100%;height:auto" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
             f"<title>{escape(title)}</title>",
             f'<line x1="{pad_x}" y1="{pad_top + inner_h}" x2="{width - pad_x}" y2="{pad_top + inner_h}" '
             f'stroke="#999"/>']
    if points:
        path = " ".join(f"{x},{y}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{_COLOURS[""]}" stroke-width="2"/>')
    for (x, y), (label, value, _s) in zip(points, rows, strict=True):
        parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{_COLOURS[""]}">'
                     f"<title>{escape(label)}: {_num(value)}</title></circle>")
        parts.append(f'<text x="{x}" y="{height - 6}" font-size="11" text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped
