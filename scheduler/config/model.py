"""``config.yaml``, validated once into frozen typed objects.

Nothing below this module sees a YAML dict. Unknown keys, keys written twice, ``mix`` keys outside a
campaign's categories and template or utm placeholders rendering does not fill are errors; every section is
optional, durations accept s/m/h/d, and ``${VAR}`` references in channels are filled only when a publisher
needs them. Errors name the file, line, key path and what is allowed::

    config.yaml:14: campaigns.support.min_gap: expected a duration like 30s, 45m, 2h or 3d, got "soon"

The file is ``--config``, else ``$EVERTIDE_CONFIG``, else ``./config.yaml`` (:func:`config_path`).
"""

import os
from collections.abc import Iterator, Sequence
from datetime import date, time, timedelta
from pathlib import Path
from typing import Annotated, Any, get_args

from pydantic import AfterValidator, BaseModel, Field, PrivateAttr, ValidationError, field_validator, model_validator

from content_library.errors import EvertideError
from content_library.placeholders import (
    PLACEHOLDERS,
    UTM_PLACEHOLDERS,
    RenderError,
    unknown_placeholder_problem,
    unknown_placeholders,
)
from scheduler.config.channels import CHANNEL_MODELS, ChannelConfig, Reference, Section, references
from scheduler.config.secrets_file import load_secrets_file
from scheduler.config.source import Locator, read_yaml
from scheduler.config.values import (
    WEEKDAYS,
    Duration,
    Text,
    Variables,
    Weekdays,
    WeeklySlotSpec,
    Window,
    WindowSpec,
    ZoneName,
)

DEFAULT_TEMPLATE = "{title} {url} {hashtags}"


class ConfigError(EvertideError):
    """A config file that does not validate; the message carries file, line and key path."""

    hint = "Fix the file and run `evertide config check`."


class FeedConfig(Section):
    """A feed polled into the library; ``url`` may be a local file path (relative to the config file)."""

    url: str
    name: str | None = None
    category: str | None = None
    kind: str = "article"
    interval: Duration = timedelta(hours=6)

    @property
    def display_name(self) -> str:
        return self.name or self.url


