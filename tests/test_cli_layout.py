"""Every listing shows its whole text at 80 and at 120 columns, within the width.

Found: at 80 columns `plan` dropped its text column and `queue list` showed four characters of it; `history`
was unreadable even at 120 (the text cut to 60 characters, then squeezed).
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from content_library.database import make_engine
from tests.cli import Cli
from tests.queue_helpers import queue

TITLE = "Every listing keeps these words readable at eighty columns without cutting any of them off midway"
SECOND = "A second item whose long title also has to wrap when the terminal is only eighty columns wide"
POST = "A queued post that says rather more than fits in a narrow column, so its table has to wrap it somehow"


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    directory = tmp_path_factory.mktemp("layout")
    cli = Cli(directory)
    cli("db", "upgrade")
    cli("library", "add", "--title", TITLE, "--url", "https://help.example.com/a", "--kind", "howto")
    cli("library", "add", "--title", SECOND, "--url", "https://help.example.com/b", "--category", "billing")
    cli("library", "variants", "add", "1", f"{TITLE} {{url}}")
    cli("queue", "share-now", "1", "--channel", "outbox", "--direct")
    engine = make_engine(f"sqlite:///{directory / 'evertide.db'}")
    queue(engine, 2, datetime.now(UTC).replace(microsecond=0) + timedelta(days=2), text=POST)
    engine.dispose()
    (directory / "broken.xml").write_text("<rss><channel><title>t</title></channel></rss>")
    cli("feeds", "add", str(directory / "broken.xml"), "--name", "broken")
    (directory / "broken.xml").unlink()
    cli("feeds", "poll", ok=False)
    yield cli


LISTINGS: list[tuple[tuple[str, ...], str]] = [
    (("library", "list"), TITLE),
    (("library", "variants", "list", "1"), TITLE),
    (("queue", "list"), POST),
    (("queue", "list", "--by-day"), POST),
    (("plan", "--days", "7"), SECOND),  # the first item went out just now: it cools down
    (("history",), TITLE),
    (("feeds", "list"), "LAST_ERROR"),
]


def words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize(("command", "text"), LISTINGS, ids=[" ".join(c) for c, _ in LISTINGS])
def test_each_listing_shows_its_whole_text_within_the_width(
    cli: Cli, command: tuple[str, ...], text: str, width: int
) -> None:
    if text == "LAST_ERROR":
        text = cli.json("feeds", "list")[0]["last_error"]
    out = cli(*command, env={"COLUMNS": str(width)}).stdout
    lines = out.splitlines()
    # the table and the text under its rows; a message line after it is left for the terminal to wrap
    laid_out = [line for line in lines if line.startswith("    ") or any(box in line for box in "│┃━─")]
    assert laid_out and max(len(line.rstrip()) for line in laid_out) <= width, out
    shown = " ".join(" ".join(line.replace("│", " ").split()) for line in lines)
    assert "…" not in out
    for word in words(text):
        assert word in shown, f"{word!r} is missing:\n{out}"
    flowing = [line for line in lines if words(text)[0] in line]
    assert flowing, out


def test_at_120_columns_the_queue_is_one_table_with_the_text_beside_its_time(cli: Cli) -> None:
    out = cli("queue", "list", env={"COLUMNS": "120"}).stdout
    assert any(line.startswith("│") and "A queued post" in line and "outbox" in line for line in out.splitlines())


def test_history_has_the_queue_list_layout(cli: Cli) -> None:
    queue_head = next(line for line in cli("queue", "list", env={"COLUMNS": "120"}).stdout.splitlines() if "id" in line)
    history_head = next(line for line in cli("history", env={"COLUMNS": "120"}).stdout.splitlines() if "id" in line)
    for column in ("id", "target local time", "Europe/London", "channel", "text"):
        assert column in queue_head and column in history_head


def test_queue_list_by_day_puts_a_week_under_day_headings(cli: Cli) -> None:
    out = cli("queue", "list", "--by-day", env={"COLUMNS": "100"}).stdout
    today = datetime.now(UTC)  # display_timezone is Europe/London: UTC in winter, an hour ahead in summer
    headings = [
        line for line in out.splitlines() if line.strip().endswith(f"{today.year}") or "nothing planned" in line
    ]
    assert len(headings) >= 7, out
    in_two_days = (today + timedelta(days=2)).strftime("%A %d %B")
    assert any(in_two_days in line for line in out.splitlines()) or "A queued post" in out
    entries: Any = cli.json("queue", "list", "--by-day")
    assert [e["text"] for e in entries] == [POST]
