"""Downloading a feed over HTTP, politely and defensively.

:func:`fetch_feed` sends a conditional GET (``If-None-Match`` / ``If-Modified-Since`` from the previous poll),
follows up to :data:`MAX_REDIRECTS` redirects and streams the body so that an oversized response is cut off
at ``max_bytes`` (counted after gzip decoding, so a small compressed bomb is caught too) instead of filling
memory. Anything that is not a usable feed response raises :class:`~content_library.errors.FeedError` naming
the URL and the problem: an HTTP error status, a timeout, a refused connection, too many redirects, a body
that is too big, or a body of the wrong type.

Content types: XML, RSS, Atom and RDF types are accepted as they are. Generic types (``text/plain``,
``application/octet-stream``, none at all) and ``text/html`` are accepted only when the start of the body
looks like a feed (``<rss``, ``<feed`` or ``<rdf:RDF``), because misconfigured servers do send feeds that way;
an HTML page that is not a feed is refused. Images, audio, video, PDFs and JSON are refused without reading
their body.

With ``feeds_only=False`` (a one-off import, whose content may also be a CSV, YAML or JSON item list) any
text type is accepted and only binary types (images, audio, video, fonts, PDF, archives) are refused; the
caller then recognises the format by content.
"""

import re
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Literal

import httpx

from content_library.errors import FeedError

MAX_REDIRECTS = 5
SNIFF_BYTES = 4096
FEED_TYPE_MARKERS = ("xml", "rss", "atom", "rdf")
BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip", "application/gzip")
SNIFFED_TYPES = frozenset({"", "text/plain", "text/html", "application/octet-stream", "binary/octet-stream"})
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)
_FEED_ROOT = re.compile(rb"<(?:[a-z0-9_]+:)?(?:rss|feed|rdf)\b", re.IGNORECASE)


def _user_agent() -> str:
    try:
        release = version("evertide")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
        release = "dev"
    return f"evertide/{release} (feed poller)"


USER_AGENT = _user_agent()


@dataclass(frozen=True)
class FetchResult:
    """What a poll got. ``status`` is ``not_modified`` after a 304, and then ``body`` is empty."""

    status: Literal["ok", "not_modified"]
    body: bytes
    url: str
    etag: str | None
    last_modified: str | None
    content_type: str


def looks_like_feed(head: bytes) -> bool:
    """True when the first bytes of a document hold an RSS, Atom or RDF root element."""
    return _FEED_ROOT.search(head[:SNIFF_BYTES]) is not None


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _check_declared_type(url: str, media_type: str, feeds_only: bool) -> None:
    if media_type in SNIFFED_TYPES or any(marker in media_type for marker in FEED_TYPE_MARKERS):
        return
    if not feeds_only and not media_type.startswith(BINARY_TYPES):
        return
    wanted = "an RSS or Atom feed" if feeds_only else "a feed or an item list"
    raise FeedError(url, f"the server sent {media_type}, not {wanted}")


def _read_body(url: str, response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FeedError(url, f"the feed is {int(declared):,} bytes, more than the limit of {max_bytes:,}")
    chunks: list[bytes] = []
    received = 0
    for chunk in response.iter_bytes():
        received += len(chunk)
        if received > max_bytes:
            raise FeedError(url, f"the feed is more than the limit of {max_bytes:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _get(
    client: httpx.Client, url: str, headers: dict[str, str], *, timeout: float, max_bytes: int, feeds_only: bool
) -> FetchResult:
    with client.stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True) as response:
        final_url = str(response.url)
        etag = response.headers.get("etag")
        last_modified = response.headers.get("last-modified")
        content_type = response.headers.get("content-type", "")
        if response.status_code == 304:
            return FetchResult("not_modified", b"", final_url, etag, last_modified, content_type)
        if response.status_code != 200:
            reason = response.reason_phrase or "error"
            raise FeedError(url, f"the server answered HTTP {response.status_code} {reason}")
        media_type = _media_type(content_type)
        _check_declared_type(url, media_type, feeds_only)
        body = _read_body(url, response, max_bytes)
    if feeds_only and media_type in SNIFFED_TYPES and not looks_like_feed(body):
        described = media_type or "a body without a content type"
        raise FeedError(url, f"the server sent {described} that is not an RSS or Atom feed")
    return FetchResult("ok", body, final_url, etag, last_modified, content_type)


def fetch_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = 10.0,
    max_bytes: int = 10_000_000,
    client: httpx.Client | None = None,
    feeds_only: bool = True,
) -> FetchResult:
    """GET ``url`` as a feed, or as any text with ``feeds_only=False`` (see the module docstring). A given
    ``client`` is used and left open."""
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    own_client = client is None
    http = client if client is not None else httpx.Client(max_redirects=MAX_REDIRECTS)
    try:
        return _get(http, url, headers, timeout=timeout, max_bytes=max_bytes, feeds_only=feeds_only)
    except httpx.TooManyRedirects as error:
        raise FeedError(url, f"too many redirects (more than {http.max_redirects})") from error
    except httpx.TimeoutException as error:
        raise FeedError(url, f"no answer within {timeout:g} s ({type(error).__name__})") from error
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise FeedError(url, f"could not be fetched: {error or type(error).__name__}") from error
    finally:
        if own_client:
            http.close()
