"""One import command: a URL or a file, whatever its format, into the library in one transaction.

The source is fetched (``http``/``https``) or read (anything else is a file path), its format is recognised
by content (:func:`content_library.tabular.detect_format`), and the drafts are merged by
:func:`content_library.ingest.import_drafts`. Everything is read and validated before the transaction starts,
so a broken feed or a file with one bad row changes nothing and holds no database lock while it is parsed.

Items are recorded under a source name: for a feed, the feed's title (or its URL or path when it has none);
for a CSV/YAML/JSON file, the path or URL as given.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from content_library.database import transaction
from content_library.drafts import ItemDraft
from content_library.errors import FeedError
from content_library.feeds import parse_feed
from content_library.ingest import ImportSummary, import_drafts
from content_library.sniffing import looks_like_json_feed
from content_library.tabular import detect_format, read_rows


@dataclass(frozen=True)
class SourceDocument:
    """The bytes of a source and the URL they came from (after redirects), if any."""

    body: bytes
    url: str | None


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def read_source(source: str) -> SourceDocument:
    """Fetch a URL or read a file; FeedError names the source when neither works."""
    if is_url(source):
        from content_library.fetch import fetch_feed  # the HTTP client only when there is something to fetch

        fetched = fetch_feed(source, feeds_only=False)
        return SourceDocument(fetched.body, fetched.url)
    path = Path(source).expanduser()
    try:
        return SourceDocument(path.read_bytes(), None)
    except OSError as error:
        raise FeedError(source, f"cannot read the file ({error.strerror or error})") from error


@dataclass(frozen=True)
class ReadDrafts:
    """Drafts read from a document, the source name to file them under, and what was odd about it."""

    source_name: str
    drafts: list[ItemDraft]
    warnings: list[str]


def read_drafts(document: SourceDocument, *, source: str, now: datetime) -> ReadDrafts:
    """The drafts of a feed, CSV, YAML or JSON document (raises FeedError or ImportRejected)."""
    if looks_like_json_feed(document.body):  # feedparser 6 reads no JSON Feed, and it is no item list either
        raise FeedError(source, "a JSON Feed, which evertide cannot read; import the site's RSS or Atom feed instead")
    if detect_format(document.body) == "feed":
        parsed = parse_feed(document.body, feed_name=source, base_url=document.url, now=now)
        return ReadDrafts(parsed.title or source, parsed.drafts, parsed.warnings)
    return ReadDrafts(source, read_rows(document.body, source_name=source), [])


def import_source(
    engine: Engine,
    source: str,
    *,
    now: datetime,
    category: str | None = None,
    kind: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import a feed URL or a CSV/YAML/JSON/feed file in one transaction.

    ``category`` and ``kind`` are the defaults for new items whose row gives none. Re-importing the same
    source updates what changed and duplicates nothing (see :mod:`content_library.ingest`).
    """
    read = read_drafts(read_source(source), source=source, now=now)
    with transaction(engine) as session:
        summary = import_drafts(
            session,
            read.drafts,
            source=read.source_name,
            now=now,
            default_kind=kind,
            default_category=category,
            progress=progress,
        )
    if not read.warnings:
        return summary
    return ImportSummary(
        new=summary.new,
        updated=summary.updated,
        unchanged=summary.unchanged,
        skipped=summary.skipped,
        warnings=(*read.warnings, *summary.warnings),
    )
