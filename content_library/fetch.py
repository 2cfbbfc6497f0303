"""Downloading a feed over HTTP, politely and defensively: a feed is untrusted input.

:func:`fetch_feed` sends a conditional GET (``If-None-Match`` / ``If-Modified-Since`` from the previous poll)
and guards against a feed that misbehaves:

- **A total deadline** (``deadline``, 30 s): resolving, connecting, sending, every redirect and the whole body
  together. httpx's own timeouts bound each read, not the call, so a server dripping a byte every few seconds
  would hold a caller for ever. The download runs on a worker thread that the caller waits for at most
  ``deadline``; then the caller gets its FeedError at once, and the worker, whose every wait is also capped by
  what is left of the deadline and which checks between chunks, stops soon after and closes its connection.
- **A size limit** (``max_bytes``, 10 MB), counted after gzip/deflate decoding, which evertide does itself with
  zlib's ``max_length`` so that a small compressed bomb inflates no further than the limit (httpx would inflate
  each network chunk whole). Only ``gzip`` and ``deflate`` are asked for and accepted.
- **Redirects** are followed by hand, at most :data:`MAX_REDIRECTS`, each checked by
  :mod:`content_library.addresses`: a hop to a loopback, private or link-local address is refused unless the
  configured URL is itself on such an address. ``resolve`` (default :func:`socket.getaddrinfo`) is the resolver
  that judges names; the connection itself uses the system's.

Anything that is not a usable feed response raises :class:`~content_library.errors.FeedError` naming the URL
and the problem: an HTTP error status, a timeout, a refused connection, too many or refused redirects, a body
that is too big or takes too long, or a body of the wrong type.

Content types: XML, RSS, Atom, RDF and JSON Feed types are accepted as they are. Generic types
(``text/plain``, ``application/octet-stream``, ``application/json``, none at all) and ``text/html`` are
accepted only when the start of the body looks like a feed (``<rss``, ``<feed``, ``<rdf:RDF`` or a JSON Feed's
``version``), because misconfigured servers do send feeds that way; an HTML page or other JSON that is not a
feed is refused. Images, audio, video and PDFs are refused without reading their body.

With ``feeds_only=False`` (a one-off import, whose content may also be a CSV, YAML or JSON item list) any
text type is accepted and only binary types (images, audio, video, fonts, PDF, archives) are refused; the
caller then recognises the format by content.

Link checks download pages and images through the same machinery (:mod:`content_library.link_fetch`).
"""

import socket
import threading
import time
import zlib
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Generic, Literal, TypeVar

import httpx

from content_library.addresses import Resolver, refusal
from content_library.errors import FeedError
from content_library.sniffing import looks_like_feed, looks_like_json_feed

MAX_REDIRECTS = 5
DEFAULT_DEADLINE = 30.0
DEFAULT_MAX_BYTES = 10_000_000
ACCEPT_ENCODING = "gzip, deflate"
FEED_TYPE_MARKERS = ("xml", "rss", "atom", "rdf", "feed+json")
BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip", "application/gzip")
SNIFFED_TYPES = frozenset(
    {"", "text/plain", "text/html", "application/json", "application/octet-stream", "binary/octet-stream"}
)
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)


def _user_agent(purpose: str) -> str:
    try:
        release = version("evertide")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
        release = "dev"
    return f"evertide/{release} ({purpose})"


USER_AGENT = _user_agent("feed poller")


@dataclass(frozen=True)
class FetchResult:
    """What a poll got. ``status`` is ``not_modified`` after a 304, and then ``body`` is empty."""

    status: Literal["ok", "not_modified"]
    body: bytes
    url: str
    etag: str | None
    last_modified: str | None
    content_type: str


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _check_declared_type(url: str, media_type: str, feeds_only: bool) -> None:
    if media_type in SNIFFED_TYPES or any(marker in media_type for marker in FEED_TYPE_MARKERS):
        return
    if not feeds_only and not media_type.startswith(BINARY_TYPES):
        return
    wanted = "an RSS or Atom feed" if feeds_only else "a feed or an item list"
    raise FeedError(url, f"the server sent {media_type}, not {wanted}")


class _Inflater:
    """gzip or deflate decoding that never produces more than it is asked for: zlib's ``max_length`` keeps a
    bomb's output at the limit instead of inflating a whole network chunk first."""

    def __init__(self, encoding: str) -> None:
        self._may_be_raw = encoding == "deflate"  # "deflate" is zlib-wrapped by the RFC, raw from some servers
        self._unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
        self._started = False

    def decode(self, data: bytes, at_most: int) -> bytes:
        """At most ``at_most`` (> 0) decoded bytes; the input is wholly used unless the output hit that."""
        try:
            out = self._unpacker.decompress(data, at_most)
        except zlib.error:
            if self._started or not self._may_be_raw:
                raise
            self._unpacker = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._unpacker.decompress(data, at_most)
        self._started = True
        return out


