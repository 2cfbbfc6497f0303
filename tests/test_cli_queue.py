"""Every queue command through the real CLI, on a real SQLite file and the real clock (entries days ahead)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from content_library.database import make_engine, transaction
from scheduler.queue.entries import get_entry, save
from scheduler.queue.holds import active_holds
from tests.cli import CONFIG, Cli
from tests.queue_helpers import T0, add_items, queue


def soon(days: float = 2, hours: float = 0) -> datetime:
    """A round instant some days ahead, at 09:00 London time in winter."""
    base = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days, hours=hours)


def test_list_show_move_skip_pin(cli: Cli, db: Engine) -> None:
    first, second = add_items(db, 2)
    a = queue(db, first, soon(2))
    b = queue(db, second, soon(3))
    listed = cli.json("queue", "list")
    assert [e["id"] for e in listed] == [a.id, b.id]
    assert set(listed[0]) == {
        "id",
        "channel",
        "campaign",
        "at",
        "zone",
        "local",
        "item_id",
        "variant_id",
        "template_key",
        "text",
        "state",
        "pinned",
    }
    assert listed[0]["at"].endswith("Z") and listed[0]["local"].endswith("+00:00")

    moved = cli("queue", "move", str(a.id), "--to", soon(2, 10).strftime("%Y-%m-%dT%H:%M"), "--tz", "UTC")
    assert "pinned" in moved.stdout
    assert cli.json("queue", "list")[0]["pinned"] is True

    refused = cli("queue", "move", str(b.id), "--to", soon(2, 11).strftime("%Y-%m-%dT%H:%MZ"), ok=False)
    assert refused.exit_code == 1 and "min_gap" in refused.output and "--force" in refused.output

    cli("queue", "skip", str(b.id))
    assert [e["id"] for e in cli.json("queue", "list")] == [a.id]
    assert cli.json("queue", "list", "--state", "skipped")[0]["id"] == b.id

    cli("queue", "unpin", str(a.id))
    cli("queue", "pin", str(a.id))
    shown = cli("queue", "show", str(a.id)).stdout
    assert "Guide 1" in shown and "person" in shown


def test_list_flags_posts_outside_every_window_and_shows_volume(cli: Cli, db: Engine) -> None:
    [item] = add_items(db, 1)
    queue(db, item, soon(1, 6))  # 15:00 in London: outside 08-10 and 18-21
    table = cli("queue", "list").stdout
    assert "⚠" in table and "outside every active window" in table
    assert "outbox: 0 post(s) in the next 24 h, 1 in the next 30 days" in table or "outbox: 1 post(s)" in table


def test_swap_insert_shuffle_clear(cli: Cli, db: Engine) -> None:
    items = add_items(db, 4)
    a = queue(db, items[0], soon(2))
    b = queue(db, items[1], soon(4))
    cli("queue", "swap", str(a.id), str(b.id))
    assert [e["item_id"] for e in cli.json("queue", "list")] == [items[1], items[0]]

    cli("queue", "insert", str(items[2]), "--channel", "outbox", "--at", soon(6).isoformat())
    cli("queue", "insert", str(items[3]), "--channel", "outbox", "--next")
    assert len(cli.json("queue", "list")) == 4
    both = cli("queue", "insert", str(items[3]), "--channel", "outbox", ok=False)
    assert both.exit_code != 0

    cli("queue", "unpin", str(a.id))
    cli("queue", "unpin", str(b.id))
    cli("queue", "shuffle", "--seed", "3")
    cleared = cli("queue", "clear", "--channel", "outbox", "--yes").stdout
    assert "Cancelled 2 entries" in cleared
    assert len(cli.json("queue", "list")) == 2  # the inserted ones are pinned


def test_pause_and_resume(cli: Cli, db: Engine) -> None:
    [item] = add_items(db, 1)
    queue(db, item, soon(2))
    cli("queue", "pause", "--channel", "outbox", "--until", "+2h")
    resumed = cli("queue", "resume", "--channel", "outbox").stdout
    assert "0 entries passed while paused" in resumed
    assert cli("queue", "resume", "--channel", "outbox", ok=False).exit_code == 1
    assert cli("queue", "pause", "--channel", "outbox", "--campaign", "help", ok=False).exit_code != 0


def test_a_pause_until_a_past_time_is_refused_and_a_pause_says_when_it_ends(cli: Cli, db: Engine) -> None:
    """Found in review: `queue pause --until -2h` was accepted (pausing nothing) and echoed what was typed,
    not the instant it meant; its resume hint left out --channel."""
    past = cli("queue", "pause", "--channel", "outbox", "--until", "-2h", ok=False)
    assert past.exit_code == 1 and "not in the future" in past.output
    paused = cli("queue", "pause", "--channel", "outbox", "--until", "+2h").output
    assert "Paused channel outbox until " in paused and "+2h" not in paused
    cli("queue", "resume", "--channel", "outbox")
    assert "`evertide queue resume --channel outbox`" in cli("queue", "pause", "--channel", "outbox").output


def test_share_now_direct_publishes_and_history_shows_it(cli: Cli, db: Engine) -> None:
    [item] = add_items(db, 1)
    out = cli("queue", "share-now", str(item), "--channel", "outbox", "--direct").stdout
    assert "published" in out
    lines = (cli.directory / "outbox.jsonl").read_text().splitlines()
    assert len(lines) == 1 and "guide-1" in lines[0]
    history = cli.json("history", "--channel", "outbox")
    assert [h["item_id"] for h in history] == [item]
    assert cli.json("history", "--item", "99") == []
    assert cli.json("queue", "list", "--state", "published", "--days", "1")[0]["item_id"] == item


def test_resolve_an_entry_in_doubt(cli: Cli, db: Engine) -> None:
    first, second = add_items(db, 2)
    a = queue(db, first, soon(-0.01))
    b = queue(db, second, soon(-0.02))
    with transaction(db) as session:
        for entry in (a, b):
            save(session, get_entry(session, entry.id or 0), now=datetime.now(UTC), state="in_doubt")
    cli("queue", "resolve", str(a.id), "--published")
    cli("queue", "resolve", str(b.id), "--retry")
    with transaction(db) as session:
        assert [get_entry(session, e.id or 0).state for e in (a, b)] == ["published", "planned"]
    assert cli("queue", "resolve", str(a.id), "--retry", ok=False).exit_code == 1


def test_an_unknown_zone_is_one_clear_error_and_never_stored(cli: Cli, db: Engine) -> None:
    [item] = add_items(db, 1)
    entry = queue(db, item, soon(2))
    moved = cli("queue", "move", str(entry.id), "--to", "09:00", "--tz", "Nope/Nowhere", ok=False)
    assert moved.exit_code == 1 and 'unknown time zone "Nope/Nowhere"' in moved.output
    inserted = cli("queue", "insert", str(item), "--channel", "outbox", "--next", "--tz", "Mars/Olympus", ok=False)
    assert inserted.exit_code == 1 and "Mars/Olympus" in inserted.output
    assert len(cli.json("queue", "list")) == 1


def test_share_now_direct_leaves_the_post_to_a_running_daemon(cli: Cli, db: Engine) -> None:
    from scheduler.config import load_config
    from scheduler.daemon.lock import DaemonLock
    from scheduler.daemon.runner import lock_path

    [item] = add_items(db, 1)
    lock = DaemonLock(lock_path(load_config(cli.config)))  # type: ignore[arg-type]
    lock.acquire(now=datetime.now(UTC))
    try:
        out = cli("queue", "share-now", str(item), "--channel", "outbox", "--direct").stdout
    finally:
        lock.release()
    assert "the running daemon" in out and "will publish it" in out
    assert not (cli.directory / "outbox.jsonl").exists()
    assert [e["item_id"] for e in cli.json("queue", "list")] == [item]


def test_queue_edit_replaces_the_words_pins_the_entry_and_refuses_what_does_not_fit(cli: Cli, db: Engine) -> None:
    [item] = add_items(db, 1)
    entry = queue(db, item, T0 + timedelta(days=400))
    result = cli("queue", "edit", str(entry.id), "--text", "  Our own words https://help.example.com/guide-1  ")
    assert "now reads: Our own words https://help.example.com/guide-1" in result.output
    shown = cli.json("queue", "list", "--state", "all", "--days", "500")
    [row] = [r for r in shown if r["id"] == entry.id]
    assert (row["text"], row["pinned"], row["variant_id"]) == (
        "Our own words https://help.example.com/guide-1",
        True,
        None,
    )
    assert cli("queue", "edit", str(entry.id), ok=False).exit_code != 0  # neither --text nor --editor


def test_queue_edit_with_the_editor_starts_from_the_current_text(cli: Cli, db: Engine, tmp_path: Path) -> None:
    import os
    import sys

    [item] = add_items(db, 1)
    entry = queue(db, item, T0 + timedelta(days=400))
    script = tmp_path / "fake_editor.py"  # a real editor process: appends a line to the file it is given
    script.write_text("import sys\nwith open(sys.argv[1], 'a') as f:\n    f.write('and more\\n')\n")
    os.environ["EDITOR"] = f"{sys.executable} {script}"
    try:
        result = cli("queue", "edit", str(entry.id), "--editor")
    finally:
        del os.environ["EDITOR"]
    assert f"now reads: Guide {item} https://help.example.com/guide-{item}\nand more" in result.output


def test_queue_edit_with_the_editor_needs_nothing_beyond_evertide_s_own_dependencies(cli: Cli, db: Engine) -> None:
    """Found: --editor crashed with "No module named 'click'" on an install made the README's way (click came
    only with the test extra)."""
    from tests.config_helpers import run_without

    [item] = add_items(db, 1)
    entry = queue(db, item, T0 + timedelta(days=400))
    script = "import os\nos.environ['EDITOR'] = 'true'\nfrom scheduler.cli.app import main\nmain()\n"
    sys_argv = ["--config", str(cli.config), "queue", "edit", str(entry.id), "--editor"]
    result = run_without("click", "sys.argv = ['evertide', *sys.argv[1:]]\n" + script, *sys_argv)
    assert result.returncode == 0, result.stderr
    assert f"Entry {entry.id} unchanged" in result.stdout


def test_share_now_direct_publishes_only_its_own_entry_and_fails_loudly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found in review: `share-now --direct` ran a whole `run --once` (every due entry on every channel), a
    variable missing from the person's shell put lasting holds on channels the daemon could publish to, and it
    exited 0 when its own entry was held."""
    from tests.emulators import Reply
    from tests.emulators.webhook_sink import WebhookSink

    with WebhookSink(secret=None) as sink:
        outbox = "  outbox: {kind: file, path: outbox.jsonl, audience: world, daily_cap: 6}\n"
        config = CONFIG.replace(
            outbox,
            outbox
            + f'  hook: {{kind: webhook, url: "{sink.url}"}}\n'
            + '  needs-var: {kind: webhook, url: "${EVT_UNSET_HOOK_URL}"}\n',
        )
        cli = Cli(tmp_path, config)
        cli("db", "upgrade")
        engine = make_engine(f"sqlite:///{tmp_path / 'evertide.db'}")
        try:
            due, mine, other = add_items(engine, 3)
            waiting = queue(engine, due, datetime.now(UTC) - timedelta(minutes=1), channel="hook")
            monkeypatch.delenv("EVT_UNSET_HOOK_URL", raising=False)
            refused = cli("queue", "share-now", str(mine), "--channel", "needs-var", "--direct", ok=False)
            assert refused.exit_code == 1 and "EVT_UNSET_HOOK_URL" in refused.output
            assert "nothing was queued" in refused.output
            with transaction(engine) as session:
                assert active_holds(session, now=datetime.now(UTC)) == []  # the shell's problem holds nothing
            sink.script("POST", "/hooks/evertide", Reply(401, {"error": "bad key"}))
            held = cli("queue", "share-now", str(other), "--channel", "hook", "--direct", "--force", ok=False)
            assert held.exit_code == 1 and "held" in held.output
            with transaction(engine) as session:
                assert get_entry(session, waiting.id or 0).state == "planned"  # never touched
            assert len(sink.requests_to("POST", "/hooks/evertide")) == 1  # only its own entry was sent
            again = cli("queue", "share-now", str(other), "--channel", "hook", "--direct", "--force", ok=False)
            assert (
                again.exit_code == 1 and "is paused" in again.output and "queue resume --channel hook" in again.output
            )
        finally:
            engine.dispose()
