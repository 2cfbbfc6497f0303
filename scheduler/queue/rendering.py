"""Wording for entries a person makes or changes (insert, swap, shuffle, edit) and for the daemon's re-wording
after a duplicate: the planner's own chooser (:func:`scheduler.planning.variants.word`), given the item's
previous post on the channel from the database, so a platform never sees the same text twice in a row."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from content_library.errors import EvertideError
from content_library.snapshot import snapshot_of
from content_library.store import get_item, variants_of
from scheduler.config import Config
from scheduler.planning.variants import option_key, word
from scheduler.queue.entries import ACTIVE_STATES
from scheduler.queue.tables import Publication, QueueEntry


class NoWording(EvertideError):
    """Every way to word the item is too long for the platform, broken, or the text it had last time."""


@dataclass(frozen=True)
class Rendered:
    text: str
    variant_id: int | None
    template_key: str | None  # the template that worded it, when no variant did

    def wording(self) -> dict[str, object]:
        """The entry's columns that say what the post says and which option worded it."""
        return {"text": self.text, "variant_id": self.variant_id, "template_key": self.template_key}


def render_for_entry(
    session: Session,
    config: Config,
    item_id: int,
    channel: str,
    campaign: str | None,
    *,
    at: datetime,
    avoid: str | None = None,
    ignore: int | None = None,
) -> Rendered:
    """The wording of ``item_id`` for a post on ``channel`` at ``at``, after the item's previous post there
    (published or queued, except entry ``ignore``: the one being re-worded); never ``avoid``, the text a
    platform just refused as a duplicate. :class:`NoWording` if nothing fits."""
    item = snapshot_of(get_item(session, item_id), variants_of(session, item_id))
    previous = _previous(session, item_id, channel, at, ignore)
    chosen = word(
        item,
        channel=channel,
        kind=config.channels[channel].kind,
        campaign_name=campaign,
        campaign=config.campaigns.get(campaign) if campaign else None,
        at=at,
        previous_key=option_key(previous.variant_id, previous.template_key) if previous else None,
        previous_text=previous.text if previous else None,
        avoid=(avoid,) if avoid else (),
    )
    if chosen is None:
        raise NoWording(
            f"item {item_id} has no wording that fits {channel} and differs from its last post there",
            hint=f"Add a shorter variant with `evertide library edit {item_id}`, or check its templates.",
        )
    return Rendered(chosen.text, chosen.option.variant_id, chosen.option.template_key)


def _previous(session: Session, item_id: int, channel: str, at: datetime, ignore: int | None) -> Rendered | None:
    """The wording of the item's latest post on the channel before ``at``, published or queued."""
    published = session.exec(
        select(Publication.text, Publication.variant_id, Publication.template_key, Publication.published_at)
        .where(Publication.channel == channel, Publication.item_id == item_id, col(Publication.published_at) < at)
        .order_by(col(Publication.published_at).desc())
    ).first()
    queued = session.exec(
        select(QueueEntry.text, QueueEntry.variant_id, QueueEntry.template_key, QueueEntry.at)
        .where(
            QueueEntry.channel == channel,
            QueueEntry.item_id == item_id,
            col(QueueEntry.state).in_(ACTIVE_STATES),
            col(QueueEntry.at) < at,
            col(QueueEntry.id) != (ignore or 0),
        )
        .order_by(col(QueueEntry.at).desc())
    ).first()
    latest = max((row for row in (published, queued) if row is not None), key=lambda row: row[3], default=None)
    return Rendered(latest[0], latest[1], latest[2]) if latest is not None else None