def _inflater(url: str, response: httpx.Response) -> _Inflater | None:
    codings = [c.strip().lower() for c in response.headers.get("content-encoding", "").split(",")]
    codings = [c for c in codings if c not in ("", "identity")]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflater("deflate" if codings[0] == "deflate" else "gzip")
    described = ", ".join(codings)
    raise FeedError(url, f"the server sent a body encoded as {described}, which evertide does not decode")


Answer = TypeVar("Answer")


class _Download(Generic[Answer]):
    """One fetch, run on a worker thread against a deadline (see the module docstring); a subclass's
    :meth:`_answer` makes what the caller gets (a feed, a link check's page, a picture)."""

    def __init__(
        self,
        url: str,
        headers: dict[str, str],
        *,
        timeout: float,
        deadline: float,
        max_bytes: int,
        client: httpx.Client | None,
        feeds_only: bool,
        resolve: Resolver,
        method: str = "GET",
        origin: str | None = None,
    ) -> None:
        self.url = url
        self.origin = origin  # the URL that led here (a feed, a page): it decides which addresses are allowed
        self.method = method
        self.hops: list[tuple[int, str]] = []
        self.headers = headers
        self.timeout = timeout
        self.deadline = deadline
        self.ends_at = time.monotonic() + deadline
        self.max_bytes = max_bytes
        self.client = client
        self.feeds_only = feeds_only
        self.resolve = resolve
        self.abandoned = threading.Event()
        self.result: Answer | None = None
        self.error: BaseException | None = None

    def too_slow(self) -> FeedError:
        return FeedError(
            self.url, f"took longer than {self.deadline:g} s (connecting, redirects and the whole body together)"
        )

    def run(self) -> None:
        try:
            self.result = self._fetch()
        except BaseException as error:  # handed over to the caller's thread
            self.error = error

    def _left(self) -> float:
        """Seconds left before the deadline; FeedError once there are none (or the caller gave up)."""
        left = self.ends_at - time.monotonic()
        if left <= 0 or self.abandoned.is_set():
            raise self.too_slow()
        return left

    def _fetch(self) -> Answer:
        own_client = self.client is None
        http = self.client if self.client is not None else httpx.Client()
        try:
            return self._follow(http)
        except httpx.TimeoutException as error:
            if self.ends_at - time.monotonic() < self.timeout:  # the wait was cut to what was left of the deadline
                raise self.too_slow() from error
            raise FeedError(self.url, f"no answer within {self.timeout:g} s ({type(error).__name__})") from error
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise FeedError(self.url, f"could not be fetched: {error or type(error).__name__}") from error
        finally:
            if own_client:
                http.close()

    def _follow(self, http: httpx.Client) -> Answer:
        if self.origin is not None:  # a link found in outside text is held to its source's rule from the start
            self._check_target(self.url)
        request = http.build_request(self.method, self.url, headers=self.headers)
        for _ in range(MAX_REDIRECTS + 1):
            wait = min(self.timeout, self._left())
            request.extensions = {**request.extensions, "timeout": httpx.Timeout(wait).as_dict()}
            response = http.send(request, stream=True, follow_redirects=False)
            try:
                if response.next_request is None:
                    return self._answer(response)
                request = response.next_request
                self.hops.append((response.status_code, str(request.url)))
            finally:
                response.close()
            self._check_redirect(str(request.url))
        raise FeedError(self.url, f"too many redirects (more than {MAX_REDIRECTS})")

    def _check_redirect(self, target: str) -> None:
        self._check_target(target, redirect=True)

    def _check_target(self, target: str, *, redirect: bool = False) -> None:
        """Refuse ``target`` on a loopback, private or link-local address unless what vouches for it (the
        origin, else the URL asked for) is on one too: outside text must not make evertide ask the network
        it runs in (a cloud's metadata service, an intranet) and publish the answer."""
        vouching = self.origin or self.url
        try:
            reason = refusal(vouching, target, resolve=self.resolve)
        except (OSError, UnicodeError) as error:
            raise FeedError(self.url, f"could not resolve {target} ({error})") from error
        if reason is not None:
            what = f"the redirect to {target}" if redirect else target
            raise FeedError(
                self.url,
                f"refused {what} ({reason}): only a URL that comes from a loopback, private or link-local "
                "address may lead to one",
            )

    def _answer(self, response: httpx.Response) -> Answer:
        """What the caller gets from the final (non-redirect) response: each kind of download says."""
        raise NotImplementedError

    def _read_body(self, response: httpx.Response, *, prefix_until: bytes | None = None) -> bytes:
        """The decoded body, reading no more than ``max_bytes`` of it (and a chunk) and stopping there.

        With ``prefix_until`` a longer body is no error: the first ``max_bytes`` are the answer, and reading
        also stops once that marker has arrived (a page's ``</head>``: what comes after is not wanted)."""
        declared = response.headers.get("content-length", "")
        if prefix_until is None and declared.isdigit() and int(declared) > self.max_bytes:
            raise FeedError(self.url, f"the feed is {int(declared):,} bytes, more than the limit of {self.max_bytes:,}")
        inflater = _inflater(self.url, response)
        chunks: list[bytes] = []
        received = 0
        for raw in response.iter_raw():
            self._left()
            try:
                chunk = inflater.decode(raw, self.max_bytes - received + 1) if inflater else raw
            except zlib.error as error:
                raise FeedError(self.url, f"the compressed body is corrupt ({error})") from error
            received += len(chunk)
            if received > self.max_bytes and prefix_until is not None:
                chunks.append(chunk)
                return b"".join(chunks)[: self.max_bytes]
            if received > self.max_bytes:
                raise FeedError(self.url, f"the feed is more than the limit of {self.max_bytes:,} bytes")
            seen_before = chunks[-1][-len(prefix_until) :] if chunks and prefix_until else b""
            chunks.append(chunk)
            if prefix_until is not None and prefix_until in (seen_before + chunk).lower():
                break
        return b"".join(chunks)


