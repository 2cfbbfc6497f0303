"""Publishing due entries exactly once: claim, call the platform, record — each step its own transaction.

The daemon, ``run --once`` and ``queue share-now --direct`` all go through :class:`Dispatcher`. It takes
``now`` from its caller and publishers from a factory, so tests drive it with a fixed clock and real clients
pointed at loopback emulators. One channel's failure never stops another: errors are decided per entry
(:mod:`scheduler.dispatch.retry`) and can at most hold that entry's channel.

Every write after the claim goes through the version the worker claimed (:func:`scheduler.queue.entries.save`).
If the lease ran out during a slow call and another worker took the entry over, that write is refused: the
late worker records nothing and calls the platform no more ("lost_claim"); the worker that took over asked the
platform first, so the post exists once.
"""

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from content_library.database import transaction
from content_library.errors import EvertideError
from content_library.failures import one_line
from content_library.models import Item
from content_library.store import mark_needs_variant
from scheduler.config import Config
from scheduler.dispatch.claims import LEASE, Skipped, claim_due, expired_claims, miss_beyond_grace
from scheduler.dispatch.deadline import Overdue, within
from scheduler.dispatch.images import post_image
from scheduler.dispatch.link_cards import link_card
from scheduler.dispatch.posted_links import posted_link
from scheduler.dispatch.retry import CountAsPublished, Fail, HoldChannel, Miss, RetryLater, TryNextVariant, decide
from scheduler.planning.slots import format_duration
from scheduler.publishers.base import CLOCK_SKEW, OutgoingPost, Published, Publisher, ReadsOwnPosts
from scheduler.publishers.errors import CannotTell, ChannelMisconfigured, PublishError, Unavailable
from scheduler.queue import states
from scheduler.queue.entries import ConcurrentEdit, ours_since
from scheduler.queue.holds import pause, release_fixed
from scheduler.queue.outcomes import grace_for
from scheduler.queue.rendering import render_for_entry
from scheduler.queue.states import Outcome
from scheduler.queue.tables import HoldCause, HoldScope, Origin, QueueEntry
from scheduler.rules import RuleBook

log = logging.getLogger("evertide.dispatch")

PublisherFactory = Callable[[str], Publisher]
LATE_RECORD = timedelta(hours=1)  # our posts are recorded after the call: look back beyond the quiet period
SWEEP_EVERY = timedelta(seconds=5)  # how often a round also misses, in bulk, what is beyond grace
Clock = Callable[[], datetime]
T = TypeVar("T")


@dataclass(frozen=True)
class Event:
    """One thing that happened to one entry; the daemon logs each as one line."""

    channel: str
    entry_id: int | None
    outcome: Outcome
    detail: str = ""


