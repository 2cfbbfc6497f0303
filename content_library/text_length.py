"""How long a post is, counted the way each platform counts it before it accepts or rejects the post.

- **x** (limit 280): twitter-text's ``v3`` configuration, the one X's own clients and servers use. The text
  is NFC-normalised first. Every URL counts 23 (the length of its ``t.co`` wrapper). An emoji sequence — a
  ZWJ family, a flag, a skin-toned hand, a keycap, ``©`` *with* U+FE0F — counts 2 in all. Every other code
  point counts 1 in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and U+2032–U+2037, and 2 anywhere else
  (CJK, most symbols, ``…``). A plain ``©`` or ``®`` is text, not emoji, and counts 1, as in twemoji.
- **mastodon** (limit 500): Mastodon's server counts extended grapheme clusters after replacing every URL
  with 23 characters (``StatusLengthValidator``), so ``e`` + combining acute, a flag or a ZWJ family is one.
- **bluesky** (limit 300): extended grapheme clusters with URLs counted in full, plus the record's second
  cap of 3000 UTF-8 bytes, which only :func:`fits` applies (300 ZWJ families would pass the first alone).
- **webhook** and **file**: ``len(text)``; nothing is too long for them.

Which URLs count 23: ``http://`` or ``https://`` not glued to a preceding letter, digit, ``@``, ``$`` or
``#``, then a host whose last label is alphabetic (two letters or more) or punycode, an optional port, and
a path/query/fragment made of the characters that X keeps inside a link, ending on a letter, digit or one
of ``-_=#/``. Trailing punctuation (``.``, ``,``, ``)``, ``!``…) is therefore counted as text. Where this
pattern and X's disagree, it errs on the long side: a character X might keep in a link ends ours instead
and is counted again as text.

X also links a bare domain without a scheme (``Booking.com``). Recognising that exactly needs X's list of
1,500 TLDs, so on X any ``name.tld``-shaped word counts as the longer of its own weight and 23: never less
than X counts, at the cost of over-counting file names such as ``Node.js``. Hosts without a dot
(``http://localhost``) and IP addresses are counted as text, as X does.
"""

import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

import regex

CHANNEL_LIMITS: Mapping[str, int | None] = MappingProxyType(
    {"x": 280, "mastodon": 500, "bluesky": 300, "webhook": None, "file": None}
)
BLUESKY_MAX_BYTES = 3000
URL_LENGTH = 23

_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,}|xn--[A-Za-z0-9-]+)"
_URL_BODY = r"[A-Za-z0-9!*';:=+,.$/%#\[\]\-_~&@?]"
_URL_END = r"[A-Za-z0-9\-_=#/]"
URL_PATTERN = (
    r"(?<![A-Za-z0-9@＠$#＃\u202A-\u202E])[Hh][Tt][Tt][Pp][Ss]?://" + _HOST + r"(?::[0-9]{1,5})?"
    rf"(?:[/?#](?:{_URL_BODY}*{_URL_END})?)?"
)
_URL = regex.compile(URL_PATTERN)

# X-only extras: a bare domain (counted as at least a URL) and an emoji sequence as twemoji-parser sees it.
_BARE_DOMAIN = r"(?<![\w@＠$#＃.\-/:])" + _HOST + r"(?![\w@＠\-])"
_PICTOGRAPH = r"(?:[\u00A9\u00AE]\uFE0F|(?![\u00A9\u00AE])\p{Extended_Pictographic}\uFE0F?)"
_EMOJI_ELEMENT = _PICTOGRAPH + r"(?:\p{Emoji_Modifier}|[\U000E0020-\U000E007E]+\U000E007F)?"
_EMOJI = rf"\p{{Regional_Indicator}}{{2}}|[#*0-9]\uFE0F?\u20E3|{_EMOJI_ELEMENT}(?:\u200D{_EMOJI_ELEMENT})*"
_X_ENTITIES = regex.compile(rf"(?P<url>{URL_PATTERN})|(?P<domain>{_BARE_DOMAIN})|(?P<emoji>{_EMOJI})")
# Code points outside the v3 ranges that weigh 1 (scale 100 / weight 100); each of these weighs 2.
_X_HEAVY = regex.compile(r"[^\u0000-\u10FF\u2000-\u200D\u2010-\u201F\u2032-\u2037]")
_GRAPHEME = regex.compile(r"\X")


def _x_plain_weight(text: str) -> int:
    return len(text) + len(_X_HEAVY.findall(text))


def _x_length(text: str) -> int:
    text = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for match in _X_ENTITIES.finditer(text):
        total += _x_plain_weight(text[position : match.start()])
        if match.group("url"):
            total += URL_LENGTH
        elif match.group("domain"):
            total += max(URL_LENGTH, _x_plain_weight(match.group()))
        else:
            total += 2
        position = match.end()
    return total + _x_plain_weight(text[position:])


def grapheme_count(text: str) -> int:
    """Extended grapheme clusters (Unicode UAX #29): what a reader sees as one character."""
    return len(_GRAPHEME.findall(text))


def post_length(text: str, channel_kind: str) -> int:
    """The length of ``text`` as a ``channel_kind`` platform counts it (see the module docstring).

    Raises ValueError for a kind not in :data:`CHANNEL_LIMITS`: the config has already checked the kinds,
    so an unknown one here is a programming error.
    """
    if channel_kind == "x":
        return _x_length(text)
    if channel_kind == "mastodon":
        return grapheme_count(_URL.sub("x" * URL_LENGTH, text))
    if channel_kind == "bluesky":
        return grapheme_count(text)
    if channel_kind in CHANNEL_LIMITS:
        return len(text)
    raise ValueError(f"unknown channel kind {channel_kind!r}; known kinds: {', '.join(CHANNEL_LIMITS)}")


def fits(text: str, channel_kind: str) -> bool:
    """Whether the platform would accept ``text`` as a post's length (Bluesky's byte cap included)."""
    length = post_length(text, channel_kind)
    limit = CHANNEL_LIMITS[channel_kind]
    if limit is None:
        return True
    if channel_kind == "bluesky" and len(text.encode("utf-8")) > BLUESKY_MAX_BYTES:
        return False
    return length <= limit
