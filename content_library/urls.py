"""Links as evertide posts them, and as it recognises them.

Two forms of every link:

- :func:`canonical_url` is what gets posted: scheme and host lower-cased, the default port dropped, the
  fragment dropped and tracking parameters removed (``utm_*``, ``fbclid``, ``gclid``, ``mc_cid``, ``mc_eid``,
  ``igshid``, ``ref_src``, heise's ``wt_mc`` and Medium's ``source=rss-…``). Everything else in the query is
  kept byte for byte and in its order, because some sites route on it (WordPress ``?p=6602``).
- :func:`url_key` is stricter and used only to recognise the same page again: the canonical form without a
  trailing slash and with its query parameters sorted. It is never posted.

Text that is not an absolute http(s) URL (a relative link, ``mailto:``) passes through with only surrounding
whitespace and the fragment removed; :func:`is_web_url` tells the two apart.
"""

from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "igshid", "ref_src", "wt_mc"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_web_url(url: str) -> bool:
    """True for an absolute ``http``/``https`` URL with a host."""
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in DEFAULT_PORTS and bool(parts.hostname)


def _is_tracking(pair: str) -> bool:
    name, _, value = pair.partition("=")
    name = unquote_plus(name).lower()
    if name.startswith("utm_") or name in TRACKING_PARAMS:
        return True
    # Medium appends ?source=rss-<user id>------2 to every link in its feeds.
    return name == "source" and unquote_plus(value).startswith("rss-")


def _query_pairs(query: str) -> list[str]:
    return [pair for pair in query.split("&") if pair and not _is_tracking(pair)]


def canonical_url(url: str) -> str:
    """The form of ``url`` that gets posted (see the module docstring)."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return urlunsplit(parts._replace(fragment=""))
    host = parts.hostname  # already lower-cased by urlsplit
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: leave the authority as written
        netloc = parts.netloc.lower()
    else:
        netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
        userinfo = parts.netloc.rpartition("@")[0]
        if userinfo:
            netloc = f"{userinfo}@{netloc}"
    query = "&".join(_query_pairs(parts.query))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def url_key(url: str) -> str:
    """The key that recognises the same page: canonical, no trailing slash, query parameters sorted."""
    parts = urlsplit(canonical_url(url))
    path = parts.path.rstrip("/")
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def resolve(url: str, base: str | None) -> str:
    """``url`` made absolute against ``base`` (a feed or page URL); unchanged when there is no base."""
    url = url.strip()
    if not base:
        return url
    return urljoin(base.strip(), url)