class Dispatcher:
    def __init__(self, engine: Engine, config: Config, publishers: PublisherFactory, *, worker: str) -> None:
        self._engine = engine
        self._config = config
        self._publishers = publishers
        self._worker = worker
        self._built: dict[str, Publisher] = {}
        self._last_sweep: datetime | None = None
        self._rules = RuleBook.from_config(config)

    def publisher(self, channel: str) -> Publisher:
        if channel not in self._built:
            self._built[channel] = self._publishers(channel)
        return self._built[channel]

    def prepare(self, now: Clock) -> list[str]:
        """Build every configured channel's publisher now (no network request is made), so its imports and
        set-up are not paid by the first post on one worker while the others wait on the import lock. A
        channel that cannot be built is left to its first post, which holds it with the reason; one that was
        held for that and builds now (a variable set, an extra installed) is released. Returns the released
        channels."""
        built = set()
        for channel in self._config.channels:
            try:
                self.publisher(channel)
            except PublishError:
                continue
            built.add(channel)
        with transaction(self._engine) as session:
            return release_fixed(session, self._config, built, now=now())

    def close(self) -> None:
        for publisher in self._built.values():
            publisher.close()
        self._built.clear()

    def _abandon(self, channel: str) -> None:
        """Drop the channel's publisher after an overdue call; closing it ends the call's connection."""
        publisher = self._built.pop(channel, None)
        if publisher is not None:
            try:
                publisher.close()
            except Exception:  # closing under a request in flight: whatever the client says, it is gone
                log.debug("closing the %s publisher after an overdue call failed", channel, exc_info=True)

    # -- the two ways in ------------------------------------------------------------------------------------

    def publish_due(self, now: Clock) -> list[Event]:
        """Publish everything due at ``now()``, one entry at a time, oldest first (``run --once``,
        ``share-now --direct``; the daemon publishes channels side by side, see :mod:`scheduler.daemon.workers`),
        until a round finds nothing to take. One claim at a time, so none waits behind other calls."""
        events: list[Event] = []
        while True:
            skipped, claimed = self.claim_due(now, limit=1)
            events += skipped + [self.publish_claimed(entry, now) for entry in claimed]
            if not claimed and not skipped:  # (missed and deferred entries leave the due set: no spinning)
                return events

    def claim_due(self, now: Clock, *, limit: int) -> tuple[list[Event], list[QueueEntry]]:
        """One round: claim the oldest takeable due entry of up to ``limit`` channels (those without a claim in
        force, whichever daemon holds it), and report the entries found missed or deferred on the way."""
        moment = now()
        missed: list[Skipped] = []
        if self._last_sweep is None or moment - self._last_sweep >= SWEEP_EVERY:
            # apart from the claim: it waits for rows a claim holds, and a claim never waits
            with transaction(self._engine) as session:
                missed = miss_beyond_grace(session, self._config, now=moment)
            self._last_sweep = moment
        with transaction(self._engine) as session:
            claimed, skipped = claim_due(
                session,
                self._config,
                now=moment,
                worker=self._worker,
                lease=self._lease(),
                limit=limit,
                rules=self._rules,
            )
        return [_skipped_event(s) for s in missed + skipped], claimed

    def publish_claimed(self, entry: QueueEntry, now: Clock) -> Event:
        """Call the platform for an entry this worker claimed, and record the outcome."""
        return self._safely(entry, now, lambda e: self._attempt(e, now, may_have_posted=False))

    def publish_entry(self, entry: QueueEntry, now: Clock) -> Event:
        """Claim this one planned entry and publish it (``share-now --direct``); LOST_CLAIM if someone took
        or changed it first."""
        try:
            with transaction(self._engine) as session:
                claimed = states.claim(session, entry, worker=self._worker, now=now(), lease=self._lease())
        except ConcurrentEdit:
            return _lost(entry)
        return self.publish_claimed(claimed, now)

    def give_back(self, entry: QueueEntry, now: Clock) -> None:
        """Return a claim that will make no call (the daemon is stopping): planned again, as it was."""
        try:
            with transaction(self._engine) as session:
                states.give_back(session, entry, now=now())
        except ConcurrentEdit:
            pass  # someone took it over meanwhile: theirs now

    def settle(
        self,
        now: Clock,
        *,
        every_claim: bool = False,
        live_owners: Collection[str] = (),
        dead_owners: Collection[str] = (),
        in_flight: Collection[int] = (),
    ) -> list[Event]:
        """Entries left claimed by a worker that died: a daemon of ``dead_owners``, or one that never registers
        whose lease ran out; never those of ``live_owners`` nor the caller's own calls ``in_flight``
        (:func:`expired_claims`). Each is claimed
        afresh, then the platform is asked whether it went out: found → published; not there, or the platform
        deduplicates → publish now, whatever grace says, since the attempt began on time; cannot tell →
        in_doubt, for `queue resolve`. ``every_claim``: a SQLite daemon starting up, which knows it is the
        only one."""
        with transaction(self._engine) as session:
            stale = expired_claims(
                session,
                now(),
                every_claim=every_claim,
                live_owners=live_owners,
                dead_owners=dead_owners,
                in_flight=in_flight,
            )
        events = []
        for entry in stale:
            if entry.channel not in self._config.channels:
                continue  # a channel removed from the config: its claim waits untouched, as its entries do
            claimed = self._take_over(entry, now)
            if claimed is not None:
                events.append(self._safely(claimed, now, lambda e: self._settle_one(e, now)))
        return events

    # -- steps ------------------------------------------------------------------------------------------------

    def _take_over(self, entry: QueueEntry, now: Clock) -> QueueEntry | None:
        try:
            with transaction(self._engine) as session:
                return states.take_over(session, entry, worker=self._worker, now=now(), lease=self._lease())
        except ConcurrentEdit:
            return None  # someone else took or changed it since we read it

    def _lease(self) -> timedelta:
        """Long enough for a claim's calls (a re-worded retry makes two), each bounded by its channel's
        timeout, so that even a worker that does not register a heartbeat (``run --once``) keeps its claim
        while its call runs."""
        longest = max((settings.timeout for settings in self._config.channels.values()), default=timedelta(0))
        return max(LEASE, 2 * longest + timedelta(seconds=30))

    def _settle_one(self, entry: QueueEntry, now: Clock) -> Event:
        post = self._outgoing(entry)
        try:
            found = self._call(entry.channel, lambda: self.publisher(entry.channel).find_published(post))
        except PublishError as error:
            reason = error.detail if isinstance(error, CannotTell) else str(error)
            return self._record(entry, now, Outcome.IN_DOUBT, reason, states.doubt, reason=reason)
        if found is not None:
            return self._record_published(entry, found, now)
        return self._attempt(entry, now, may_have_posted=True)

    def _attempt(self, entry: QueueEntry, now: Clock, *, may_have_posted: bool, variant_tried: bool = False) -> Event:
        """One platform call for a claimed entry, and what follows from its answer."""
        if not may_have_posted and entry.attempts == 1 and not variant_tried:
            by_hand = self._posted_by_hand(entry, now)
            if by_hand is not None:
                return self._record(entry, now, Outcome.YIELDED, by_hand, states.give_way, reason=by_hand)
        post = self._outgoing(entry)
        try:
            published = self._call(entry.channel, lambda: self.publisher(entry.channel).publish(post))
        except PublishError as error:
            # An earlier call of this same text may have gone through after a crash or a retried timeout;
            # a freshly re-worded text has had no earlier call.
            earlier_call = (may_have_posted or entry.attempts > 1) and not variant_tried
            return self._after_error(entry, error, now, earlier_call=earlier_call, variant_tried=variant_tried)
        return self._record_published(entry, published, now)

    def _posted_by_hand(self, entry: QueueEntry, now: Clock) -> str | None:
        """Why this slot gives way, if a person posted on the channel within its ``quiet_after_manual``: a post
        of the account that evertide did not make. Reading is best effort: when it fails the post goes out,
        since a missed evergreen post costs more than one close to a fresh one. Only the planner's evergreen
        posts give way: a post a person inserted, pinned or shared now is meant to go out."""
        if entry.origin != Origin.PLANNER.value or entry.pinned:
            return None
        settings = self._config.channels.get(entry.channel)
        quiet = settings.quiet_after_manual if settings is not None else None
        if quiet is None:
            return None
        try:
            publisher = self.publisher(entry.channel)
        except EvertideError:
            return None  # the channel cannot be built: its publish attempt says why and holds it
        if not isinstance(publisher, ReadsOwnPosts):
            return None
        since = now() - quiet
        try:
            theirs = self._call(entry.channel, lambda: publisher.recent_own_posts(since - CLOCK_SKEW))
        except PublishError as error:
            log.info("%s: could not read the account's recent posts (%s); publishing anyway", entry.channel, error)
            return None
        with transaction(self._engine) as session:
            ours = ours_since(session, entry.channel, since - LATE_RECORD)
        by_hand = [post for post in theirs if post.remote_id not in ours and post.created_at >= since]
        if not by_hand:
            return None
        latest = max(post.created_at for post in by_hand)
        quiet_for = format_duration(quiet.total_seconds())
        return f"a post made by hand at {latest:%H:%M}Z is fresher news (quiet_after_manual {quiet_for})"

    def _call(self, channel: str, action: Callable[[], T]) -> T:
        """Run a publisher call within the channel's ``timeout``, whole (HTTP clients time out per read, so a
        receiver dripping one byte at a time would hold a call for ever). Past the deadline the call is
        abandoned as an outage that may have reached the platform, and the channel's publisher is closed, which
        cuts the abandoned request's connection; the next attempt builds a new one. An unexpected exception
        (a bug, a library surprise) is an outage of that channel too, named by its type only, since its
        message might hold a secret."""
        settings = self._config.channels.get(channel)
        deadline = settings.timeout.total_seconds() if settings is not None else None
        try:
            return within(deadline, action, name=f"evertide-call-{channel}")
        except Overdue:
            self._abandon(channel)
            shown = format_duration(deadline or 0)
            raise Unavailable(channel, f"no answer within {shown} (the whole call, timeout: {shown})") from None
        except PublishError:
            raise
        except EvertideError as error:  # e.g. a credential variable that is not set
            raise Unavailable(channel, str(error), hint=error.hint) from error
        except Exception as error:
            log.debug("unexpected %s from the %s publisher", type(error).__name__, channel, exc_info=True)
            raise Unavailable(channel, f"unexpected {type(error).__name__} in the publisher") from error

    def _after_error(
        self, entry: QueueEntry, error: PublishError, now: Clock, *, earlier_call: bool, variant_tried: bool
    ) -> Event:
        moment = now()
        decision = decide(
            error,
            key=entry.key,
            attempt=entry.attempts,
            scheduled_at=entry.at,
            now=moment,
            grace=grace_for(self._config, entry.campaign),
            retried=earlier_call,
        )
        if isinstance(decision, CountAsPublished):
            return self._record_published(entry, Published(remote_id="", already_existed=True), now)
        if isinstance(decision, TryNextVariant):
            if variant_tried:
                return self._needs_variant(entry, now, "duplicate content with every wording tried")
            return self._reword(entry, now)
        with transaction(self._engine) as session:
            try:
                return self._apply(session, entry, error, decision, moment)
            except ConcurrentEdit:
                session.rollback()
                return _lost(entry)

    def _apply(
        self, session: Session, entry: QueueEntry, error: PublishError, decision: object, moment: datetime
    ) -> Event:
        if isinstance(decision, RetryLater | Miss) and decision.hold_channel_until:
            # a rate limit holds the whole channel until the platform's reset, whatever becomes of the entry
            pause(
                session,
                self._config,
                HoldScope.CHANNEL,
                entry.channel,
                now=moment,
                until=decision.hold_channel_until,
                reason=f"rate limited: {error.detail}",
                cause=HoldCause.RATE_LIMIT,
            )
        if isinstance(decision, RetryLater):
            states.release(session, entry, retry_at=decision.at, error=error.detail, now=moment)
            return Event(entry.channel, entry.id, Outcome.RETRY, f"{error.detail}; next try {decision.at:%H:%M:%SZ}")
        if isinstance(decision, HoldChannel):
            cause = HoldCause.MISCONFIGURED if isinstance(error, ChannelMisconfigured) else HoldCause.REFUSED
            pause(
                session, self._config, HoldScope.CHANNEL, entry.channel, now=moment, reason=decision.reason, cause=cause
            )
            states.release(session, entry, retry_at=None, error=error.detail, now=moment)
            hint = f" — {error.hint}" if error.hint else ""
            return Event(entry.channel, entry.id, Outcome.HELD, f"channel paused: {decision.reason}{hint}")
        if isinstance(decision, Miss):
            states.miss(session, entry, reason=decision.reason, now=moment)
            return Event(entry.channel, entry.id, Outcome.MISSED, decision.reason)
        assert isinstance(decision, Fail)
        states.fail(session, entry, reason=decision.reason, now=moment)
        return Event(entry.channel, entry.id, Outcome.FAILED, decision.reason)

    def _reword(self, entry: QueueEntry, now: Clock) -> Event:
        """X refused the text as a duplicate of a recent post: render the next wording and try once more."""
        try:
            with transaction(self._engine) as session:
                rendered = render_for_entry(
                    session,
                    self._config,
                    entry.item_id,
                    entry.channel,
                    entry.campaign,
                    at=entry.at,
                    avoid=entry.text,
                    ignore=entry.id,
                )
                reworded = None
                if rendered.text != entry.text:
                    reworded = states.reword(
                        session,
                        entry,
                        text=rendered.text,
                        variant_id=rendered.variant_id,
                        template_key=rendered.template_key,
                        now=now(),
                    )
        except ConcurrentEdit:
            return _lost(entry)
        except EvertideError as error:  # the item was removed, or no wording fits the platform
            reason = f"duplicate content, and no other wording could be made: {error}"
            return self._record(entry, now, Outcome.FAILED, reason, states.fail, reason=reason)
        if reworded is None:
            return self._needs_variant(entry, now, "duplicate content and the item has no other wording")
        return self._attempt(reworded, now, may_have_posted=False, variant_tried=True)

    def _needs_variant(self, entry: QueueEntry, now: Clock, why: str) -> Event:
        """Fail the entry and mark its item ``needs_variant``, so it is not planned again in the same words."""
        reason = f"{why}: item {entry.item_id} waits for a new variant (`evertide library variants add`)"
        try:
            with transaction(self._engine) as session:
                states.fail(session, entry, reason=reason, now=now())
                mark_needs_variant(session, entry.item_id, now=now())
        except ConcurrentEdit:
            return _lost(entry)
        return Event(entry.channel, entry.id, Outcome.FAILED, reason)

    def _record_published(self, entry: QueueEntry, published: Published, now: Clock) -> Event:
        outcome = Outcome.ALREADY_PUBLISHED if published.already_existed else Outcome.PUBLISHED
        return self._record(
            entry,
            now,
            outcome,
            published.remote_url or published.remote_id,
            states.publish,
            remote_id=published.remote_id or None,
            remote_url=published.remote_url,
        )

    def _record(
        self,
        entry: QueueEntry,
        now: Clock,
        outcome: Outcome,
        detail: str,
        recorder: Callable[..., QueueEntry],
        **kwargs: object,
    ) -> Event:
        """Write an outcome against the version this worker claimed; refused if the claim was taken over."""
        try:
            with transaction(self._engine) as session:
                recorder(session, entry, now=now(), **kwargs)
        except ConcurrentEdit:
            return _lost(entry)
        return Event(entry.channel, entry.id, outcome, detail)

    def _safely(self, entry: QueueEntry, now: Clock, step: Callable[[QueueEntry], Event]) -> Event:
        """Run one entry's step; a bug there must neither stop the other entries nor leave this one claimed
        (to be re-posted at every settle): it becomes in_doubt, for a person to look at."""
        try:
            return step(entry)
        except Exception as error:
            log.error("publishing entry %s failed unexpectedly: %s", entry.id, one_line(error))
            log.debug("publishing entry %s failed", entry.id, exc_info=True)  # the traceback, with --debug
            reason = f"unexpected {type(error).__name__} while publishing; check whether it went out"
            return self._record(entry, now, Outcome.IN_DOUBT, reason, states.doubt, reason=reason)

    def _outgoing(self, entry: QueueEntry) -> OutgoingPost:
        kind = self._config.channels[entry.channel].kind  # only entries of configured channels are claimed
        with Session(self._engine) as session:
            item = session.get(Item, entry.item_id)
            url = posted_link(entry.text, item.url, kind) if item and item.url else None
            card = link_card(session, item, url) if item and url else None
            image = post_image(session, item) if item and self._attaches_image(entry) else None
        return OutgoingPost(
            entry_id=entry.id or 0,
            channel=entry.channel,
            text=entry.text,
            item_id=entry.item_id,
            url=url,
            idempotency_key=entry.key,
            first_attempt_at=entry.at,
            card=card,
            image=image,
        )

    def _attaches_image(self, entry: QueueEntry) -> bool:
        """Whether the entry's campaign posts pictures; an entry whose campaign left the config (or one added
        by hand, without a campaign) posts none."""
        campaign = self._config.campaigns.get(entry.campaign or "")
        return campaign is not None and campaign.attach_image


def _lost(entry: QueueEntry) -> Event:
    return Event(
        entry.channel, entry.id, Outcome.LOST_CLAIM, "another worker took this entry over; it recorded the outcome"
    )


def _skipped_event(skipped: Skipped) -> Event:
    return Event(skipped.entry.channel, skipped.entry.id, Outcome(skipped.outcome), skipped.detail)
