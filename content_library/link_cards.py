"""A page's link card: the title, description and image its OpenGraph and Twitter Card tags announce.

:func:`read_card` reads the head of a page that a link check fetched (:func:`content_library.fetch.fetch_page`
reads at most a prefix). Everything in it is untrusted: each field is folded to one line, rid of NUL (which
PostgreSQL cannot store) and cut to :data:`CARD_LIMITS`; the image must be an http(s) URL (made absolute
against the page). Escape codes and markup are kept as data: whoever shows a card shows it through
``scheduler.outside_text``, as every text from outside.

Which tag wins: ``og:*`` first, then ``twitter:*`` (``twitter:image:src`` too), never ``<title>``, which is the
item's own title's job. A page with none of them has no card.
"""

import codecs
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from content_library.plain_text import shorten
from content_library.urls import is_web_url, resolve

CARD_LIMITS = {"title": 300, "description": 1_000, "image": 2_000}
_SOURCES = {
    "title": ("og:title", "twitter:title"),
    "description": ("og:description", "twitter:description"),
    "image": ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"),
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Card:
    title: str | None
    description: str | None
    image: str | None


class _MetaTags(HTMLParser):
    """The first value of each ``<meta property|name=… content=…>`` of interest, until ``</head>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str] = {}
        self.wanted = {name for names in _SOURCES.values() for name in names}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta":
            return
        named = dict(attrs)
        key = (named.get("property") or named.get("name") or "").strip().lower()
        content = named.get("content")
        if key in self.wanted and content and content.strip():
            self.found.setdefault(key, content)


def _text(html: bytes, content_type: str) -> str:
    declared = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", content_type, re.IGNORECASE)
    written = _META_CHARSET.search(html[:4096])
    for name in (declared and declared[1], written and written[1].decode("ascii"), "utf-8"):
        if not name:
            continue
        try:
            codecs.lookup(name)
        except LookupError:
            continue
        return html.decode(name, errors="replace")
    return html.decode("utf-8", errors="replace")  # pragma: no cover - utf-8 is always known


def _clean(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    folded = " ".join(value.replace("\x00", "").split())
    return shorten(folded, CARD_LIMITS[field]) if folded else None


def read_card(html: bytes, *, page_url: str, content_type: str) -> Card | None:
    """The card of a page whose head is ``html`` (see the module docstring); None when it announces none."""
    parser = _MetaTags()
    try:
        parser.feed(_text(html, content_type))
        parser.close()
    except (AssertionError, ValueError):  # a page broken enough to stop the parser: keep what was read
        pass
    picked = {
        field: next((parser.found[n] for n in names if n in parser.found), None) for field, names in _SOURCES.items()
    }
    written = "".join((picked["image"] or "").split())  # a link is dropped whole, never cut
    image = resolve(written, page_url) if written else None
    if image is not None and (not is_web_url(image) or len(image) > CARD_LIMITS["image"]):
        image = None
    card = Card(_clean(picked["title"], "title"), _clean(picked["description"], "description"), image)
    return card if any((card.title, card.description, card.image)) else None
