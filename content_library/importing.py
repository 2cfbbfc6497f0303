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
from sqlmodel import Session

from content_library.database import transaction
from content_library.drafts import ItemDraft
from content_library.errors import FeedError
from content_library.feeds import parse_feed
from content_library.ingest import ImportSummary, import_drafts
from content_library.models import ImportedUrl
from content_library.tabular import detect_format, read_rows


@dataclass(frozen=True)
class SourceDocument:
    """The bytes of a source and the URL they came from (after redirects), if any, with the server's validators
    for the next download. ``not_modified``: the server said nothing changed since those sent (``body`` empty)."""

    body: bytes
    url: str | None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def read_source(source: str, remembered: ImportedUrl | None = None) -> SourceDocument:
    """Fetch a URL (conditionally, with the ``remembered`` validators of its last download) or read a file;
    FeedError names the source when neither works."""
    if is_url(source):
        from content_library.fetch import fetch_feed  # the HTTP client only when there is something to fetch

        etag, last_modified = (remembered.etag, remembered.last_modified) if remembered else (None, None)
        fetched = fetch_feed(source, etag=etag, last_modified=last_modified, feeds_only=False)
        return SourceDocument(
            fetched.body,
            fetched.url,
            fetched.etag,
            fetched.last_modified,
            not_modified=fetched.status == "not_modified",
        )
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
    source updates what changed and duplicates nothing (see :mod:`content_library.ingest`); a URL is asked
    for with the ETag and Last-Modified of its last import, and a 304 answer changes nothing.
    """
    remembered = None
    if is_url(source):
        with transaction(engine) as session:
            remembered = session.get(ImportedUrl, source)
    document = read_source(source, remembered)
    if document.not_modified:
        return ImportSummary(not_modified=True)
    read = read_drafts(document, source=source, now=now)
    with transaction(engine) as session:
        summary = import_drafts(
            session,
            read.drafts,
            source=read.source_name,
            now=now,
            default_kind=kind,
            default_category=category,
            progress=progress,
            came_from=source if is_url(source) else None,
        )
        if is_url(source):
            _remember(session, source, document, now)
    if not read.warnings:
        return summary
    return ImportSummary(
        new=summary.new,
        updated=summary.updated,
        unchanged=summary.unchanged,
        skipped=summary.skipped,
        warnings=(*read.warnings, *summary.warnings),
    )


def _remember(session: Session, url: str, document: SourceDocument, now: datetime) -> None:
    """Keep the validators of this download for the next one (none, when the server sent none)."""
    stored = session.get(ImportedUrl, url) or ImportedUrl(url=url, fetched_at=now)
    stored.etag, stored.last_modified, stored.fetched_at = document.etag, document.last_modified, now
    session.add(stored)
