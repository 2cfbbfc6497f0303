"""The redirect rule for feeds, as pure functions: which addresses are internal, and which redirects a feed
may follow. Names are resolved by an injected resolver, so no test depends on the network's DNS."""

import ipaddress
import socket
from typing import Any

import pytest

from content_library.addresses import internal_kind, is_internal, may_follow, refusal


def resolver(table: dict[str, list[str]]) -> Any:
    """A stand-in for socket.getaddrinfo answering from ``table``, with getaddrinfo's tuple shape."""

    def resolve(host: str, port: int | None) -> list[tuple[Any, ...]]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answers = []
        for text in table[host]:
            if ":" in text:
                answers.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (text, port or 0, 0, 0)))
            else:
                answers.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (text, port or 0)))
        return answers

    return resolve


@pytest.mark.parametrize(
    "text",
    [
        "127.0.0.1",
        "127.0.0.2",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "0.0.0.0",
        "100.64.0.1",  # carrier-grade NAT: not private, not global either
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped: judged as the IPv4 address it carries
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",  # the deprecated IPv4-compatible form
    ],
)
def test_internal_addresses(text: str) -> None:
    assert is_internal(ipaddress.ip_address(text))


@pytest.mark.parametrize("text", ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses(text: str) -> None:
    assert not is_internal(ipaddress.ip_address(text))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
    ],
)
def test_internal_kind_names_the_range(text: str, kind: str) -> None:
    assert internal_kind(ipaddress.ip_address(text)) == kind


PUBLIC = resolver(
    {
        "feeds.example.com": ["93.184.216.34"],
        "cdn.example.net": ["2606:4700:4700::1111", "1.1.1.1"],
        "intranet.example.com": ["10.0.0.7"],
        "sneaky.example.com": ["93.184.216.35", "192.168.0.10"],  # one internal answer is enough to refuse
        "mapped.example.com": ["::ffff:127.0.0.1"],
        "v6local.example.com": ["fe80::1%eth0"],
        "localhost": ["127.0.0.1", "::1"],
    }
)


@pytest.mark.parametrize(
    "target",
    [
        "https://feeds.example.com/rss",
        "https://cdn.example.net/feed.xml",
        "http://93.184.216.34/feed",
        "http://[2606:4700:4700::1111]:8080/feed",
        "/relative/is/resolved/by/the/caller/first",
    ],
)
def test_a_public_feed_may_follow_a_redirect_to_a_public_address(target: str) -> None:
    origin = "https://feeds.example.com/rss"
    assert may_follow(origin, target if "://" in target else "https://feeds.example.com" + target, resolve=PUBLIC)


@pytest.mark.parametrize(
    ("target", "named"),
    [
        ("http://127.0.0.1/internal", "127.0.0.1, a loopback address"),
        ("http://127.0.0.2:8080/", "127.0.0.2, a loopback address"),
        ("http://[::1]:9000/", "::1, a loopback address"),
        ("http://[::ffff:7f00:1]/", "::ffff:7f00:1, a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254, a link-local address"),
        ("http://[fe80::1%25eth0]/", "a link-local address"),
        ("http://0.0.0.0:6379/", "0.0.0.0, an unspecified address"),
        ("http://intranet.example.com/feed", "10.0.0.7, a private address"),
        ("http://sneaky.example.com/feed", "192.168.0.10, a private address"),
        ("http://mapped.example.com/", "a loopback address"),  # printed ::ffff:7f00:1 before Python 3.13
        ("http://v6local.example.com/", "fe80::1, a link-local address"),
        ("http://localhost:8000/", "127.0.0.1, a loopback address"),
    ],
)
def test_a_public_feed_may_not_redirect_to_an_internal_address(target: str, named: str) -> None:
    origin = "https://feeds.example.com/rss"
    assert not may_follow(origin, target, resolve=PUBLIC)
    reason = refusal(origin, target, resolve=PUBLIC)
    assert reason is not None and named in reason


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:8080/feed.xml",
        "http://localhost/feed",
        "http://[::1]/feed",
        "http://intranet.example.com/feed",
        "http://192.168.1.20/rss",
    ],
)
def test_a_feed_configured_on_an_internal_address_may_redirect_to_one(origin: str) -> None:
    """The person asked for an internal feed: a local test feed moving within the machine keeps working."""
    assert may_follow(origin, "http://127.0.0.2:8080/feed.xml", resolve=PUBLIC)
    assert may_follow(origin, "http://intranet.example.com/other", resolve=PUBLIC)


def test_the_origin_is_judged_by_what_it_resolves_to_not_its_name() -> None:
    """A name that merely looks local is judged by its address: here "localhost" is made to resolve to a
    public address, so it gets no internal privileges."""
    looks_local = resolver({"localhost": ["93.184.216.34"]})
    assert not may_follow("http://localhost/feed", "http://127.0.0.1/internal", resolve=looks_local)


def test_other_schemes_are_refused() -> None:
    reason = refusal("https://feeds.example.com/rss", "file:///etc/passwd", resolve=PUBLIC)
    assert reason is not None and "not an http(s) URL" in reason
    assert not may_follow("http://127.0.0.1/feed", "gopher://127.0.0.1:70/", resolve=PUBLIC)


def test_an_unresolvable_target_raises_for_the_caller_to_report() -> None:
    with pytest.raises(OSError):
        may_follow("https://feeds.example.com/rss", "https://nowhere.invalid/", resolve=PUBLIC)


def test_the_origin_is_resolved_only_when_the_target_is_internal() -> None:
    asked: list[str] = []

    def counting(host: str, port: int | None) -> list[tuple[Any, ...]]:
        asked.append(host)
        return list(PUBLIC(host, port))

    assert may_follow("https://feeds.example.com/rss", "https://cdn.example.net/feed", resolve=counting)
    assert asked == ["cdn.example.net"]
