"""Local posting windows and weekly slots, turned into UTC instants for one local date at a time.

Instants are whole seconds since the Unix epoch (``int``): the planner does interval arithmetic on them and
only the finished plan is turned back into ``datetime``. The DST rules, which every part of the planner
relies on:

- **A local time that does not exist** (the spring-forward gap) is never produced. A window edge or a weekly
  slot that falls in the gap moves to the instant the clocks jump, i.e. the first local time after the gap:
  02:30 on New York's 2026-03-08 becomes 03:00 EDT (07:00Z); a window 02:00-02:30 that day is empty.
- **A local time that happens twice** (the fall-back fold) is used once, at its first occurrence (``fold=0``).
  The repeated stretch is cut out of a window: 00:30-03:00 on New York's 2026-11-01 is 04:30Z-06:00Z plus
  07:00Z-08:00Z, and a weekly slot at 01:30 that day is 05:30Z.
- **A window whose end is not after its start crosses midnight** and belongs to the local date it starts on:
  22:00-01:00 on 2026-09-05 in Santiago runs to 01:00 on the 6th (its midnight never happens that night).

Zones with transitions at local midnight (Santiago, Havana, Beirut…) need nothing special: dates are local
calendar dates and both rules above work on the wall clock.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from scheduler.config import Segment
from scheduler.config.values import WEEKDAYS, WeeklySlot, Window
from scheduler.zones import zone

Interval = tuple[int, int]  # [start, end) in epoch seconds


def to_seconds(moment: datetime) -> int:
    """An aware datetime as epoch seconds (sub-second parts are dropped)."""
    return int(moment.timestamp())


def to_datetime(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def offset_at(zone_name: str, seconds: int) -> int:
    """The zone's UTC offset in seconds at an instant."""
    moment = datetime.fromtimestamp(seconds, zone(zone_name))
    offset = moment.utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def local_wall(zone_name: str, seconds: int) -> datetime:
    """The naive wall-clock time at an instant (``fold`` set on the second pass through a repeated hour)."""
    return datetime.fromtimestamp(seconds, zone(zone_name)).replace(tzinfo=None)


@cache
def first_instant_at(zone_name: str, day: date, at: time) -> int:
    """The first instant whose wall time in the zone is ``day`` ``at`` or later.

    An existing time gives its first occurrence (``fold=0``); a time inside a spring-forward gap gives the
    instant the clocks jump (found by bisection between the two readings Python offers for it).
    """
    tz = zone(zone_name)
    wall = datetime.combine(day, at)
    first = to_seconds(wall.replace(tzinfo=tz, fold=0))
    if local_wall(zone_name, first) == wall:
        return first
    low = to_seconds(wall.replace(tzinfo=tz, fold=1))  # before the jump: its wall time is earlier than `wall`
    high = first  # after the jump: its wall time is later than `wall`
    while high - low > 1:
        middle = (low + high) // 2
        if local_wall(zone_name, middle) >= wall:
            high = middle
        else:
            low = middle
    return high


def _transition_in(zone_name: str, start: int, end: int) -> int | None:
    """The first instant in ``(start, end]`` where the offset differs from the offset at ``start``."""
    before = offset_at(zone_name, start)
    if offset_at(zone_name, end) == before:
        # Windows are at most a day long and no zone changes its offset twice within a day, so equal offsets at
        # both ends mean no change in between.
        return None
    low, high = start, end
    while high - low > 1:
        middle = (low + high) // 2
        if offset_at(zone_name, middle) == before:
            low = middle
        else:
            high = middle
    return high


@cache
def window_intervals(zone_name: str, day: date, window: Window) -> tuple[Interval, ...]:
    """The UTC stretches in which the wall clock shows ``window`` on local date ``day``, repeats removed."""
    start = first_instant_at(zone_name, day, window.start)
    end_day = day + timedelta(days=1) if window.crosses_midnight else day
    end = first_instant_at(zone_name, end_day, window.end)
    if end <= start:
        return ()
    pieces: list[Interval] = []
    stretch, probe = start, start
    while (change := _transition_in(zone_name, probe, end - 1)) is not None:
        repeated = offset_at(zone_name, probe) - offset_at(zone_name, change)
        if repeated > 0:  # clocks went back: skip the second pass through the repeated wall times
            pieces.append((stretch, change))
            stretch = change + repeated
        probe = change  # clocks went forward: instants stay contiguous, only wall times are skipped
    pieces.append((stretch, end))
    return tuple((low, high) for low, high in pieces if low < high)


