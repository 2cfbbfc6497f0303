"""Showing instants to people: in the post's target zone and in the config's ``display_timezone``."""

from datetime import UTC, datetime

from scheduler.zones import zone


def iso_utc(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_local(instant: datetime, zone_name: str) -> str:
    return instant.astimezone(zone(zone_name)).isoformat()


def short_local(instant: datetime, zone_name: str) -> str:
    """``Tue 01 Dec 09:30 GMT`` — the abbreviation shows which side of a DST change a time is on."""
    return instant.astimezone(zone(zone_name)).strftime("%a %d %b %H:%M %Z")


def clock_local(instant: datetime, zone_name: str) -> str:
    """``09:30 GMT``: the time of day alone, under a heading that gives the date."""
    return instant.astimezone(zone(zone_name)).strftime("%H:%M %Z")
