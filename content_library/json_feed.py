"""JSON Feed documents (jsonfeed.org, versions 1 and 1.1) turned into item drafts, by the rules of RSS and Atom.

feedparser 6 reads no JSON, so evertide reads this small format itself, and :func:`content_library.feeds.parse_feed`
hands a JSON Feed here: ``library import`` and ``feeds poll`` take one like any feed. What an entry means is
what :mod:`content_library.feeds` says for RSS and Atom: ``id`` is the guid, ``url`` the link (resolved against
the feed's URL, else its ``home_page_url``), ``summary``, else ``content_text``, else the text of
``content_html`` the summary, cut to the same length; an entry without a title takes the start of its summary;
``tags`` are the tags, the first also the category; ``date_published``, else ``date_modified``, the date (RFC
3339; one without a zone is UTC).
"""

import json
from datetime import UTC, datetime
from typing import Any

from content_library.drafts import ItemDraft
from content_library.errors import FeedError
from content_library.feeds import SUMMARY_LIMIT, TITLE_FROM_SUMMARY_LIMIT, ParsedFeed, relative_links_note
from content_library.plain_text import html_to_text, shorten
from content_library.urls import canonical_url, is_web_url, resolve


def parse_json_feed(body: bytes, *, feed_name: str, base_url: str | None = None) -> ParsedFeed:
    """The drafts of every entry of a JSON Feed; FeedError in one line for a document that is not one."""
    try:
        document = json.loads(body)
    except ValueError as error:  # malformed JSON, or bytes that are no UTF-8/16/32
        raise FeedError(feed_name, f"not a readable JSON Feed ({error})") from None
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise FeedError(feed_name, "not a readable JSON Feed (it has no list of items)")
    site = _text(document.get("home_page_url"))
    base = base_url or (site if is_web_url(site) else None)
    drafts: list[ItemDraft] = []
    notes: list[str] = []
    relative_links = 0
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            notes.append(f"entry {number} is not an object; skipped")
            continue
        summary = _summary_of(item)
        title = " ".join(_text(item.get("title")).split()) or shorten(
            " ".join(summary.split()), TITLE_FROM_SUMMARY_LIMIT
        )
        if not title:
            notes.append(f"entry {number} has neither a title nor a summary; skipped")
            continue
        link = resolve(_text(item.get("url")), base)
        url = canonical_url(link) if is_web_url(link) else None
        relative_links += bool(link and url is None)
        tags = tuple(dict.fromkeys(t for t in (" ".join(_text(tag).split()) for tag in item.get("tags") or ()) if t))
        drafts.append(
            ItemDraft(
                title=title,
                url=url,
                guid=" ".join(_text(item.get("id")).split()) or None,
                summary=summary,
                category=tags[0] if tags else None,
                tags=tags,
                published_at=_date(item.get("date_published")) or _date(item.get("date_modified")),
            )
        )
    if relative_links:
        notes.append(relative_links_note(relative_links))
    return ParsedFeed(drafts=drafts, warnings=notes, title=" ".join(_text(document.get("title")).split()) or None)


def _text(value: Any) -> str:
    """A string field as text; a number (an ``id`` written as 7) as its digits; anything else as nothing."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value)


def _summary_of(item: dict[str, Any]) -> str:
    plain = _text(item.get("summary")) or _text(item.get("content_text"))
    text = plain.strip() or html_to_text(_text(item.get("content_html")))
    return shorten(text, SUMMARY_LIMIT) if text else ""


def _date(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(_text(value).strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=parsed.tzinfo or UTC).astimezone(UTC)
