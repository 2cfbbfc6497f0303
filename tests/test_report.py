"""`evertide report`: one self-contained page with its sections, every outside text escaped, nothing loaded
from a network, within its size on a large setup."""

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from content_library.database import make_engine, transaction
from content_library.store import add_item
from scheduler.config import load_config
from scheduler.queue import states
from scheduler.queue.entries import get_entry
from scheduler.queue.holds import pause
from scheduler.queue.tables import HoldScope
from tests.cli import Cli
from tests.queue_helpers import queue

NOW = datetime.now(UTC).replace(microsecond=0)
HOSTILE = '<script>alert("x")</script> & <img src=http://evil.example/p.png>'


class Page(HTMLParser):
    """What a browser would load or run: scripts, and any src/href outside the page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.scripts = 0
        self.fetched: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_heading = tag == "h2"
        self.scripts += tag == "script"
        self.fetched += [v or "" for k, v in attrs if k in ("src", "href") and tag != "a"]

    def handle_data(self, data: str) -> None:
        if self._in_heading:
            self.headings.append(data)
            self._in_heading = False


def test_the_report_has_every_section_escapes_outside_text_and_loads_nothing(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli("db", "upgrade")
    engine = make_engine(f"sqlite:///{tmp_path / 'evertide.db'}")
    try:
        with transaction(engine) as session:
            item = add_item(session, {"title": HOSTILE, "url": "https://help.example.com/a"}, now=NOW).id or 0
        done = queue(engine, item, NOW - timedelta(days=2), zone="America/New_York", text=HOSTILE)
        with transaction(engine) as session:
            entry = get_entry(session, done.id or 0)
            claimed = states.claim(session, entry, worker="w", now=entry.at, lease=timedelta(minutes=1))
            states.publish(session, claimed, remote_id="r", remote_url=None, now=entry.at)
        queue(engine, item, NOW + timedelta(days=1), pinned=True, text="Pinned post")
        with transaction(engine) as session:
            pause(session, load_config(cli.config), HoldScope.CHANNEL, "outbox", now=NOW, reason=HOSTILE)
    finally:
        engine.dispose()
    out = tmp_path / "report.html"
    assert "Wrote" in cli("report", "--out", str(out)).output
    html = out.read_text()
    page = Page()
    page.feed(html)
    assert page.headings == ["Calendar", "Local hours", "Coverage", "Volume and cost", "What worked"]
    assert page.scripts == 0 and page.fetched == []
    assert "<script>alert" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "📌" in html and 'class="held"' in html and "published" in html
    assert "America/New_York" in html and "Europe/London" in html  # the audience's segments


def test_a_large_setup_stays_small(tmp_path: Path) -> None:
    """50 channels and 10,000 items: the coverage table shows the first items with gaps, not all of them."""
    channels = "".join(f"  c{n}: {{kind: file, path: c{n}.jsonl, audience: world}}\n" for n in range(50))
    config = (
        "database: evertide.db\naudiences:\n  world:\n"
        '    - {zone: America/New_York, weight: 50, windows: ["08:00-10:00"]}\n'
        '    - {zone: Europe/London, weight: 50, windows: ["18:00-21:00"]}\n'
        f"channels:\n{channels}campaigns:\n  help:\n    channels: [{', '.join(f'c{n}' for n in range(50))}]\n"
        "    posts_per_day: 2\n"
    )
    cli = Cli(tmp_path, config)
    cli("db", "upgrade")
    rows = "".join(f"Item {n},https://e.example/{n}\n" for n in range(10_000))
    (tmp_path / "items.csv").write_text("title,url\n" + rows)
    cli("library", "import", str(tmp_path / "items.csv"))
    engine = make_engine(f"sqlite:///{tmp_path / 'evertide.db'}")
    with engine.begin() as connection:  # a library a year old: items that had time to reach every segment
        connection.exec_driver_sql("UPDATE item SET created_at = '2025-12-01 00:00:00.000000'")
    engine.dispose()
    cli("queue", "fill", "--days", "7")
    out = tmp_path / "report.html"
    cli("report", "--out", str(out))
    assert out.stat().st_size < 5_000_000
    assert "more items with gaps" in out.read_text()


def test_the_volume_counts_the_coming_30_days_whatever_the_calendar_shows(tmp_path: Path) -> None:
    """Found in review: the 30-day volume counted only the calendar's --days (5, 16 and 31 posts for 1, 7, 30)."""
    import re

    cli = Cli(tmp_path)
    cli("db", "upgrade")
    engine = make_engine(f"sqlite:///{tmp_path / 'evertide.db'}")
    try:
        with transaction(engine) as session:
            item = add_item(session, {"title": "Soon and later"}, now=NOW).id or 0
        for days in (2, 20, 45):
            queue(engine, item, NOW + timedelta(days=days), pinned=True)
    finally:
        engine.dispose()
    for days in ("1", "30"):
        cli("report", "--days", days, "--out", str(tmp_path / "r.html"))
        html = (tmp_path / "r.html").read_text()
        assert re.search(r'<th scope="row">outbox</th><td>2</td>', html), days
