"""`evertide library import` and `evertide plan` through the real CLI."""

import pytest

from tests.cli import Cli
from tests.conftest import DATA


def test_import_a_csv_and_a_feed_and_count_what_changed(cli: Cli) -> None:
    csv = str(DATA / "import" / "library.csv")
    first = cli("library", "import", csv).stdout
    assert f"{csv}: 4 new, 0 updated, 0 unchanged, 0 skipped" in first
    again = cli("library", "import", csv).stdout
    assert "0 new" in again and "4 unchanged" in again
    feed = str(DATA / "feeds" / "wordpress_natashatherobot.rss.xml")
    assert "new" in cli("library", "import", feed, "--category", "swift").stdout
    assert cli.json("library", "stats")["items"] > 4


def test_a_bad_csv_names_every_bad_row_and_imports_nothing(cli: Cli) -> None:
    result = cli("library", "import", str(DATA / "import" / "bad.csv"), ok=False)
    assert result.exit_code == 1
    assert "nothing imported" in result.output and "title" in result.output and "max_shares" in result.output
    assert cli.json("library", "list") == []


def test_plan_json_has_exactly_the_documented_keys(cli: Cli) -> None:
    cli("library", "import", str(DATA / "import" / "library.csv"))
    posts = cli.json("plan", "--from", "2026-12-01T00:00Z", "--days", "2")
    assert len(posts) == 4  # 2 posts a day
    assert all(
        set(post)
        == {"channel", "campaign", "at", "zone", "local", "item_id", "variant_id", "template_key", "text", "cost"}
        for post in posts
    )
    first = posts[0]
    assert first["at"].endswith("Z") and first["channel"] == "outbox" and first["campaign"] == "help"
    assert first["zone"] in ("America/New_York", "Europe/London")
    assert first["local"][-6:] in ("-05:00", "+00:00")
    assert cli.json("plan", "--from", "2026-12-01T00:00Z", "--days", "2") == posts  # deterministic
    assert cli.json("plan", "--from", "2026-12-01T00:00Z", "--days", "2", "--channel", "outbox") == posts


def test_plan_explains_an_item_and_reads_a_start_without_offset_as_a_wall_time(cli: Cli) -> None:
    cli("library", "import", str(DATA / "import" / "library.csv"))
    cli("library", "pause", "2")
    explained = cli("plan", "--from", "2026-12-01T00:00Z", "--explain", "2").stdout
    assert "paused" in explained
    local = cli.json("plan", "--from", "2026-12-01 09:00", "--days", "1")  # display_timezone: London, GMT
    assert local == cli.json("plan", "--from", "2026-12-01T09:00Z", "--days", "1")
    refused = cli("plan", "--from", "whenever", ok=False)
    assert refused.exit_code == 1 and "tomorrow 12:30" in refused.output


def test_the_table_shows_target_and_display_time_and_shares_per_segment(cli: Cli) -> None:
    cli("library", "import", str(DATA / "import" / "library.csv"))
    table = cli("plan", "--from", "2026-12-01T00:00Z", "--days", "4").stdout
    assert "Europe/London" in table and "shares per segment" in table
    assert "outbox: " in table and "in the next 30 days" in table


def test_debug_shows_the_traceback_instead_of_one_sentence(cli: Cli) -> None:
    from typer.testing import CliRunner

    from scheduler.cli.app import app

    result = CliRunner().invoke(app, ["--config", str(cli.config), "--debug", "library", "show", "42"])
    assert result.exit_code == 1 and result.exception is not None
    assert type(result.exception).__name__ == "ItemNotFound"


def test_plan_after_a_fill_says_what_is_already_queued(cli: Cli) -> None:
    cli("library", "import", str(DATA / "import" / "library.csv"))
    cli("queue", "fill", "--days", "3")
    table = cli("plan", "--days", "3").stdout
    assert "already queued in this period stay as they are" in table


WIDE_FEED = (
    '<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel><title>Wide</title>'
    "<item><title>Ünïcode in {encoding}</title><link>https://example.com/wide</link></item></channel></rss>\n"
)


@pytest.mark.parametrize("mark", [True, False], ids=["with a byte order mark", "without"])
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_a_feed_in_utf_16_or_utf_32_imports_as_a_feed(cli: Cli, encoding: str, mark: bool) -> None:
    """Found: these were read as CSV ("the file is not UTF-8 text"), while `feeds poll` imported them."""
    feed = cli.directory / "wide.xml"
    feed.write_bytes((("\ufeff" if mark else "") + WIDE_FEED.format(encoding=encoding)).encode(encoding))
    assert "1 new" in cli("library", "import", str(feed)).stdout
    assert [item["title"] for item in cli.json("library", "list")] == [f"Ünïcode in {encoding}"]
