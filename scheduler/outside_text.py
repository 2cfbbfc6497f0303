"""Text from outside (feed titles, CSV cells, variants, feed names, platform messages, paths) made inert for a
terminal: shown as typed, never obeyed.

Two things could make such text act instead of read:

- **the terminal**: an escape sequence (ESC, CSI, OSC: set the title, clear the screen, print a hyperlink), a
  bell or a carriage return, or a bidi override (U+202E) that reorders what the person reads; zero-width
  characters hide the difference between two names that look alike. :func:`visible` writes every such
  character out as a Python-style escape (``\\x1b``, ``\\u202e``), so the line reads as what is stored;
- **rich**: ``[link=…]``, ``[/nonsense]`` (a ``MarkupError``) and ``:x:`` (an emoji) in a string it parses.
  :func:`inert` gives rich a ``Text``, which it never parses for markup or emoji (``rich.markup.escape`` alone
  would leave the emoji codes).

Only the display changes: the stored text, the posted text and ``--json`` keep every character.

A zero-width joiner between two pictographs is kept: that is how 👩‍💻 is written, and it hides nothing.
"""

import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

_ZERO_WIDTH_JOINER = "\u200d"
_KEPT_IN_MESSAGES = frozenset("\n\t")
# Controls, format characters, lone surrogates, line and paragraph separators. Private-use and unassigned
# characters are shown as they are: an icon font's glyph or an emoji newer than this Python hides nothing.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def visible(text: str, *, lines: bool = False) -> str:
    """``text`` with every control, format (bidi, zero-width) and separator character written as an escape.

    ``lines=True`` keeps newlines and tabs, for a message evertide wrote in several lines; a table cell or a
    name is one line, so there they are escaped too.
    """
    if text.isprintable() and not _has_format_characters(text):  # the common case: nothing to do
        return text
    return "".join(char if _shown_as_is(text, index, lines=lines) else _escape(char) for index, char in enumerate(text))


def inert(text: str, *, lines: bool = False, style: str = "") -> "Text":
    """``text`` as a rich ``Text``: escapes made visible, markup and ``:emoji:`` codes printed as typed."""
    from rich.text import Text

    return Text(visible(text, lines=lines), style=style)


def _has_format_characters(text: str) -> bool:
    # str.isprintable() already refuses C0/C1 controls and separators; format characters (Cf) such as
    # U+202E and U+200B count as printable, so they are looked for apart.
    return any(unicodedata.category(char) == "Cf" for char in text if ord(char) >= 0xAD)


def _shown_as_is(text: str, index: int, *, lines: bool) -> bool:
    char = text[index]
    if lines and char in _KEPT_IN_MESSAGES:
        return True
    if char == _ZERO_WIDTH_JOINER:
        return 0 < index < len(text) - 1 and _pictograph(text[index - 1]) and _pictograph(text[index + 1])
    return unicodedata.category(char) not in _ESCAPED_CATEGORIES


def _pictograph(char: str) -> bool:
    return unicodedata.category(char) == "So" or 0x1F3FB <= ord(char) <= 0x1F3FF  # skin-tone modifiers are Sk


_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
