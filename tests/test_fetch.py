"""fetch_feed against a real HTTP server on 127.0.0.1."""

import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from content_library.errors import FeedError
from content_library.fetch import MAX_REDIRECTS, fetch_feed
from tests.conftest import DATA
from tests.http_server import LoopbackServer, Reply, Request

FEED = (DATA / "feeds" / "substack_heated.rss.xml").read_bytes()
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
ETAG = '"v1-abc"'
LAST_MODIFIED = "Wed, 03 Feb 2021 12:00:47 GMT"


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


def test_ok_returns_body_and_validators(server: LoopbackServer) -> None:
    server.route("/feed", Reply(body=FEED, headers={**RSS, "ETag": ETAG, "Last-Modified": LAST_MODIFIED}))
    result = fetch_feed(server.url("/feed"))
    assert result.status == "ok" and result.body == FEED
    assert (result.etag, result.last_modified) == (ETAG, LAST_MODIFIED)
    assert result.url == server.url("/feed") and result.content_type.startswith("application/rss+xml")
    sent = server.requests[0].headers
    assert sent["user-agent"].startswith("evertide/")
    assert "if-none-match" not in sent and "if-modified-since" not in sent


def conditional(request: Request) -> Reply:
    if request.headers.get("if-none-match") == ETAG or request.headers.get("if-modified-since") == LAST_MODIFIED:
        return Reply(304, headers={"ETag": ETAG})
    return Reply(body=FEED, headers={**RSS, "ETag": ETAG, "Last-Modified": LAST_MODIFIED})


@pytest.mark.parametrize(("etag", "last_modified"), [(ETAG, None), (None, LAST_MODIFIED), (ETAG, LAST_MODIFIED)])
def test_conditional_get_answers_not_modified(
    server: LoopbackServer, etag: str | None, last_modified: str | None
) -> None:
    server.route("/feed", conditional)
    result = fetch_feed(server.url("/feed"), etag=etag, last_modified=last_modified)
    assert result.status == "not_modified" and result.body == b""
    assert result.etag == ETAG
    sent = server.requests[0].headers
    assert sent.get("if-none-match") == etag and sent.get("if-modified-since") == last_modified


def test_stale_validators_get_the_new_document(server: LoopbackServer) -> None:
    server.route("/feed", conditional)
    result = fetch_feed(server.url("/feed"), etag='"old"', last_modified="Mon, 01 Jan 2001 00:00:00 GMT")
    assert result.status == "ok" and result.body == FEED


@pytest.mark.parametrize(("status", "text"), [(404, "HTTP 404 Not Found"), (500, "HTTP 500"), (503, "HTTP 503")])
def test_error_status_raises_naming_url_and_status(server: LoopbackServer, status: int, text: str) -> None:
    server.route("/feed", Reply(status, b"nope", {"Content-Type": "text/plain"}))
    with pytest.raises(FeedError, match=text) as raised:
        fetch_feed(server.url("/feed"))
    assert raised.value.feed == server.url("/feed")


def test_unknown_path_is_404(server: LoopbackServer) -> None:
    with pytest.raises(FeedError, match="404"):
        fetch_feed(server.url("/missing.xml"))


def test_slow_server_times_out(server: LoopbackServer) -> None:
    server.route("/slow", Reply(body=FEED, headers=RSS, delay=3.0))
    with pytest.raises(FeedError, match=r"no answer within 0\.3 s"):
        fetch_feed(server.url("/slow"), timeout=0.3)


def test_oversized_body_with_content_length_is_refused_before_reading(server: LoopbackServer) -> None:
    server.route("/big", Reply(body=b"<rss>" + b" " * 5000 + b"</rss>", headers=RSS))
    with pytest.raises(FeedError, match="more than the limit of 1,000"):
        fetch_feed(server.url("/big"), max_bytes=1000)


def test_oversized_body_without_length_is_cut_while_streaming(server: LoopbackServer) -> None:
    server.route("/big", Reply(body=b"<rss>" + b" " * 200_000 + b"</rss>", headers=RSS, content_length=False))
    with pytest.raises(FeedError, match="more than the limit of 10,000 bytes"):
        fetch_feed(server.url("/big"), max_bytes=10_000)


def test_gzip_is_decoded_and_the_limit_counts_decoded_bytes(server: LoopbackServer) -> None:
    server.route("/gz", Reply(body=gzip.compress(FEED), headers={**RSS, "Content-Encoding": "gzip"}))
    assert fetch_feed(server.url("/gz")).body == FEED
    bomb = gzip.compress(b"<rss>" + b" " * 1_000_000)  # about 1 KB on the wire
    server.route("/bomb", Reply(body=bomb, headers={**RSS, "Content-Encoding": "gzip"}))
    with pytest.raises(FeedError, match="limit"):
        fetch_feed(server.url("/bomb"), max_bytes=100_000)


