"""How long a post is, counted the way each platform counts it before it accepts or rejects the post.

- **x** (limit 280): X's own rules, counted by ``twitter-text-parser``, a Python port of X's twitter-text
  (``v3`` configuration) that passes X's conformance suite; ``tests/test_twitter_text_conformance.py`` runs
  that suite against this module. A hand-written copy of the rules drifted from X's (``"日example.com" * 12``:
  156 for us, 300 for X), so evertide no longer keeps one. In short: the text is NFC-normalised; every
  link X finds, with or without ``https://`` (judged by X's list of top-level domains), counts 23; an emoji
  sequence counts 2; any other code point counts 1 in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and
  U+2032–U+2037 and 2 elsewhere (CJK, most symbols, ``…``). X also refuses a post containing U+FFFE,
  U+FEFF or U+FFFF, and so does :func:`fits`; it refuses an empty post too, which :func:`fits` lets pass
  (see there). Where the port is known to differ from X's own JavaScript, it counts more: its emoji list
  is Unicode 12's, so a newer sequence counts as the sum of its parts, and a bare ``©`` or ``®`` counts 2
  where X counts 1.
- **mastodon** (limit 500): Mastodon's server counts extended grapheme clusters after replacing every URL
  with 23 characters (``StatusLengthValidator``), so ``e`` + combining acute, a flag or a ZWJ family is one.
- **bluesky** (limit 300): extended grapheme clusters with URLs counted in full, plus the record's second
  cap of 3000 UTF-8 bytes, which only :func:`fits` applies (300 ZWJ families would pass the first alone).
- **webhook** and **file**: ``len(text)``; nothing is too long for them.

Which URLs count 23 on Mastodon (and are links, for :func:`link_spans`, everywhere but X): ``http://`` or
``https://`` not glued to a preceding letter, digit, ``@``, ``$`` or ``#``, then a host whose last label is
alphabetic (two letters or more) or punycode, an optional port, and a path/query/fragment made of the
characters kept inside a link, ending on a letter, digit or one of ``-_=#/``. Trailing punctuation (``.``,
``,``, ``)``, ``!``…) is therefore counted as text. Where unsure, the pattern ends a link early, so the rest
is counted again as text: it errs on the long side. Hosts without a dot (``http://localhost``) and IP
addresses are text.
"""

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Any

import regex

X_LIMIT = 280
CHANNEL_LIMITS: Mapping[str, int | None] = MappingProxyType(
    {"x": X_LIMIT, "mastodon": 500, "bluesky": 300, "webhook": None, "file": None}
)
BLUESKY_MAX_BYTES = 3000
URL_LENGTH = 23

_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,}|xn--[A-Za-z0-9-]+)"
_URL_BODY = r"[A-Za-z0-9!*';:=+,.$/%#\[\]\-_~&@?]"
_URL_END = r"[A-Za-z0-9\-_=#/]"
_URL = regex.compile(
    r"(?<![A-Za-z0-9@＠$#＃\u202A-\u202E])[Hh][Tt][Tt][Pp][Ss]?://" + _HOST + r"(?::[0-9]{1,5})?"
    rf"(?:[/?#](?:{_URL_BODY}*{_URL_END})?)?"
)
_GRAPHEME = regex.compile(r"\X")
_LINE_ENDING = regex.compile(r"\r\n|\r")


def grapheme_count(text: str) -> int:
    """Extended grapheme clusters (Unicode UAX #29): what a reader sees as one character."""
    return len(_GRAPHEME.findall(text))


@cache
def _port() -> Any:
    """X's port, imported at the first X count: building its emoji table takes half a second, which every
    command that merely loads the config (and so this module) would otherwise pay."""
    from content_library import twitter_text_port

    return twitter_text_port


def _parse_x(text: str) -> Any:
    port = _port()
    return port.parse_tweet(text, port.twitter_text_configs["version3"])


def _x_links(text: str) -> list[dict[str, Any]]:
    return list(_port().extract_urls_with_indices(text))


def _check_kind(channel_kind: str) -> None:
    """Raise ValueError for a kind not in :data:`CHANNEL_LIMITS`.

    The config has already checked the kinds, so an unknown one here is a programming error.
    """
    if channel_kind not in CHANNEL_LIMITS:
        raise ValueError(f"unknown channel kind {channel_kind!r}; known kinds: {', '.join(CHANNEL_LIMITS)}")


def link_spans(text: str, channel_kind: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each link in ``text``, as ``text[start:end]``, the way ``channel_kind`` finds links.

    On X these are the links X shortens to 23, found by the same code that counts them, bare domains
    included (``Booking.com``). They are looked for in ``text`` as given, so the indices are ``text``'s; X
    looks after NFC-normalising, which changes no ASCII link. Elsewhere they are the scheme-prefixed links
    of the module docstring. Raises ValueError for an unknown kind.
    """
    _check_kind(channel_kind)
    if channel_kind == "x":
        return [(int(found["indices"][0]), int(found["indices"][1])) for found in _x_links(text)]
    return [match.span() for match in _URL.finditer(text)]


def _x_length(text: str) -> int:
    """X's weighted length. An ASCII text needs none of the port's emoji search (nearly all of its cost: no
    emoji sequence is ASCII), and every ASCII character weighs 1 and is valid: only its links count 23."""
    if text.isascii():
        text = _LINE_ENDING.sub("\n", text)  # X counts a CRLF as one line break, as the port does
        links = _x_links(text)
        return len(text) + sum(URL_LENGTH - (found["indices"][1] - found["indices"][0]) for found in links)
    return int(_parse_x(text).weightedLength)


def post_length(text: str, channel_kind: str) -> int:
    """The length of ``text`` as a ``channel_kind`` platform counts it (see the module docstring).

    Raises ValueError for an unknown kind.
    """
    _check_kind(channel_kind)
    if channel_kind == "x":
        return _x_length(text)
    if channel_kind == "mastodon":
        return grapheme_count(_URL.sub("x" * URL_LENGTH, text))
    if channel_kind == "bluesky":
        return grapheme_count(text)
    return len(text)


def fits(text: str, channel_kind: str) -> bool:
    """Whether the platform would accept ``text``'s length (Bluesky's byte cap included).

    On X that is twitter-text's ``valid``: at most 280, and free of U+FFFE, U+FEFF and U+FFFF, which X
    refuses whatever the length. twitter-text calls the empty text invalid as well, but here it fits:
    emptiness is not a length, and shortening a text until it fits needs the empty form to fit when
    anything does. Raises ValueError for an unknown kind.
    """
    _check_kind(channel_kind)
    if channel_kind == "x":
        if text.isascii():
            return _x_length(text) <= X_LIMIT
        return not text or bool(_parse_x(text).valid)
    limit = CHANNEL_LIMITS[channel_kind]
    if limit is None:
        return True
    if channel_kind == "bluesky" and len(text.encode("utf-8")) > BLUESKY_MAX_BYTES:
        return False
    return post_length(text, channel_kind) <= limit
