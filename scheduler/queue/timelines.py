"""A channel's posts, read from the database in one query each for the queue and the history, as the rule
book's :class:`~scheduler.rules.Timeline`: what queue edits and the daemon's claim check test a post against."""

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from scheduler.planning.slots import to_datetime, to_seconds
from scheduler.queue.entries import ACTIVE_STATES
from scheduler.queue.tables import Publication, QueueEntry
from scheduler.rules import Caps, Post, Rule, RuleBook, Timeline


def entry_post(rules: RuleBook, entry: QueueEntry, *, at: datetime | None = None, item_id: int | None = None) -> Post:
    """A queue entry as the rules see it, optionally at another instant or with another item."""
    return Post(
        to_seconds(at or entry.at),
        rules.spacing(entry.channel, entry.campaign),
        item_id or entry.item_id,
        f"entry {entry.id}",
    )


def channel_timeline(
    session: Session,
    rules: RuleBook,
    channel: str,
    low: datetime,
    high: datetime,
    *,
    ignore: Collection[int] = (),
    queued: bool = True,
    as_planned: bool = False,
) -> Timeline:
    """The posts of ``channel`` between ``low`` and ``high``: published ones at the instant they went out (or,
    ``as_planned``, at the instant they were planned for), and (with ``queued``) the entries that will or may
    still go out, except the entries in ``ignore`` (the ones being edited). A published entry counts once,
    through its publication."""
    timeline = Timeline(channel, rules.caps_of(channel))
    if queued:
        entries = session.exec(
            select(QueueEntry).where(
                QueueEntry.channel == channel,
                col(QueueEntry.state).in_(ACTIVE_STATES),
                col(QueueEntry.at) > low,
                col(QueueEntry.at) < high,
            )
        ).all()
        for entry in entries:
            if entry.id not in ignore:
                timeline.add(entry_post(rules, entry))
    instant = col(Publication.scheduled_at) if as_planned else col(Publication.published_at)
    published = session.exec(
        select(Publication).where(Publication.channel == channel, instant > low, instant < high)
    ).all()
    for publication in published:
        label = f"the post published at {publication.published_at:%Y-%m-%d %H:%MZ}"
        at = publication.scheduled_at if as_planned else publication.published_at
        spacing = rules.spacing(channel, publication.campaign)
        timeline.add(Post(to_seconds(at), spacing, publication.item_id, label))
    return timeline


def reach(rules: RuleBook, channel: str, campaign: str | None) -> timedelta:
    """How far around an instant posts can matter to a post of ``campaign``: a cap's span (a calendar month for
    the budget) or the widest spacing of the channel, whichever is longer."""
    widest = rules.spacing(channel, None).wider(rules.spacing(channel, campaign))
    return timedelta(seconds=max(32 * 86400, widest.min_gap, widest.repeat_after))  # a calendar month and more


def pace(session: Session, rules: RuleBook, entry: QueueEntry, now: datetime) -> tuple[datetime, list[str]] | None:
    """None if ``entry`` may go out at ``now`` as far as ``min_gap`` and the caps go, measured against what
    really went out; else the first instant it may, with the rules that hold it back.

    After an outage or downtime the posts still inside ``grace`` go out at the channel's pace, not in a
    burst. A min_gap that the entry already broke where it was planned — a person forced it there — is not
    enforced again: the daemon does not second-guess a ``--force`` about spacing. The caps are a budget (X
    charges per post) and always hold. ``repeat_after`` is the plan's business, not the pace's.
    """
    spacing = rules.spacing(entry.channel, entry.campaign)
    caps = rules.caps_of(entry.channel)
    if spacing.min_gap == 0 and caps == Caps():
        return None  # nothing paces this channel: no need to read what went out
    span = reach(rules, entry.channel, entry.campaign)
    low, high = now - span, now + span
    went_out = channel_timeline(session, rules, entry.channel, low, high, queued=False)
    broken = {v.rule: v.text for v in went_out.violations(Post(to_seconds(now), spacing, None, f"entry {entry.id}"))}
    if not broken:
        return None
    planned = channel_timeline(session, rules, entry.channel, low, high, queued=False, as_planned=True)
    accepted = {v.rule for v in planned.violations(Post(to_seconds(entry.at), spacing)) if v.rule == Rule.MIN_GAP}
    held = [text for rule, text in broken.items() if rule not in accepted]
    if not held:
        return None
    start, horizon = to_seconds(now), int(span.total_seconds())
    free = went_out.next_fit(Post(start, spacing), [(start, start + horizon)])
    free = free if free is not None else start + horizon
    # Say what binds longest too: a min_gap may hold it now while a cap is why it waits a day.
    for violation in went_out.violations(Post(max(start, free - 60), spacing)):
        if violation.rule not in broken and violation.rule not in accepted:
            held.append(violation.text)
    return to_datetime(free), held
