"""Why a post did not go out, sorted by what the daemon should do next.

::

    EvertideError
    └── PublishError                 .channel names the channel; no message ever holds a secret
        ├── TransientError           try again later: .retry_at from the platform, or None (use backoff)
        │   ├── RateLimited          the platform said when the window resets
        │   └── Unavailable          5xx, timeout, connection refused
        ├── PermanentError           sending the same text again will not help
        │   ├── DuplicateContent     X refused identical text; on a retry it means the first try got through
        │   ├── AuthFailed           401/403: pause the channel; the hint says what to fix
        │   ├── ChannelMisconfigured the channel cannot be built here (a ${VAR} unset, an extra missing): pause it
        │   ├── UsageCapped          X's monthly usage cap: no retry until the cap resets
        │   └── Rejected             the platform refused this text (too long, invalid, ...)
        └── CannotTell               find_published could not find out whether the post went out

Reset instants always come from the platform's own headers, so nothing here reads the clock.
"""

from datetime import datetime

from content_library.errors import EvertideError


class PublishError(EvertideError):
    """Anything a publisher raises on purpose. ``detail`` is the platform's answer, already secret-free."""

    def __init__(self, channel: str, detail: str, *, hint: str = "") -> None:
        super().__init__(f"channel {channel}: {detail}", hint=hint)
        self.channel = channel
        self.detail = detail


class TransientError(PublishError):
    """Worth retrying unchanged. ``retry_at`` (aware UTC) is the platform's reset instant when it gave one."""

    hint = "evertide retries by itself; nothing to do unless it keeps happening."

    def __init__(self, channel: str, detail: str, *, retry_at: datetime | None = None, hint: str = "") -> None:
        super().__init__(channel, detail, hint=hint)
        self.retry_at = retry_at


class RateLimited(TransientError):
    """The platform's rate limit is used up until ``retry_at`` (None when it did not say)."""


class Unavailable(TransientError):
    """The platform did not answer usefully: a 5xx, a timeout or a refused connection."""


class PermanentError(PublishError):
    """Retrying the same post will fail the same way."""


class DuplicateContent(PermanentError):
    """X refuses a text identical to a recent post of the account. After a timed-out attempt this means the
    first attempt was published; otherwise the entry should be skipped or re-worded."""

    hint = "Skip the entry or give the item another variant; X refuses identical recent posts."


class AuthFailed(PermanentError):
    """The credentials were refused. The channel should be paused until a person fixes them."""

    hint = "Fix the channel's credentials (see its `credentials:` in config.yaml), then run `evertide doctor`."


class ChannelMisconfigured(PermanentError):
    """The channel cannot be built on this machine: a ``${VAR}`` it uses is not set, or the optional package
    its kind needs is not installed. No retry can help until a person fixes it, so the channel is held."""

    hint = "Fix the channel's settings or environment, run `evertide config check`, then resume the channel."


class UsageCapped(PermanentError):
    """X's monthly usage (spend) cap is reached; retrying inside the period only burns requests."""

    hint = "Raise the cap in the X developer portal or wait for the next billing period."


class Rejected(PermanentError):
    """The platform refused this text (too long, empty, invalid); a retry would be refused again."""

    hint = "Edit or skip the entry (`evertide queue skip ID`), or shorten the item's variants."


class CannotTell(PublishError):
    """``find_published`` could not find out whether an interrupted post reached the platform."""

    hint = "Check the account by hand, then mark the entry published or let it be retried."
