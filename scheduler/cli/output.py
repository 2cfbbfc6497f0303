"""Printing for people (rich tables, paged when long) and for scripts (``--json`` with stable keys).

Every cell, title and message reaches rich through :func:`scheduler.outside_text.inert`: whatever a feed, a CSV
or a platform put in it is shown as typed, never read as markup, emoji codes or terminal escapes. Only the
labels evertide adds itself ("error:", "hint:") carry a style. ``--json`` writes the stored text unchanged.
"""

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from content_library.errors import EvertideError
from scheduler.outside_text import inert

if TYPE_CHECKING:
    from rich.progress import Progress


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2) + "\n")


def print_table(
    title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, fill_width: bool = True
) -> None:
    """A rich table, one line per row (long cells end in "…"); paged through ``$PAGER`` when it is taller
    than the terminal. ``--json`` is the way to get every character."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=None if title is None else inert(title), header_style="bold", expand=fill_width)
    for index, column in enumerate(columns):
        if index == len(columns) - 1:  # the last column (text, title…) takes what is left, cut with "…"
            table.add_column(inert(column), overflow="ellipsis", no_wrap=True, ratio=1)
        else:
            table.add_column(inert(column), no_wrap=True)
    count = 0
    for row in rows:
        table.add_row(*(inert("" if cell is None else str(cell)) for cell in row))
        count += 1
    console = Console()
    if console.is_terminal and count + 4 > console.size.height:
        with console.pager(styles=True):
            console.print(table)
    else:
        console.print(table)


def progress_bar() -> "Progress":
    """rich's progress bar, whose task descriptions (a path, a URL) are shown as typed, not read as markup."""
    from rich.progress import Progress, ProgressColumn, Task
    from rich.text import Text

    class Description(ProgressColumn):
        def render(self, task: Task) -> Text:
            return inert(task.description)

    return Progress(Description(), *Progress.get_default_columns()[1:], transient=True)


def say(message: str) -> None:
    from rich.console import Console

    Console(highlight=False, soft_wrap=True).print(inert(message, lines=True))


def warn(message: str) -> None:
    """A warning goes to stderr, so ``--json`` output on stdout stays parseable."""
    _labelled("warning:", "yellow", message)


def print_error(error: EvertideError) -> None:
    _labelled("error:", "bold red", str(error))
    if error.hint:
        _labelled("hint:", "dim", error.hint)


def _labelled(label: str, style: str, message: str) -> None:
    from rich.console import Console
    from rich.text import Text

    line = Text.assemble(Text(label, style=style), " ", inert(message, lines=True))
    Console(stderr=True, highlight=False, soft_wrap=True).print(line)
