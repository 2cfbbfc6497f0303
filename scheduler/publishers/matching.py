"""Recognising our own post among an account's recent posts, after the platform has rewritten it.

Platforms hand back a different string from the one sent: X escapes ``&<>`` as HTML entities and swaps
every link for a ``t.co`` address (the original is in the tweet's ``entities``); Mastodon returns HTML
in which links are split across hidden ``<span>`` elements and line breaks became ``<p>``/``<br>``.
Each platform module first undoes its own rewriting; then both sides are reduced to :func:`comparable`
form: Unicode NFC, runs of whitespace collapsed to one space.
"""

import re
import unicodedata
from html.parser import HTMLParser

_WHITESPACE = re.compile(r"\s+")


def comparable(text: str) -> str:
    """The form in which two renderings of the same post compare equal."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "p"):
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(markup: str) -> str:
    """The visible text of a Mastodon status's ``content``; hidden link parts are kept, because together
    they spell the full URL that was posted."""
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)
