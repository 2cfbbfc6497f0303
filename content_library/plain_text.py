"""HTML fragments from feeds turned into plain text that can go into a post.

Feed summaries are HTML of every quality (WordPress excerpts, Medium's ``medium-feed-item`` markup, forum
posts with nested ``<font>`` tags). :func:`html_to_text` keeps the words and the paragraph breaks and drops
the rest: tags are stripped, ``<script>``/``<style>``/``<template>`` are dropped with their content, entities
(named and numeric) are decoded, runs of whitespace fold to one space, a block element (paragraph, heading,
list item, table row…) ends its line and a paragraph-like one leaves one blank line. Broken markup never
raises; an unclosed tag simply ends with the text. Images contribute nothing, not even their ``alt``.

It runs once per feed entry, so text without markup takes a fast path that never starts the HTML parser.
"""

import html
import re
from html.parser import HTMLParser

# Elements that end the current line, and the subset that also leaves a blank line after it.
_LISTS_AND_TABLES = {"li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "caption"}
_SECTIONS = {"div", "section", "article", "header", "footer", "nav", "aside", "main", "figure", "figcaption"}
_LINE_BREAKS = frozenset({"br", "hr", "address"} | _LISTS_AND_TABLES | _SECTIONS)
_PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"})
_DROPPED = frozenset({"script", "style", "template", "noscript", "head", "title"})
_SPACE_RUN = re.compile(r"\s+")
# Data never holds a newline (whitespace is folded first), so breaks are marked with characters of their own:
# a run of breaks becomes one blank line if any of them was a paragraph, else one newline.
_LINE = "\n"
_PARAGRAPH = "\x00"
_BREAK_RUN = re.compile(r"[ \n\x00]*[\n\x00][ \n\x00]*")
_SPACES = re.compile(r" {2,}")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self._dropping += 1
        elif tag in _PARAGRAPHS:
            self.pieces.append(_PARAGRAPH)
        elif tag in _LINE_BREAKS:
            self.pieces.append(_LINE)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _LINE_BREAKS or tag in _PARAGRAPHS:
            self.pieces.append(_LINE)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self._dropping = max(0, self._dropping - 1)
        elif tag in _PARAGRAPHS:
            self.pieces.append(_PARAGRAPH)
        elif tag in _LINE_BREAKS:
            self.pieces.append(_LINE)

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.pieces.append(_SPACE_RUN.sub(" ", data.replace(_PARAGRAPH, "")))


def _break(run: re.Match[str]) -> str:
    return "\n\n" if _PARAGRAPH in run.group() else "\n"


def _tidy(text: str) -> str:
    """Merge each run of breaks into one, fold the spaces left between pieces, and trim the ends."""
    return _BREAK_RUN.sub(_break, _SPACES.sub(" ", text)).strip(" \n\x00")


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (see the module docstring for what is kept)."""
    if "<" not in fragment:
        return " ".join(html.unescape(fragment).split()) if "&" in fragment else " ".join(fragment.split())
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    return _tidy("".join(collector.pieces))


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with an ellipsis when cut.

    A single word longer than the limit (a URL, CJK text without spaces) is cut mid-word rather than dropped.
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    boundary = max(cut.rfind(" "), cut.rfind("\n"))
    if not text[limit - 1].isspace() and boundary > limit // 2:
        cut = cut[:boundary]
    return cut.rstrip(" \n,;:.-–—") + "…"
