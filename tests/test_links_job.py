"""Link checks from the scheduler's side: the ``links:`` settings, queued posts of a dead link cancelled, the
daemon's job (one daemon at a time), and ``library check-links`` on the real CLI."""

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from content_library.database import transaction
from content_library.store import add_item, get_item
from scheduler.config import ConfigError
from scheduler.daemon import registry
from scheduler.daemon.links_job import check_and_cancel
from scheduler.daemon.runner import Daemon
from scheduler.dispatch.publishing import Dispatcher
from scheduler.publishers.registry import build_publisher
from scheduler.queue.entries import active_entries, get_entry
from scheduler.queue.fill import fill
from tests.cli import CONFIG, Cli
from tests.http_server import LoopbackServer, Reply
from tests.queue_helpers import T0, config_in, queue
from tests.test_singleton_jobs import holder_of

FAST = "links: {per_host_interval: 0s, timeout: 3s}\n"
HTML = {"Content-Type": "text/html; charset=utf-8"}
PAGE = b'<html><head><meta property="og:title" content="A fine page"></head></html>'


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        running.route("/fine", Reply(body=PAGE, headers=HTML))
        running.route("/gone", Reply(404, b"", HTML))
        yield running


def add(engine: Engine, url: str, title: str = "An item") -> int:
    with transaction(engine) as session:
        return add_item(session, {"title": title, "url": url}, now=T0).id or 0


def test_links_settings_have_defaults_and_errors_name_line_and_key(tmp_path: Path) -> None:
    config = config_in(tmp_path, CONFIG)
    assert config.links.recheck_after == timedelta(days=7) and config.links.pause_after == 3
    assert config_in(tmp_path, CONFIG + "links: {recheck_after: 2d}\n").links.recheck_after == timedelta(days=2)
    with pytest.raises(ConfigError) as caught:
        config_in(tmp_path, CONFIG + "links:\n  timeout: soon\n")
    line = CONFIG.count("\n") + 2
    assert f"config.yaml:{line}: links.timeout: expected a duration" in str(caught.value)
    with pytest.raises(ConfigError, match=r"links\.recheck: unknown key; allowed here: recheck_after"):
        config_in(tmp_path, CONFIG + "links: {recheck: 2d}\n")


def test_a_dead_link_s_queued_posts_are_cancelled_and_it_is_never_planned_again(
    tmp_path: Path, engine: Engine, server: LoopbackServer
) -> None:
    config = config_in(tmp_path, CONFIG + FAST)
    fine, gone = add(engine, server.url("/fine")), add(engine, server.url("/gone"))
    later = T0 + timedelta(days=2)
    entries = {item: queue(engine, item, later).id or 0 for item in (fine, gone)}
    pinned = queue(engine, gone, later + timedelta(hours=3), pinned=True).id or 0
    lines = [result.line() for result in check_and_cancel(engine, config, now=T0)]
    assert f"item {gone}: dead (HTTP 404 Not Found); paused, 2 queued post(s) cancelled" in lines
    with transaction(engine) as session:
        assert get_entry(session, entries[gone]).state == "cancelled"
        assert get_entry(session, pinned).state == "cancelled"
        assert get_entry(session, entries[fine]).state == "planned"
        fill(session, config, now=T0, days=14)
    with transaction(engine) as session:
        assert {e.item_id for e in active_entries(session)} == {fine}


