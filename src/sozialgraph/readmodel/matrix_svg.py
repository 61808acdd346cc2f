"""The matrix as a picture: SVG (inline in the page and as a download) and PNG (Pillow).

Both are drawn from one :class:`Geometry` of a :class:`MatrixView`: rows are measures, column
groups are strategies (a letter keyed in the legend) and the ECCAR commitments. A mark is a
square; a measure that serves several strategies gets ◆ before its name, the number of its
strategies after it and a thick frame around its row, so it stands out without colour.
"""

from __future__ import annotations

import io
import string
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from sozialgraph.readmodel.matrix import MatrixRow, MatrixView
from sozialgraph.readmodel.page_text import TEXT

CELL = 20
PAD = 10
LABEL_WIDTH = 330
BAND = 22
HEAD = 170
LEGEND_LINE = 18
MAX_LABEL = 46
MAX_HEAD = 26
INK = "#1a1a1a"
MARK = "#1f3a5f"
GRID = "#c8c8c8"
FONT_SIZE = 12
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def group_key(index: int) -> str:
    """A, B, …, Z, AA, AB, …: the letter of the ``index``-th strategy group."""
    letters = string.ascii_uppercase
    key = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        key = letters[rest] + key
    return key


@dataclass
class Geometry:
    view: MatrixView

    @property
    def grid_top(self) -> int:
        return PAD + BAND + HEAD

    @property
    def grid_left(self) -> int:
        return PAD + LABEL_WIDTH

    @property
    def grid_bottom(self) -> int:
        return self.grid_top + CELL * len(self.view.rows)

    def legend(self) -> list[str]:
        words = TEXT[self.view.lang]
        lines = [words["matrix_cross_note"]]
        for index, group in enumerate(self.view.groups):
            if group.kind == "strategy":
                umbrella = f" ({words['matrix_umbrella']})" if group.umbrella else ""
                lines.append(f"{group_key(index)}: {group.label}{umbrella}")
        eccar = self.view.groups[-1]
        lines.append(f"{eccar.label}:")
        lines.extend(f"  {c.label}: {c.title}" for c in eccar.columns)
        return lines

    @property
    def width(self) -> int:
        longest = max((len(line) for line in self.legend()), default=0)
        return max(self.grid_left + CELL * len(self.view.columns), longest * 7) + PAD

    @property
    def height(self) -> int:
        return self.grid_bottom + PAD * 2 + LEGEND_LINE * len(self.legend())

    def column_x(self, index: int) -> int:
        return self.grid_left + CELL * index

    def row_y(self, index: int) -> int:
        return self.grid_top + CELL * index

    def group_spans(self) -> list[tuple[str, int, int]]:
        """(key shown in the band, first column, number of columns) per group."""
        spans, start = [], 0
        for index, group in enumerate(self.view.groups):
            key = group_key(index) if group.kind == "strategy" else "ECCAR"
            spans.append((key, start, len(group.columns)))
            start += len(group.columns)
        return spans

    def row_label(self, row: MatrixRow) -> str:
        if not row.cross_strategy:
            return _short(row.label, MAX_LABEL)
        note = TEXT[self.view.lang]["matrix_serves_n"].format(n=row.strategy_count)
        return f"◆ {_short(row.label, MAX_LABEL - len(note) - 5)} ({note})"


