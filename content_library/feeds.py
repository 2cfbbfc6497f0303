"""RSS and Atom documents turned into item drafts.

feedparser does the reading (RSS 0.9x/1.0/2.0 and Atom, encoding detection and fallbacks such as gb2312 → gb18030 or
undeclared Latin-1 → windows-1252); a JSON Feed goes to :mod:`content_library.json_feed`. This module decides what
an entry means for evertide:

- **Links**: resolved against the feed's URL when it is known (passed to feedparser as ``content-location``,
  which is what makes a jekyll feed's ``/Changelog-16/`` absolute), else against the feed's own site link when
  that is absolute. A link that stays relative is dropped with a warning, since it cannot be posted. Links are
  then canonicalised (tracking parameters removed).
- **guid**: the entry's id, kept as an opaque key and never used as a URL (WordPress and Ghost ids are not).
- **Summary**: the entry's description/summary, else its full content, as plain text cut to
  :data:`SUMMARY_LIMIT` characters on a word boundary.
- **Dates**: ``published``, else ``updated``, else none (undated feeds such as heise's RSS 0.90 are fine). A
  date string in RFC 822 or ISO 8601 form with an explicit zone is taken from feedparser as is. Any other
  string is read again by dateutil, which reads the fields as written: feedparser's fallback parsers read
  ``2020/1/10 14:33:00`` as 1 November and drop the PM of ``Sat, Dec 16 2023 02:02:33 PM``. If dateutil cannot
  read it (or it has no four-digit year), feedparser's value is kept. A date without a zone is taken in the
  zone of the feed's own channel dates when they carry one (NBC New York's are ``-0500``), else as UTC.
- **Entity bombs**: a document whose own entity declarations would add more than a megabyte once expanded is
  refused before feedparser sees it (see :mod:`content_library.entity_expansion`).
- **Broken documents**: a document feedparser could not read any entry from (a truncated download, an HTML
  page) raises :class:`~content_library.errors.FeedError`; it is never reported as an empty feed. A document
  that is not well-formed but still yielded entries gives those entries plus a warning.

Parsing is done without feedparser's HTML sanitiser and relative-URI rewriting inside HTML: evertide keeps
only the plain text of that HTML, so both would be wasted work.
"""

import io
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timezone, tzinfo
from time import struct_time
from typing import Any

import feedparser
from dateutil import parser as dateutil_parser

from content_library.drafts import ItemDraft
from content_library.entity_expansion import MAX_ADDED as MAX_ENTITY_EXPANSION
from content_library.entity_expansion import added_by_entities
from content_library.errors import FeedError
from content_library.plain_text import html_to_text, shorten
from content_library.sniffing import looks_like_feed, looks_like_json_feed
from content_library.urls import canonical_url, is_web_url, resolve

SUMMARY_LIMIT = 500
TITLE_FROM_SUMMARY_LIMIT = 100

