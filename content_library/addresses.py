"""Where a feed may send evertide: the redirect rule, as pure functions of URLs and a resolver.

A feed is untrusted input, and so is its redirect. A feed on the internet that answers ``302 Location:
http://127.0.0.1/internal`` (or a name that resolves to ``10.0.0.7``, or the cloud metadata address
``169.254.169.254``) would otherwise make evertide fetch, and import, something from inside the machine or its
network. So a redirect to an *internal* address is refused — unless the configured URL is itself on an
internal address: then the person asked for a local feed, and a local feed moving within the machine or the
network keeps working.

Hosts are judged by the addresses they resolve to, not by their text: ``localhost``, ``intranet.example.com``
and ``[::ffff:127.0.0.1]`` are judged alike. The resolver is a parameter with the shape of
:func:`socket.getaddrinfo` (called as ``resolve(host, None)``), so tests inject one.

Edges: a target whose name has several addresses is refused when any of them is internal (the connection may
pick that one); the origin is resolved only when the target is internal; a resolver error propagates for the
caller to report. What this cannot see: a name whose answer changes between this check and the connection
(DNS rebinding) — the check judges the answer it got.
"""

import ipaddress
import socket
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int | None], Sequence[tuple[Any, ...]]]


def internal_kind(address: IPAddress) -> str | None:
    """``"loopback"``, ``"private"``, ``"link-local"``… for an address that is not on the public internet,
    else None. An IPv4-mapped (``::ffff:a.b.c.d``) address is judged as the IPv4 address it carries."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    kinds = (
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        # shared (carrier-grade NAT, 100.64/10), benchmarking and the like: not private, not global either
        ("non-global", not address.is_global),
    )
    return next((name for name, applies in kinds if applies), None)


def is_internal(address: IPAddress) -> bool:
    """True for loopback, private, link-local, reserved, unspecified, multicast and other non-global
    addresses, IPv4 or IPv6 (IPv4-mapped IPv6 judged as its IPv4 address)."""
    return internal_kind(address) is not None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    except ValueError:
        return None


def addresses_of(host: str, resolve: Resolver) -> list[IPAddress]:
    """The addresses ``host`` stands for: itself when it is an IP literal, else what ``resolve`` answers."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    found = [_literal(str(entry[4][0])) for entry in resolve(host, None)]
    return list(dict.fromkeys(address for address in found if address is not None))


def _internal_address(host: str, resolve: Resolver) -> IPAddress | None:
    return next((address for address in addresses_of(host, resolve) if is_internal(address)), None)


def refusal(origin_url: str, target_url: str, *, resolve: Resolver = socket.getaddrinfo) -> str | None:
    """Why a feed configured as ``origin_url`` may not follow a redirect to ``target_url`` (an absolute
    URL), or None when it may. Raises what ``resolve`` raises (OSError) for a name that does not resolve."""
    target = urlsplit(target_url)
    if target.scheme.lower() not in ("http", "https") or not target.hostname:
        return "it is not an http(s) URL"
    address = _internal_address(target.hostname, resolve)
    if address is None:
        return None
    origin_host = urlsplit(origin_url).hostname
    if origin_host and _internal_address(origin_host, resolve) is not None:
        return None
    kind = internal_kind(address)
    article = "an" if kind and kind[0] in "aeiou" else "a"
    return f"{address}, {article} {kind} address"


def may_follow(origin_url: str, target_url: str, *, resolve: Resolver = socket.getaddrinfo) -> bool:
    """True when a feed configured as ``origin_url`` may follow a redirect to ``target_url``: the target is
    on a public address, or the configured URL is itself on an internal one (see the module docstring)."""
    return refusal(origin_url, target_url, resolve=resolve) is None
