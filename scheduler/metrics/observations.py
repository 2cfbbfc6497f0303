"""What the planner learns from: each published post's engagement, as :class:`~scheduler.planning.learning.Observation`.

This is the one road from the platforms' counts (and imported clicks) to the plan: ``queue fill``, the daemon's
refill and ``plan`` all read it, and ``bench/reach`` feeds its simulated engagement through the same tables.
Only channels of campaigns with ``learn: true`` are read, and only the last :data:`REMEMBERED` of them: the
planner weighs at most the latest few dozen shares of an option, and old habits fade.
"""

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from scheduler.config import Config
from scheduler.metrics.latest import latest_engagement
from scheduler.planning.learning import Observation
from scheduler.queue.tables import Publication

REMEMBERED = timedelta(days=180)


def learning_channels(config: Config) -> set[str]:
    return {channel for campaign in config.campaigns.values() if campaign.learn for channel in campaign.channels}


def observations(session: Session, config: Config, *, now: datetime) -> list[Observation]:
    """Every post published on a learning channel since :data:`REMEMBERED` before ``now`` whose engagement is
    known, oldest first; nothing at all when no campaign learns."""
    channels = learning_channels(config)
    if not channels:
        return []
    posts = list(
        session.exec(
            select(Publication)
            .where(col(Publication.channel).in_(sorted(channels)), col(Publication.published_at) >= now - REMEMBERED)
            .order_by(col(Publication.published_at), col(Publication.id))
        ).all()
    )
    known = latest_engagement(session, posts)
    return [
        Observation(
            channel=post.channel,
            item_id=post.item_id,
            zone=post.zone,
            published_at=post.published_at,
            engagement=known[post.id].total,
            variant_id=post.variant_id,
            template_key=post.template_key,
        )
        for post in posts
        if post.id in known and known[post.id].known
    ]
