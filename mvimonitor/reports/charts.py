"""Bar charts as PNG images, drawn with Pillow (no plotting library, no fonts from the network).

Horizontal bars, one group per category and one bar per series, so long category names (themes, product groups)
stay readable. The colours are the NL Design System neutral theme's chart colours, distinguishable in grey scale
by their lightness; every bar carries its value, so no reading depends on colour alone.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .document import Chart

# Dark to light, each at least 3:1 against white (WCAG 1.4.11 for graphical objects).
COLOURS = ["#154273", "#8f4a00", "#2f7d32", "#6b3fa0", "#a3195b", "#4d4d4d"]
FONT_FILES = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
]
WIDTH = 2000
SCALE = 2  # pixels per layout unit: the image is drawn at twice the size it is shown


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_FILES:
        if path.exists():
            return ImageFont.truetype(str(path), size * SCALE)
    return ImageFont.load_default(size * SCALE)


def _text_width(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> float:
    return draw.textlength(text, font=font)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, room: float) -> str:
    if _text_width(draw, text, font) <= room:
        return text
    while text and _text_width(draw, text + "…", font) > room:
        text = text[:-1]
    return text + "…"


def chart_png(chart: Chart, language: str, missing: str) -> bytes:
    """The chart as PNG bytes; a value that is missing gets no bar and the word ``missing`` instead."""
    font = _font(16)
    small = _font(15)
    bar = 20 * SCALE
    gap = 4 * SCALE
    group_gap = 12 * SCALE
    top = 12 * SCALE
    legend_height = (26 * SCALE) if len(chart.series) > 1 else 0
    groups = len(chart.categories)
    height = top + legend_height + groups * (len(chart.series) * (bar + gap) + group_gap) + 24 * SCALE
    image = Image.new("RGB", (WIDTH, max(height, 80 * SCALE)), "white")
    draw = ImageDraw.Draw(image)

    label_room = WIDTH * 0.32
    value_room = 130 * SCALE
    left = label_room + 8 * SCALE
    plot_width = WIDTH - left - value_room
    values = [value for series in chart.series for value in series.values if value is not None]
    low = min([0.0, *values])
    high = max([0.0, *values])
    span = (high - low) or 1.0

    def x_of(value: float) -> float:
        return left + (value - low) / span * plot_width

    y = top
    if legend_height:
        x = left
        for index, series in enumerate(chart.series):
            colour = COLOURS[index % len(COLOURS)]
            draw.rectangle([x, y, x + 16 * SCALE, y + 16 * SCALE], fill=colour)
            draw.text((x + 20 * SCALE, y), series.name, fill="black", font=small)
            x += 20 * SCALE + _text_width(draw, series.name, small) + 24 * SCALE
        y += legend_height

    zero = x_of(0.0)
    plot_top = y
    for category_index, category in enumerate(chart.categories):
        group_height = len(chart.series) * (bar + gap)
        label = _fit(draw, category, font, label_room - 8 * SCALE)
        draw.text((8 * SCALE, y + group_height / 2 - 10 * SCALE), label, fill="black", font=font)
        for index, series in enumerate(chart.series):
            value = series.values[category_index]
            text = chart.formatted(value, language, missing)
            if value is not None:
                start, end = sorted((zero, x_of(value)))
                draw.rectangle([start, y, max(end, start + 1), y + bar], fill=COLOURS[index % len(COLOURS)])
                text_x = max(end, zero) + 4 * SCALE
            else:
                text_x = zero + 4 * SCALE
            draw.text((text_x, y), text, fill="black", font=small)
            y += bar + gap
        y += group_gap
    draw.line([zero, plot_top - 4 * SCALE, zero, y - group_gap + 4 * SCALE], fill="black", width=SCALE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def chart_description(chart: Chart, language: str, missing: str) -> str:
    """The text alternative of the image: the title and every value (the table under it repeats them)."""
    parts = []
    for category_index, category in enumerate(chart.categories):
        values = ", ".join(
            f"{series.name} {chart.formatted(series.values[category_index], language, missing)}"
            for series in chart.series
        )
        parts.append(f"{category}: {values}")
    return f"{chart.title} ({chart.unit}). " + "; ".join(parts)
