"""What a publish error means for the entry and its channel. Pure: takes ``now``, returns a decision.

============================  ==========================================================================
error                         decision
============================  ==========================================================================
RateLimited (reset given)     hold the channel until the reset; the entry waits (missed if beyond grace)
Unavailable, other transient  retry after exponential backoff with jitter, while within ``grace``; then
                              the entry is missed and its item returns to the pool
UsageCapped                   hold the channel until a person resumes it; the entry waits
AuthFailed                    hold the channel until a person fixes the credentials; the entry waits
ChannelMisconfigured          hold the channel until a person sets the variable or installs the extra
DuplicateContent, 1st try     render the next variant and try once more
DuplicateContent, on a retry  the earlier attempt got through: published
Rejected, other permanent     failed, with the platform's reason
============================  ==========================================================================

The jitter is derived from the entry's key and attempt number, not from a random generator, so a decision
can be replayed exactly in a test.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.publishers.errors import (
    AuthFailed,
    ChannelMisconfigured,
    DuplicateContent,
    PublishError,
    RateLimited,
    TransientError,
    UsageCapped,
)

BACKOFF_BASE = timedelta(seconds=5)
SOONEST_RETRY = timedelta(seconds=1)  # a reset instant already past (clock skew) must not make a tight loop
BACKOFF_CAP = timedelta(minutes=5)
RATE_LIMIT_FALLBACK = timedelta(minutes=15)


@dataclass(frozen=True)
class RetryLater:
    at: datetime
    hold_channel_until: datetime | None = None  # set for rate limits: the whole channel waits


@dataclass(frozen=True)
class HoldChannel:
    """Stop the channel until a person resumes it; the entry keeps its place."""

    reason: str


@dataclass(frozen=True)
class TryNextVariant:
    pass


@dataclass(frozen=True)
class CountAsPublished:
    pass


@dataclass(frozen=True)
class Miss:
    reason: str
    hold_channel_until: datetime | None = None


@dataclass(frozen=True)
class Fail:
    reason: str


Decision = RetryLater | HoldChannel | TryNextVariant | CountAsPublished | Miss | Fail


def backoff(key: str, attempt: int) -> timedelta:
    """Exponential backoff (5 s, 10 s, 20 s … capped at 5 min) with up to 50 % jitter derived from the key."""
    delay = min(BACKOFF_BASE * 2 ** max(attempt - 1, 0), BACKOFF_CAP)
    digest = hashlib.sha256(f"{key}:{attempt}".encode()).digest()
    fraction = int.from_bytes(digest[:4], "big") / 2**32
    return delay * (1 + fraction / 2)


def decide(
    error: PublishError,
    *,
    key: str,
    attempt: int,
    scheduled_at: datetime,
    now: datetime,
    grace: timedelta,
    retried: bool,
) -> Decision:
    """``attempt`` counts calls to the platform for this entry, this one included; ``retried`` is True when an
    earlier call with this same text may have reached the platform (a crash, a timeout): then X's duplicate
    refusal means that call got through."""
    deadline = scheduled_at + grace
    if isinstance(error, DuplicateContent):
        return CountAsPublished() if retried else TryNextVariant()
    if isinstance(error, AuthFailed | ChannelMisconfigured | UsageCapped):
        return HoldChannel(error.detail)
    if isinstance(error, RateLimited):
        reset = max(error.retry_at or now + RATE_LIMIT_FALLBACK, now + SOONEST_RETRY)
        if reset <= deadline:
            return RetryLater(reset, hold_channel_until=reset)
        return Miss(_late(error, reset, grace), hold_channel_until=reset)
    if isinstance(error, TransientError):
        at = max(error.retry_at or now + backoff(key, attempt), now + SOONEST_RETRY)
        return RetryLater(at) if at <= deadline else Miss(_late(error, at, grace))
    return Fail(error.detail)


def _late(error: PublishError, retry_at: datetime, grace: timedelta) -> str:
    return f"{error.detail}; the next try at {retry_at:%H:%M:%SZ} would be beyond grace ({grace})"