def test_redirects_are_followed_and_the_final_url_reported(server: LoopbackServer) -> None:
    server.route("/old", Reply(301, headers={"Location": "/middle"}))
    server.route("/middle", Reply(302, headers={"Location": server.url("/feed")}))
    server.route("/feed", Reply(body=FEED, headers=RSS))
    result = fetch_feed(server.url("/old"))
    assert result.body == FEED and result.url == server.url("/feed")


def test_redirect_loop_stops(server: LoopbackServer) -> None:
    server.route("/a", Reply(302, headers={"Location": "/b"}))
    server.route("/b", Reply(302, headers={"Location": "/a"}))
    with pytest.raises(FeedError, match="too many redirects"):
        fetch_feed(server.url("/a"))
    assert len(server.requests) == MAX_REDIRECTS + 1


@pytest.mark.parametrize(
    ("content_type", "body", "problem"),
    [
        ("text/html; charset=utf-8", b"<!doctype html><html><body>Blog</body></html>", "text/html that is not"),
        ("image/png", b"\x89PNG\r\n\x1a\n", "sent image/png, not an RSS or Atom feed"),
        ("application/json", b'{"items": []}', "sent application/json"),
        ("application/octet-stream", b"\x00\x01\x02", "application/octet-stream that is not"),
        ("", b"hello", "a body without a content type that is not"),
    ],
)
def test_wrong_content_type_is_refused(server: LoopbackServer, content_type: str, body: bytes, problem: str) -> None:
    server.route("/x", Reply(body=body, headers={"Content-Type": content_type} if content_type else {}))
    with pytest.raises(FeedError, match=problem):
        fetch_feed(server.url("/x"))


@pytest.mark.parametrize(
    "content_type",
    [
        "application/atom+xml",
        "text/xml",
        "application/xml",
        "application/rdf+xml",
        "application/octet-stream",
        "text/html; charset=utf-8",
        "text/plain",
        "",
    ],
)
def test_feed_types_and_sniffed_generic_types_are_accepted(server: LoopbackServer, content_type: str) -> None:
    server.route("/x", Reply(body=FEED, headers={"Content-Type": content_type} if content_type else {}))
    assert fetch_feed(server.url("/x")).body == FEED


def test_connection_refused_raises() -> None:
    with LoopbackServer() as stopped:
        url = stopped.url("/feed")
    with pytest.raises(FeedError, match="could not be fetched"):
        fetch_feed(url, timeout=1.0)


def test_a_given_client_is_used_and_left_open(server: LoopbackServer) -> None:
    server.route("/feed", Reply(body=FEED, headers=RSS))
    with httpx.Client(headers={"X-Test": "yes"}) as client:
        assert fetch_feed(server.url("/feed"), client=client).body == FEED
        assert not client.is_closed
    assert server.requests[0].headers["x-test"] == "yes"


def test_item_lists_are_fetched_when_not_only_feeds_are_wanted(server: LoopbackServer) -> None:
    server.route("/items.csv", Reply(body=b"title,url\nA,https://a.org\n", headers={"Content-Type": "text/csv"}))
    server.route("/logo.png", Reply(body=b"\x89PNG", headers={"Content-Type": "image/png"}))
    with pytest.raises(FeedError, match="sent text/csv, not an RSS or Atom feed"):
        fetch_feed(server.url("/items.csv"))
    assert fetch_feed(server.url("/items.csv"), feeds_only=False).body.startswith(b"title,url")
    with pytest.raises(FeedError, match="sent image/png, not a feed or an item list"):
        fetch_feed(server.url("/logo.png"), feeds_only=False)


def test_a_dripping_feed_is_given_up_at_the_deadline(server: LoopbackServer) -> None:
    """One byte every 0.3 s never trips a per-read timeout; the total deadline ends it, and the download
    behind it stops too (no thread is left reading)."""
    server.route("/drip", Reply(body=b"<rss>", headers=RSS, drip=0.3))
    started = time.monotonic()
    with pytest.raises(FeedError, match=r"took longer than 1 s") as raised:
        fetch_feed(server.url("/drip"), deadline=1.0)
    assert 0.9 < time.monotonic() - started < 1.5
    assert raised.value.feed == server.url("/drip")
    for worker in [t for t in threading.enumerate() if t.name.startswith("evertide fetch")]:
        worker.join(1.0)
        assert not worker.is_alive()


def test_a_server_that_never_answers_is_given_up_at_the_deadline(server: LoopbackServer) -> None:
    server.route("/stuck", Reply(body=FEED, headers=RSS, delay=5.0))
    started = time.monotonic()
    with pytest.raises(FeedError, match=r"took longer than 0\.5 s"):
        fetch_feed(server.url("/stuck"), timeout=10.0, deadline=0.5)
    assert time.monotonic() - started < 1.0


