"""Channels: one frozen model per ``kind:``, each with its own settings and credentials.

:data:`ChannelConfig` is the union of them, discriminated on ``kind``, so a key that belongs to another
kind (a webhook ``secret:`` written under ``credentials:``) is an unknown key, and missing credentials are
an error of the file rather than of the first post. Every kind keeps the common keys the planner and the
daemon read: ``kind``, ``audience``, ``daily_cap``, ``monthly_cap``, ``timeout``, ``cost`` and ``budget``.

Secrets are ``${VAR}`` references (:class:`~scheduler.config.values.Secret`); every other string setting
(``url``, ``base_url``, ``path``, ``handle``) may contain ``${VAR}`` anywhere
(:class:`~scheduler.config.values.Text`). Both are filled only when a publisher is built.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, localcontext
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from scheduler.config.values import Duration, Secret, SecretRef, Text, TextRef, web_url_problem

ChannelKind = Literal["x", "mastodon", "bluesky", "webhook", "file"]


MAX_TIMEOUT = timedelta(minutes=10)


class Section(BaseModel):
    """A part of config.yaml: frozen, and any key it does not name is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Extra:
    """An optional dependency a kind needs: its import name and the ``evertide[...]`` extra that installs it."""

    module: str
    name: str

    @property
    def remedy(self) -> str:
        return f"pip install 'evertide[{self.name}]'"


MOST_MONEY = Decimal(10**9)  # a price or a monthly budget beyond this is a typo
LEAST_PRICE = Decimal("0.000001")


class Cost(Section):
    """What the platform charges the account, in its billing currency: per post, per post that carries a link
    (instead of ``per_post``; X charges about 13 times more for one), and per read (pulling a post's metrics).
    Decimal, not float: 0.015 a post times thousands of posts must add up to what the invoice says."""

    per_post: Decimal = Field(default=Decimal(0), ge=0, le=MOST_MONEY, allow_inf_nan=False)
    per_post_with_url: Decimal | None = Field(default=None, ge=0, le=MOST_MONEY, allow_inf_nan=False)
    per_read: Decimal = Field(default=Decimal(0), ge=0, le=MOST_MONEY, allow_inf_nan=False)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")

    @field_validator("per_post", "per_post_with_url", "per_read")
    @classmethod
    def _free_or_a_real_price(cls, value: Decimal | None) -> Decimal | None:
        """A price below a millionth is a typo, and one would make a budget pay for more posts than exist."""
        if value is not None and 0 < value < LEAST_PRICE:
            raise ValueError(f"a price is 0 (free) or at least {LEAST_PRICE}")
        return value

    def of_post(self, has_url: bool) -> Decimal:
        return self.per_post_with_url if has_url and self.per_post_with_url is not None else self.per_post

    @property
    def most_per_post(self) -> Decimal:
        return max(self.per_post, self.per_post_with_url or Decimal(0))


X_COST = Cost(per_post=Decimal("0.015"), per_post_with_url=Decimal("0.20"), per_read=Decimal("0.005"))
"""X's pay-per-use prices (USD) in its developer documentation of 2026; a channel's ``cost:`` replaces them."""


class Budget(Section):
    """The most the channel may spend in a calendar month (UTC), in its ``cost:`` currency."""

    monthly: Decimal = Field(gt=0, le=MOST_MONEY, allow_inf_nan=False)


