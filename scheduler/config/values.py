"""Small converters for the values people write in ``config.yaml``.

Each parser takes the raw YAML scalar and returns a typed value or raises ``ValueError`` with a message that
says what is allowed; :mod:`scheduler.config` adds the file, line and key path around it.
"""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, ValidationInfo

from content_library.errors import EvertideError
from scheduler.zones import zone

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_GROUPS = {"daily": WEEKDAYS, "weekdays": WEEKDAYS[:5], "weekends": WEEKDAYS[5:]}


def parse_duration(value: Any) -> timedelta:
    """``30s``, ``45m``, ``2h``, ``3d`` (or a timedelta) → timedelta."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f'expected a duration like 30s, 45m, 2h or 3d, got "{value}"')
    try:
        return timedelta(seconds=float(match[1]) * _UNIT_SECONDS[match[2]])
    except OverflowError:  # past timedelta's 999999999 days; an error here, not a crash
        raise ValueError(f'"{value.strip()}" is too long for a duration') from None


def parse_clock(value: Any) -> time:
    """``07:30`` → time(7, 30). YAML 1.1 reads an unquoted ``07:30`` as the integer 450 (sexagesimal)."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return time(value // 60, value % 60)
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value) if isinstance(value, str) else None
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f'expected a local time like 07:30, got "{value}"')
    return time(int(match[1]), int(match[2]))


def parse_zone_name(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f'expected an IANA time zone like Europe/London, got "{value}"')
    zone(value)
    return value


@dataclass(frozen=True)
class Window:
    """Local active hours ``start-end``; ``end`` before ``start`` means the window crosses midnight."""

    start: time
    end: time

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_window(value: Any) -> Window:
    if isinstance(value, Window):
        return value
    parts = value.split("-") if isinstance(value, str) else []
    if len(parts) != 2:
        raise ValueError(f'expected local hours like 07:30-09:30 (or 22:00-01:00 across midnight), got "{value}"')
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if start == end:
        raise ValueError(f'window "{value}" is empty: start and end are the same')
    return Window(start, end)


