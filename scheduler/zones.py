"""Time-zone data: always the bundled ``tzdata`` package, never the host's.

Hosts carry stale zone rules for years (a Debian image on tzdata 2025b computes Vancouver, Edmonton, Winnipeg,
Havana and Casablanca wrongly from late 2026 on). Emptying ``zoneinfo``'s search path makes it fall back to
the ``tzdata`` package evertide depends on, so every install computes local times the same way. This runs
once, when ``scheduler`` is imported, before any zone is loaded.
"""

import zoneinfo
from functools import cache

from content_library.errors import EvertideError

zoneinfo.reset_tzpath(to=())


class UnknownZone(EvertideError, ValueError):
    """A time-zone name that is not in the IANA database (a ValueError too, so config validation reports it)."""

    hint = "Use an IANA name such as Europe/London or America/New_York (see `timedatectl list-timezones`)."


@cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone called ``name`` (an IANA name such as ``Europe/London``); raises :class:`UnknownZone`."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UnknownZone(f'unknown time zone "{name}": expected an IANA name like Europe/London') from None


def tzdata_version() -> str:
    """The IANA release of the zone data in use, e.g. ``2026f``."""
    from importlib.resources import files

    return files("tzdata").joinpath("zoneinfo", "tzdata.zi").read_text().split("\n", 1)[0].split()[-1]
