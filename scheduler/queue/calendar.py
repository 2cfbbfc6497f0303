"""The queue as an iCalendar document (RFC 5545), for the calendar a person already looks at.

One event per upcoming post: its instant in UTC (a calendar shows it in the viewer's own zone, across DST
changes), the item's title as the summary, the post's words as the description. The UID is the entry's own
key, which never changes and is never given to another post, and SEQUENCE is the entry's version: importing
a newer export into Google Calendar, Outlook or Apple Calendar updates the events rather than adding copies.
A post that will no longer go out (skipped, cancelled, replaced by a refill) within the exported days comes as
its event with STATUS:CANCELLED, so a calendar that holds the earlier export removes it instead of keeping it.
Built with the ``icalendar`` package, which escapes commas, semicolons and line breaks as the RFC requires.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from scheduler.queue.tables import EntryState, QueueEntry

if TYPE_CHECKING:
    from sqlmodel import Session

UPCOMING = (EntryState.PLANNED.value, EntryState.CLAIMED.value)

DROPPED = (EntryState.SKIPPED.value, EntryState.CANCELLED.value)  # sent as cancelled events
SHOWN_FOR = timedelta(minutes=15)  # a post is an instant; a calendar needs an end to draw it
PRODUCT = "-//evertide//queue export//EN"


def to_ics(entries: Sequence[QueueEntry], titles: Mapping[int, str], *, now: datetime) -> bytes:
    """An iCalendar document of ``entries`` (upcoming ones confirmed, the others cancelled); ``titles`` by
    item id (a removed item is named as such)."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "evertide queue")
    for entry in entries:
        event = Event()
        event.add("uid", f"{entry.key}@evertide")
        event.add("dtstamp", now)
        event.add("dtstart", entry.at)
        event.add("dtend", entry.at + SHOWN_FOR)
        event.add("sequence", entry.version)
        event.add("last-modified", entry.updated_at)
        event.add("status", "CONFIRMED" if entry.state in UPCOMING else "CANCELLED")
        event.add("summary", titles.get(entry.item_id, "(item removed)"))
        event.add("description", entry.text)
        event.add("categories", [c for c in (entry.channel, entry.campaign) if c])
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def moved_beyond(session: "Session", *, channel: str | None, after: datetime, since: datetime) -> list[QueueEntry]:
    """Upcoming entries past the exported days that changed since ``since`` (a person moved them, a refill
    reworded them): an earlier export may hold them inside its days, so they are exported wherever they are
    now, and the calendar moves the event instead of keeping it at the old time. An entry never changed
    (version 1) was never elsewhere."""
    from sqlmodel import col, select

    query = select(QueueEntry).where(
        col(QueueEntry.state).in_(UPCOMING),
        col(QueueEntry.at) >= after,
        col(QueueEntry.version) > 1,
        col(QueueEntry.updated_at) >= since,
    )
    if channel is not None:
        query = query.where(QueueEntry.channel == channel)
    return list(session.exec(query.order_by(col(QueueEntry.at), col(QueueEntry.id))).all())