def parse_weekdays(value: Any) -> tuple[str, ...]:
    """``mon``, ``weekdays``, ``weekends``, ``daily`` or a list of those → ordered weekday names."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list | tuple):
        raise ValueError(f'expected weekday names like mon, tue or weekdays, got "{value}"')
    days: set[str] = set()
    for name in names:
        key = str(name).strip().lower()[:3] if str(name).lower() not in _DAY_GROUPS else str(name).lower()
        if key in _DAY_GROUPS:
            days.update(_DAY_GROUPS[key])
        elif key in WEEKDAYS:
            days.add(key)
        else:
            raise ValueError(f'expected weekday names (mon … sun, weekdays, weekends, daily), got "{name}"')
    return tuple(d for d in WEEKDAYS if d in days)


@dataclass(frozen=True)
class WeeklySlot:
    """An explicit posting time: on these weekdays, at this local time, in this zone."""

    days: tuple[str, ...]
    at: time
    zone: str

    def __str__(self) -> str:
        return f"{','.join(self.days)} {self.at:%H:%M} {self.zone}"


def parse_weekly_slot(value: Any) -> WeeklySlot:
    """``mon 09:00 Europe/London`` or ``weekdays 12:30 America/New_York``."""
    if isinstance(value, WeeklySlot):
        return value
    parts = value.split() if isinstance(value, str) else []
    if len(parts) != 3:
        raise ValueError(f'expected a weekly slot like "mon 09:00 Europe/London", got "{value}"')
    return WeeklySlot(parse_weekdays(parts[0].split(",")), parse_clock(parts[1]), parse_zone_name(parts[2]))


_VARIABLE = r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}"
_SECRET_REF = re.compile(rf"^{_VARIABLE}$")
_REFERENCE = re.compile(_VARIABLE)


class UnsetVariable(EvertideError):
    """A ``${VAR}`` that neither the environment nor the secrets file sets, found when a value is used."""

    def __init__(self, variable: str) -> None:
        super().__init__(
            f"the environment variable {variable} is not set",
            hint=f"Export {variable} (or add it to the secrets_file) before starting evertide; "
            "its value is never printed.",
        )
        self.variable = variable


@dataclass(frozen=True)
class Variables:
    """Where ``${VAR}`` references are looked up: the process environment first, then the values of the
    config's ``secrets_file``, kept here rather than written into the environment. An empty value counts as
    unset. ``environment`` is ``os.environ`` unless a check passes another mapping."""

    file_values: Mapping[str, str] = field(default_factory=dict)
    environment: Mapping[str, str] | None = None

    def get(self, variable: str) -> str | None:
        environment = os.environ if self.environment is None else self.environment
        return environment.get(variable) or self.file_values.get(variable) or None

    def require(self, variable: str) -> str:
        value = self.get(variable)
        if value is None:
            raise UnsetVariable(variable)
        return value


ENVIRONMENT = Variables()


@dataclass(frozen=True)
class Secret:
    """A credential named by a variable. Its value is read only when a publisher needs it and never appears
    in ``repr``, ``str``, logs or errors."""

    variable: str
    variables: Variables = field(default=ENVIRONMENT, compare=False, repr=False)

    def __repr__(self) -> str:
        return f"Secret(${{{self.variable}}}, value hidden)"

    __str__ = __repr__

    @property
    def present(self) -> bool:
        return self.variables.get(self.variable) is not None

    def reveal(self) -> str:
        """The value; :class:`UnsetVariable` when it is not set."""
        return self.variables.require(self.variable)


@dataclass(frozen=True)
class Text:
    """A setting that may contain ``${VAR}`` references anywhere (``url: ${HOOK_URL}``,
    ``path: ${STATE_DIR}/outbox.jsonl``), filled only when the channel is built. ``str()`` is the text as
    written, so a URL's token that comes from a variable never reaches a message."""

    written: str
    variables: Variables = field(default=ENVIRONMENT, compare=False, repr=False)

    def __str__(self) -> str:
        return self.written

    @property
    def references(self) -> tuple[str, ...]:
        return tuple(_REFERENCE.findall(self.written))

    def resolve(self) -> str:
        """The text with every reference filled; :class:`UnsetVariable` for the first one not set."""
        return _REFERENCE.sub(lambda match: self.variables.require(match[1]), self.written)


def _variables(info: ValidationInfo) -> Variables:
    found = (info.context or {}).get("variables")
    return found if isinstance(found, Variables) else ENVIRONMENT


def parse_secret(value: Any, info: ValidationInfo) -> Secret:
    if isinstance(value, Secret):
        return value
    match = _SECRET_REF.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(
            "secrets must be written as ${ENV_VAR} so they stay out of the file (the value given is not shown)"
        )
    return Secret(match[1], _variables(info))


def parse_text(value: Any, info: ValidationInfo) -> Text:
    if isinstance(value, Text):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f'expected some text, got "{value}"')
    return Text(value, _variables(info))


def _serialise(value: Any) -> str:
    return str(value)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Clock = Annotated[time, BeforeValidator(parse_clock)]
ZoneName = Annotated[str, BeforeValidator(parse_zone_name)]
WindowSpec = Annotated[Window, BeforeValidator(parse_window), PlainSerializer(_serialise)]
Weekdays = Annotated[tuple[str, ...], BeforeValidator(parse_weekdays)]
WeeklySlotSpec = Annotated[WeeklySlot, BeforeValidator(parse_weekly_slot), PlainSerializer(_serialise)]
SecretRef = Annotated[Secret, BeforeValidator(parse_secret), PlainSerializer(_serialise)]
TextRef = Annotated[Text, BeforeValidator(parse_text), PlainSerializer(_serialise)]


def web_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be posted to (not http(s), no host), or None. Says nothing of the URL itself, which
    may carry a token."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "is not a URL"
    if parts.scheme.lower() not in ("http", "https"):
        return "must start with http:// or https://"
    if not parts.hostname:
        return "has no host"
    return None
