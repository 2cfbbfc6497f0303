"""Printing for people (rich tables, paged when long) and for scripts (``--json`` with stable keys)."""

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from content_library.errors import EvertideError


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

    table = Table(title=title, header_style="bold", show_lines=False, expand=fill_width)
    for index, column in enumerate(columns):
        if index == len(columns) - 1:  # the last column (text, title…) takes what is left, cut with "…"
            table.add_column(column, overflow="ellipsis", no_wrap=True, ratio=1)
        else:
            table.add_column(column, no_wrap=True)
    count = 0
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
        count += 1
    console = Console()
    if console.is_terminal and count + 4 > console.size.height:
        with console.pager(styles=True):
            console.print(table)
    else:
        console.print(table)


def say(message: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    Console(highlight=False, soft_wrap=True).print(escape(message))


def warn(message: str) -> None:
    """A warning goes to stderr, so ``--json`` output on stdout stays parseable."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[yellow]warning:[/] {escape(message)}")


def print_error(error: EvertideError) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(f"[bold red]error:[/] {escape(str(error))}")
    if error.hint:
        console.print(f"[dim]hint:[/] {escape(error.hint)}")
