"""Pausing and resuming a channel or a campaign.

A hold keeps every entry: paused entries are neither published nor lost. When a hold ends, entries whose time
passed by more than ``grace`` become *missed* (the daemon's missed-post policy) rather than going out in a burst.
People make holds with ``queue pause``; the daemon makes them for rate limits (ending at the platform's reset
instant) and for authentication errors (until a person resumes the channel).

A hold's ``cause`` says who made it and why (:class:`HoldCause`): ``evertide status`` shows a person's as
``paused`` and the daemon's as ``held``, and the daemon lifts a ``misconfigured`` hold by itself once the
channel can be built again (:func:`release_fixed`).
"""

from datetime import datetime

from sqlmodel import Session, col, select

from content_library.errors import EvertideError
from scheduler.config import Config
from scheduler.names import require_known
from scheduler.queue.entries import active_entries
from scheduler.queue.outcomes import mark_missed_entries
from scheduler.queue.tables import Hold, HoldCause, HoldScope

SCOPES = tuple(HoldScope)
PAUSED_BY_PERSON = "paused by a person"


def _known(config: Config, scope: HoldScope | str, name: str) -> HoldScope:
    if scope not in SCOPES:
        raise EvertideError(f'unknown hold scope "{scope}"; allowed: {", ".join(SCOPES)}')
    scope = HoldScope(scope)
    require_known(scope.value, [name], config.channels if scope == HoldScope.CHANNEL else config.campaigns)
    return scope


def pause(
    session: Session,
    config: Config,
    scope: HoldScope | str,
    name: str,
    *,
    now: datetime,
    until: datetime | None = None,
    reason: str = PAUSED_BY_PERSON,
    cause: HoldCause = HoldCause.PERSON,
) -> Hold:
    """Hold ``scope`` ``name`` until ``until`` (or until resumed); a second pause replaces the first, except
    that the daemon's holds never replace a person's (found in review: a 429 met while a person paused the
    channel turned the pause into an 8-second rate-limit hold), and never shorten another of the daemon's."""
    scope = _known(config, scope, name)
    hold = session.exec(select(Hold).where(Hold.scope == scope.value, Hold.name == name)).first()
    if hold is None:
        hold = Hold(scope=scope.value, name=name, created_at=now)
    elif cause != HoldCause.PERSON and (made_by_person(hold) or _longer(hold.until, until, now=now)):
        return hold
    hold.until, hold.reason, hold.cause = until, reason, cause.value
    session.add(hold)
    session.flush()
    return hold


def resume(session: Session, config: Config, scope: HoldScope | str, name: str, *, now: datetime) -> int:
    """Lift the hold; returns how many held entries became missed because their time passed beyond grace."""
    scope = _known(config, scope, name)
    hold = session.exec(select(Hold).where(Hold.scope == scope.value, Hold.name == name)).first()
    if hold is None:
        raise EvertideError(f"{scope} {name} is not paused")
    session.delete(hold)
    entries = [e for e in active_entries(session) if getattr(e, scope.value) == name and e.at <= now]
    return mark_missed_entries(session, config, entries, now=now)


def active_holds(session: Session, *, now: datetime) -> list[Hold]:
    """Holds in force at ``now`` (a hold whose ``until`` has passed no longer counts)."""
    holds = session.exec(select(Hold).order_by(col(Hold.scope), col(Hold.name))).all()
    return [h for h in holds if h.until is None or h.until > now]


def _longer(held_until: datetime | None, until: datetime | None, *, now: datetime) -> bool:
    """Whether a hold in force until ``held_until`` (None: until resumed) outlasts one until ``until``."""
    if held_until is not None and held_until <= now:
        return False  # over: anything replaces it
    return held_until is None or (until is not None and held_until > until)


def made_by_person(hold: Hold) -> bool:
    """A hold a person made with ``queue pause`` (not one the daemon made for a rate limit or a refusal)."""
    return hold.cause == HoldCause.PERSON.value


def release_fixed(session: Session, config: Config, channels: set[str], *, now: datetime) -> list[str]:
    """Lift the ``misconfigured`` holds of ``channels``, which can be built again; returns their names. Like
    :func:`resume`, entries whose time passed beyond grace meanwhile become missed: no burst."""
    holds = session.exec(
        select(Hold).where(Hold.scope == HoldScope.CHANNEL.value, Hold.cause == HoldCause.MISCONFIGURED.value)
    ).all()
    released = [hold.name for hold in holds if hold.name in channels]
    for name in released:
        resume(session, config, HoldScope.CHANNEL, name, now=now)
    return released


def is_held(holds: list[Hold], channel: str, campaign: str | None) -> Hold | None:
    return next(
        (
            h
            for h in holds
            if (h.scope == HoldScope.CHANNEL and h.name == channel)
            or (h.scope == HoldScope.CAMPAIGN and h.name == campaign)
        ),
        None,
    )
