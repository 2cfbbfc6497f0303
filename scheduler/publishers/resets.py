"""Reset instants read from the platforms' rate-limit headers, never from our clock.

Each platform spells the instant differently: X ``x-rate-limit-reset`` and Bluesky ``ratelimit-reset``
are Unix epoch seconds, Mastodon ``X-RateLimit-Reset`` is ISO 8601 with microseconds (GoToSocial sends
epoch seconds under the same name), and HTTP ``Retry-After`` is seconds or an HTTP-date. A value that
does not parse gives ``None``: the daemon then falls back to its own backoff rather than failing.
"""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime


def from_epoch(value: str | int | None) -> datetime | None:
    """Unix epoch seconds → aware UTC datetime."""
    try:
        return datetime.fromtimestamp(int(value), UTC) if value is not None else None
    except (ValueError, OverflowError, OSError):
        return None


def from_iso_or_epoch(value: str | None) -> datetime | None:
    """``2026-11-22T12:00:00.000000Z`` (Mastodon) or epoch seconds (GoToSocial) → aware UTC datetime."""
    if value is None:
        return None
    if value.strip().isdigit():
        return from_epoch(value)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def from_retry_after(headers: Mapping[str, str], fallback_now: datetime | None) -> datetime | None:
    """``Retry-After`` as an instant. Seconds are counted from the response's own ``Date`` header (the
    server's clock); only without one is ``fallback_now`` used. An HTTP-date needs neither."""
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        base = _http_date(headers.get("date")) or fallback_now
        return base + timedelta(seconds=int(value)) if base else None
    return _http_date(value)


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
