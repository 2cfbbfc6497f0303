"""HTTP plumbing shared by the publishers whose client library uses ``requests``.

tweepy hard-codes ``https://api.twitter.com`` and sends every request without a timeout, so a stalled
connection would hang the daemon forever. :class:`RoutedAdapter` is mounted on the client's own session:
it applies a default timeout, can send the requests to another origin (a gateway, or the loopback
emulator in the tests) and can add headers the library must not see (so the library cannot log them).
"""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies


class RoutedAdapter(HTTPAdapter):
    """A requests adapter that applies ``timeout`` when the caller gave none, rewrites the scheme and host
    to ``base_url`` when one is set, and sets ``headers`` on every request.

    Rewriting happens after authentication, so an OAuth 1.0a signature still covers the original URL; that
    is what the real API expects, and what the emulators ignore. It never retries (``max_retries`` stays 0):
    a retried POST could publish twice.
    """

    def __init__(
        self, *, timeout: float, base_url: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__()
        self._timeout = timeout
        self._base = urlsplit(base_url.rstrip("/")) if base_url else None
        self._headers = dict(headers or {})

    def __repr__(self) -> str:
        return f"RoutedAdapter(timeout={self._timeout}, base_url={self._base and urlunsplit(self._base)!r})"

    def send(  # type: ignore[override]  # requests' own signature is untyped positional soup
        self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None, **kwargs: Any
    ) -> requests.Response:
        if self._base is not None and request.url:
            target = urlsplit(request.url)
            request.url = urlunsplit(
                (self._base.scheme, self._base.netloc, self._base.path + target.path, target.query, "")
            )
            # Proxies were chosen for the original host; choose again for the one we actually reach.
            kwargs["proxies"] = get_environ_proxies(request.url)
        request.headers.update(self._headers)
        return super().send(request, stream=stream, timeout=self._timeout if timeout is None else timeout, **kwargs)


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL, for messages: paths and queries of webhook URLs often embed
    tokens, so errors show only the origin."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