def render_svg(view: MatrixView) -> str:
    """The matrix as a standalone SVG document (also valid inline in HTML)."""
    g = Geometry(view)
    words = TEXT[view.lang]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="matrix-picture" width="{g.width}" '
        f'height="{g.height}" viewBox="0 0 {g.width} {g.height}" role="img" '
        f'aria-labelledby="matrix-svg-title" font-family="{FONT}" font-size="{FONT_SIZE}">',
        f'<title id="matrix-svg-title">{escape(words["matrix_title"])}</title>',
        f'<rect x="0" y="0" width="{g.width}" height="{g.height}" fill="#ffffff"/>',
    ]
    columns = view.columns
    for key, start, count in g.group_spans():
        x = g.column_x(start)
        out.append(
            f'<rect class="group" x="{x}" y="{PAD}" width="{CELL * count}" height="{BAND - 4}" '
            f'fill="#eef1f5" stroke="{INK}"/>'
            f'<text x="{x + 4}" y="{PAD + BAND - 9}" fill="{INK}" '
            f'font-weight="bold">{escape(key)}</text>'
        )
        out.append(f'<line x1="{x}" y1="{PAD}" x2="{x}" y2="{g.grid_bottom}" stroke="{INK}"/>')
    for index, column in enumerate(columns):
        x = g.column_x(index) + CELL // 2 + 4
        y = g.grid_top - 6
        out.append(
            f'<text class="column" x="{x}" y="{y}" fill="{INK}" '
            f'transform="rotate(-90 {x} {y})">{escape(_short(column.label, MAX_HEAD))}'
            f"<title>{escape(view.heading(index))}</title></text>"
        )
    for index, row in enumerate(view.rows):
        out.append(_svg_row(g, index, row))
    right = g.column_x(len(columns))
    out.append(f'<line x1="{right}" y1="{PAD}" x2="{right}" y2="{g.grid_bottom}" stroke="{INK}"/>')
    y = g.grid_bottom + PAD * 2
    for line in g.legend():
        y += LEGEND_LINE
        out.append(f'<text class="legend" x="{PAD}" y="{y - 5}" fill="{INK}">{escape(line)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _svg_row(g: Geometry, index: int, row: MatrixRow) -> str:
    y = g.row_y(index)
    width = g.column_x(len(g.view.columns)) - PAD
    parts = [
        f'<g class="row{" cross" if row.cross_strategy else ""}" '
        f"data-measure={quoteattr(row.iri)}>",
        f'<line x1="{PAD}" y1="{y + CELL}" x2="{PAD + width}" y2="{y + CELL}" stroke="{GRID}"/>',
    ]
    if row.cross_strategy:
        parts.append(
            f'<rect class="cross-frame" x="{PAD - 2}" y="{y + 1}" width="{width + 4}" '
            f'height="{CELL - 2}" fill="none" stroke="{INK}" stroke-width="3"/>'
        )
    weight = ' font-weight="bold"' if row.cross_strategy else ""
    parts.append(
        f'<text class="measure" x="{PAD + 4}" y="{y + CELL - 6}" fill="{INK}"{weight}>'
        f"{escape(g.row_label(row))}<title>{escape(row.label)}</title></text>"
    )
    columns = g.view.columns
    for key, marked in row.pairs:
        kind = "commitment" if columns[marked[0]].kind == "commitment" else "strategy"
        titles = "; ".join(g.view.heading(i) for i in marked)
        parts.append(
            f'<g class="mark {kind}" data-measure={quoteattr(row.iri)} '
            f"data-{kind}={quoteattr(key)}><title>{escape(row.label)}: {escape(titles)}</title>"
        )
        parts.extend(
            f'<rect x="{g.column_x(i) + 4}" y="{y + 4}" width="{CELL - 8}" '
            f'height="{CELL - 8}" fill="{MARK}"/>'
            for i in marked
        )
        parts.append("</g>")
    parts.append("</g>")
    return "".join(parts)


def render_png(view: MatrixView) -> bytes:
    """The same picture as a PNG, drawn with Pillow (no browser on the server)."""
    from PIL import Image, ImageDraw

    g = Geometry(view)
    font = _font()
    image = Image.new("RGB", (g.width, g.height), "white")
    draw = ImageDraw.Draw(image)
    columns = view.columns
    for key, start, count in g.group_spans():
        x = g.column_x(start)
        draw.rectangle((x, PAD, x + CELL * count, PAD + BAND - 4), fill="#eef1f5", outline=INK)
        draw.text((x + 4, PAD + 3), key, fill=INK, font=font)
        draw.line((x, PAD, x, g.grid_bottom), fill=INK)
    right = g.column_x(len(columns))
    draw.line((right, PAD, right, g.grid_bottom), fill=INK)
    for index, column in enumerate(columns):
        label = Image.new("RGB", (HEAD - 8, CELL - 4), "white")
        ImageDraw.Draw(label).text((0, 1), _short(column.label, MAX_HEAD), fill=INK, font=font)
        rotated = label.rotate(90, expand=True)
        image.paste(rotated, (g.column_x(index) + 2, g.grid_top - HEAD + 2))
    width = right - PAD
    for index, row in enumerate(view.rows):
        y = g.row_y(index)
        draw.line((PAD, y + CELL, PAD + width, y + CELL), fill=GRID)
        if row.cross_strategy:
            draw.rectangle((PAD - 2, y + 1, PAD + width + 2, y + CELL - 1), outline=INK, width=3)
        draw.text((PAD + 4, y + 3), g.row_label(row), fill=INK, font=font)
        for _key, marked in row.pairs:
            for i in marked:
                x = g.column_x(i)
                draw.rectangle((x + 4, y + 4, x + CELL - 5, y + CELL - 5), fill=MARK)
    y = g.grid_bottom + PAD * 2
    for line in g.legend():
        draw.text((PAD, y + 2), line, fill=INK, font=font)
        y += LEGEND_LINE
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _font():  # noqa: ANN202 - a Pillow font of either kind
    from PIL import ImageFont

    try:
        return ImageFont.truetype("DejaVuSans.ttf", FONT_SIZE)
    except OSError:
        return ImageFont.load_default(size=FONT_SIZE)
