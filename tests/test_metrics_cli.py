"""`evertide metrics pull` and `evertide metrics import` through the real CLI."""

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from content_library.database import transaction
from scheduler.metrics.latest import latest_engagement
from scheduler.metrics.tables import ClickCount
from scheduler.planning.attribution import ENTRY_MARK
from scheduler.queue.tables import Publication
from tests.cli import Cli
from tests.emulators import Reply
from tests.metrics_helpers import on_mastodon, on_x, platforms, published

NOW = datetime.now(UTC)
TAGGED = f"Guide https://help.example.com/guide?utm_source=outbox&utm_content={ENTRY_MARK}"


def test_metrics_pull_says_per_channel_what_it_read_and_what_x_would_cost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with platforms(tmp_path, monkeypatch, x_metrics=False) as p:
        on_mastodon(p, NOW - timedelta(hours=2), favourites_count=3)
        _, hostile = on_mastodon(p, NOW - timedelta(hours=2))
        on_x(p, NOW - timedelta(hours=2))
        p.mastodon.script(
            "GET", f"/api/v1/statuses/{hostile}", Reply(422, {"error": "\x1b]0;owned\x07 [red]unprocessable" * 500})
        )
        cli = Cli(tmp_path, (tmp_path / "config.yaml").read_text())
        output = cli("metrics", "pull", env={"COLUMNS": "400"}).output
        lines = output.splitlines()
        assert lines[0] == (
            "x: 0 of 1 due post(s) read; not read: X bills reads (0.005 USD at 0.005 USD a post read); "
            "set `metrics: true` on the channel to read them"
        )
        assert lines[1].startswith("toots: 1 of 2 due post(s) read; stopped: ")
        assert "\x1b" not in output and "\\x1b]0;owned" in output and "[red]" in output
        assert len(lines[1]) < 400  # a platform's answer is cut, however long
        assert p.x.received == []
        assert "sky: 0 of 0 due post(s) read" in output
        assert (
            "outbox: evertide cannot read counts back" in cli("metrics", "pull", "--channel", "outbox", ok=False).output
        )


def test_metrics_import_stores_clicks_per_post_and_refuses_a_bad_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with platforms(tmp_path, monkeypatch) as p:
        first = published(p.engine, "outbox", "first", NOW - timedelta(days=1), text=TAGGED)
        second = published(p.engine, "outbox", "second", NOW - timedelta(days=1), text=TAGGED)
        cli = Cli(tmp_path, (tmp_path / "config.yaml").read_text())
        clicks = tmp_path / "clicks.csv"
        clicks.write_text(
            f"date,utm_content,clicks\nd1,{first},4\nd2,{first},3\nd1,{second},1\nd1,newsletter,9\nd1,99999,2\n"
        )
        output = cli("metrics", "import", str(clicks)).output
        assert (
            "Imported 8 click(s) on 2 post(s); 2 row(s) named no post whose link carried that id and were skipped."
            in output
        )
        clicks.write_text(f"utm_content,clicks\n{first},lots\n{second},5\n{second},-1\n")
        refused = cli("metrics", "import", str(clicks), ok=False)
        assert refused.exit_code == 1
        assert "clicks.csv:2: clicks: expected a whole number from 0 to 2147483647, got 'lots'" in refused.output
        assert "clicks.csv:4: clicks: expected a whole number from 0 to 2147483647, got '-1'" in refused.output
        with transaction(p.engine) as session:
            stored = sorted((c.entry_id, c.clicks) for c in session.exec(select(ClickCount)).all())
        assert stored == [(first, 7), (second, 1)]
        clicks.write_text("utm_source,visits\nx,1\n")
        assert (
            "clicks.csv:1: the header has no utm_content or clicks column (found 'utm_source,visits')"
            in cli("metrics", "import", str(clicks), ok=False).output
        )


