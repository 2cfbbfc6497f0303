"""Long listings printed as they are read, so ``library list`` of 25,000 items shows its first screen at once.

A rich table measures every row before printing the first, and rich's pager takes the whole text: 25,000 items
took 11 s before a line appeared, even through ``| head``. Here rows are printed in chunks of a few hundred,
each a table with the same column widths (the caller knows the widest value of each column from one aggregate
query) and no outer edge, the header on the first only, so the chunks read as one table. Output taller than the
terminal goes through ``$PAGER`` (``less`` by default) as it is produced; quitting the pager, or a reader such as
``head`` closing the pipe, stops the listing quietly. Cells are shown as text, never read as rich markup.
"""

import os
import shlex
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from itertools import islice
from typing import IO, Any

CHUNK = 200


def stream_table(
    title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, count: int, widths: Sequence[int]
) -> None:
    """Print ``count`` ``rows`` under ``columns``; ``widths`` are the widest values of every column but the last,
    which takes the rest of the line and wraps, or, on a narrow terminal, goes on the lines below its row
    (:mod:`scheduler.cli.table_layout`). Cells are made inert (:mod:`scheduler.outside_text`)."""
    from rich.console import Console

    terminal = Console()
    paged = terminal.is_terminal and count + 4 > terminal.size.height
    with _output(paged) as out:
        console = Console(file=out, width=terminal.width, force_terminal=terminal.is_terminal, highlight=False)
        try:
            for number, chunk in enumerate(_chunks(rows)):
                with console.capture() as rendered:  # written by us, so a closed pipe is ours to handle
                    heading = title if number == 0 else None
                    console.print(_chunk(heading, columns, widths, chunk, header=number == 0, width=terminal.width))
                out.write(rendered.get())
                out.flush()
        except BrokenPipeError:  # the reader has gone (the pager quit, `| head` had enough): nothing more to show
            _silence(out)


def _chunks(rows: Iterable[Sequence[Any]]) -> Iterator[list[Sequence[Any]]]:
    """``rows`` in lists of :data:`CHUNK`; no rows at all are one empty chunk (the header, saying 0)."""
    iterator = iter(rows)
    chunk = list(islice(iterator, CHUNK))
    while True:
        yield chunk
        chunk = list(islice(iterator, CHUNK))
        if not chunk:
            return


def _chunk(
    title: str | None,
    columns: Sequence[str],
    widths: Sequence[int],
    rows: list[Sequence[Any]],
    *,
    header: bool,
    width: int,
) -> Any:
    from rich.table import Table

    from scheduler.cli.table_layout import TEXT_ROOM, stacked
    from scheduler.outside_text import inert

    cells = [[inert("" if cell is None else str(cell)) for cell in row] for row in rows]
    fields = [max(len(column), field) for column, field in zip(columns[:-1], widths, strict=True)]
    if width - sum(fields) - 3 * len(columns) - 1 < TEXT_ROOM:  # the text goes below its row
        names = [inert(column) for column in columns]
        return stacked(inert(title) if title else None, names, cells, fields, header=header)
    table = Table(title=title, header_style="bold", show_header=header, show_edge=False, expand=True)
    for column, field in zip(columns[:-1], fields, strict=True):
        table.add_column(column, width=field, no_wrap=True)
    table.add_column(columns[-1], ratio=1, overflow="fold")  # wraps at spaces; a long URL folds
    for row in cells:
        table.add_row(*row)
    return table


@contextmanager
def _output(paged: bool) -> Iterator[IO[str]]:
    """Standard output, or the standard input of ``$PAGER`` while the listing is written to it."""
    command = shlex.split(os.environ.get("PAGER") or "less") if paged else []
    env = {"LESS": "-R", **os.environ}  # unless the person set LESS: the bold header passes through less
    try:
        pager = (
            subprocess.Popen(command, stdin=subprocess.PIPE, text=True, encoding="utf-8", env=env) if command else None
        )
    except OSError:  # no such pager: print straight to the terminal
        pager = None
    if pager is None or pager.stdin is None:
        yield sys.stdout
        return
    try:
        yield pager.stdin
    finally:
        with suppress(BrokenPipeError):
            pager.stdin.close()
        pager.wait()


def _silence(out: IO[str]) -> None:
    """After the reader hung up: point the stream at /dev/null, so the flush at exit cannot fail again."""
    if out is sys.stdout:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
