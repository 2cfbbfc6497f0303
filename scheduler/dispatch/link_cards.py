"""The link card a post carries: what the last link check read from the item's page, if anything.

An item never checked, or whose page announces no card, gives none; the platform then shows the link as it
would anyway. The card links where the post's text does, the campaign's ``utm`` parameters and the entry id
included (:mod:`scheduler.dispatch.posted_links`): on Bluesky most clicks are on the card, and untagged they
could not be counted for the post (``metrics import``).
"""

from sqlmodel import Session

from content_library.models import Item, LinkCheck
from scheduler.publishers.base import LinkCard


def link_card(session: Session, item: Item, link: str) -> LinkCard | None:
    """The card of ``item``'s page, linking to ``link``: the item's link as the post carries it."""
    check = session.get(LinkCheck, item.id) if item.id is not None else None
    if item.url is None or check is None or not (check.card_title or check.card_description or check.card_image):
        return None
    return LinkCard(
        uri=link,
        title=check.card_title or item.title,
        description=check.card_description or "",
        image=check.card_image,
    )