def test_the_daemon_s_link_job_runs_on_one_daemon_at_a_time(
    tmp_path: Path, postgresql_url: str, server: LoopbackServer
) -> None:
    from content_library.database import make_engine, upgrade

    config = config_in(tmp_path, CONFIG.replace("evertide.db", postgresql_url) + FAST)
    engine = make_engine(postgresql_url)
    upgrade(engine)

    def build(channel: str):  # type: ignore[no-untyped-def]
        return build_publisher(channel, config.channels[channel], base_dir=config.base_dir, timeout=1.0)

    dispatcher = Dispatcher(engine, config, build, worker="me:1")
    with transaction(engine) as session:
        registry.register(session, worker="me:1", pid=1, host="me", now=T0)
    daemon = Daemon(engine, config, dispatcher, worker="me:1", clock=lambda: T0)
    try:
        gone = add(engine, server.url("/gone"))
        holder = holder_of("links", postgresql_url, name="other:2", now=T0 - timedelta(hours=1))
        try:
            daemon.check_links()
            assert server.requests == []  # the other daemon is checking
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()  # type: ignore[union-attr]
        deadline = time.monotonic() + 20  # PostgreSQL lets the killed holder's lock go once it sees it gone
        while not server.requests and time.monotonic() < deadline:
            daemon.check_links()
            time.sleep(0.05)
        assert [r.path for r in server.requests] == ["/gone"]
        with transaction(engine) as session:
            assert get_item(session, gone).status == "paused"
    finally:
        daemon._workers.stop()
        dispatcher.close()
        engine.dispose()


def test_check_links_on_the_cli_shows_every_item_s_link(tmp_path: Path, server: LoopbackServer) -> None:
    hostile = b'<html><head><meta property="og:title" content="\x1b]8;;http://evil\x07[bold]Click[/bold] :x:"></head>'
    server.route("/hostile", Reply(body=hostile, headers=HTML))
    cli = Cli(tmp_path, CONFIG + FAST)
    cli("db", "upgrade")
    for path in ("/fine", "/gone", "/hostile"):
        cli("library", "add", "--title", path, "--url", server.url(path))
    cli("library", "add", "--title", "Sample", "--url", "https://help.northwind.example/faq")
    shown = cli("library", "check-links", env={"COLUMNS": "200"}).stdout
    assert "3 link(s) checked now, 4 item(s) with a link" in shown
    assert "HTTP 404 Not Found" in shown and "A fine page" in shown and "never checked" in shown
    assert "\x1b" not in shown and "\\x1b]8;;http://evil\\x07[bold]Click[/bold] :x:" in shown
    found = {row["url"]: row for row in cli.json("library", "check-links")}
    assert found[server.url("/fine")]["state"] == "ok" and not found[server.url("/fine")]["checked_now"]
    assert found[server.url("/fine")]["card"]["title"] == "A fine page"
    assert found[server.url("/gone")]["state"] == "dead"
    assert found["https://help.northwind.example/faq"]["state"] == "skipped"
    assert found[server.url("/hostile")]["card"]["title"].startswith("\x1b]8;;")
    listed = {item["url"]: item for item in cli.json("library", "list")}
    assert listed[server.url("/gone")]["status"] == "paused"
    assert listed[server.url("/gone")]["status_reason"] == "link dead: HTTP 404 Not Found"
    assert json.loads(cli("library", "check-links", "--all", "--json").stdout)[0]["checked_now"]


def test_the_items_queued_soonest_are_checked_first(
    tmp_path: Path, sqlite_engine: Engine, server: LoopbackServer
) -> None:
    config = config_in(tmp_path, CONFIG + FAST)
    items = [add(sqlite_engine, server.url(f"/fine?n={n}")) for n in range(4)]
    queue(sqlite_engine, items[3], T0 + timedelta(hours=2))
    queue(sqlite_engine, items[2], T0 + timedelta(hours=5))
    checked = [result.outcome.item_id for result in check_and_cancel(sqlite_engine, config, now=T0)]
    assert checked == [items[3], items[2], items[0], items[1]]


def test_the_report_lists_the_items_paused_for_their_link(tmp_path: Path, server: LoopbackServer) -> None:
    cli = Cli(tmp_path, CONFIG + FAST)
    cli("db", "upgrade")
    for path in ("/fine", "/gone"):
        cli("library", "add", "--title", f"Page {path}", "--url", server.url(path))
    cli("report", "--out", str(tmp_path / "before.html"))
    assert "No item is paused for its link" in (tmp_path / "before.html").read_text()
    cli("library", "check-links")
    cli("report", "--out", str(tmp_path / "r.html"))
    fix = (tmp_path / "r.html").read_text().split("<h2>Links to fix</h2>")[1].split("</section>")[0]
    assert "1 item(s) paused" in fix and "Page /gone" in fix and "link dead: HTTP 404 Not Found" in fix
    assert "Page /fine" not in fix