def test_a_file_channel_is_pointed_at_the_clicks_import_and_a_hostile_file_is_refused(tmp_path: Path) -> None:
    """Found in review: on the sample config `metrics pull` printed nothing and `--channel outbox` said the
    channel did not exist; a field over the csv module's limit was an unexpected error; a pipe got round
    the size limit (1.5 GB of memory), so a pipe is refused."""
    cli = Cli(tmp_path)
    cli("db", "upgrade")
    assert "import clicks from your web analytics" in cli("metrics", "pull").output
    refused = cli("metrics", "pull", "--channel", "outbox", ok=False)
    assert refused.exit_code == 1 and "outbox: evertide cannot read counts back" in refused.output
    (tmp_path / "wide.csv").write_text("utm_content,clicks\n1," + "9" * 200_000 + "\n")
    wide = cli("metrics", "import", str(tmp_path / "wide.csv"), ok=False)
    assert wide.exit_code == 1 and "not a CSV file evertide can read" in wide.output
    fifo = tmp_path / "endless"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"yes 1,1 | head -c 40000000 > {fifo}"])
    try:
        piped = cli("metrics", "import", str(fifo), ok=False)
    finally:
        writer.kill()
        writer.wait()
    assert piped.exit_code == 1 and "is not a regular file" in piped.output


def test_a_period_counts_the_posts_the_export_leaves_out_as_zero_clicks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Analytics exports leave out the links nobody clicked, so without a period only clicked posts were ever
    observed. A post counts as 0 only if it went out within the period with a link carrying its own entry id."""
    since = NOW.replace(microsecond=0) - timedelta(days=7)
    until = since + timedelta(days=6)
    with platforms(tmp_path, monkeypatch) as p:

        def post(at: datetime, text: str = TAGGED) -> int:
            return published(p.engine, "outbox", f"line-{at.timestamp()}", at, text=text)

        clicked = post(since + timedelta(days=1))
        unclicked = post(since)  # the period's first instant is in it
        post(since + timedelta(days=2), text="Guide https://help.example.com/guide")  # no id to be clicked by
        post(since - timedelta(seconds=1))
        post(until)  # the period's end is not in it
        post(NOW + timedelta(hours=2))  # after the import: an export cannot hold its clicks yet
        cli = Cli(tmp_path, (tmp_path / "config.yaml").read_text())
        clicks = tmp_path / "clicks.csv"
        clicks.write_text(f"utm_content,clicks\n{clicked},3\n")
        period = ("--since", f"{since:%Y-%m-%dT%H:%M:%S}Z", "--until", f"{until:%Y-%m-%dT%H:%M:%S}Z")
        output = cli("metrics", "import", str(clicks), *period).output
        said = "Imported 3 click(s) on 1 post(s); 1 other post(s) published in the period counted as 0 clicks."
        assert said in output
        assert "1 other post(s)" in cli("metrics", "import", str(clicks), *period).output  # again: nothing adds up
        assert clicks_by_entry(p.engine) == {clicked: 3, unclicked: 0}
        to_now = ("--since", f"{until:%Y-%m-%dT%H:%M:%S}Z", "--until", "+1d")  # the next period, up to the future
        assert "1 other post(s) published in the period" in cli("metrics", "import", str(clicks), *to_now).output
        assert "2 other post(s)" not in cli("metrics", "import", str(clicks)).output  # no period: as before


def test_a_period_needs_both_ends_in_order(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli("db", "upgrade")
    (tmp_path / "clicks.csv").write_text("utm_content,clicks\n")
    alone = cli("metrics", "import", str(tmp_path / "clicks.csv"), "--since", "2026-11-01", ok=False)
    assert alone.exit_code != 0 and "--since and --until go together" in alone.output
    backwards = ("--since", "2026-11-08", "--until", "2026-11-01")
    reversed_ = cli("metrics", "import", str(tmp_path / "clicks.csv"), *backwards, ok=False)
    assert reversed_.exit_code != 0 and "--until (2026-11-01 00:00Z) is not after --since" in reversed_.output


def clicks_by_entry(engine: Engine) -> dict[int | None, int | None]:
    with transaction(engine) as session:
        posts = list(session.exec(select(Publication)).all())
        known = latest_engagement(session, posts)
    return {post.entry_id: known[post.id].clicks for post in posts if post.id in known}
