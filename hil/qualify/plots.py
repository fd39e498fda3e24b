"""Plots for the HTML report as inline SVG: a heatmap is a PNG of one pixel per case
(hand-encoded, no plotting library) scaled up inside an SVG that draws axes and legend.

Pure functions from arrays to markup, so they are tested without a browser.
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Sequence
from html import escape
from typing import Any

import numpy as np

RGB = tuple[int, int, int]
# A perceptually ordered ramp (viridis stops) for prices 0..max.
RAMP: tuple[RGB, ...] = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))
REFUSED: RGB = (205, 205, 205)
FAULT: RGB = (0, 0, 0)
SAME: RGB = (255, 255, 255)
NEWLY_REFUSED: RGB = (230, 120, 20)
NEWLY_PRICED: RGB = (20, 170, 200)
# The customer's view of a change: green where a sale got cheaper, red where dearer.
CHEAPER: RGB = (30, 150, 60)
DEARER: RGB = (200, 40, 40)

Array = np.ndarray[Any, Any]


def png(rgb: Array) -> bytes:
    """A truecolour PNG of an [rows, cols, 3] uint8 array, top row first."""
    rows, cols, _ = rgb.shape
    raw = b"".join(b"\0" + rgb[r].astype(np.uint8).tobytes() for r in range(rows))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", cols, rows, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def ramp(fraction: Array) -> Array:
    """Colours along RAMP for fractions in 0..1, as an [..., 3] uint8 array."""
    stops = np.array(RAMP, dtype=np.float64)
    position = np.clip(fraction, 0.0, 1.0) * (len(RAMP) - 1)
    low = np.minimum(position.astype(int), len(RAMP) - 2)
    weight = (position - low)[..., None]
    mixed: Array = (stops[low] * (1 - weight) + stops[low + 1] * weight).round()
    return mixed.astype(np.uint8)


def in_bounds(values: Array, faults: Array, max_price: int) -> Array:
    return (values >= 0) & (values <= max_price) & ~faults


def price_colours(values: Array, faults: Array, max_price: int) -> Array:
    """Ramp colour for prices the guard lets through, grey for refusals, black for faults."""
    priced = in_bounds(values, faults, max_price)
    rgb = ramp(np.where(priced, values, 0).astype(np.float64) / max(max_price, 1))
    rgb[~priced] = REFUSED
    rgb[faults] = FAULT
    return rgb


def diff_colours(
    before: Array, before_faults: Array, after: Array, after_faults: Array, max_price: int
) -> Array:
    """White where nothing changed; green/red where the price fell/rose (deeper for larger
    changes); orange where a priced sale is now refused, cyan the reverse. A fault
    prices nothing, on either side."""
    was = in_bounds(before, before_faults, max_price)
    now = in_bounds(after, after_faults, max_price)
    delta = after.astype(np.float64) - before.astype(np.float64)
    depth = np.clip(np.abs(delta) / max(max_price, 1), 0.15, 1.0)[..., None]
    white = np.array(SAME, dtype=np.float64)
    rgb = np.broadcast_to(white, (*delta.shape, 3)).copy()
    for mask, colour in ((delta < 0, CHEAPER), (delta > 0, DEARER)):
        shade = white + (np.array(colour, dtype=np.float64) - white) * depth
        rgb[mask & was & now] = shade[mask & was & now]
    rgb[was & ~now] = NEWLY_REFUSED
    rgb[~was & now] = NEWLY_PRICED
    rgb[~was & ~now] = REFUSED
    return rgb.round().astype(np.uint8)


def legend(items: Sequence[tuple[RGB, str]], x: int, y: int) -> str:
    parts = []
    for i, (colour, label) in enumerate(items):
        top = y + i * 18
        parts.append(
            f'<rect x="{x}" y="{top}" width="12" height="12" fill="rgb{colour}" '
            f'stroke="#666" stroke-width="0.5"/>'
            f'<text x="{x + 18}" y="{top + 10}">{escape(label)}</text>'
        )
    return "".join(parts)


def heatmap_svg(
    rgb: Array,
    *,
    title: str,
    x_label: str,
    y_label: str,
    x_values: Sequence[int],
    y_values: Sequence[int],
    keys: Sequence[tuple[RGB, str]],
    width: int = 480,
    height: int = 320,
) -> str:
    """`rgb` is [x, y, 3] (e.g. hour x count); y grows upwards as on a chart."""
    image = np.ascontiguousarray(np.transpose(rgb, (1, 0, 2))[::-1])
    data = base64.b64encode(png(image)).decode("ascii")
    left, top = 60, 30
    ticks = []
    x_step = max(1, len(x_values) // 12)
    for i in range(0, len(x_values), x_step):
        cx = left + (i + 0.5) * width / len(x_values)
        ticks.append(
            f'<text x="{cx:.1f}" y="{top + height + 16}" text-anchor="middle">{x_values[i]}</text>'
        )
    y_step = max(1, len(y_values) // 8)
    for i in range(0, len(y_values), y_step):
        cy = top + height - (i + 0.5) * height / len(y_values)
        ticks.append(
            f'<text x="{left - 6}" y="{cy + 4:.1f}" text-anchor="end">{y_values[i]}</text>'
        )
    total_w = left + width + 220
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{top + height + 50}" '
        f'font-family="sans-serif" font-size="11" role="img" aria-label="{escape(title)}">'
        f'<text x="{left}" y="18" font-size="13" font-weight="bold">{escape(title)}</text>'
        f'<image x="{left}" y="{top}" width="{width}" height="{height}" '
        f'preserveAspectRatio="none" style="image-rendering:pixelated" '
        f'href="data:image/png;base64,{data}"/>'
        f'<rect x="{left}" y="{top}" width="{width}" height="{height}" fill="none" '
        f'stroke="#333"/>'
        + "".join(ticks)
        + f'<text x="{left + width / 2}" y="{top + height + 36}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
        f'<text transform="translate(14 {top + height / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
        + legend(keys, left + width + 16, top)
        + "</svg>"
    )


def bar_svg(
    series: Sequence[tuple[Sequence[int], RGB, str]],
    labels: Sequence[int],
    *,
    title: str,
    x_label: str,
    y_label: str,
) -> str:
    """A stacked bar per label (e.g. per hour: cheaper, dearer), scaled to the tallest
    stack; each series is (values, colour, name) and is named in the legend."""
    left, top, width, height = 60, 30, 480, 160
    totals = [sum(values[i] for values, _, _ in series) for i in range(len(labels))]
    peak = max(max(totals, default=0), 1)
    slot = width / max(len(labels), 1)
    bars = []
    for i, label in enumerate(labels):
        x, base = left + i * slot, float(top + height)
        for values, colour, name in series:
            h = height * values[i] / peak
            base -= h
            bars.append(
                f'<rect x="{x + 1:.1f}" y="{base:.1f}" width="{slot - 2:.1f}" '
                f'height="{h:.1f}" fill="rgb{colour}"><title>{label}: {values[i]} {escape(name)}'
                "</title></rect>"
            )
        bars.append(
            f'<text x="{x + slot / 2:.1f}" y="{top + height + 14}" '
            f'text-anchor="middle">{label}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 160}" '
        f'height="{top + height + 40}" font-family="sans-serif" font-size="11" role="img" '
        f'aria-label="{escape(title)}">'
        f'<text x="{left}" y="18" font-size="13" font-weight="bold">{escape(title)}</text>'
        f'<line x1="{left}" y1="{top + height}" x2="{left + width}" y2="{top + height}" '
        f'stroke="#333"/>'
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end">{peak}</text>'
        f'<text x="{left - 6}" y="{top + height}" text-anchor="end">0</text>'
        + "".join(bars)
        + legend([(colour, name) for _, colour, name in series], left + width + 12, top)
        + f'<text x="{left + width / 2}" y="{top + height + 32}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
        f'<text transform="translate(14 {top + height / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text></svg>'
    )
