"""How each published post is doing: its latest counts, and its imported clicks (added up over the periods
imported, as :mod:`.periods` says).

A post gone from its platform keeps the counts of its last pull before it went; ``gone`` says so.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from content_library.database import in_chunks
from scheduler.metrics.periods import summed_clicks
from scheduler.metrics.tables import ClickCount, EngagementCount
from scheduler.queue.tables import Publication


@dataclass(frozen=True)
class Engagement:
    """A post's latest known figures: counts None until a pull read them, clicks None until an import."""

    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    clicks: int | None = None
    gone: bool = False

    @property
    def known(self) -> bool:
        return self.likes is not None or self.clicks is not None

    @property
    def total(self) -> int:
        """Every interaction counted alike: likes, reposts, replies and clicks."""
        return sum(value or 0 for value in (self.likes, self.reposts, self.replies, self.clicks))


def latest_engagement(session: Session, posts: Sequence[Publication]) -> dict[int, Engagement]:
    """Each post's :class:`Engagement`, by publication id; posts with nothing known are left out."""
    counts: dict[int, EngagementCount] = {}
    gone: set[int] = set()
    clicks: dict[int, int] = {}
    ids = [post.id for post in posts if post.id is not None]
    entry_ids = [post.entry_id for post in posts if post.entry_id is not None]
    for chunk in in_chunks(ids):
        for row in session.exec(
            select(EngagementCount)
            .where(col(EngagementCount.publication_id).in_(chunk))
            .order_by(col(EngagementCount.pulled_at), col(EngagementCount.id))
        ).all():
            if row.gone:
                gone.add(row.publication_id)
            else:
                counts[row.publication_id] = row  # later rows replace earlier ones
    for chunk in in_chunks(entry_ids):
        rows: defaultdict[int, list[ClickCount]] = defaultdict(list)
        for click in session.exec(select(ClickCount).where(col(ClickCount.id).in_(_newest_clicks(chunk)))).all():
            rows[click.entry_id].append(click)
        clicks |= {entry_id: summed_clicks(counted) for entry_id, counted in rows.items()}
    found: dict[int, Engagement] = {}
    for post in posts:
        if post.id is None:
            continue
        pulled = counts.get(post.id)
        clicked = clicks.get(post.entry_id) if post.entry_id is not None else None
        if pulled is None and clicked is None and post.id not in gone:
            continue
        found[post.id] = Engagement(
            likes=pulled.likes if pulled else None,
            reposts=pulled.reposts if pulled else None,
            replies=pulled.replies if pulled else None,
            clicks=clicked,
            gone=post.id in gone,
        )
    return found


def _newest_clicks(entry_ids: Sequence[int]) -> SelectOfScalar[int | None]:
    """The ids of the rows that can count: the newest total and the newest import of each period, per post
    (an older import of the same period, or an older total, is replaced)."""
    return (
        select(func.max(ClickCount.id))
        .where(col(ClickCount.entry_id).in_(entry_ids))
        .group_by(col(ClickCount.entry_id), col(ClickCount.period_since), col(ClickCount.period_until))
    )
