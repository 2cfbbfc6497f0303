"""`evertide report`: one self-contained page with its sections, every outside text escaped, nothing loaded
from a network, within its size on a large setup."""

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from content_library.database import make_engine, transaction
from content_library.store import add_item
from scheduler.config import load_config
from scheduler.planning.attribution import ENTRY_MARK
from scheduler.queue import states
from scheduler.queue.entries import get_entry
from scheduler.queue.holds import pause
from scheduler.queue.tables import HoldScope
from tests.cli import Cli
from tests.queue_helpers import queue
from tests.report_setups import large_report

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
    assert page.headings == ["Calendar", "Local hours", "Coverage", "Links to fix", "Volume and cost", "What worked"]
    assert page.scripts == 0 and page.fetched == []
    assert "<script>alert" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<b class="pin">pinned</b>' in html and 'class="held"' in html and "published" in html
    assert "America/New_York" in html and "Europe/London" in html  # the audience's segments


def test_a_large_setup_stays_small(tmp_path: Path) -> None:
    """50 channels and 10,000 items: the coverage table shows the first items with gaps, not all of them."""
    page = large_report(tmp_path)
    assert page.stat().st_size < 5_000_000
    assert "more items with gaps" in page.read_text()


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


def test_a_page_for_some_channels_and_busy_days_folded(tmp_path: Path) -> None:
    """With many channels a person asks for the page of theirs (--channel, repeatable); a busy day shows its
    first posts and folds the rest behind their count."""
    config = (
        "database: evertide.db\naudiences:\n  world:\n"
        '    - {zone: Europe/London, weight: 1, windows: ["06:00-23:00"]}\n'
        "channels:\n  mine: {kind: file, path: a.jsonl, audience: world}\n"
        "  theirs: {kind: file, path: b.jsonl, audience: world}\n"
        "campaigns:\n  help:\n    channels: [mine, theirs]\n    posts_per_day: 9\n    min_gap: 30m\n"
    )
    cli = Cli(tmp_path, config)
    cli("db", "upgrade")
    (tmp_path / "items.csv").write_text("title,url\n" + "".join(f"Item {n},https://e.example/{n}\n" for n in range(60)))
    cli("library", "import", str(tmp_path / "items.csv"))
    cli("queue", "fill", "--days", "3")
    out = tmp_path / "report.html"
    cli("report", "--channel", "mine", "--out", str(out))
    html = out.read_text()
    assert '<th scope="row">mine</th>' in html and '<th scope="row">theirs</th>' not in html
    assert "<details><summary>5 more</summary>" in html  # 9 a day: 4 shown, 5 folded
    unknown = cli("report", "--channel", "nobody", ok=False)
    assert unknown.exit_code == 1 and "Known channels: mine, theirs" in unknown.output


def test_the_coverage_matrix_is_the_audience_s_view_and_outside_text_shows_its_escapes(tmp_path: Path) -> None:
    """Found in review: a cell showed a recent "last reached" date highlighted as a gap (the gap was another
    channel's), and control or bidi characters in a title reached the page raw."""
    config = (
        "database: evertide.db\naudiences:\n  world:\n"
        '    - {zone: Europe/London, weight: 1, windows: ["08:00-20:00"]}\n'
        "channels:\n  a: {kind: file, path: a.jsonl, audience: world}\n"
        "  b: {kind: file, path: b.jsonl, audience: world}\n"
        "campaigns:\n  help:\n    channels: [a, b]\n    posts_per_day: 1\n    repeat_after: 5d\n"
    )
    cli = Cli(tmp_path, config)
    cli("db", "upgrade")
    engine = make_engine(f"sqlite:///{tmp_path / 'evertide.db'}")
    try:
        with transaction(engine) as session:
            old = NOW - timedelta(days=60)
            reached = add_item(session, {"title": "Reached \x1b[31mRED\u202e"}, now=old).id or 0
            never = add_item(session, {"title": "Never shared"}, now=old).id or 0
        done = queue(engine, reached, NOW - timedelta(days=1), channel="a", zone="Europe/London")
        with transaction(engine) as session:
            claimed = states.claim(
                session, get_entry(session, done.id or 0), worker="w", now=done.at, lease=timedelta(minutes=1)
            )
            states.publish(session, claimed, remote_id="r", remote_url=None, now=done.at)
    finally:
        engine.dispose()
    cli("report", "--out", str(tmp_path / "r.html"))
    html = (tmp_path / "r.html").read_text()
    coverage = html.split("<h2>Coverage</h2>")[1].split("</section>")[0]
    assert f'{never} · <bdi>Never shared</bdi></th><td class="gap">never</td>' in coverage
    assert f"{reached} · " not in coverage  # it reached London yesterday, on channel a: no gap to show
    assert "1 item(s) have not reached 1 segment(s)" in coverage
    assert "\x1b" not in html and "\u202e" not in html and "\\x1b[31mRED" in html


def test_what_worked_ranks_items_once_engagement_is_known(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli("db", "upgrade")
    assert "No engagement is known" in _what_worked(cli, tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'evertide.db'}")
    try:
        ids = []
        for n, title in enumerate(("Quiet guide", "Loved guide")):
            with transaction(engine) as session:
                item = add_item(session, {"title": title, "url": f"https://help.example.com/{n}"}, now=NOW).id or 0
            tagged = f"{title} https://help.example.com/{n}?utm_content={ENTRY_MARK}"  # clicks count for it
            done = queue(engine, item, NOW - timedelta(days=2, hours=n), text=tagged)
            with transaction(engine) as session:
                entry = get_entry(session, done.id or 0)
                claimed = states.claim(session, entry, worker="w", now=entry.at, lease=timedelta(minutes=1))
                states.publish(session, claimed, remote_id=f"r{n}", remote_url=None, now=entry.at)
            ids.append(done.id)
    finally:
        engine.dispose()
    (tmp_path / "clicks.csv").write_text(f"utm_content,clicks\n{ids[0]},1\n{ids[1]},40\n")
    cli("metrics", "import", str(tmp_path / "clicks.csv"))
    worked = _what_worked(cli, tmp_path)
    assert worked.index("Loved guide") < worked.index("Quiet guide")


def _what_worked(cli: Cli, directory: Path) -> str:
    cli("report", "--out", str(directory / "r.html"))
    return (directory / "r.html").read_text().split("<h2>What worked</h2>")[1]
