"""Text for entries a person makes or changes (insert, swap, shuffle): the item's variants for the channel's
kind first, else the campaign's templates, else ``{title} {url}`` — and never the text the item last had on
that channel, so a platform never sees a duplicate."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from content_library.rendering import render_post
from content_library.snapshot import snapshot_of
from content_library.store import get_item, variants_of
from scheduler.config import Config
from scheduler.queue.tables import Publication

FALLBACK_TEMPLATE = "{title} {url}"


@dataclass(frozen=True)
class Rendered:
    text: str
    variant_id: int | None


def render_for_entry(
    session: Session, config: Config, item_id: int, channel: str, campaign: str | None, *, avoid: str | None = None
) -> Rendered:
    """The first rendering that differs from the item's last text on the channel (and from ``avoid``, the text
    a platform just refused as a duplicate); the first one if none does."""
    item = snapshot_of(get_item(session, item_id), variants_of(session, item_id))
    kind = config.channels[channel].kind
    settings = config.campaigns.get(campaign) if campaign else None
    hashtags = settings.hashtags if settings else ()
    utm = settings.utm if settings else {}
    context = {"channel": channel, "campaign": campaign or "manual", "post_id": str(item_id)}
    options: list[tuple[str, int | None]] = [(v.text, v.id) for v in item.variants_for(kind)]
    options += [(t, None) for t in (settings.templates if settings else ())]
    options.append((FALLBACK_TEMPLATE, None))
    previous = session.exec(
        select(Publication.text)
        .where(Publication.channel == channel, Publication.item_id == item_id)
        .order_by(col(Publication.published_at).desc())
    ).first()
    rendered = [
        Rendered(render_post(item, template, channel_kind=kind, hashtags=hashtags, utm=utm, utm_context=context), vid)
        for template, vid in options
    ]
    unwanted = {previous, avoid}
    return next((r for r in rendered if r.text not in unwanted), rendered[0])
