"""How a listing fits the terminal without losing its text.

A listing's last column is its text (a post's words, a title, an error). Where the other columns leave it
room, it is a table whose text column wraps. Where they do not (at 80 columns `queue list` left the text four
characters and `plan` dropped it), each row becomes one line of its fields under the column names, with the
text wrapped on the lines below it, across the whole width. Either way every word is shown; nothing is cut.

The cells arrive as rich ``Text`` already made inert (:mod:`scheduler.outside_text`); this module only places
them.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text

TEXT_ROOM = 40  # a text column narrower than this reads worse than the text on lines of its own
INDENT = 4  # the text under a row of fields starts here, so the eye finds the next row's fields
GAP = "  "


def layout(
    title: "Text | None", columns: Sequence["Text"], rows: Sequence[Sequence["Text"]], *, width: int, expand: bool
) -> "RenderableType":
    """A table if the text column gets at least :data:`TEXT_ROOM` cells (or all it needs), else rows of fields
    with their text below. ``width`` is the terminal's; ``expand`` lets the table fill it."""
    fields = [_widest([columns[i], *(row[i] for row in rows)]) for i in range(len(columns) - 1)]
    text = _widest([columns[-1], *(row[-1] for row in rows)])
    # a rich table spends three cells a column (a border and a space either side) and one for the last border
    room = width - sum(fields) - 3 * len(columns) - 1
    if room >= min(text, TEXT_ROOM):
        return _table(title, columns, rows, expand=expand)
    return stacked(title, columns, rows, fields)


def _table(
    title: "Text | None", columns: Sequence["Text"], rows: Sequence[Sequence["Text"]], *, expand: bool
) -> "RenderableType":
    from rich.table import Table

    table = Table(title=title, header_style="bold", expand=expand)
    for column in columns[:-1]:
        table.add_column(column, no_wrap=True)
    table.add_column(columns[-1], overflow="fold", ratio=1)  # wraps at spaces; a long URL folds
    for row in rows:
        table.add_row(*row)
    return table


def stacked(
    title: "Text | None",
    columns: Sequence["Text"],
    rows: Sequence[Sequence["Text"]],
    widths: Sequence[int],
    *,
    header: bool = True,
) -> "RenderableType":
    """Each row as one line of its fields (padded to ``widths``), its text wrapped on the lines below; under
    the column names unless ``header`` is False (a later chunk of a streamed listing)."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    names = _line(columns[:-1], widths)
    names.stylize("bold")
    parts: list[RenderableType] = []
    if title is not None:
        parts.append(Text.assemble(title, style="italic"))
    if header:
        parts += [names, Text("─" * names.cell_len, style="dim")]
    for row in rows:
        parts.append(_line(row[:-1], widths))
        parts.append(Padding(row[-1], (0, 0, 0, INDENT)))
    return Group(*parts)


def _line(cells: Sequence["Text"], widths: Sequence[int]) -> "Text":
    from rich.text import Text

    line = Text()
    for index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        line.append_text(cell)
        if index < len(cells) - 1:
            line.append(" " * (width - cell.cell_len) + GAP)
    return line


def _widest(cells: Sequence["Text"]) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for cell in cells for line in cell.plain.split("\n")), default=0)
