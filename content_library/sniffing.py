"""What a document is, from its first bytes: the one place that tells a feed from an item list.

A feed is XML, and XML may come in UTF-16 or UTF-32, with a byte order mark or without one (then its first
character, ``<``, shows the encoding: XML 1.0, Appendix F). Read as bytes, such a document has a NUL between
every two letters, so a byte pattern such as ``<rss`` never matches and the file was taken for a CSV.
:func:`head_text` decodes the start of a document first, the way an XML parser would, and every check here
works on that text. Everything not UTF-16/32 is looked at as Latin-1, which maps every byte to one character:
enough to see ASCII markup in UTF-8 and in the single-byte encodings alike.
"""

import re

__all__ = ["SNIFF_BYTES", "as_text", "head_text", "looks_like_feed", "looks_like_json_feed", "looks_like_xml"]

SNIFF_BYTES = 4096

# Longest first: the UTF-32-LE mark begins with the UTF-16-LE one.
_BYTE_ORDER_MARKS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xef\xbb\xbf", "utf-8"),
)
# No mark: "<" as the first character, in each wide encoding.
_FIRST_ANGLE_BRACKET = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
_FEED_ROOT = re.compile(r"<(?:[a-z0-9_]+:)?(?:rss|feed|rdf)\b", re.IGNORECASE)
_JSON_FEED_VERSION = re.compile(r'"version"\s*:\s*"https?://jsonfeed\.org/version/')


def head_text(data: bytes) -> str:
    """The first :data:`SNIFF_BYTES` of ``data`` as text, without a byte order mark."""
    return as_text(data[:SNIFF_BYTES])


def as_text(data: bytes) -> str:
    """``data`` as text, without a byte order mark: decoded as UTF-16/32 when it is that, else as Latin-1."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return data[len(mark) :].decode(encoding, errors="ignore")
    for start, encoding in _FIRST_ANGLE_BRACKET:
        if data.startswith(start):
            return data.decode(encoding, errors="ignore")
    return data.decode("latin-1")


def looks_like_xml(data: bytes) -> bool:
    """True when the document's first character, after white space, is ``<``: an XML declaration or element."""
    return head_text(data).lstrip().startswith("<")


def looks_like_feed(data: bytes) -> bool:
    """True when the start of a document holds an RSS, Atom or RDF root element."""
    return _FEED_ROOT.search(head_text(data)) is not None


def looks_like_json_feed(data: bytes) -> bool:
    """True for a JSON Feed (jsonfeed.org): a JSON object whose ``version`` names that format."""
    text = head_text(data).lstrip()
    return text.startswith("{") and _JSON_FEED_VERSION.search(text) is not None
