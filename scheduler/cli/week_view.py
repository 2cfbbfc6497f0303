"""``queue list --by-day``: the week at a glance, each entry under the day it falls on in ``display_timezone``.

Days run from the day ``now`` is in to the day the listing ends; a day with nothing planned says so, because
a gap in the week is worth seeing. The target zone's time stays on each row (a Tokyo post at 08:00 on
Wednesday is still on the display zone's Tuesday).
"""

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from scheduler.zones import zone

if TYPE_CHECKING:
    from scheduler.queue.tables import QueueEntry


def by_day(
    entries: Sequence["QueueEntry"], zone_name: str, *, first: date, last: date
) -> list[tuple[date, list["QueueEntry"]]]:
    """Every day from ``first`` to ``last`` (and any day an entry falls on outside them), with its entries."""
    days: dict[date, list[QueueEntry]] = {}
    day = first
    while day <= last:
        days[day] = []
        day += timedelta(days=1)
    for entry in entries:
        days.setdefault(entry.at.astimezone(zone(zone_name)).date(), []).append(entry)
    return sorted(days.items())


def print_week(
    entries: Sequence["QueueEntry"],
    zone_name: str,
    *,
    now: datetime,
    days: int,
    columns: Sequence[str],
    row: Callable[["QueueEntry"], Sequence[Any]],
) -> None:
    """A heading per day, then its entries as a table (``columns`` and ``row`` as for ``queue list``)."""
    from scheduler.cli.output import print_table, say

    first = now.astimezone(zone(zone_name)).date()
    for day, listed in by_day(entries, zone_name, first=first, last=first + timedelta(days=max(days, 1) - 1)):
        heading = f"{day:%A %d %B %Y}"
        if listed:
            print_table(heading, columns, [row(entry) for entry in listed])
        else:
            say(f"{heading}: nothing planned")
