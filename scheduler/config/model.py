"""``config.yaml``, validated once into frozen typed objects.

Nothing below this module sees a YAML dict. Unknown keys are errors, every section is optional, durations
accept s/m/h/d, and secrets are ``${ENV_VAR}`` references resolved only when a publisher needs them.
Errors name the file, line, key path and what is allowed::

    config.yaml:14: campaigns.support.min_gap: expected a duration like 30s, 45m, 2h or 3d, got "soon"

The file is ``--config``, else ``$EVERTIDE_CONFIG``, else ``./config.yaml`` (:func:`config_path`).
"""

import os
from datetime import date, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from content_library.errors import EvertideError
from scheduler.config.source import Locator, read_yaml
from scheduler.config.values import (
    WEEKDAYS,
    Duration,
    Secret,
    SecretRef,
    Weekdays,
    WeeklySlotSpec,
    Window,
    WindowSpec,
    ZoneName,
)

ChannelKind = Literal["x", "mastodon", "bluesky", "webhook", "file"]
DEFAULT_TEMPLATE = "{title} {url} {hashtags}"


class ConfigError(EvertideError):
    """A config file that does not validate; the message carries file, line and key path."""

    hint = "Fix the file and run `evertide config check`."


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedConfig(_Section):
    """A feed polled into the library; ``url`` may be a local file path (relative to the config file)."""

    url: str
    name: str | None = None
    category: str | None = None
    kind: str = "article"
    interval: Duration = timedelta(hours=6)

    @property
    def display_name(self) -> str:
        return self.name or self.url


class ChannelConfig(_Section):
    """An account to post to. ``audience`` names an entry of ``audiences:``; without one the channel's followers
    are assumed to live in ``display_timezone`` and to look between 08:00 and 20:00."""

    kind: ChannelKind
    audience: str | None = None
    path: str | None = None
    url: str | None = None
    secret: SecretRef | None = None
    base_url: str | None = None
    credentials: dict[str, SecretRef] = Field(default_factory=dict)
    daily_cap: int | None = Field(default=None, gt=0)
    monthly_cap: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _kind_needs(self) -> "ChannelConfig":
        if self.kind == "file" and not self.path:
            raise ValueError("a file channel needs path: (where to append one JSON line per post)")
        if self.kind == "webhook" and not self.url:
            raise ValueError("a webhook channel needs url:")
        return self


class Segment(_Section):
    """Part of an audience: where they live, what share of the followers they are, when they look."""

    zone: ZoneName
    weight: float = Field(gt=0)
    windows: tuple[WindowSpec, ...] = Field(min_length=1)


class CampaignConfig(_Section):
    """Which items go to which channels, how often, and how they are worded."""

    channels: tuple[str, ...] = Field(min_length=1)
    categories: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    posts_per_day: int | None = Field(default=None, gt=0)
    slots: tuple[WeeklySlotSpec, ...] = ()
    days: Weekdays = WEEKDAYS
    blackout: tuple[date, ...] = ()
    start: date | None = None
    end: date | None = None
    min_gap: Duration = timedelta(hours=1)
    repeat_after: Duration = timedelta(days=30)
    mix: dict[str, float] = Field(default_factory=dict)
    templates: tuple[str, ...] = Field(default=(DEFAULT_TEMPLATE,), min_length=1)
    hashtags: tuple[str, ...] = ()
    utm: dict[str, str] = Field(default_factory=dict)
    jitter: Duration = timedelta(0)
    grace: Duration | None = None

    @model_validator(mode="after")
    def _one_cadence(self) -> "CampaignConfig":
        if (self.posts_per_day is None) == (not self.slots):
            raise ValueError("give either posts_per_day: or slots:, not both and not neither")
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        if any(weight <= 0 for weight in self.mix.values()):
            raise ValueError("mix: weights must be positive numbers")
        return self


DEFAULT_WINDOW = Window(time(8, 0), time(20, 0))


