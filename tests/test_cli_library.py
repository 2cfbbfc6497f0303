"""The library commands, run through the real CLI on a real SQLite file."""

import subprocess
import sys
from pathlib import Path

from tests.cli import Cli


def test_commands_refuse_an_unmigrated_database_and_say_how_to_fix_it(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(cli.config), "library", "list"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "evertide db upgrade" in result.stderr
    assert "Traceback" not in result.stderr


def test_add_show_edit_and_list_with_json(cli: Cli) -> None:
    cli(
        "library",
        "add",
        "--title",
        "Reset your password",
        "--url",
        "https://Help.Example.com:443/reset?utm_source=x#top",
        "--kind",
        "faq",
        "--category",
        "account",
        "--tags",
        "login, security",
        "--variant",
        "Locked out? {url}",
    )
    item = cli.json("library", "show", "1")
    assert item["url"] == "https://help.example.com/reset"
    assert item["tags"] == ["login", "security"]
    assert [v["text"] for v in item["variants"]] == ["Locked out? {url}"]

    cli("library", "edit", "1", "--title", "Reset a forgotten password", "--priority", "3")
    listed = cli.json("library", "list", "--category", "account")
    assert [(i["id"], i["title"], i["priority"]) for i in listed] == [(1, "Reset a forgotten password", 3)]
    assert set(listed[0]) == {
        "id",
        "kind",
        "title",
        "url",
        "image",
        "summary",
        "category",
        "tags",
        "source",
        "status",
        "status_reason",
        "priority",
        "max_shares",
        "published_at",
        "expires_at",
        "created_at",
        "updated_at",
    }
    assert cli.json("library", "list", "--text", "FORGOTTEN")[0]["id"] == 1
    assert cli.json("library", "list", "--kind", "tip") == []


def test_the_same_url_is_refused_rather_than_duplicated(cli: Cli) -> None:
    cli("library", "add", "--title", "A", "--url", "https://example.com/a/")
    result = cli("library", "add", "--title", "B", "--url", "https://EXAMPLE.com/a?utm_medium=social", ok=False)
    assert result.exit_code == 1
    assert "item 1 already has this URL" in result.output


def test_status_changes_and_remove(cli: Cli) -> None:
    cli("library", "add", "--title", "Tip one")
    cli("library", "pause", "1")
    assert cli.json("library", "list", "--status", "paused")[0]["id"] == 1
    cli("library", "resume", "1")
    cli("library", "retire", "1")
    assert cli.json("library", "show", "1")["status"] == "retired"
    refused = cli("library", "remove", "1", input="n\n", ok=False)
    assert refused.exit_code == 1 and cli.json("library", "list")
    cli("library", "remove", "1", "--yes")
    assert cli.json("library", "list") == []


def test_variants_and_stats(cli: Cli) -> None:
    cli("library", "add", "--title", "Keyboard shortcuts", "--kind", "tip", "--category", "howto")
    cli("library", "add", "--title", "Billing FAQ", "--kind", "faq")
    cli("library", "variants", "add", "1", "Ten shortcuts that halve triage {url}", "--only", "x")
    cli("library", "variants", "add", "1", "J, K, E, S: {title}")
    variants = cli.json("library", "variants", "list", "1")
    assert [(v["channel_kind"], v["text"]) for v in variants] == [
        ("x", "Ten shortcuts that halve triage {url}"),
        (None, "J, K, E, S: {title}"),
    ]
    cli("library", "variants", "remove", str(variants[0]["id"]))
    stats = cli.json("library", "stats")
    assert stats["items"] == 2 and stats["variants"] == 1 and stats["items_without_variants"] == 1
    assert stats["by_kind"] == {"faq": 1, "tip": 1}


def test_unknown_ids_give_one_sentence_and_a_hint(cli: Cli) -> None:
    result = cli("library", "show", "99", ok=False)
    assert result.exit_code == 1
    assert "there is no library item with id 99" in result.output
    assert "evertide library list" in result.output


def test_expiry_must_be_a_date(cli: Cli) -> None:
    result = cli("library", "add", "--title", "X", "--expires", "someday", ok=False)
    assert result.exit_code == 1 and "expected an ISO date" in result.output


def test_init_writes_a_working_starter_and_never_overwrites(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from scheduler.cli.app import app

    target = tmp_path / "campaign"
    runner = CliRunner()
    first = runner.invoke(app, ["init", str(target)], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert (target / "config.yaml").exists() and (target / "sample-library.rss.xml").exists()
    assert (target / "evertide.db").exists()
    again = runner.invoke(app, ["init", str(target)])
    assert again.exit_code == 1 and "never overwrites" in again.output


def test_removing_an_item_cancels_its_queued_posts_in_the_same_transaction(tmp_path: Path) -> None:
    """Found in review: `library remove ID --yes` left the item's queued entries planned, and the daemon
    published them ("(item removed)"); it also printed SQLAlchemy's warning about the variants' delete."""
    import warnings
    from datetime import UTC, datetime, timedelta

    from content_library.database import make_engine
    from tests.queue_helpers import add_items, queue

    cli = Cli(tmp_path)
    cli("db", "upgrade")
    engine = make_engine(f"sqlite:///{tmp_path / 'evertide.db'}")
    try:
        doomed, kept = add_items(engine, 2)
        cli("library", "variants", "add", str(doomed), "Read {url}")
        at = datetime.now(UTC) + timedelta(days=2)
        queue(engine, doomed, at, pinned=True)
        queue(engine, kept, at + timedelta(hours=3))
    finally:
        engine.dispose()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = cli("library", "remove", str(doomed), "--yes").output
    assert "cancelled its 1 queued post(s)" in out
    assert [e["item_id"] for e in cli.json("queue", "list")] == [kept]


def test_text_search_takes_percent_and_underscore_literally_and_a_bad_status_is_an_error(tmp_path: Path) -> None:
    """Found in review: `-t _` and `-t %` matched every item; `--status bogus` and a negative `--limit` were
    accepted in silence."""
    cli = Cli(tmp_path)
    cli("db", "upgrade")
    cli("library", "add", "--title", "100% uptime", "--url", "https://a.example/1")
    cli("library", "add", "--title", "snake_case names", "--url", "https://a.example/2")
    cli("library", "add", "--title", "Plain", "--url", "https://a.example/3")
    assert [i["title"] for i in cli.json("library", "list", "-t", "%")] == ["100% uptime"]
    assert [i["title"] for i in cli.json("library", "list", "-t", "_")] == ["snake_case names"]
    bad = cli("library", "list", "--status", "bogus", ok=False)
    assert bad.exit_code == 1 and "active, paused" in bad.output
    assert cli("library", "list", "--limit", "-1", ok=False).exit_code != 0


def test_text_search_ignores_case_in_every_script(tmp_path: Path) -> None:
    """Found in review: `-t Ünï` found nothing where `-t nïcødé` found the item (SQLite's lower() is ASCII)."""
    cli = Cli(tmp_path)
    cli("db", "upgrade")
    cli("library", "add", "--title", "Ünïcødé tips", "--url", "https://a.example/u")
    assert [i["title"] for i in cli.json("library", "list", "-t", "ÜNÏ")] == ["Ünïcødé tips"]
    assert [i["title"] for i in cli.json("library", "list", "-t", "nïcødé")] == ["Ünïcødé tips"]


def test_numbers_past_what_the_database_holds_are_refused_not_a_crash(cli: Cli, tmp_path: Path) -> None:
    """Found in review: a huge priority (by hand or in a CSV) or --days crashed with an OverflowError."""
    huge = "99999999999999999999"
    added = cli("library", "add", "--title", "X", "--url", "https://a.example/x", "--priority", huge, ok=False)
    assert added.exit_code == 1 and "priority" in added.output and "unexpected" not in added.output
    table = tmp_path / "items.csv"
    table.write_text(f"title,url,priority,max_shares\nY,https://a.example/y,{huge},2\nZ,https://a.example/z,1,{huge}\n")
    imported = cli("library", "import", str(table), ok=False)
    assert "unexpected" not in imported.output and "priority" in imported.output and "max_shares" in imported.output
    planned = cli("plan", "--days", "99999999999", ok=False)
    assert planned.exit_code == 2 and "unexpected" not in planned.output
    for command in (("queue", "fill"), ("queue", "list")):
        assert cli(*command, "--days", "99999999999", ok=False).exit_code == 2