def segment_intervals(segment: Segment, day: date) -> tuple[Interval, ...]:
    """Every window of a segment on a local date, in time order (overlapping windows merged)."""
    raw = sorted(piece for window in segment.windows for piece in window_intervals(segment.zone, day, window))
    merged: list[Interval] = []
    for low, high in raw:
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


def clip(intervals: tuple[Interval, ...], low: int, high: int) -> tuple[Interval, ...]:
    """The parts of ``intervals`` inside ``[low, high)``."""
    return tuple((max(a, low), min(b, high)) for a, b in intervals if max(a, low) < min(b, high))


def wall_stretches(zone_name: str, intervals: tuple[Interval, ...], minutes: int) -> dict[int, tuple[Interval, ...]]:
    """``intervals`` cut every ``minutes`` (which divide an hour) of the zone's wall clock, grouped by the
    part of the local day they fall in (by hours, a window 07:30-09:00 gives 7: 07:30-08:00 and 8:
    08:00-09:00). Clocks change on a quarter hour at the least, so with ``minutes`` a multiple of 15 the
    next cut is always the rest of the current part."""
    stretches: dict[int, list[Interval]] = {}
    for low, high in intervals:
        at = low
        while at < high:
            wall = local_wall(zone_name, at)
            following = min(high, at + minutes * 60 - (wall.minute % minutes) * 60 - wall.second)
            stretches.setdefault((wall.hour * 60 + wall.minute) // minutes, []).append((at, following))
            at = following
    return {hour: tuple(pieces) for hour, pieces in stretches.items()}


def weekday_name(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def slot_instant(slot: WeeklySlot, day: date) -> int | None:
    """The instant of a weekly slot on a local date, or None when the slot does not run on that weekday."""
    if weekday_name(day) not in slot.days:
        return None
    return first_instant_at(slot.zone, day, slot.at)


def local_dates(zone_name: str, start: int, end: int) -> Iterator[date]:
    """Every local date whose windows can reach into ``[start, end)``: from the day before the local date of
    ``start`` (its windows may cross midnight) to the local date of ``end``."""
    day = local_wall(zone_name, start).date() - timedelta(days=1)
    last = local_wall(zone_name, end).date()
    while day <= last:
        yield day
        day += timedelta(days=1)


def window_date(segment: Segment, seconds: int) -> date:
    """The local date whose window an instant belongs to: the day before for the after-midnight part of a
    window that crosses midnight, else the instant's own local date."""
    local = local_wall(segment.zone, seconds)
    for window in segment.windows:
        if window.crosses_midnight and local.time() < window.end:
            previous = local.date() - timedelta(days=1)
            if any(low <= seconds < high for low, high in window_intervals(segment.zone, previous, window)):
                return previous
    return local.date()


@dataclass(frozen=True)
class WindowDescription:
    """Human words for a segment's windows on a day, used in warnings."""

    text: str
    seconds: int


def describe_windows(segment: Segment, day: date) -> WindowDescription:
    """``07:30-09:30 Europe/London is 2h`` style text for the windows of a segment on a day."""
    length = sum(high - low for low, high in segment_intervals(segment, day))
    windows = ", ".join(str(window) for window in segment.windows)
    noun = "window" if len(segment.windows) == 1 else "windows"
    verb = "is" if len(segment.windows) == 1 else "are"
    return WindowDescription(f"{noun} {windows} {segment.zone} {verb} {format_duration(length)}", length)


def format_duration(seconds: float) -> str:
    """``30d``, ``2h``, ``1h30m``, ``45m``, ``20s``: the shortest exact spelling."""
    seconds = int(seconds)
    if seconds <= 0:
        return "0m"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts)


def format_instant(seconds: int) -> str:
    """``2026-12-01T09:00Z``."""
    return to_datetime(seconds).strftime("%Y-%m-%dT%H:%MZ")


def format_local(seconds: int, zone_name: str) -> str:
    """``2026-11-13 21:00 EST (2026-11-14T02:00Z)``: an instant on a segment's clocks, whose abbreviation says
    which side of a DST change it is on, then in UTC."""
    return f"{datetime.fromtimestamp(seconds, zone(zone_name)):%Y-%m-%d %H:%M %Z} ({format_instant(seconds)})"