class Config(_Section):
    database: str = "evertide.db"
    display_timezone: ZoneName = "UTC"
    grace: Duration = timedelta(minutes=15)
    horizon: Duration = timedelta(days=14)
    secrets_file: str | None = None
    feeds: tuple[FeedConfig, ...] = ()
    channels: dict[str, ChannelConfig] = Field(default_factory=dict)
    audiences: dict[str, Annotated[tuple[Segment, ...], Field(min_length=1)]] = Field(default_factory=dict)
    campaigns: dict[str, CampaignConfig] = Field(default_factory=dict)

    _path: Path = PrivateAttr(default=Path("config.yaml"))

    @property
    def path(self) -> Path:
        return self._path

    @property
    def base_dir(self) -> Path:
        return self._path.parent

    def database_url(self) -> str:
        """``database:`` as a SQLAlchemy URL; a plain path is a SQLite file relative to the config file."""
        if "://" in self.database:
            return self.database
        return f"sqlite:///{(self.base_dir / self.database).resolve()}"

    def resolve_path(self, value: str) -> Path:
        """A path written in the config, taken relative to the config file."""
        return (self.base_dir / value).resolve()

    def audience_of(self, channel: str) -> tuple[Segment, ...]:
        config = self.channels[channel]
        if config.audience is None:
            return (Segment(zone=self.display_timezone, weight=1, windows=(DEFAULT_WINDOW,)),)
        return self.audiences[config.audience]

    def secrets(self) -> list[tuple[str, Secret]]:
        """Every secret reference with the key path that uses it (for `config check` and `doctor`)."""
        found: list[tuple[str, Secret]] = []
        for name, channel in self.channels.items():
            if channel.secret:
                found.append((f"channels.{name}.secret", channel.secret))
            found.extend((f"channels.{name}.credentials.{key}", s) for key, s in channel.credentials.items())
        return found


def config_path(option: Path | None) -> Path:
    """``--config``, else ``$EVERTIDE_CONFIG``, else ``./config.yaml``."""
    if option is not None:
        return option
    return Path(os.environ.get("EVERTIDE_CONFIG") or "config.yaml")


def load_config(path: Path) -> Config:
    """Read and validate ``path``; every problem found is reported at once, each with its line."""
    if not path.exists():
        raise ConfigError(
            f"{path}: no such config file", hint="Create one with `evertide init`, or pass --config PATH."
        )
    try:
        data, locator = read_yaml(path)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: expected a mapping of sections (database:, channels:, …) at the top")
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_describe(error, locator)) from None
    config._path = path.resolve()
    if config.secrets_file:
        from scheduler.config.secrets_file import load_secrets_file

        load_secrets_file(config.resolve_path(config.secrets_file))
    problems = list(_dangling_references(config))
    if problems:
        raise ConfigError("\n".join(f"{path}:{locator.line(keys)}: {_dotted(keys)}: {msg}" for keys, msg in problems))
    return config


def _dangling_references(config: Config) -> Any:
    for name, channel in config.channels.items():
        if channel.audience is not None and channel.audience not in config.audiences:
            yield ("channels", name, "audience"), _unknown("audience", channel.audience, config.audiences)
    for name, campaign in config.campaigns.items():
        for index, channel_name in enumerate(campaign.channels):
            if channel_name not in config.channels:
                yield ("campaigns", name, "channels", index), _unknown("channel", channel_name, config.channels)


def _unknown(what: str, name: str, known: dict[str, Any]) -> str:
    allowed = ", ".join(sorted(known)) or "none defined"
    return f'no {what} called "{name}" (defined: {allowed})'


def _dotted(keys: tuple[Any, ...]) -> str:
    return ".".join(str(k) for k in keys) or "(top level)"


def _describe(error: ValidationError, locator: Locator) -> str:
    lines = []
    for problem in error.errors(include_url=False):
        keys = tuple(k for k in problem["loc"] if not (isinstance(k, str) and k.startswith("function-")))
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = f"unknown key; allowed here: {_allowed_keys(keys)}"
        elif problem["type"] == "missing":
            message = "this key is required"
        lines.append(f"{locator.path}:{locator.line(keys)}: {_dotted(keys)}: {message}")
    return "\n".join(lines)


def _allowed_keys(keys: tuple[Any, ...]) -> str:
    """The keys the model at ``keys[:-1]`` accepts, for an "unknown key" message."""
    model: Any = Config
    for key in keys[:-1]:
        if isinstance(key, int):
            continue
        field = model.model_fields.get(key) if hasattr(model, "model_fields") else None
        if field is None:  # a user-chosen name (channel, campaign…): the value model is the next level
            continue
        model = _inner_model(field.annotation)
    return ", ".join(model.model_fields) if hasattr(model, "model_fields") else "?"


def _inner_model(annotation: Any) -> Any:
    """The pydantic model inside an annotation such as ``dict[str, tuple[Segment, ...]] | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
