"""``utm_content=<queue entry id>``: which post a click came from, for the user's web analytics.

A campaign with ``utm:`` gets ``utm_content={entry_id}`` (unless it sets its own ``content:``). The entry id
does not exist while the planner renders, so rendering writes :data:`ENTRY_MARK` in its place, and the
queue puts the id in (:func:`with_entry_id`) when it writes the text: the text stored in the queue is the
one that goes out. The mark is as long as a 14-digit id, so the text only gets shorter and still fits: on
Bluesky a link counts in full; on X and Mastodon it counts 23 whatever its length. Comparisons between
wordings (is this the text posted last time? the one X refused as a duplicate?) look through the id
(:func:`unfilled`), or every post would seem new.
"""

import re
from collections.abc import Mapping

ENTRY_MARK = "evertide-entry"
CONTENT_KEY = "content"
_IN_A_QUERY_VALUE = re.compile(r"(\?[^\s#]*?=[^&#\s=]*?)" + re.escape(ENTRY_MARK) + r"(?![\w-])")
_FILLED = re.compile(r"(?<=[?&]utm_content=)(?:\d+|" + re.escape(ENTRY_MARK) + r")(?![\w-])")


def with_content(utm: Mapping[str, str]) -> dict[str, str]:
    """The campaign's UTM values, with ``utm_content`` carrying the entry id unless the campaign sets it."""
    keys = {key.strip().lower().removeprefix("utm_") for key in utm}
    return dict(utm) if CONTENT_KEY in keys else {**utm, CONTENT_KEY: "{entry_id}"}


def with_entry_id(text: str, entry_id: int | None) -> str:
    """``text`` with each :data:`ENTRY_MARK` a rendering left in a link's query value replaced by the entry's
    id; the words elsewhere are the item's own (found in review: a title or a path that said "evertide-entry"
    was rewritten, and the link pointed at another page)."""
    if entry_id is None or ENTRY_MARK not in text:
        return text
    while True:  # one mark per query at a time: a query may carry the id in two of its values
        filled = _IN_A_QUERY_VALUE.sub(lambda found: found.group(1) + str(entry_id), text)
        if filled == text:
            return text
        text = filled


def unfilled(text: str) -> str:
    """``text`` as rendered before it had an entry: the ids in its ``utm_content`` back to the mark."""
    return _FILLED.sub(ENTRY_MARK, text)
