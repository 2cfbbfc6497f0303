"""Parsing the times people type, for every time option: ``2026-12-01T09:30+01:00``, ``yesterday``,
``tomorrow 12:30``, ``mon 12:00``, ``-2h``, ``+1d`` (all the forms: :data:`scheduler.when_forms.WHEN_FORMS`).

Pure: takes ``now`` and the zone the person thinks in. A wall time that does not exist in that zone (the
spring-forward gap) is refused with the reason, because silently moving a person's chosen time is worse than
asking again; a wall time that happens twice (the fall-back fold) means its first occurrence (fold=0).
"""

import re
from datetime import UTC, date, datetime, time, timedelta

from content_library.errors import EvertideError
from scheduler.config.values import WEEKDAYS, parse_clock, parse_duration
from scheduler.when_forms import FURTHEST_DAYS, WHEN_FORMS
from scheduler.zones import zone

DAY_WORDS = {"yesterday": -1, "today": 0, "tomorrow": 1}
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class BadTime(EvertideError):
    hint = f"Use {WHEN_FORMS}."


def local_to_utc(day: date, at: time, zone_name: str) -> datetime:
    """The UTC instant of a wall time; refuses one that does not exist, takes the first of one that repeats."""
    tz = zone(zone_name)
    local = datetime.combine(day, at, tzinfo=tz)
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise BadTime(f"{day} {at:%H:%M} does not exist in {zone_name}: the clocks skip it (daylight-saving change)")
    return instant


FURTHEST = timedelta(days=FURTHEST_DAYS)


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
    if raw.lower() == "now":
        return now
    if raw[:1] in ("+", "-"):
        try:
            offset = parse_duration(raw[1:].strip())
        except ValueError:
            raise BadTime(f'"{text}": expected an offset like -2h, +30m or +1d') from None
        return now + offset if raw[0] == "+" else now - offset
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return _relative(raw, zone_name, now)
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return local_to_utc(parsed.date(), parsed.time(), zone_name)


def _relative(raw: str, zone_name: str, now: datetime) -> datetime:
    """A day word, a weekday, a clock time, or a word and a clock time. A word alone means the start of that
    day (``--since yesterday``); a weekday or a bare time without a date means the next one to come."""
    match = re.fullmatch(r"(?:([a-z]+)\s*)?(\d{1,2}:\d{2})?", raw.lower())
    if not match or not raw:
        raise BadTime(f'"{raw}" is not a time evertide understands')
    word, clock_text = match[1], match[2]
    try:
        clock = parse_clock(clock_text) if clock_text else time(0, 0)
    except ValueError as error:  # 25:61, 24:00
        raise BadTime(f'"{raw}": {error}') from None
    today = now.astimezone(zone(zone_name)).date()
    if word in DAY_WORDS:
        day = today + timedelta(days=DAY_WORDS[word])
        if clock_text is None:
            # The day's first instant. Where the clocks skip midnight (Santiago, Havana…), 00:00 with fold=0
            # takes the offset from before the change, which is the very instant the day begins.
            return datetime.combine(day, time(0, 0), tzinfo=zone(zone_name)).astimezone(UTC)
        return local_to_utc(day, clock, zone_name)
    if word is None:
        candidates = [today, today + timedelta(days=1)]
    elif word in WEEKDAYS or word in WEEKDAY_NAMES:
        ahead = (WEEKDAYS.index(word[:3]) - today.weekday()) % 7
        candidates = [today + timedelta(days=ahead), today + timedelta(days=ahead + 7)]
    else:
        raise BadTime(f'"{raw}": expected yesterday, today, tomorrow or a weekday before the time')
    for day in candidates:
        instant = local_to_utc(day, clock, zone_name)
        if instant > now:
            return instant
    return instant
