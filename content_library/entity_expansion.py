"""How much a feed's own entity declarations would add to it once expanded: the check against entity bombs.

A feed may declare entities in its DOCTYPE (``<!ENTITY copy "&#169;">``) and both of feedparser's parsers expand
them: expat, and feedparser's lenient parser after it, which takes over when expat gives up. Found: a 73 kB
feed declaring one 50 kB entity and using it 4,000 times stored a 200,000,000-character title, and a slightly
larger one raised MemoryError. expat's own guard stops the first parser; the lenient one has none. So a feed
is measured before it is parsed: :func:`added_by_entities` counts the characters its declared entities would
add, nested ones included, and :func:`content_library.feeds.parse_feed` refuses a feed over
:data:`MAX_ADDED`. Real feeds declare a few short entities (a copyright sign, a site name); a megabyte of
expansion is far beyond any of them.
"""

import re

from content_library.sniffing import as_text

MAX_ADDED = 1_000_000  # characters

_DECLARATION = re.compile(r"""<!ENTITY\s+(?!%)([^\s"'>]+)\s+(?:"([^"]*)"|'([^']*)')""")
_REFERENCE = re.compile(r"&([^\s&;#]+);")


def added_by_entities(data: bytes) -> int:
    """How many characters expanding the document's internal entities would add (0 when it declares none)."""
    text = as_text(data)
    if "<!ENTITY" not in text:  # nearly every feed: no regex over megabytes of entries
        return 0
    declarations = {name: double or single for name, double, single in _DECLARATION.findall(text)}
    if not declarations:
        return 0
    sizes: dict[str, int] = {}

    def size(name: str, seen: frozenset[str]) -> int:
        """The expanded length of entity ``name``; one in a cycle counts as unbounded."""
        if name in seen:
            return MAX_ADDED + 1
        if name not in sizes:
            value = declarations[name]
            nested = [n for n in _REFERENCE.findall(value) if n in declarations]
            sizes[name] = len(value) + sum(size(n, seen | {name}) for n in nested)
        return sizes[name]

    body = _DECLARATION.sub("", text)
    references = [name for name in _REFERENCE.findall(body) if name in declarations]
    return sum(size(name, frozenset()) for name in references)