class LinksConfig(Section):
    """How the items' links are checked before they are shared again (:mod:`content_library.link_health`):
    a good link again after ``recheck_after``, a failing one after ``retry_after``, paused after
    ``pause_after`` failures in a row; one request per host every ``per_host_interval``, each given
    ``timeout`` in all; a daemon run checks for at most ``run_for``, leaving the rest to the next."""

    recheck_after: Duration = timedelta(days=7)
    retry_after: Duration = timedelta(hours=1)
    pause_after: int = Field(default=3, ge=1, le=100)
    per_host_interval: Duration = timedelta(seconds=1)
    timeout: Duration = timedelta(seconds=10)
    run_for: Duration = timedelta(minutes=2)

    @field_validator("timeout", "run_for")
    @classmethod
    def _some_time(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be more than 0s")
        return value


class Segment(Section):
    """Part of an audience: where they live, what share of the followers they are, when they look."""

    zone: ZoneName
    weight: float = Field(gt=0)
    windows: tuple[WindowSpec, ...] = Field(min_length=1)


class CampaignConfig(Section):
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
    learn: bool = False  # weigh hours, variants and items by observed engagement (see scheduler.planning.learning)
    attach_image: bool = False  # post the item's picture with the text (see scheduler.dispatch.images)

    @model_validator(mode="after")
    def _one_cadence(self) -> "CampaignConfig":
        if (self.posts_per_day is None) == (not self.slots):
            raise ValueError("give either posts_per_day: or slots:, not both and not neither")
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        if any(weight <= 0 for weight in self.mix.values()):
            raise ValueError("mix: weights must be positive numbers")
        return self


LONGEST_CHECKPOINT = timedelta(days=365)


def _within_a_year(step: timedelta) -> timedelta:
    if step > LONGEST_CHECKPOINT:
        raise ValueError(f"at most {LONGEST_CHECKPOINT.days}d (a year), got {step / timedelta(days=1):.10g}d")
    return step


class MetricsConfig(Section):
    """When a published post's counts are read: once each of ``after`` has passed since it went out (a pull
    that comes late, after downtime, counts for every checkpoint it passed). After the last, never again.
    A checkpoint is at most :data:`LONGEST_CHECKPOINT` (a year): the pull looks back twice the last one, and
    counts read years on say nothing about how a post did (found in review: ``99999999d`` passed the check,
    then every pull failed with a date out of range)."""

    after: tuple[Annotated[Duration, AfterValidator(_within_a_year)], ...] = Field(
        default=(timedelta(hours=1), timedelta(hours=24), timedelta(days=7))
    )  # not min_length: pydantic would add "at least 1 item" to the error of a sole checkpoint refused

    @field_validator("after")
    @classmethod
    def _increasing(cls, value: tuple[timedelta, ...]) -> tuple[timedelta, ...]:
        if not value:
            raise ValueError("give at least one checkpoint, like [1h, 24h, 7d]")
        if any(step <= timedelta(0) for step in value):
            raise ValueError("every checkpoint must be longer than 0s")
        if list(value) != sorted(set(value)):
            raise ValueError("checkpoints must be given shortest first, each once, like [1h, 24h, 7d]")
        return value


DEFAULT_WINDOW = Window(time(8, 0), time(20, 0))
HEARTBEATS_MISSED = 4


class Config(Section):
    database: str = "evertide.db"
    display_timezone: ZoneName = "UTC"
    grace: Duration = timedelta(minutes=15)
    horizon: Duration = timedelta(days=14)
    workers: int = Field(default=8, ge=1, le=256)  # channels the daemon publishes to at the same time
    heartbeat: Duration = timedelta(seconds=15)  # a daemon is dead after 4 missed beats; others take its work
    secrets_file: str | None = None
    feeds: tuple[FeedConfig, ...] = ()
    links: LinksConfig = LinksConfig()
    channels: dict[str, ChannelConfig] = Field(default_factory=dict)
    audiences: dict[str, Annotated[tuple[Segment, ...], Field(min_length=1)]] = Field(default_factory=dict)
    campaigns: dict[str, CampaignConfig] = Field(default_factory=dict)
    metrics: MetricsConfig = MetricsConfig()

    @field_validator("heartbeat")
    @classmethod
    def _sensible_heartbeat(cls, value: timedelta) -> timedelta:
        if not timedelta(seconds=1) <= value <= timedelta(minutes=5):
            raise ValueError("heartbeat must be between 1s and 5m")
        return value

    def fingerprint(self) -> str:
        """A digest of what every daemon on one database must agree on: the channels, campaigns, audiences,
        feeds, time settings and heartbeat (secrets as their ``${VAR}`` names; ``database``, ``workers`` and
        ``secrets_file`` may differ from host to host)."""
        import hashlib
        import json

        shared = self.model_dump(mode="json", exclude={"database", "workers", "secrets_file"})
        return hashlib.sha256(json.dumps(shared, sort_keys=True, default=str).encode()).hexdigest()[:16]

    @property
    def stale_after(self) -> timedelta:
        """How long without a heartbeat before a daemon counts as dead and its claims are settled by others."""
        return HEARTBEATS_MISSED * self.heartbeat

    _path: Path = PrivateAttr(default=Path("config.yaml"))
    _locator: Locator | None = PrivateAttr(default=None)
    _variables: Variables = PrivateAttr(default_factory=Variables)

    @property
    def path(self) -> Path:
        return self._path

    @property
    def base_dir(self) -> Path:
        return self._path.parent

    def database_url(self) -> str:
        """``database:`` as a SQLAlchemy URL; a plain path is a SQLite file relative to the config file.
        ``${VAR}`` references are filled here (:class:`UnsetVariable` for one not set): a URL carries a
        password, and an unfilled one must never quietly become a SQLite file named ``${DATABASE_URL}``.
        ``postgres://`` and ``postgresql://`` (what hosting providers hand out) mean evertide's PostgreSQL
        driver, psycopg."""
        database = Text(self.database, self._variables).resolve()
        for plain in ("postgres://", "postgresql://"):
            if database.startswith(plain):
                return "postgresql+psycopg://" + database.removeprefix(plain)
        if "://" in database:
            return database
        return f"sqlite:///{(self.base_dir / database).resolve()}"

    def database_shown(self) -> str:
        """The database as a person may see it: ``${VAR}`` references as written, a URL's password hidden."""
        if Text(self.database).references:
            return self.database
        from sqlalchemy.engine import make_url

        return make_url(self.database_url()).render_as_string(hide_password=True)

    def resolve_path(self, value: str) -> Path:
        """A path written in the config, taken relative to the config file."""
        return (self.base_dir / value).resolve()

    def audience_of(self, channel: str) -> tuple[Segment, ...]:
        config = self.channels[channel]
        if config.audience is None:
            return (Segment(zone=self.display_timezone, weight=1, windows=(DEFAULT_WINDOW,)),)
        return self.audiences[config.audience]

    @property
    def variables(self) -> Variables:
        """Where ``${VAR}`` references are looked up: the environment, then ``secrets_file``'s values."""
        return self._variables

    def references(self) -> list[tuple[tuple[str, ...], Reference]]:
        """Every ``${VAR}`` the database URL and the channels use, with the key path of the setting (for
        `config check` and `doctor`)."""
        database = [
            (("database",), Reference(("database",), variable, secret=True))
            for variable in Text(self.database).references
        ]
        return database + [
            (("channels", name, *reference.keys), reference)
            for name, channel in self.channels.items()
            for reference in references(channel)
        ]

    def line(self, keys: Sequence[str | int]) -> int:
        """The line of config.yaml where ``keys`` (or the deepest of them that is written) stands."""
        return self._locator.line(keys) if self._locator is not None else 1


def config_path(option: Path | None) -> Path:
    """``--config``, else ``$EVERTIDE_CONFIG``, else ``./config.yaml``."""
    if option is not None:
        return option
    return Path(os.environ.get("EVERTIDE_CONFIG") or "config.yaml")


def load_config(path: Path) -> Config:
    """Read and validate ``path``; every problem found is reported at once, each with its line.

    Loading never writes to ``os.environ``: the values of ``secrets_file`` stay inside the returned config.
    """
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
    secrets_file = data.get("secrets_file")
    file_values = load_secrets_file(path.parent / secrets_file) if isinstance(secrets_file, str) else {}
    variables = Variables(file_values)
    try:
        config = Config.model_validate(data, context={"variables": variables})
    except ValidationError as error:
        raise ConfigError(_describe(error, locator)) from None
    config._path = path.resolve()
    config._locator = locator
    config._variables = variables
    problems = list(_cross_checks(config))
    if problems:
        raise ConfigError("\n".join(f"{path}:{locator.line(keys)}: {_dotted(keys)}: {msg}" for keys, msg in problems))
    return config


def _cross_checks(config: Config) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """What one section cannot see alone: channels without their credentials, names that point nowhere, mix
    keys outside the categories, templates and utm values with placeholders rendering does not fill."""
    for name, channel in config.channels.items():
        for keys, message in channel.unfinished():
            yield ("channels", name, *keys), message
        if channel.audience is not None and channel.audience not in config.audiences:
            yield ("channels", name, "audience"), _unknown("audience", channel.audience, config.audiences)
    for name, campaign in config.campaigns.items():
        for index, channel_name in enumerate(campaign.channels):
            if channel_name not in config.channels:
                yield ("campaigns", name, "channels", index), _unknown("channel", channel_name, config.channels)
        if campaign.categories:
            for category in campaign.mix:
                if category not in campaign.categories:
                    yield (
                        ("campaigns", name, "mix", category),
                        f'"{category}" is not one of the campaign\'s categories ({", ".join(campaign.categories)}); '
                        "it would never be posted",
                    )
        for index, template in enumerate(campaign.templates):
            for problem in _placeholder_problems(template, PLACEHOLDERS):
                yield ("campaigns", name, "templates", index), problem
        for key, value in campaign.utm.items():  # rendered for every post: a bad one would silently plan nothing
            for problem in _placeholder_problems(value, UTM_PLACEHOLDERS):
                yield ("campaigns", name, "utm", key), problem


def _placeholder_problems(template: str, allowed: Sequence[str]) -> list[str]:
    """What rendering ``template`` with ``allowed`` placeholders would refuse, one sentence per problem."""
    try:
        unknown = unknown_placeholders(template, allowed)
    except RenderError as error:
        return [error.problem]
    return [unknown_placeholder_problem(written, allowed) for written in unknown]


def _unknown(what: str, name: str, known: dict[str, Any]) -> str:
    allowed = ", ".join(sorted(known)) or "none defined"
    return f'no {what} called "{name}" (defined: {allowed})'


def _dotted(keys: tuple[Any, ...]) -> str:
    return ".".join(str(k) for k in keys) or "(top level)"


_KINDS = ", ".join(CHANNEL_MODELS)


def _describe(error: ValidationError, locator: Locator) -> str:
    lines = []
    for problem in error.errors(include_url=False):
        loc = tuple(k for k in problem["loc"] if not (isinstance(k, str) and k.startswith("function-")))
        keys = loc
        if keys[:1] == ("channels",) and len(keys) > 2 and keys[2] in CHANNEL_MODELS:
            keys = keys[:2] + keys[3:]  # pydantic puts the kind of a channel into the path; the file does not
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = f"unknown key; allowed here: {_allowed_keys(loc)}"
        elif problem["type"] == "missing":
            message = "this key is required"
        elif problem["type"] == "union_tag_invalid":
            keys, message = (*keys, "kind"), f'unknown kind "{problem["ctx"]["tag"]}"; allowed: {_KINDS}'
        elif problem["type"] == "union_tag_not_found":
            keys, message = (*keys, "kind"), f"this key is required (one of {_KINDS})"
        lines.append(f"{locator.path}:{locator.line(keys)}: {_dotted(keys)}: {message}")
    return "\n".join(lines)


def _allowed_keys(loc: tuple[Any, ...]) -> str:
    """The keys the model at ``loc[:-1]`` accepts, for an "unknown key" message. ``loc`` is pydantic's, where a
    channel's kind follows its name and picks the model of that kind."""
    models: list[Any] = [Config]
    for key in loc[:-1]:
        if isinstance(key, int):
            continue
        if len(models) > 1:  # a union: the kind in the path says which member
            models = [CHANNEL_MODELS[key]] if key in CHANNEL_MODELS else models
            continue
        field = models[0].model_fields.get(key)
        if field is None:  # a user-chosen name (channel, campaign…): the value model is the next level
            continue
        models = _inner_models(field.annotation) or [None]
    model = models[0]
    return ", ".join(model.model_fields) if hasattr(model, "model_fields") else "?"


def _inner_models(annotation: Any) -> list[Any]:
    """The pydantic models inside an annotation such as ``dict[str, tuple[Segment, ...]] | None`` (several for
    the channel union)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in _inner_models(arg)]
