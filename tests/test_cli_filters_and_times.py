"""Time options read one set of forms; filters name things that exist. Through the real CLI.

Found: `history --since` refused -2h and yesterday, which `queue move --to` understood, and `plan --from`
wanted ISO with an offset; `feeds poll zzz` and `queue list --channel bogus` succeeded silently.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from content_library.database import make_engine
from tests.cli import Cli
from tests.queue_helpers import add_items, queue


@pytest.mark.parametrize(
    "command",
    [
        ("queue", "list", "--channel", "bogus"),
        ("queue", "list", "--campaign", "bogus"),
        ("queue", "list", "--by-day", "--channel", "bogus"),
        ("queue", "clear", "--channel", "bogus", "--yes"),
        ("queue", "shuffle", "--campaign", "bogus"),
        ("queue", "pause", "--channel", "bogus"),
        ("history", "--channel", "bogus"),
        ("plan", "--channel", "bogus"),
    ],
    ids=" ".join,
)
def test_an_unknown_channel_or_campaign_is_an_error_listing_the_known_ones(cli: Cli, command: tuple[str, ...]) -> None:
    refused = cli(*command, ok=False)
    what = "campaign" if "--campaign" in command else "channel"
    assert refused.exit_code == 1
    assert f'no {what} called "bogus"' in refused.output
    assert ("Known campaigns: help." if what == "campaign" else "Known channels: outbox.") in refused.output


def test_an_unknown_feed_is_an_error_and_a_known_one_by_name_id_or_url_is_polled(cli: Cli) -> None:
    feed = cli.directory / "feed.xml"
    feed.write_text(
        '<rss version="2.0"><channel><title>t</title><item><title>One</title><link>https://x.example/1</link>'
        "<guid>1</guid></item></channel></rss>"
    )
    cli("feeds", "add", str(feed), "--name", "blog")
    refused = cli("feeds", "poll", "blog", "zzz", ok=False)
    assert (
        refused.exit_code == 1 and 'no feed called "zzz"' in refused.output and "Known feeds: blog." in refused.output
    )
    assert "blog: 1 new" in cli("feeds", "poll", "blog").stdout
    assert "blog: 0 new" in cli("feeds", "poll", "1").stdout
    assert "blog: 0 new" in cli("feeds", "poll", str(feed)).stdout


def test_every_time_option_reads_the_same_forms(cli: Cli) -> None:
    engine = make_engine(f"sqlite:///{cli.directory / 'evertide.db'}")
    first, second = add_items(engine, 2)
    entry = queue(engine, second, datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=3))
    engine.dispose()
    cli("queue", "share-now", str(first), "--channel", "outbox", "--direct")
    for since in ("-2h", "yesterday", "today", "now", "-1d"):
        assert len(cli.json("history", "--since", since)) == (0 if since == "now" else 1), since
    assert cli.json("history", "--since", "+1h") == []
    assert cli.json("plan", "--from", "tomorrow 09:00", "--days", "1") is not None
    assert cli.json("plan", "--from", "+1d", "--days", "1") is not None
    cli("queue", "pause", "--channel", "outbox", "--until", "tomorrow 12:30")
    cli("queue", "resume", "--channel", "outbox")
    moved = cli("queue", "move", str(entry.id), "--to", "+4d", "--force")
    assert f"Entry {entry.id} moved" in moved.stdout
    refused = cli("history", "--since", "last week", ok=False)
    assert refused.exit_code == 1 and "tomorrow 12:30" in refused.output and "-2h" in refused.output


def test_every_time_option_documents_the_same_forms(cli: Cli) -> None:
    from scheduler.when_forms import WHEN_FORMS

    for command, option in [
        (("queue", "move"), "--to"),
        (("queue", "insert"), "--at"),
        (("queue", "pause"), "--until"),
        (("history",), "--since"),
        (("plan",), "--from"),
    ]:
        shown = " ".join(cli(*command, "--help", env={"COLUMNS": "400"}).stdout.split())
        assert option in shown and "-2h, +45m, +1d" in shown, command
    assert "-2h, +45m, +1d" in WHEN_FORMS
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "`-2h`" in readme and "`yesterday`" in readme