class _FeedDownload(_Download[FetchResult]):
    """A feed (or, for ``library import``, any text): 304 and 200 are answers, the body decoded to the cap."""

    def _answer(self, response: httpx.Response) -> FetchResult:
        final_url = str(response.url)
        etag = response.headers.get("etag")
        last_modified = response.headers.get("last-modified")
        content_type = response.headers.get("content-type", "")
        if response.status_code == 304:
            return FetchResult("not_modified", b"", final_url, etag, last_modified, content_type)
        if response.status_code != 200:
            reason = response.reason_phrase or "error"
            raise FeedError(self.url, f"the server answered HTTP {response.status_code} {reason}")
        media_type = _media_type(content_type)
        _check_declared_type(self.url, media_type, self.feeds_only)
        body = self._read_body(response)
        if (
            self.feeds_only
            and media_type in SNIFFED_TYPES
            and not (looks_like_feed(body) or looks_like_json_feed(body))
        ):
            described = media_type or "a body without a content type"
            raise FeedError(self.url, f"the server sent {described} that is not an RSS or Atom feed")
        return FetchResult("ok", body, final_url, etag, last_modified, content_type)


def fetch_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = 10.0,
    deadline: float = DEFAULT_DEADLINE,
    max_bytes: int = DEFAULT_MAX_BYTES,
    client: httpx.Client | None = None,
    feeds_only: bool = True,
    resolve: Resolver = socket.getaddrinfo,
) -> FetchResult:
    """GET ``url`` as a feed, or as any text with ``feeds_only=False``, within ``deadline`` seconds in all
    (``timeout`` bounds each connect, read and write), reading at most ``max_bytes`` decoded bytes, following
    only the redirects :mod:`content_library.addresses` allows (names judged through ``resolve``). See the
    module docstring. A given ``client`` is used (from a worker thread) and left open."""
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    download = _FeedDownload(
        url,
        headers,
        timeout=timeout,
        deadline=deadline,
        max_bytes=max_bytes,
        client=client,
        feeds_only=feeds_only,
        resolve=resolve,
    )
    return _within_deadline(download)


def _within_deadline(download: _Download[Answer]) -> Answer:
    """Run ``download`` on a worker thread and wait for it at most its deadline (see the module docstring)."""
    deadline = download.deadline
    # A daemon thread: a download the caller gave up on never holds up the interpreter's exit (SIGTERM).
    worker = threading.Thread(target=download.run, name="evertide fetch", daemon=True)
    worker.start()
    try:
        worker.join(deadline)
    finally:  # past the deadline, or the caller was interrupted (Ctrl-C)
        if worker.is_alive():
            download.abandoned.set()  # the worker stops at its next chunk or capped wait, closing the connection
    if worker.is_alive():
        raise download.too_slow()
    if download.error is not None:
        raise download.error
    assert download.result is not None
    return download.result
