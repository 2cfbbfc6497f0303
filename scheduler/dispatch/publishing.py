"""Publishing due entries exactly once: claim, call the platform, record — each step its own transaction.

The daemon, ``run --once`` and ``queue share-now --direct`` all go through :class:`Dispatcher`. It takes
``now`` from its caller and publishers from a factory, so tests drive it with a fixed clock and real clients
pointed at loopback emulators. One channel's failure never stops another: errors are decided per entry
(:mod:`scheduler.retry`) and can at most hold that entry's channel.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from content_library.database import transaction
from content_library.errors import EvertideError
from content_library.models import Item
from scheduler.config import Config
from scheduler.dispatch.claims import Skipped, claim_next, expired_claims
from scheduler.publishers.base import OutgoingPost, Published, Publisher
from scheduler.publishers.errors import CannotTell, PublishError, Unavailable
from scheduler.queue.entries import get_entry, save
from scheduler.queue.holds import pause
from scheduler.queue.outcomes import (
    grace_for,
    record_failed,
    record_in_doubt,
    record_missed,
    record_published,
)
from scheduler.queue.rendering import render_for_entry
from scheduler.queue.tables import EntryState, QueueEntry
from scheduler.retry import CountAsPublished, Fail, HoldChannel, Miss, RetryLater, TryNextVariant, decide

log = logging.getLogger("evertide.dispatch")

PublisherFactory = Callable[[str], Publisher]
T = TypeVar("T")


@dataclass(frozen=True)
class Event:
    """One thing that happened to one entry; the daemon logs each as one line."""

    channel: str
    entry_id: int | None
    outcome: str  # published, already_published, retry, held, missed, failed, in_doubt, deferred
    detail: str = ""


class Dispatcher:
    def __init__(self, engine: Engine, config: Config, publishers: PublisherFactory, *, worker: str) -> None:
        self._engine = engine
        self._config = config
        self._publishers = publishers
        self._worker = worker
        self._built: dict[str, Publisher] = {}

    def publisher(self, channel: str) -> Publisher:
        if channel not in self._built:
            self._built[channel] = self._publishers(channel)
        return self._built[channel]

    def close(self) -> None:
        for publisher in self._built.values():
            publisher.close()
        self._built.clear()

    def publish_due(self, now: Callable[[], datetime]) -> list[Event]:
        """Publish everything due at ``now()``, one entry per channel per round, until nothing is due."""
        events: list[Event] = []
        while True:
            with transaction(self._engine) as session:
                claimed, skipped = claim_next(session, self._config, now=now(), worker=self._worker)
            events += [_skipped_event(s) for s in skipped]
            if not claimed:
                return events
            for entry in claimed:
                events.append(self._publish(entry, now))

    def settle(self, now: Callable[[], datetime], *, every_claim: bool = False) -> list[Event]:
        """Entries a dead daemon left claimed: ask the platform whether they went out before doing anything.
        Found → published; not there (or the platform deduplicates) → publish now, whatever grace says, since
        the attempt began on time; cannot tell → in_doubt, for `queue resolve`."""
        with transaction(self._engine) as session:
            stale = expired_claims(session, now(), every_claim=every_claim)
        events = []
        for entry in stale:
            post = self._outgoing(entry)
            try:
                found = self._find(entry.channel, post)
            except CannotTell as error:
                events.append(self._record(entry, now, "in_doubt", error.detail, record_in_doubt, reason=error.detail))
                continue
            except (PublishError, EvertideError) as error:
                events.append(self._record(entry, now, "in_doubt", str(error), record_in_doubt, reason=str(error)))
                continue
            if found is not None:
                events.append(self._published(entry, found, now))
            else:
                events.append(self._publish(entry, now))
        return events

    def _find(self, channel: str, post: OutgoingPost) -> Published | None:
        return self._call(channel, lambda: self.publisher(channel).find_published(post))

    def _publish(self, entry: QueueEntry, now: Callable[[], datetime], *, variant_tried: bool = False) -> Event:
        post = self._outgoing(entry)
        try:
            published = self._call(entry.channel, lambda: self.publisher(entry.channel).publish(post))
        except PublishError as error:
            return self._after_error(entry, error, now, variant_tried=variant_tried)
        return self._published(entry, published, now)

    def _call(self, channel: str, action: Callable[[], T]) -> T:
        """Run a publisher call; an unexpected exception (a bug, a library surprise) is treated as an outage
        of that channel, named by its type only, since its message might hold a secret."""
        try:
            return action()
        except PublishError:
            raise
        except EvertideError as error:  # e.g. a credential variable that is not set
            raise Unavailable(channel, str(error), hint=error.hint) from error
        except Exception as error:
            log.debug("unexpected %s from the %s publisher", type(error).__name__, channel, exc_info=True)
            raise Unavailable(channel, f"unexpected {type(error).__name__} in the publisher") from error

    def _after_error(
        self, entry: QueueEntry, error: PublishError, now: Callable[[], datetime], *, variant_tried: bool
    ) -> Event:
        moment = now()
        decision = decide(
            error,
            key=entry.key,
            attempt=entry.attempts,
            scheduled_at=entry.at,
            now=moment,
            grace=grace_for(self._config, entry.campaign),
            retried=entry.attempts > 1 or variant_tried,
        )
        if isinstance(decision, CountAsPublished):
            return self._published(entry, Published(remote_id="", already_existed=True), now)
        if isinstance(decision, TryNextVariant):
            with transaction(self._engine) as session:
                current = get_entry(session, entry.id or 0)
                rendered = render_for_entry(
                    session, self._config, current.item_id, current.channel, current.campaign, avoid=current.text
                )
                if rendered.text == current.text:
                    reason = "duplicate content and the item has no other variant: add one with `library variants add`"
                    record_failed(session, current, reason=reason, now=moment)
                    return Event(entry.channel, entry.id, "failed", reason)
                current = save(session, current, now=moment, text=rendered.text, variant_id=rendered.variant_id)
            return self._publish(current, now, variant_tried=True)
        with transaction(self._engine) as session:
            current = get_entry(session, entry.id or 0)
            if isinstance(decision, RetryLater | Miss) and decision.hold_channel_until:
                # a rate limit holds the whole channel until the platform's reset, whatever becomes of the entry
                pause(
                    session,
                    self._config,
                    "channel",
                    entry.channel,
                    now=moment,
                    until=decision.hold_channel_until,
                    reason=f"rate limited: {error.detail}",
                )
            if isinstance(decision, RetryLater):
                _release(session, current, moment, next_attempt_at=decision.at, error=error.detail)
                return Event(entry.channel, entry.id, "retry", f"{error.detail}; next try {decision.at:%H:%M:%SZ}")
            if isinstance(decision, HoldChannel):
                pause(session, self._config, "channel", entry.channel, now=moment, reason=decision.reason)
                _release(session, current, moment, next_attempt_at=None, error=error.detail)
                hint = f" — {error.hint}" if error.hint else ""
                return Event(entry.channel, entry.id, "held", f"channel paused: {decision.reason}{hint}")
            if isinstance(decision, Miss):
                record_missed(session, current, reason=decision.reason, now=moment)
                return Event(entry.channel, entry.id, "missed", decision.reason)
            assert isinstance(decision, Fail)
            record_failed(session, current, reason=decision.reason, now=moment)
            return Event(entry.channel, entry.id, "failed", decision.reason)

    def _published(self, entry: QueueEntry, published: Published, now: Callable[[], datetime]) -> Event:
        with transaction(self._engine) as session:
            current = get_entry(session, entry.id or 0)
            record_published(
                session, current, remote_id=published.remote_id or None, remote_url=published.remote_url, now=now()
            )
        outcome = "already_published" if published.already_existed else "published"
        return Event(entry.channel, entry.id, outcome, published.remote_url or published.remote_id)

    def _record(
        self,
        entry: QueueEntry,
        now: Callable[[], datetime],
        outcome: str,
        detail: str,
        recorder: Callable[..., QueueEntry],
        **kwargs: str,
    ) -> Event:
        with transaction(self._engine) as session:
            recorder(session, get_entry(session, entry.id or 0), now=now(), **kwargs)
        return Event(entry.channel, entry.id, outcome, detail)

    def _outgoing(self, entry: QueueEntry) -> OutgoingPost:
        with Session(self._engine) as session:
            item = session.get(Item, entry.item_id)
        return OutgoingPost(
            entry_id=entry.id or 0,
            channel=entry.channel,
            text=entry.text,
            item_id=entry.item_id,
            url=item.url if item else None,
            idempotency_key=entry.key,
            first_attempt_at=entry.at,
        )


def _release(
    session: Session, entry: QueueEntry, now: datetime, *, next_attempt_at: datetime | None, error: str
) -> None:
    """Give a claimed entry back to the queue, to be tried again later."""
    save(
        session,
        entry,
        now=now,
        state=EntryState.PLANNED.value,
        claimed_by=None,
        lease_until=None,
        next_attempt_at=next_attempt_at,
        last_error=error,
    )


def _skipped_event(skipped: Skipped) -> Event:
    return Event(skipped.entry.channel, skipped.entry.id, skipped.outcome, skipped.detail)
