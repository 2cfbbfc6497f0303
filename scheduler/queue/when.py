"""Parsing the times people type: ``2026-12-01T09:30+01:00``, ``tomorrow 09:30``, ``mon 12:00``, ``+2h``.

Pure: takes ``now`` and the zone the person thinks in. A wall time that does not exist in that zone (the
spring-forward gap) is refused with the reason, because silently moving a person's chosen time is worse than
asking again; a wall time that happens twice (the fall-back fold) means its first occurrence (fold=0).
"""

import re
from datetime import UTC, date, datetime, time, timedelta

from content_library.errors import EvertideError
from scheduler.config.values import WEEKDAYS, parse_clock, parse_duration
from scheduler.zones import zone


class BadTime(EvertideError):
    hint = "Use ISO 8601 (2026-12-01T09:30+01:00), 'tomorrow 09:30', 'mon 12:00', '09:30' or '+2h'."


def local_to_utc(day: date, at: time, zone_name: str) -> datetime:
    """The UTC instant of a wall time; refuses one that does not exist, takes the first of one that repeats."""
    tz = zone(zone_name)
    local = datetime.combine(day, at, tzinfo=tz)
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise BadTime(f"{day} {at:%H:%M} does not exist in {zone_name}: the clocks skip it (daylight-saving change)")
    return instant


FURTHEST = timedelta(days=3660)  # ten years: further than anyone plans a post, nearer than datetime's end


def parse_when(text: str, *, zone_name: str, now: datetime) -> datetime:
    """``text`` as an aware UTC instant; naive forms are wall times in ``zone_name``. More than ten years
    from now either way is refused (it is a typo, and datetime arithmetic near year 9999 overflows)."""
    try:
        instant = _parse(text, zone_name, now)
    except OverflowError:
        instant = None
    if instant is None or abs(instant - now) > FURTHEST:
        raise BadTime(f'"{text.strip()}" is more than ten years from now')
    return instant


def _parse(text: str, zone_name: str, now: datetime) -> datetime:
    raw = text.strip()
    if raw.startswith("+"):
        try:
            return now + parse_duration(raw[1:])
        except ValueError:
            raise BadTime(f'"{text}": expected an offset like +30m, +2h or +1d') from None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return _relative(raw, zone_name, now)
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return local_to_utc(parsed.date(), parsed.time(), zone_name)


def _relative(raw: str, zone_name: str, now: datetime) -> datetime:
    match = re.fullmatch(r"(?:(\w+)\s+)?(\d{1,2}:\d{2})", raw.lower())
    if not match:
        raise BadTime(f'"{raw}" is not a time evertide understands')
    try:
        word, clock = match[1], parse_clock(match[2])
    except ValueError as error:  # 25:61, 24:00
        raise BadTime(f'"{raw}": {error}') from None
    today = now.astimezone(zone(zone_name)).date()
    if word in (None, "today"):
        candidates = [today, today + timedelta(days=1)] if word is None else [today]
    elif word == "tomorrow":
        candidates = [today + timedelta(days=1)]
    elif word[:3] in WEEKDAYS:
        ahead = (WEEKDAYS.index(word[:3]) - today.weekday()) % 7
        candidates = [today + timedelta(days=ahead), today + timedelta(days=ahead + 7)]
    else:
        raise BadTime(f'"{raw}": expected today, tomorrow or a weekday before the time')
    for day in candidates:
        instant = local_to_utc(day, clock, zone_name)
        if instant > now or word in ("today", "tomorrow"):
            return instant
    return instant
