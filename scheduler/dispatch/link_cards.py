"""The link card a post carries: what the last link check read from the item's page, if anything.

An item never checked, or whose page announces no card, gives none; the platform then shows the link as it
would anyway. The card's link is the item's (without the campaign's ``utm`` parameters, which stay in the
text): it names the page, not the visit.
"""

from sqlmodel import Session

from content_library.models import Item, LinkCheck
from scheduler.publishers.base import LinkCard


def link_card(session: Session, item: Item) -> LinkCard | None:
    check = session.get(LinkCheck, item.id) if item.id is not None else None
    if item.url is None or check is None or not (check.card_title or check.card_description or check.card_image):
        return None
    return LinkCard(
        uri=item.url,
        title=check.card_title or item.title,
        description=check.card_description or "",
        image=check.card_image,
    )
