"""``evertide queue export``: the upcoming posts for another program (an iCalendar file for now)."""

import sys
from datetime import timedelta
from pathlib import Path

import typer

from scheduler.cli.common import load, now, open_database
from scheduler.cli.output import say
from scheduler.when_forms import FURTHEST_DAYS


def export(
    ctx: typer.Context,
    ics: bool = typer.Option(False, "--ics", help="Write iCalendar (the one format so far)."),
    channel: str | None = typer.Option(None, help="Only this channel."),
    days: int = typer.Option(30, min=1, max=FURTHEST_DAYS, help="The next N days."),
    out: Path | None = typer.Option(None, "--out", help="Write to this file (default: standard output)."),
) -> None:
    """Export the upcoming posts as an iCalendar document that Google Calendar, Outlook and Apple Calendar
    import: one event per post, its UID stable, so importing a newer export updates the events.

    Example: evertide queue export --ics --days 14 --out queue.ics
    """
    from content_library.database import transaction
    from content_library.errors import EvertideError
    from scheduler.names import require_known
    from scheduler.queue.calendar import DROPPED, moved_beyond, to_ics
    from scheduler.queue.fill import TOMBSTONES_KEPT
    from scheduler.queue.listing import list_entries, titles_of

    if not ics:
        raise EvertideError("say which format to export", hint="Add --ics (iCalendar).")
    config = load(ctx)
    require_known("channel", [channel], config.channels)
    current = now()
    with transaction(open_database(config)) as session:
        # a channel removed from the config publishes nothing: its entries are not in the calendar either
        upcoming = list_entries(session, channel=channel, days=days, now=current)
        dropped = [
            e
            for state in DROPPED
            for e in list_entries(session, channel=channel, days=days, now=current, state=state)
            if e.at >= current
        ]
        moved = moved_beyond(
            session, channel=channel, after=current + timedelta(days=days), since=current - TOMBSTONES_KEPT
        )
        entries = [e for e in upcoming + moved + dropped if e.channel in config.channels]
        titles = titles_of(session, {e.item_id for e in entries})
    document = to_ics(entries, titles, now=current)
    if out is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
        return
    out.write_bytes(document)
    cancelled = sum(1 for e in entries if e.state in DROPPED)
    shown = f"Wrote {len(entries) - cancelled} post(s) to {out}"
    say(shown + (f", and {cancelled} cancelled" if cancelled else "") + ".")
