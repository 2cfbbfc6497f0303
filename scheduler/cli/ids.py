"""Item, entry and variant ids on the command line: one parameter type for every command that takes one.

An id is a whole number from 1 to :data:`~content_library.integers.LARGEST_INTEGER`. Anything else is refused
as a usage error before the database is opened: a larger number was an ``OverflowError`` on SQLite and a
``DataError`` on PostgreSQL, and 0 names nothing.
"""

from typing import Any

import typer

from content_library.integers import LARGEST_INTEGER, whole_number
from scheduler.outside_text import visible

SHOWN = 24  # characters of a refused value the message repeats


def parse_id(value: str) -> int:
    """``value`` as an id, else a :class:`typer.BadParameter` saying what an id is."""
    number = value if isinstance(value, int) else whole_number(str(value).strip())
    if number is None or not 1 <= number <= LARGEST_INTEGER:
        written = str(value)
        shown = visible(written if len(written) <= SHOWN else written[: SHOWN - 1] + "…")
        raise typer.BadParameter(
            f"{shown} is not an id: ids are whole numbers from 1 to {LARGEST_INTEGER}, "
            "as `evertide library list` and `evertide queue list` show them"
        )
    return number


def id_argument(help: str) -> Any:
    """A required id argument: ``entry_id: int = id_argument("The entry's id.")``."""
    return typer.Argument(..., help=help, parser=parse_id)


def id_option(*names: str, help: str) -> Any:
    """An optional id option: ``item: int | None = id_option(help="Only this item.")``."""
    return typer.Option(None, *names, help=help, parser=parse_id)
