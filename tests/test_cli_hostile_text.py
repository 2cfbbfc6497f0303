"""Hostile text from outside, through every listing and message of the real CLI: shown as typed, never obeyed.

Found: a title with ``[/nonsense]`` crashed ``library list`` and ``queue list`` (MarkupError), so one feed entry
locked a person out of their own queue; ``[link=…]`` printed a clickable link; ``&#27;`` in a feed became a
real ESC that set the terminal's title and cleared the screen; ``:x:`` became an emoji. Each command runs
twice: as a pipe (no styles, so any ESC on the output came from the data) and with ``FORCE_COLOR`` (rich
writes its own styles and would write links, so no OSC sequence, screen clear or bell may appear).
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from content_library.database import make_engine, transaction
from scheduler.config import load_config
from scheduler.queue.holds import pause
from scheduler.queue.tables import HoldScope
from tests.cli import Cli
from tests.queue_helpers import queue

MARKUP = "[/nonsense] [link=https://evil.example]Docs[/link] :x:"
HOSTILE = f"{MARKUP} \x1b]0;pwned\x07\x1b[2J \u202eexe.txt zero\u200bwidth"
FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>t</title><link>https://feed.example/</link><description>d</description>
<item>
<title>Feed &#27;]0;pwned&#7;&#27;[2J [/nonsense] [link=https://evil.example]Docs[/link] :x: &#x202e;gpj.exe</title>
<link>https://feed.example/a</link><guid>a</guid><description>Summary &#27;[2J [bold]s[/bold]</description></item>
</channel></rss>
"""
PIPE = {"COLUMNS": "300"}
STYLED = {"COLUMNS": "300", "LINES": "500", "FORCE_COLOR": "1"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A library with a hostile item (title, summary, variant) and a feed item with entity-encoded escapes; a
    hostile feed name; a queue entry, a published post and a channel hold carrying the hostile text."""
    directory = tmp_path_factory.mktemp("hostile")
    cli = Cli(directory)
    cli("db", "upgrade")
    engine = make_engine(f"sqlite:///{directory / 'evertide.db'}")
    cli("library", "add", "--title", HOSTILE, "--url", "https://help.example.com/a", "--summary", HOSTILE)
    cli("library", "variants", "add", "1", f"{HOSTILE} {{url}}")
    (directory / "feed.xml").write_text(FEED)
    cli("feeds", "add", str(directory / "feed.xml"), "--name", HOSTILE)
    messages = {
        "feeds poll": cli("feeds", "poll", env=PIPE),
        "share-now": cli("queue", "share-now", "1", "--channel", "outbox", "--direct", env=PIPE),
    }
    entry = queue(engine, 1, datetime.now(UTC).replace(microsecond=0) + timedelta(days=2), text=HOSTILE)
    messages["queue edit"] = cli("queue", "edit", str(entry.id), "--text", f"{MARKUP} edited", env=PIPE)
    with transaction(engine) as session:
        now = datetime.now(UTC)
        pause(session, load_config(cli.config), HoldScope.CHANNEL, "outbox", now=now, reason=HOSTILE)
    yield {"cli": cli, "engine": engine, "entry": entry.id, "messages": messages}
    engine.dispose()


LISTINGS = [
    ("library", "list"),
    ("library", "show", "1"),
    ("library", "variants", "list", "1"),
    ("feeds", "list"),
    ("queue", "list"),
    ("queue", "list", "--by-day"),
    ("queue", "list", "--state", "all"),
    ("queue", "show", "ENTRY"),
    ("plan", "--days", "7"),
    ("history",),
    ("status",),
    ("stats",),
]


def assert_inert(output: str, *, styled: bool) -> None:
    if styled:  # rich's own colours are escape sequences; nothing else may be
        assert "\x1b]" not in output, "an OSC sequence (title, hyperlink) reached the terminal"
        assert "\x1b[2J" not in output and "\x07" not in output
    else:
        assert "\x1b" not in output and "\x07" not in output
    assert "\u202e" not in output and "\u200b" not in output
    assert "❌" not in output  # :x: stays text


@pytest.mark.parametrize("styled", [False, True], ids=["pipe", "styled"])
@pytest.mark.parametrize("command", LISTINGS, ids=" ".join)
def test_every_listing_shows_hostile_text_as_typed(
    seeded: dict[str, Any], command: tuple[str, ...], styled: bool
) -> None:
    args = [str(seeded["entry"]) if arg == "ENTRY" else arg for arg in command]
    result = seeded["cli"](*args, env=STYLED if styled else PIPE)
    assert_inert(result.output, styled=styled)
    # status shows the hold's reason; the others show items, variants, the feed's name or the entry's words
    assert ("\\x1b]0;pwned\\x07" if command[0] == "status" else MARKUP) in result.output


def test_messages_show_hostile_text_as_typed(seeded: dict[str, Any]) -> None:
    for name, result in seeded["messages"].items():
        assert_inert(result.output, styled=False)
        if name != "share-now":  # which says only the entry's id and outcome
            assert MARKUP in result.output or "\\x1b" in result.output, name


def test_an_error_naming_hostile_text_shows_it_as_typed(seeded: dict[str, Any]) -> None:
    refused = seeded["cli"]("feeds", "remove", "[/nonsense]\x1b]0;pwned\x07", ok=False, env=PIPE)
    assert refused.exit_code == 1
    assert_inert(refused.output, styled=False)
    assert "[/nonsense]\\x1b]0;pwned\\x07" in refused.output


def test_a_hostile_path_in_an_import_message_is_shown_as_typed(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli("db", "upgrade")
    path = tmp_path / "[red]guide :x:\x1b[2J.csv"
    path.write_text("title,url\nA guide,https://help.example.com/guide\n")
    result = cli("library", "import", str(path), env=STYLED)
    assert_inert(result.output, styled=True)
    assert "[red]guide :x:\\x1b[2J.csv" in result.output


def test_json_keeps_the_exact_stored_text(seeded: dict[str, Any]) -> None:
    cli = seeded["cli"]
    [item, from_feed] = cli.json("library", "list")
    assert item["title"] == HOSTILE and item["summary"] == HOSTILE
    assert "\x1b]0;pwned\x07\x1b[2J" in from_feed["title"] and "\u202e" in from_feed["title"]
    assert cli.json("library", "variants", "list", "1")[0]["text"] == f"{HOSTILE} {{url}}"
    assert cli.json("feeds", "list")[0]["name"] == HOSTILE
    assert cli.json("queue", "list")[0]["text"] == f"{MARKUP} edited"
    [post] = cli.json("history")
    assert post["text"].startswith(HOSTILE)
    [posted] = [json.loads(line) for line in (cli.directory / "outbox.jsonl").read_text().splitlines()]
    assert posted["text"] == post["text"]


def test_the_confirmation_before_removing_an_item_shows_its_title_as_typed(seeded: dict[str, Any]) -> None:
    kept = seeded["cli"]("library", "remove", "1", input="n\n", ok=False, env=PIPE)
    assert kept.exit_code == 1 and "Delete item 1 (" in kept.output
    assert_inert(kept.output, styled=False)


def test_status_shows_a_hostile_hold_reason_as_typed(seeded: dict[str, Any]) -> None:
    out = seeded["cli"]("status", env=PIPE).output
    assert f"{MARKUP} \\x1b]0;pwned\\x07\\x1b[2J \\u202eexe.txt zero\\u200bwidth" in out


def test_a_platform_reply_cannot_fake_a_line_in_queue_show(seeded: dict[str, Any]) -> None:
    """Found in review: a receiver's 422 body with a newline printed a forged "published" line under
    `queue show`'s last_error."""
    from sqlalchemy import update

    from scheduler.queue.tables import QueueEntry

    forged = "422 nope\n2026-12-01T08:00:00Z info published channel=outbox entry=999"
    with transaction(seeded["engine"]) as session:
        session.execute(update(QueueEntry).where(QueueEntry.id == seeded["entry"]).values(last_error=forged))
    out = seeded["cli"]("queue", "show", str(seeded["entry"]), env=PIPE).output
    assert "last_error: 422 nope\\n2026-12-01T08:00:00Z info published" in out
    assert not any(line.startswith("2026-12-01T08:00:00Z") for line in out.splitlines())
