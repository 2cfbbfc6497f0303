"""Engagement added up by item, by wording (a variant or a template), by audience segment and by local hour;
and dead weight.

Pure: takes published posts and their latest :class:`~scheduler.metrics.latest.Engagement`, returns numbers.
A post counts in ``posts`` whether or not anything is known about it, and in ``counted`` only once a pull
read it or clicks were imported for it, so a ranking never mistakes "not read yet" for "nobody cared".
Each count is also known or not: a tally of posts that no platform could read (a file channel's) has unknown
likes, not 0 (:meth:`Tally.count`). *Dead weight* is an item shared at least :data:`DEAD_WEIGHT_SHARES` times,
each of those counted, with no like, repost, reply or click at all: a candidate to rewrite or retire.

A *wording* is ``(item id, variant id, template key)``: each variant, and each template by its key
(:func:`scheduler.planning.variants.template_key`). Posts recorded before templates were, and a person's own
words, have neither and add up as one wording, "templates".
"""

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from scheduler.metrics.latest import Engagement
from scheduler.queue.tables import Publication
from scheduler.zones import UnknownZone, zone

DEAD_WEIGHT_SHARES = 3
GONE_TEMPLATE = "(template no longer in config)"

K = TypeVar("K", bound=Hashable)


COUNTS = ("likes", "reposts", "replies", "clicks")
UNKNOWN = "–"  # how a table shows a count no platform or import gave


@dataclass
class Tally:
    posts: int = 0
    counted: int = 0
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    clicks: int = 0
    known: set[str] = field(default_factory=set)  # the COUNTS at least one counted post had a figure for

    def add(self, engagement: Engagement | None) -> None:
        self.posts += 1
        if engagement is None or not engagement.known:
            return
        self.counted += 1
        for name in COUNTS:
            value = getattr(engagement, name)
            if value is not None:
                self.known.add(name)
                setattr(self, name, getattr(self, name) + value)

    def count(self, name: str) -> int | None:
        """The sum of ``name`` (one of :data:`COUNTS`), or None when no post of the tally had it: a file
        channel's likes, clicks never imported. A table shows None as unknown, never as 0."""
        return getattr(self, name) if name in self.known else None

    @property
    def total(self) -> int:
        return self.likes + self.reposts + self.replies + self.clicks

    @property
    def per_post(self) -> float:
        """Engagement per post whose engagement is known (call only when some is: ``counted`` > 0)."""
        return self.total / self.counted

    def as_json(self) -> dict[str, int]:
        return {
            "posts": self.posts,
            "counted": self.counted,
            "likes": self.likes,
            "reposts": self.reposts,
            "replies": self.replies,
            "clicks": self.clicks,
            "engagement": self.total,
        }


@dataclass
class Tallies:
    by_item: dict[int, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_wording: dict[tuple[int, int | None, str | None], Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_segment: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_hour: dict[int, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_segment_hour: dict[tuple[str, int], Tally] = field(default_factory=lambda: defaultdict(Tally))  # where, when


def local_hour(post: Publication) -> int:
    """The hour on the segment's clocks when the post went out (UTC if its zone is no longer known)."""
    try:
        return post.published_at.astimezone(zone(post.zone)).hour
    except UnknownZone:
        return post.published_at.hour


def tally(posts: Sequence[Publication], engagement: Mapping[int, Engagement]) -> Tallies:
    tallies = Tallies()
    for post in posts:
        known = engagement.get(post.id or 0)
        tallies.by_item[post.item_id].add(known)
        tallies.by_wording[(post.item_id, post.variant_id, post.template_key)].add(known)
        tallies.by_segment[post.zone].add(known)
        tallies.by_hour[local_hour(post)].add(known)
        tallies.by_segment_hour[(post.zone, local_hour(post))].add(known)
    return tallies


def template_text(template_key: str | None, templates: Mapping[str, str]) -> str | None:
    """The text of the template a wording's posts came from, :data:`GONE_TEMPLATE` once the config no longer
    has it, None when no template is known (a variant's posts, or ones recorded before templates were)."""
    if template_key is None:
        return None
    return templates.get(template_key, GONE_TEMPLATE)


def ranked(tallies: Mapping[K, Tally]) -> list[tuple[K, Tally]]:
    """Counted entries, most engagement per counted post first (ties: more engagement, then more posts)."""
    counted = [(key, t) for key, t in tallies.items() if t.counted]
    return sorted(counted, key=lambda pair: (-pair[1].per_post, -pair[1].total, -pair[1].posts))


def dead_weight(by_item: Mapping[int, Tally]) -> list[tuple[int, Tally]]:
    """Items counted at least :data:`DEAD_WEIGHT_SHARES` times with no engagement at all, most shared first."""
    dead = [(item_id, t) for item_id, t in by_item.items() if t.counted >= DEAD_WEIGHT_SHARES and t.total == 0]
    return sorted(dead, key=lambda pair: (-pair[1].posts, pair[0]))
