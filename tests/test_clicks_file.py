"""What ``evertide metrics import`` refuses or skips, found in a hostile review: a row naming a post whose link
never carried its id, numbers past the database's integer range, a FIFO that never ends, and headers that are
not the expected CSV."""

import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from content_library.database import make_engine, transaction
from content_library.integers import LARGEST_INTEGER
from scheduler.metrics.clicks import ClicksRejected, read_clicks
from scheduler.metrics.tables import ClickCount
from scheduler.planning.attribution import ENTRY_MARK
from tests.cli import CONFIG, Cli
from tests.metrics_helpers import published

NOW = datetime.now(UTC).replace(microsecond=0)
TAGGED = f"Guide https://help.example.com/guide?utm_source=outbox&utm_content={ENTRY_MARK}"
REWORDED = "Guide, re-worded by hand https://help.example.com/guide"


@pytest.fixture
def backend(tmp_path: Path, database_url: str) -> Iterator[tuple[Cli, Engine]]:
    """The real CLI on the standard config, its database on each backend, upgraded."""
    cli = Cli(tmp_path, CONFIG.replace("database: evertide.db", f'database: "{database_url}"'))
    cli("db", "upgrade")
    engine = make_engine(database_url)
    yield cli, engine
    engine.dispose()


def _stored(engine: Engine) -> dict[int, int]:
    with transaction(engine) as session:
        return {row.entry_id: row.clicks for row in session.exec(select(ClickCount)).all()}


def _import(cli: Cli, body: str, *, ok: bool = True) -> str:
    path = cli.directory / "clicks.csv"
    path.write_text(body)
    return str(cli("metrics", "import", str(path), ok=ok).output)


def test_a_row_naming_a_post_whose_link_did_not_carry_its_id_is_skipped(backend: tuple[Cli, Engine]) -> None:
    """A small utm_content from another campaign's links collides with an entry id: only a post whose text
    carried ``utm_content=<its id>`` can have been clicked through it."""
    cli, engine = backend
    tagged = published(engine, "outbox", "a", NOW - timedelta(days=2), text=TAGGED)
    reworded = published(engine, "outbox", "b", NOW - timedelta(days=2), text=REWORDED)
    said = _import(cli, f"utm_content,clicks\n{tagged},4\n{reworded},7\n")
    assert (
        "Imported 4 click(s) on 1 post(s); 1 row(s) named no post whose link carried that id and were skipped." in said
    )
    assert _stored(engine) == {tagged: 4}


def test_a_utm_content_beyond_the_id_range_is_not_an_entry_id(backend: tuple[Cli, Engine]) -> None:
    cli, engine = backend
    post = published(engine, "outbox", "a", NOW - timedelta(days=2), text=TAGGED)
    said = _import(cli, f"utm_content,clicks\n99999999999999999999,5\n3000000000,5\n{LARGEST_INTEGER},1\n{post},2\n")
    assert (
        "Imported 2 click(s) on 1 post(s); 3 row(s) named no post whose link carried that id and were skipped." in said
    )
    assert _stored(engine) == {post: 2}


def test_clicks_beyond_the_integer_range_are_a_bad_row_listed_with_its_line(backend: tuple[Cli, Engine]) -> None:
    cli, engine = backend
    post = published(engine, "outbox", "a", NOW - timedelta(days=2), text=TAGGED)
    refused = _import(cli, f"utm_content,clicks\n{post},3000000000\n{post},{LARGEST_INTEGER}\n", ok=False)
    assert f"clicks.csv:2: clicks: expected a whole number from 0 to {LARGEST_INTEGER}, got '3000000000'" in refused
    assert "clicks.csv:3" not in refused and "Traceback" not in refused
    assert _stored(engine) == {}


def test_clicks_of_one_post_adding_up_past_the_integer_range_are_refused(backend: tuple[Cli, Engine]) -> None:
    cli, engine = backend
    post = published(engine, "outbox", "a", NOW - timedelta(days=2), text=TAGGED)
    refused = _import(cli, f"utm_content,clicks\n{post},{LARGEST_INTEGER}\n{post},1\n", ok=False)
    assert f"utm_content {post}: its rows add up to more than {LARGEST_INTEGER} clicks" in refused
    assert _stored(engine) == {}


def test_a_fifo_is_refused_rather_than_waited_on(cli: Cli) -> None:
    fifo = cli.directory / "clicks.fifo"
    os.mkfifo(fifo)
    done = threading.Event()
    result: list[str] = []

    def run() -> None:
        result.append(str(cli("metrics", "import", str(fifo), ok=False).output))
        done.set()

    threading.Thread(target=run, daemon=True).start()
    if not done.wait(10):  # unblock the import so the test ends, then fail
        with open(fifo, "w"):
            pass
        done.wait(10)
        pytest.fail("metrics import waited on a FIFO with no writer")
    assert "is not a regular file" in result[0] and "clicks.fifo" in result[0]


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ClicksRejected, match="is not a regular file"):
        read_clicks(tmp_path)


@pytest.mark.parametrize(
    ("header", "said"),
    [
        ("utm_content;clicks", "it looks semicolon-separated"),
        ("utm_content\tclicks", "it looks tab-separated"),
    ],
)
def test_a_header_without_the_columns_says_what_was_found_and_the_separator(cli: Cli, header: str, said: str) -> None:
    refused = _import(cli, f"{header}\n1;2\n", ok=False)
    assert "clicks.csv:1: the header has no utm_content or clicks column" in refused
    assert f"found {header!r}" in refused.replace("\n", "") or repr(header) in refused
    assert said in refused


def test_a_hostile_header_is_shown_escaped_and_shortened(cli: Cli) -> None:
    refused = _import(cli, "\x1b]0;owned\x07visits," + "x" * 500 + "\n1\n", ok=False)
    assert "\x1b" not in refused and "\\x1b]0;owned" in refused
    assert "x" * 200 not in refused


def test_a_header_naming_utm_content_twice_is_refused(cli: Cli) -> None:
    refused = _import(cli, "utm_content,clicks,utm_content\n1,2,3\n", ok=False)
    assert "clicks.csv:1: the header names utm_content twice" in refused
