"""``evertide stats``: posts per channel and segment, shares per item, coverage gaps, misses and failures.

Read from the history (Publication rows, which outlive their queue entries and items) and the queue's finished
entries, since a given instant; pure apart from the session, so tests pass ``now``.

A *coverage gap* is an item a campaign may post that has not reached one of its channel's audience segments
within the campaign's ``repeat_after`` times the number of segments: the plan aims every item at each
segment in turn, so by then each should have had its turn. An item never posted on the channel is a gap in
every segment.

Engagement is each post's latest counts and imported clicks (:mod:`scheduler.metrics.latest`), added up by
:mod:`.tallies`; :func:`add_engagement` reads it for ``stats`` (the report reads its own, over a longer span).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from sqlmodel import Session, col, select

from scheduler.config import Config
from scheduler.metrics.latest import Engagement, latest_engagement
from scheduler.planning.variants import known_templates
from scheduler.queue.tables import EntryState, Publication, QueueEntry
from scheduler.reporting.tallies import Tallies, tally

if TYPE_CHECKING:
    from content_library.models import Item


class Gap(NamedTuple):
    """A tuple, not a dataclass: a large library on many channels has millions of them."""

    campaign: str
    channel: str
    zone: str
    item_id: int
    title: str
    last: datetime | None  # when the item last reached that segment on that channel, if ever
    due_since: datetime  # reaching the segment after this would have been in time


@dataclass(frozen=True)
class Problem:
    entry_id: int
    channel: str
    state: str  # missed or failed
    at: datetime
    reason: str


@dataclass
class Stats:
    since: datetime
    posts: list[Publication] = field(default_factory=list)
    by_channel: Counter[str] = field(default_factory=Counter)
    by_segment: Counter[str] = field(default_factory=Counter)
    by_item: Counter[int] = field(default_factory=Counter)
    titles: dict[int, str] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    engagement: dict[int, Engagement] = field(default_factory=dict)  # by publication id
    tallies: Tallies = field(default_factory=Tallies)
    templates: dict[str, str] = field(default_factory=dict)  # the text of each template key the config has


def gather(session: Session, config: Config, *, since: datetime, now: datetime) -> Stats:
    from content_library.models import Item

    posts = list(
        session.exec(
            select(Publication).where(col(Publication.published_at) >= since).order_by(col(Publication.published_at))
        ).all()
    )
    stats = Stats(since=since, posts=posts, templates=known_templates(config.campaigns.values()))
    for post in posts:
        stats.by_channel[post.channel] += 1
        stats.by_segment[post.zone] += 1
        stats.by_item[post.item_id] += 1
    items = list(session.exec(select(Item).where(Item.status == "active").order_by(col(Item.id))).all())
    stats.titles = {item.id: item.title for item in items if item.id is not None}
    missing = set(stats.by_item) - set(stats.titles)
    if missing:
        found = session.exec(select(Item).where(col(Item.id).in_(missing))).all()
        stats.titles |= {item.id: item.title for item in found if item.id is not None}
    stats.gaps = _gaps(session, config, items, now=now)
    finished = (EntryState.MISSED.value, EntryState.FAILED.value)
    for entry in session.exec(
        select(QueueEntry)
        .where(col(QueueEntry.state).in_(finished), col(QueueEntry.at) >= since)
        .order_by(col(QueueEntry.at))
    ).all():
        stats.problems.append(Problem(entry.id or 0, entry.channel, entry.state, entry.at, entry.last_error or ""))
    return stats


def _gaps(session: Session, config: Config, items: list["Item"], *, now: datetime) -> list[Gap]:
    from content_library.snapshot import snapshot_of
    from scheduler.planning.eligibility import campaign_filters

    last: dict[tuple[str, int, str], datetime] = {}
    for channel, item_id, zone, at in session.exec(
        select(Publication.channel, Publication.item_id, Publication.zone, Publication.published_at)
    ).all():
        key = (channel, item_id, zone)
        last[key] = max(at, last.get(key, at))
    # plain tuples, read once: this loop runs items x channels x segments times (1.5 million on a large setup)
    rows = [(item.id or 0, item.title, item.created_at, snapshot_of(item, [])) for item in items]
    gaps = []
    for name, campaign in config.campaigns.items():
        pools = campaign_filters(campaign).values()
        eligible = [
            (item_id, title, created) for item_id, title, created, snap in rows if any(p.accepts(snap) for p in pools)
        ]
        for channel in campaign.channels:
            settings = config.channels.get(channel)
            zones = [s.zone for s in config.audiences.get(settings.audience or "", ())] if settings else []
            if not zones:
                continue
            cutoff = now - campaign.repeat_after * len(zones)
            for item_id, title, created in eligible:
                if created >= cutoff:
                    continue  # too new to have had its turn in every segment
                for zone in zones:
                    reached = last.get((channel, item_id, zone))
                    if reached is None or reached < cutoff:
                        gaps.append(Gap(name, channel, zone, item_id, title, reached, cutoff))
    return gaps


def add_engagement(session: Session, stats: Stats) -> Stats:
    """``stats`` with each post's latest engagement and its tallies."""
    stats.engagement = latest_engagement(session, stats.posts)
    stats.tallies = tally(stats.posts, stats.engagement)
    return stats
