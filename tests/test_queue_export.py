"""`evertide queue export --ics`: an iCalendar document that parses back with `icalendar`, every instant
round-tripped in UTC across DST changes, a stable UID per entry (a re-import updates), hostile titles escaped."""

from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from sqlalchemy.engine import Engine

from content_library.database import transaction
from content_library.store import add_item
from scheduler.queue import states
from scheduler.queue.entries import get_entry
from tests.cli import Cli
from tests.queue_helpers import queue

NOW = datetime.now(UTC).replace(microsecond=0)
HOSTILE = 'Guide, with; commas\nand "quotes" \\ backslash'


def events(document: bytes) -> dict[str, dict[str, object]]:
    parsed = Calendar.from_ical(document)
    return {
        str(e["uid"]): {
            "start": e.decoded("dtstart"),
            "summary": str(e["summary"]),
            "description": str(e["description"]),
            "sequence": int(e["sequence"]),
        }
        for e in parsed.walk("VEVENT")
    }


def test_every_upcoming_post_is_an_event_at_its_utc_instant_with_a_stable_uid(cli: Cli, db: Engine) -> None:
    with transaction(db) as session:
        item = add_item(session, {"title": HOSTILE, "url": "https://help.example.com/a"}, now=NOW).id or 0
    instants = [NOW + timedelta(days=d, hours=h) for d, h in ((1, 0), (2, 5), (3, 23))]
    zones = ["America/New_York", "Europe/London", "Australia/Lord_Howe"]
    entries = [
        queue(db, item, at, zone=zone, text=f"Post {n}")
        for n, (at, zone) in enumerate(zip(instants, zones, strict=True))
    ]
    queue(db, item, NOW + timedelta(days=40), text="beyond the export")
    document = cli("queue", "export", "--ics", "--days", "30").stdout_bytes
    first = events(document)
    assert sorted(first) == sorted(f"{e.key}@evertide" for e in entries)
    for entry in entries:
        event = first[f"{entry.key}@evertide"]
        assert event["start"] == entry.at and event["start"].utcoffset() == timedelta(0)  # type: ignore[union-attr]
        assert event["summary"] == HOSTILE and event["description"] == entry.text
    with transaction(db) as session:  # a person moves one: the next export updates it, under the same UID
        moved = get_entry(session, entries[0].id or 0)
        states.edit(session, moved, now=NOW, at=moved.at + timedelta(hours=1))
    second = events(cli("queue", "export", "--ics", "--days", "30").stdout_bytes)
    assert sorted(second) == sorted(first)
    uid = f"{entries[0].key}@evertide"
    assert second[uid]["start"] == entries[0].at + timedelta(hours=1)
    assert int(second[uid]["sequence"]) > int(first[uid]["sequence"])  # type: ignore[call-overload]


def test_instants_round_trip_across_dst_changes(cli: Cli, db: Engine) -> None:
    """Every hour of the three days around each change, wherever the post is aimed: the calendar gets the
    same UTC instant back, so the viewer's calendar shows it at the right local time on either side."""
    changes = [
        datetime(2027, 3, 14, 7, tzinfo=UTC),
        datetime(2027, 3, 28, 1, tzinfo=UTC),
        datetime(2027, 11, 7, 6, tzinfo=UTC),
    ]
    with transaction(db) as session:
        item = add_item(session, {"title": "Around a change"}, now=NOW).id or 0
    instants = [change + timedelta(hours=h) for change in changes for h in range(-36, 37, 5)]
    for at in instants:
        queue(db, item, at, zone="America/New_York", text=f"at {at:%Y-%m-%d %H:%M}Z", pinned=True)
    out = cli.directory / "queue.ics"
    cli("queue", "export", "--ics", "--days", "3650", "--out", str(out))
    starts = sorted(e["start"] for e in events(out.read_bytes()).values())
    assert starts == sorted(instants)


def test_export_needs_a_format_and_a_known_channel(cli: Cli) -> None:
    assert "--ics" in cli("queue", "export", ok=False).output
    unknown = cli("queue", "export", "--ics", "--channel", "bogus", ok=False)
    assert unknown.exit_code == 1 and "Known channels: outbox" in unknown.output


def test_a_post_dropped_since_the_last_export_comes_back_cancelled(cli: Cli, db: Engine) -> None:
    """Found in review: a calendar that imported an export kept the events of posts a refill had replaced or a
    person had skipped, since the next export simply no longer named them. Now they come back as cancelled
    (STATUS:CANCELLED, a higher SEQUENCE), which makes a calendar remove them."""
    with transaction(db) as session:
        item = add_item(session, {"title": "Dropped later"}, now=NOW).id or 0
    skipped = queue(db, item, NOW + timedelta(days=2), text="a person skips this one")
    kept = queue(db, item, NOW + timedelta(days=3), text="still going out")
    first = Calendar.from_ical(cli("queue", "export", "--ics").stdout_bytes)
    assert {str(e["status"]) for e in first.walk("VEVENT")} == {"CONFIRMED"}
    assert {str(e["summary"]) for e in first.walk("VEVENT")} == {"Dropped later"}  # the item's title, as asked
    cli("queue", "skip", str(skipped.id))
    second = {str(e["uid"]): e for e in Calendar.from_ical(cli("queue", "export", "--ics").stdout_bytes).walk("VEVENT")}
    gone = second[f"{skipped.key}@evertide"]
    assert str(gone["status"]) == "CANCELLED" and int(gone["sequence"]) > skipped.version
    assert str(second[f"{kept.key}@evertide"]["status"]) == "CONFIRMED"


def test_a_refill_cancels_what_it_replaces_so_the_calendar_can_drop_it(cli: Cli, db: Engine) -> None:
    for n in range(12):
        cli("library", "add", "--title", f"Guide {n}", "--url", f"https://help.example.com/{n}")
    cli("queue", "fill", "--days", "7")
    before = set(uids(cli("queue", "export", "--ics").stdout_bytes))
    cli.config.write_text(cli.config.read_text().replace("posts_per_day: 2", "posts_per_day: 1"))
    cli("queue", "fill", "--days", "7")
    after = uids(cli("queue", "export", "--ics").stdout_bytes)
    assert before <= set(after)  # no event of the first export is left without word
    assert "CANCELLED" in after.values() and "CONFIRMED" in after.values()


def uids(document: bytes) -> dict[str, str]:
    return {str(e["uid"]): str(e["status"]) for e in Calendar.from_ical(document).walk("VEVENT")}


def test_a_post_moved_beyond_the_exported_days_is_moved_in_the_calendar_too(cli: Cli, db: Engine) -> None:
    """Found in review: moving an entry past --days made it vanish from the next export, so a calendar kept
    the event at its old time."""
    with transaction(db) as session:
        item = add_item(session, {"title": "Moved far"}, now=NOW).id or 0
    entry = queue(db, item, NOW + timedelta(days=2), text="soon, then later")
    assert f"{entry.key}@evertide" in uids(cli("queue", "export", "--ics", "--days", "3").stdout_bytes)
    with transaction(db) as session:
        states.edit(session, get_entry(session, entry.id or 0), now=NOW, at=NOW + timedelta(days=12))
    again = {
        str(e["uid"]): e
        for e in Calendar.from_ical(cli("queue", "export", "--ics", "--days", "3").stdout_bytes).walk("VEVENT")
    }
    moved = again[f"{entry.key}@evertide"]
    assert moved.decoded("dtstart") == NOW + timedelta(days=12) and str(moved["status"]) == "CONFIRMED"
