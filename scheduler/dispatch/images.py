"""The picture a post carries when its campaign says ``attach_image: true``.

The item's own picture (its ``image`` link, from an import) comes first; without one, the picture its page
announces (the ``og:image`` the last link check read, see :mod:`scheduler.dispatch.link_cards`); without either,
none. The alt text is the item's title: text from outside, so folded to one line, freed of control characters
and capped at :data:`~scheduler.publishers.base.ALT_MAX`. Every platform shows alt text as plain text, so
markup in a title stays visible as written, never interpreted.
"""

from sqlmodel import Session

from content_library.models import Item, LinkCheck
from content_library.plain_text import shorten
from scheduler.publishers.base import ALT_MAX, PostImage


def post_image(session: Session, item: Item) -> PostImage | None:
    if item.image is not None:  # a person's own file: any address; a fetched one: that URL's rule
        return PostImage(url=item.image, alt=alt_text(item.title), named_by=item.came_from)
    check = session.get(LinkCheck, item.id) if item.id is not None else None
    if check is None or check.card_image is None:
        return None
    return PostImage(url=check.card_image, alt=alt_text(item.title), named_by=item.url)


def alt_text(title: str) -> str:
    printable = "".join(character if character.isprintable() else " " for character in title)
    return shorten(" ".join(printable.split()), ALT_MAX)
