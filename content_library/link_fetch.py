"""Downloading what a link leads to, for link checks: the head of a page, and a link card's image.

Both go through the feed download of :mod:`content_library.fetch`, with its total deadline, size limit and
redirect rule (a public page may not redirect evertide to a loopback, private or link-local address), and send
``User-Agent: evertide/<version> (link checker)``:

- :func:`fetch_page` (``HEAD`` or ``GET``): any status is an answer (a 404 is what the check wants to know),
  every redirect hop is reported with its status (a 301 and a 302 mean different things to a link), and of an
  HTML body only a prefix is read: up to ``</head>`` or ``max_bytes``, whichever comes first; nothing of any
  other type.
- :func:`fetch_image`: a JPEG, PNG, WebP or GIF of at most ``max_bytes``, or a FeedError saying why not.

FeedError when no answer came: a timeout, a refused connection, too many or refused redirects.
"""

import socket
from dataclasses import dataclass

import httpx

from content_library.addresses import Resolver
from content_library.errors import FeedError

# The feed download's machinery, shared rather than copied: one HTTP stack with one set of defences.
from content_library.fetch import ACCEPT_ENCODING, _Download, _media_type, _user_agent, _within_deadline

LINK_CHECKER = _user_agent("link checker")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
HTML_TYPES = ("text/html", "application/xhtml+xml")
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
DEFAULT_PAGE_BYTES = 512_000


@dataclass(frozen=True)
class PageResult:
    """What a link check got: the final answer's status, whatever it is, every redirect followed on the way
    (status and target, in order), and the start of an HTML body (empty after ``HEAD`` or for other types)."""

    status: int
    reason: str
    url: str
    hops: tuple[tuple[int, str], ...]
    content_type: str
    head: bytes


@dataclass(frozen=True)
class ImageResult:
    body: bytes
    media_type: str


class _PageDownload(_Download[PageResult]):
    """A link check's download: every status is an answer, and only the head of an HTML page is read."""

    def _answer(self, response: httpx.Response) -> PageResult:
        content_type = response.headers.get("content-type", "")
        wanted = self.method == "GET" and response.status_code == 200
        head = b""
        if wanted and _media_type(content_type) in HTML_TYPES:
            head = self._read_body(response, prefix_until=b"</head")
        return PageResult(
            status=response.status_code,
            reason=response.reason_phrase or "",
            url=str(response.url),
            hops=tuple(self.hops),
            content_type=content_type,
            head=head,
        )


class _ImageDownload(_Download[ImageResult]):
    """A link card's image: 200, an image type a post may carry, at most ``max_bytes``."""

    def _answer(self, response: httpx.Response) -> ImageResult:
        if response.status_code != 200:
            raise FeedError(self.url, f"the server answered HTTP {response.status_code} {response.reason_phrase}")
        media_type = _media_type(response.headers.get("content-type", ""))
        if media_type not in IMAGE_TYPES:
            raise FeedError(
                self.url, f"the server sent {media_type or 'no content type'}, not a JPEG, PNG, WebP or GIF"
            )
        return ImageResult(self._read_body(response), media_type)


def fetch_page(
    url: str,
    *,
    method: str = "GET",
    timeout: float = 10.0,
    deadline: float = 10.0,
    max_bytes: int = DEFAULT_PAGE_BYTES,
    client: httpx.Client | None = None,
    resolve: Resolver = socket.getaddrinfo,
    origin: str | None = None,
) -> PageResult:
    """``HEAD`` or ``GET`` ``url`` for a link check within ``deadline`` seconds in all, following the redirects
    :mod:`content_library.addresses` allows: the final status whatever it is, the hops, and at most
    ``max_bytes`` of the head of an HTML page (see the module docstring). FeedError when no answer came (a
    timeout, a refused connection, too many or refused redirects). ``origin``: the feed the link came from,
    whose address decides whether an internal one may be asked."""
    headers = {"User-Agent": LINK_CHECKER, "Accept": PAGE_ACCEPT, "Accept-Encoding": ACCEPT_ENCODING}
    download = _PageDownload(
        url,
        headers,
        timeout=timeout,
        deadline=deadline,
        max_bytes=max_bytes,
        client=client,
        feeds_only=False,
        resolve=resolve,
        method=method,
        origin=origin,
    )
    return _within_deadline(download)


def fetch_image(
    url: str,
    *,
    max_bytes: int,
    deadline: float = 10.0,
    client: httpx.Client | None = None,
    resolve: Resolver = socket.getaddrinfo,
    origin: str | None,
) -> ImageResult:
    """GET the image at ``url`` within ``deadline`` seconds in all: its bytes and type, or FeedError when it
    is not a JPEG, PNG, WebP or GIF of at most ``max_bytes``. ``origin`` is the page or item that named the
    picture (required: a picture named by outside text must not reach an internal address unless that page
    is internal itself; found in review: an og:image on a cloud's metadata address was fetched and
    published)."""
    headers = {"User-Agent": LINK_CHECKER, "Accept": ", ".join(IMAGE_TYPES), "Accept-Encoding": ACCEPT_ENCODING}
    download = _ImageDownload(
        url,
        headers,
        timeout=deadline,
        deadline=deadline,
        max_bytes=max_bytes,
        client=client,
        feeds_only=False,
        resolve=resolve,
        origin=origin,
    )
    return _within_deadline(download)