_ZONED_RFC822 = re.compile(
    r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*"
    r"(?:[+-]\d{4}|GMT|UTC?|Z|[ECMP][SD]T)\s*$"
)
_ZONED_ISO8601 = re.compile(
    r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})\s*$", re.IGNORECASE
)
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
# RFC 822's North American zone names; dateutil knows only UTC/GMT by itself.
_ZONE_HOURS = {"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5}
_ZONE_HOURS |= {"MST": -7, "MDT": -6, "PST": -8, "PDT": -7}
_ZONE_NAMES: Mapping[str, int] = {name: hours * 3600 for name, hours in _ZONE_HOURS.items()}


@dataclass(frozen=True)
class ParsedFeed:
    """The drafts read from a feed, what was odd about it, and the feed's own title (if it has one)."""

    drafts: list[ItemDraft]
    warnings: list[str] = field(default_factory=list)
    title: str | None = None


def relative_links_note(count: int) -> str:
    """The warning for entries whose links stayed relative (RSS, Atom and JSON Feed alike)."""
    return (
        f"{count} entries have relative links and the feed's own URL is unknown; "
        "they were imported without a link (import the feed from its URL to keep them)"
    )


def _from_struct(value: struct_time | None) -> datetime | None:
    return datetime(*value[:6], tzinfo=UTC) if value else None


def _as_written(raw: str, now: datetime) -> datetime | None:
    """``raw`` read by dateutil field by field (naive when it names no zone); None when unreadable.

    Only strings with a four-digit year are tried: dateutil reads almost anything with a number in it
    ("Episode 12" would become the 12th of this month)."""
    if not _YEAR.search(raw):
        return None
    default = now.astimezone(UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # UnknownTimezoneWarning: an unknown zone name then reads as no zone
        try:
            return dateutil_parser.parse(raw, default=default, tzinfos=_ZONE_NAMES)
        except (ValueError, OverflowError):
            return None


def _channel_zone(feed: Mapping[str, Any], now: datetime) -> tzinfo:
    """The offset the channel's own dates carry (used for zone-less entry dates), else UTC."""
    for key in ("published", "updated"):
        value = _as_written(feed.get(key) or "", now)
        offset = value.utcoffset() if value is not None else None
        if offset is not None:
            return timezone(offset)
    return UTC


def _entry_date(entry: Mapping[str, Any], *, default_zone: tzinfo, now: datetime) -> datetime | None:
    for key in ("published", "updated"):
        raw: str | None = entry.get(key)
        parsed = _from_struct(entry.get(f"{key}_parsed"))
        if not raw:
            if parsed is not None:
                return parsed
            continue
        if parsed is not None and (_ZONED_RFC822.match(raw) or _ZONED_ISO8601.match(raw)):
            return parsed
        value = _as_written(raw, now)
        if value is not None:
            return value.replace(tzinfo=value.tzinfo or default_zone).astimezone(UTC)
        if parsed is not None:
            return parsed
    return None


def _text_of(entry: Mapping[str, Any], key: str) -> str:
    value: str = entry.get(key) or ""
    detail = entry.get(f"{key}_detail") or {}
    if detail.get("type") in ("text/html", "application/xhtml+xml"):
        return html_to_text(value)
    return " ".join(value.split())


def _summary_of(entry: Mapping[str, Any]) -> str:
    html = entry.get("summary") or ""
    if not html:
        contents = entry.get("content") or ()
        html = contents[0].get("value", "") if contents else ""
    return shorten(html_to_text(html), SUMMARY_LIMIT) if html else ""


def _tags_of(entry: Mapping[str, Any]) -> tuple[str, ...]:
    terms = (" ".join((tag.get("term") or "").split()) for tag in entry.get("tags") or ())
    return tuple(dict.fromkeys(term for term in terms if term))


def _describe(error: object) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def parse_feed(body: bytes, *, feed_name: str, base_url: str | None = None, now: datetime) -> ParsedFeed:
    """The drafts of every readable entry of ``body`` (see the module docstring for the rules).

    ``base_url`` is the URL the feed was fetched from (after redirects), if any; ``now`` fills in the fields
    of a date string that lacks them (a date without a year gets this year). Raises FeedError for a document
    that yields no entry and is broken or is not a feed at all.
    """
    if looks_like_json_feed(body):  # feedparser 6 reads no JSON; json_feed builds on this module's ParsedFeed
        from content_library.json_feed import parse_json_feed

        return parse_json_feed(body, feed_name=feed_name, base_url=base_url)
    added = added_by_entities(body)
    if added > MAX_ENTITY_EXPANSION:
        raise FeedError(
            feed_name, f"its DOCTYPE declares entities that would add {added:,} characters (an entity bomb); refused"
        )
    # feedparser flags a missing content type once headers are given; application/xml leaves the encoding to the
    # document itself, as when there are no headers at all.
    headers = {"content-location": base_url, "content-type": "application/xml"} if base_url else None
    # A stream, never the bytes themselves: feedparser opens a str/bytes argument that names a local file.
    document = feedparser.parse(
        io.BytesIO(body), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    entries = document.entries
    problem = document.get("bozo_exception") if document.bozo else None
    if not entries and not looks_like_feed(body):
        raise FeedError(feed_name, "not an RSS or Atom feed" + (f" ({_describe(problem)})" if problem else ""))
    if not entries and problem is not None:
        raise FeedError(feed_name, f"not a readable feed ({_describe(problem)})")

    # Plain dict copies: FeedParserDict.get maps missing keys to others (`updated` to `published`) with a
    # DeprecationWarning, and plain lookups are faster.
    feed = dict(document.get("feed") or {})
    notes = [f"{_describe(problem)}; read {len(entries)} entries anyway"] if problem else []
    site = feed.get("link") or ""
    fallback_base = base_url or (site if is_web_url(site) else None)
    default_zone = _channel_zone(feed, now)
    drafts: list[ItemDraft] = []
    relative_links = 0
    for number, parsed_entry in enumerate(entries, start=1):
        entry = dict(parsed_entry)
        summary = _summary_of(entry)
        title = _text_of(entry, "title") or shorten(" ".join(summary.split()), TITLE_FROM_SUMMARY_LIMIT)
        if not title:
            notes.append(f"entry {number} has neither a title nor a summary; skipped")
            continue
        link = resolve(entry.get("link") or "", fallback_base)
        url = canonical_url(link) if is_web_url(link) else None
        if link and url is None:
            relative_links += 1
        guid = " ".join((entry.get("id") or "").split()) or None
        tags = _tags_of(entry)
        drafts.append(
            ItemDraft(
                title=title,
                url=url,
                guid=guid,
                summary=summary,
                category=tags[0] if tags else None,  # the entry's first <category>, unless the feed sets one
                tags=tags,
                published_at=_entry_date(entry, default_zone=default_zone, now=now),
            )
        )
    if problem is not None and not drafts:
        raise FeedError(feed_name, f"no readable entry ({_describe(problem)})")
    if relative_links:
        notes.append(relative_links_note(relative_links))
    feed_title = " ".join((feed.get("title") or "").split()) or None
    return ParsedFeed(drafts=drafts, warnings=notes, title=feed_title)
