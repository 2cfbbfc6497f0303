"""`plan --explain` says, per audience segment of each channel, when the item last reached it and which local
hours its shares there used (issue 13 item 4), with every instant in the segment's local time and in UTC."""

from datetime import UTC, datetime
from pathlib import Path

from content_library.database import make_engine, transaction
from content_library.store import add_item
from scheduler.queue.tables import Publication
from tests.cli import Cli

NEW_YORK = [  # 08:00 EDT, 08:00 EST, 13:00 EST and 21:00 EST the evening before the 14th (UTC)
    datetime(2026, 10, 20, 12, tzinfo=UTC),
    datetime(2026, 11, 10, 13, tzinfo=UTC),
    datetime(2026, 11, 12, 18, tzinfo=UTC),
    datetime(2026, 11, 14, 2, tzinfo=UTC),
]


def library_with_history(tmp_path: Path) -> tuple[Cli, int]:
    cli = Cli(tmp_path)  # outbox: segments America/New_York and Europe/London
    cli("db", "upgrade")
    engine = make_engine(f"sqlite:///{tmp_path / 'evertide.db'}")
    try:
        with transaction(engine) as session:
            item = add_item(session, {"title": "Reset", "url": "https://help.example.com/r"}, now=NEW_YORK[0]).id
            for at in NEW_YORK:
                session.add(
                    Publication(
                        channel="outbox", campaign="help", zone="America/New_York", item_id=item or 0,
                        text=f"Reset {at:%d}", scheduled_at=at, published_at=at,
                    )
                )  # fmt: skip
    finally:
        engine.dispose()
    return cli, item or 0


def test_explain_lists_each_segments_last_share_and_local_hours_in_its_own_time(tmp_path: Path) -> None:
    cli, item = library_with_history(tmp_path)
    lines = cli("plan", "--from", "2026-12-01T00:00Z", "--explain", str(item), env={"COLUMNS": "300"}).stdout
    lines = lines.splitlines()
    assert "shared on outbox at 2026-10-20 08:00 EDT (2026-10-20T12:00Z) for America/New_York" in lines
    assert "shared on outbox at 2026-11-13 21:00 EST (2026-11-14T02:00Z) for America/New_York" in lines
    assert (
        "on outbox for America/New_York: last shared 2026-11-13 21:00 EST (2026-11-14T02:00Z); "
        "local hours used 08h ×2, 13h, 21h America/New_York"
    ) in lines
    assert "on outbox for Europe/London: not shared there yet" in lines
    planned = [line for line in lines if line.startswith("planned on outbox at ")]
    assert planned, lines
    for line in planned:  # the segment's local time, then UTC; and the reason's last share is the segment's
        assert line.startswith("planned on outbox at 2026-12-0") and (
            "EST (2026-12-0" in line or "GMT (2026-12-0" in line
        )
        if "for America/New_York" in line:
            assert "reached America/New_York 4× before on outbox, last 2026-11-13 21:00 EST (2026-11-14T02:00Z)" in line
        else:
            assert "first post to Europe/London on outbox" in line, line