def test_the_deadline_spans_redirects(server: LoopbackServer) -> None:
    """Each hop answers within the per-read timeout, together they do not within the deadline."""
    server.route("/a", Reply(302, headers={"Location": "/b"}, delay=0.4))
    server.route("/b", Reply(302, headers={"Location": "/c"}, delay=0.4))
    server.route("/c", Reply(body=FEED, headers=RSS, delay=0.4))
    with pytest.raises(FeedError, match=r"took longer than 1 s"):
        fetch_feed(server.url("/a"), timeout=0.6, deadline=1.0)


def _zeros_bomb(wbits: int, size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = b" " * 1_000_000
    packed = [packer.compress(b"<rss>"), *(packer.compress(block) for _ in range(size // len(block)))]
    return b"".join(packed) + packer.flush()


@pytest.mark.parametrize(("encoding", "wbits"), [("gzip", 16 + zlib.MAX_WBITS), ("deflate", zlib.MAX_WBITS)])
def test_a_compression_bomb_stops_at_the_limit_without_inflating_in_memory(
    server: LoopbackServer, encoding: str, wbits: int
) -> None:
    bomb = _zeros_bomb(wbits, 64_000_000)  # about 64 KB on the wire, 64 MB decoded
    server.route("/bomb", Reply(body=bomb, headers={**RSS, "Content-Encoding": encoding}))
    tracemalloc.start()
    try:
        with pytest.raises(FeedError, match="more than the limit of 100,000 bytes"):
            fetch_feed(server.url("/bomb"), max_bytes=100_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000


def test_deflate_with_and_without_the_zlib_wrapper_is_decoded(server: LoopbackServer) -> None:
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    server.route("/zlib", Reply(body=zlib.compress(FEED), headers={**RSS, "Content-Encoding": "deflate"}))
    server.route("/raw", Reply(body=raw.compress(FEED) + raw.flush(), headers={**RSS, "Content-Encoding": "deflate"}))
    assert fetch_feed(server.url("/zlib")).body == FEED
    assert fetch_feed(server.url("/raw")).body == FEED
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


def test_an_encoding_evertide_does_not_decode_is_refused(server: LoopbackServer) -> None:
    server.route("/br", Reply(body=b"\x8b\x02\x80", headers={**RSS, "Content-Encoding": "br"}))
    with pytest.raises(FeedError, match="encoded as br"):
        fetch_feed(server.url("/br"))


def resolving(table: dict[str, str]) -> Any:
    """An injected resolver (socket.getaddrinfo's shape) that answers from ``table``."""

    def resolve(host: str, port: int | None) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (table[host], port or 0))]

    return resolve


# "localhost" connects to this test's server, but the injected resolver makes the configured URL look public.
LOOKS_PUBLIC = resolving({"localhost": "93.184.216.34", "intranet.test": "10.0.0.7"})


@pytest.mark.parametrize(
    ("target", "named"),
    [
        ("http://127.0.0.2:{port}/feed", "127.0.0.2, a loopback address"),
        ("http://[::1]:{port}/feed", "::1, a loopback address"),
        ("http://[::ffff:127.0.0.1]:{port}/feed", "a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254, a link-local address"),
        ("http://intranet.test:{port}/feed", "10.0.0.7, a private address"),
    ],
)
def test_a_public_feed_redirecting_to_an_internal_address_is_refused(
    server: LoopbackServer, target: str, named: str
) -> None:
    with LoopbackServer(host="127.0.0.2") as inside:
        inside.route("/feed", Reply(body=FEED, headers=RSS))
        location = target.format(port=inside.port)
        server.route("/old", Reply(302, headers={"Location": location}))
        configured = f"http://localhost:{server.port}/old"
        with pytest.raises(FeedError, match="refused the redirect") as raised:
            fetch_feed(configured, resolve=LOOKS_PUBLIC)
    assert raised.value.feed == configured
    assert location in str(raised.value) and named in str(raised.value)
    assert inside.requests == [] and len(server.requests) == 1


def test_a_feed_configured_on_loopback_may_redirect_to_loopback(server: LoopbackServer) -> None:
    with LoopbackServer(host="127.0.0.2") as inside:
        inside.route("/feed", Reply(body=FEED, headers=RSS))
        server.route("/old", Reply(302, headers={"Location": inside.url("/feed")}))
        result = fetch_feed(server.url("/old"), resolve=LOOKS_PUBLIC)
    assert result.body == FEED and result.url == inside.url("/feed")


def test_a_public_feed_may_redirect_to_a_public_name(server: LoopbackServer) -> None:
    """The same public-looking name on both ends: followed (the resolver judges, the system connects)."""
    server.route("/old", Reply(301, headers={"Location": "/feed"}))
    server.route("/feed", Reply(body=FEED, headers=RSS))
    result = fetch_feed(f"http://localhost:{server.port}/old", resolve=LOOKS_PUBLIC)
    assert result.body == FEED and result.url == f"http://localhost:{server.port}/feed"
