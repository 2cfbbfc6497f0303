"""``library list`` of a big library: printed as it is read, paged in a terminal, pieces for scripts.

Found: 25,600 items took 10.9 s before the first line, even through ``| head`` (every row was loaded and
measured by rich before anything was printed). The listing is now streamed in chunks; these tests check what
that must keep: every row once and in order, columns aligned across chunks, ``--limit``/``--offset`` with
and without ``--json``, and a reader that stops early (a pager quit, ``head``) ending it quietly.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from scheduler.cli.streaming import CHUNK
from tests.cli import Cli

ITEMS = 2 * CHUNK + 17  # three chunks, the last one short
WIDE = {"COLUMNS": "160"}  # a table row a line (at 80 columns each title goes on a line below its row)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    cli = Cli(tmp_path_factory.mktemp("library"))
    cli("db", "upgrade")
    rows = "".join(f"Post number {n},https://example.com/{n},{'cat' * (1 + n % 7)}\n" for n in range(1, ITEMS + 1))
    (cli.directory / "many.csv").write_text("title,url,category\n" + rows)
    cli("library", "import", str(cli.directory / "many.csv"))
    return cli


def evertide(cli: Cli, *args: str, **options: object) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "scheduler", "--config", str(cli.config), *args]
    options.setdefault("env", os.environ | WIDE)
    return subprocess.Popen(command, text=True, encoding="utf-8", cwd=cli.directory, **options)  # type: ignore[call-overload]


def test_every_row_once_in_order_with_the_columns_aligned_across_chunks(library: Cli) -> None:
    lines = library("library", "list", env=WIDE).stdout.splitlines()
    assert f"{ITEMS} item(s)" in lines[0]
    rows = [line for line in lines if "Post number" in line]
    assert [int(row.split("│")[0]) for row in rows] == list(range(1, ITEMS + 1))
    separators = {tuple(i for i, char in enumerate(row) if char == "│") for row in rows}
    assert len(separators) == 1  # the same column boundaries in every chunk
    assert sum("id" in line and "title" in line for line in lines) == 1  # one header


def test_limit_and_offset_page_through_the_table_and_the_json(library: Cli) -> None:
    table = library("library", "list", "--offset", str(CHUNK - 2), "--limit", "5", env=WIDE).stdout
    assert "5 item(s)" in table
    assert [int(line.split("│")[0]) for line in table.splitlines() if "Post number" in line] == list(
        range(CHUNK - 1, CHUNK + 4)
    )
    listed = library.json("library", "list", "--offset", str(ITEMS - 2), "--limit", "5")
    assert [item["id"] for item in listed] == [ITEMS - 1, ITEMS]
    assert library("library", "list", "--offset", str(ITEMS)).stdout.strip().startswith("0 item(s)")


def test_a_reader_that_stops_early_ends_the_listing_quietly(library: Cli) -> None:
    with evertide(library, "library", "list", stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        first = [process.stdout.readline() for _ in range(4)]
        process.stdout.close()  # as `| head -4` does
        assert process.wait(timeout=30) == 0
        assert "Traceback" not in process.stderr.read()
    assert "Post number 1" in first[3]


def test_a_terminal_gets_the_listing_through_its_pager_and_may_quit_it_early(library: Cli, tmp_path: Path) -> None:
    seen = tmp_path / "seen.txt"
    pager = f"{sys.executable} -c \"import sys; open('{seen}', 'w').write(sys.stdin.readline())\""
    environment = os.environ | WIDE | {"TTY_COMPATIBLE": "1", "LINES": "24", "PAGER": pager}  # rich: a 24-line terminal
    process = evertide(library, "library", "list", stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert f"{ITEMS} item(s)" in seen.read_text()
    assert "Post number" not in out  # it went to the pager, not around it


def test_titles_are_text_not_markup(library: Cli) -> None:
    library("library", "add", "--title", "[/nonsense] and [link=https://evil.example]Docs[/link]")
    listed = library("library", "list", "--offset", str(ITEMS), env=WIDE).stdout
    assert "[/nonsense] and [link=https://evil.example]Docs[/link]" in listed
    library("library", "remove", str(ITEMS + 1), "--yes")


def test_the_listing_queries_page_by_id_on_every_backend(engine: Engine) -> None:
    from datetime import UTC, datetime

    from content_library.database import transaction
    from content_library.store import ItemFilter, add_item, item_page, listing

    with transaction(engine) as session:
        for n in range(5):
            add_item(session, {"title": f"Tip {n}", "category": "c" * (n + 1)}, now=datetime(2026, 12, 1, tzinfo=UTC))
    everything, some = ItemFilter(), ItemFilter(text="tip")
    with transaction(engine) as session:
        assert listing(session, everything).count == 5 and listing(session, everything).widths == (1, 7, 5, 6)
        assert listing(session, some, limit=2, offset=1).widths == (1, 7, 3, 6)
        assert [row[0] for row in item_page(session, everything, limit=2)] == [1, 2]
        assert [row[0] for row in item_page(session, everything, after=2, limit=2, offset=1)] == [4, 5]