class _Channel(Section):
    """An account to post to. ``audience`` names an entry of ``audiences:``; without one the channel's followers
    are assumed to live in ``display_timezone`` and to look between 08:00 and 20:00."""

    kind: ChannelKind
    audience: str | None = None
    daily_cap: int | None = Field(default=None, gt=0)
    monthly_cap: int | None = Field(default=None, gt=0)
    timeout: Duration = timedelta(seconds=30)  # one platform call, whole: connect, send and read together
    cost: Cost | None = None  # None: posting costs nothing (X has its prices by default)
    budget: Budget | None = None
    quiet_after_manual: Duration | None = None  # a slot this soon after a post made by hand is skipped

    @model_validator(mode="after")
    def _quiet_where_own_posts_are_free(self) -> "_Channel":
        """Knowing what a person posted means reading the account's posts before each slot: free on Mastodon
        and Bluesky, charged per read on X, impossible on a webhook or a file."""
        if self.quiet_after_manual is None:
            return self
        if self.kind not in ("mastodon", "bluesky"):
            raise ValueError(
                "quiet_after_manual works on mastodon and bluesky channels, where evertide can read the account's "
                "own recent posts without paying for it"
            )
        if not timedelta(0) < self.quiet_after_manual <= timedelta(days=2):
            raise ValueError("quiet_after_manual must be longer than 0s and at most 2d")
        return self

    @model_validator(mode="after")
    def _budget_has_prices(self) -> "_Channel":
        if self.budget is not None and (self.cost is None or self.cost.most_per_post == 0):
            raise ValueError("budget: needs a cost: with a price per post (posting on this channel costs nothing)")
        return self

    @property
    def posts_in_budget(self) -> int | None:
        """How many posts a calendar month's budget pays for, each counted at the price of a post with a link
        (evergreen posts nearly always carry one); None: no budget."""
        if self.budget is None or self.cost is None:
            return None
        with localcontext(prec=40):  # the bounds above keep the quotient below 10**16: exact at 40 digits
            return int(self.budget.monthly // self.cost.most_per_post)

    @field_validator("timeout")
    @classmethod
    def _sensible_timeout(cls, value: timedelta) -> timedelta:
        """A call longer than 10 minutes is a platform that is gone; and a claim's lease is twice this (an
        absurd value overflowed it and stopped every channel's publishing)."""
        if value <= timedelta(0):
            raise ValueError("timeout must be longer than 0s")
        if value > MAX_TIMEOUT:
            raise ValueError("timeout must be at most 10m")
        return value

    extra: ClassVar[Extra | None] = None

    def unfinished(self) -> list[tuple[tuple[str, ...], str]]:
        """What the channel still needs before it can post, as (key path below the channel, message).

        Kept out of validation so the planner's tests can build a channel from its kind alone; loading a
        file (:func:`scheduler.config.load_config`) and building a publisher both refuse an unfinished one.
        """
        return []


OAUTH1_KEYS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


class XCredentials(Section):
    """OAuth 1.0a (all four keys) or an OAuth 2.0 user token (``bearer_token``); X refuses app-only tokens."""

    consumer_key: SecretRef | None = None
    consumer_secret: SecretRef | None = None
    access_token: SecretRef | None = None
    access_token_secret: SecretRef | None = None
    bearer_token: SecretRef | None = None

    @model_validator(mode="after")
    def _one_complete_set(self) -> "XCredentials":
        missing = [key for key in OAUTH1_KEYS if getattr(self, key) is None]
        if self.bearer_token is None and missing:
            raise ValueError(
                "an X channel needs bearer_token (OAuth 2.0 user token), or all four OAuth 1.0a keys "
                f"(missing: {', '.join(missing)})"
            )
        return self

    @property
    def oauth1(self) -> tuple[Secret, Secret, Secret, Secret] | None:
        """The four OAuth 1.0a secrets in :data:`OAUTH1_KEYS` order, or None when they are not all given."""
        keys = (self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret)
        if any(key is None for key in keys):
            return None
        return keys  # type: ignore[return-value]  # None was just excluded


class XChannel(_Channel):
    """X through its v2 API; ``base_url`` sends the requests to another origin (a gateway, a test server)."""

    kind: Literal["x"] = "x"
    base_url: TextRef | None = None
    credentials: XCredentials | None = None
    cost: Cost | None = X_COST
    metrics: bool = False  # X bills every post read: pulling counts is opt-in, see `evertide metrics pull`

    def unfinished(self) -> list[tuple[tuple[str, ...], str]]:
        return [] if self.credentials is not None else [(("credentials",), "this key is required")]


class MastodonCredentials(Section):
    """``access_token`` with the ``write:statuses`` scope (plus ``read:accounts read:statuses`` for doctor and
    crash recovery). ``instance`` is the older way to give the server; ``base_url`` is preferred."""

    access_token: SecretRef
    instance: SecretRef | None = None


class MastodonChannel(_Channel):
    kind: Literal["mastodon"] = "mastodon"
    base_url: TextRef | None = None
    credentials: MastodonCredentials | None = None
    metrics: bool = True  # pull favourites, boosts and replies of published posts

    extra: ClassVar[Extra | None] = Extra(module="mastodon", name="mastodon")

    def unfinished(self) -> list[tuple[tuple[str, ...], str]]:
        missing: list[tuple[tuple[str, ...], str]] = []
        if self.base_url is None and (self.credentials is None or self.credentials.instance is None):
            missing.append(((), "a Mastodon channel needs base_url: (the server, like https://mastodon.social)"))
        if self.credentials is None:
            missing.append((("credentials",), "this key is required"))
        return missing


class BlueskyCredentials(Section):
    """The account's handle and an app password (Settings → App passwords), never the account password."""

    handle: TextRef
    app_password: SecretRef


class BlueskyChannel(_Channel):
    """Bluesky; ``base_url`` is the PDS, https://bsky.social when not given."""

    kind: Literal["bluesky"] = "bluesky"
    base_url: TextRef | None = None
    credentials: BlueskyCredentials | None = None
    metrics: bool = True  # pull likes, reposts, replies and quotes of published posts

    extra: ClassVar[Extra | None] = Extra(module="atproto", name="bluesky")

    def unfinished(self) -> list[tuple[tuple[str, ...], str]]:
        return [] if self.credentials is not None else [(("credentials",), "this key is required")]


class WebhookChannel(_Channel):
    """A signed JSON POST to ``url``; ``secret`` (beside ``url``, not under ``credentials:``) signs it."""

    kind: Literal["webhook"] = "webhook"
    url: TextRef
    secret: SecretRef | None = None

    @field_validator("url")
    @classmethod
    def _web_url(cls, url: Text) -> Text:
        """A URL written out is checked now; one made from ``${VAR}``s when the channel is built."""
        problem = None if url.references else web_url_problem(url.written)
        if problem:
            raise ValueError(f"the webhook url {problem}")
        return url


class FileChannel(_Channel):
    """One JSON line per post appended to ``path`` (relative to the config file)."""

    kind: Literal["file"] = "file"
    path: TextRef


ChannelConfig = Annotated[
    XChannel | MastodonChannel | BlueskyChannel | WebhookChannel | FileChannel, Field(discriminator="kind")
]
CHANNEL_MODELS: dict[str, type[_Channel]] = {
    "x": XChannel,
    "mastodon": MastodonChannel,
    "bluesky": BlueskyChannel,
    "webhook": WebhookChannel,
    "file": FileChannel,
}


@dataclass(frozen=True)
class Reference:
    """One ``${VAR}`` a channel setting uses: where (key path below the channel), which, and whether secret."""

    keys: tuple[str, ...]
    variable: str
    secret: bool


def references(model: BaseModel, keys: tuple[str, ...] = ()) -> Iterator[Reference]:
    """Every ``${VAR}`` in a channel's settings and credentials, in the order of the model's fields."""
    for name in type(model).model_fields:
        value: Any = getattr(model, name)
        if isinstance(value, Secret):
            yield Reference((*keys, name), value.variable, secret=True)
        elif isinstance(value, Text):
            yield from (Reference((*keys, name), variable, secret=False) for variable in value.references)
        elif isinstance(value, BaseModel):
            yield from references(value, (*keys, name))
