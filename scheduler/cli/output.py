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
    from rich.text import Text


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
    """A table whose last column (the text) wraps, or, on a narrow terminal, rows with their text below them
    (:mod:`scheduler.cli.table_layout`); paged through ``$PAGER`` when taller than the terminal. A cell that
    is a tuple is shown as lines (a post and its link)."""
    from rich.console import Console

    from scheduler.cli.table_layout import layout

    cells = [[_cell(value) for value in row] for row in rows]
    console = Console()
    heading = None if title is None else inert(title)
    shown = layout(heading, [inert(c) for c in columns], cells, width=console.width, expand=fill_width)
    if console.is_terminal and len(cells) + 4 > console.size.height:
        with console.pager(styles=True):
            console.print(shown)
    else:
        console.print(shown)


def _cell(value: Any) -> "Text":
    from rich.text import Text

    if isinstance(value, tuple):
        return Text("\n").join(_cell(part) for part in value if part not in (None, ""))
    return inert("" if value is None else str(value))


def progress_bar() -> "Progress":
    """rich's progress bar, whose task descriptions (a path, a URL) are shown as typed, not read as markup."""
    from rich.progress import Progress, ProgressColumn, Task

    class Description(ProgressColumn):
        def render(self, task: Task) -> "Text":
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
