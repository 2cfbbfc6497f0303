"""How long each stored field of an item may be, and what an import does with a longer one.

Text that reads (title, summary, variants, category, kind, tags) is cut at a word boundary with "…" by
:func:`content_library.plain_text.shorten`; a key that only works whole (a link, an image link, a guid) is dropped
instead, since half a URL points elsewhere. Either way the import says so, naming the entry by the start of its
title. :func:`bounded` is applied by :func:`content_library.ingest.import_drafts` to every draft from every format,
so no source, however hostile, stores more than these many characters in one field (the limits are generous: a real
title is under 200 characters, a tweet-length summary under 500). A person's own edit over a limit is refused
instead (:func:`refuse_too_long`): they can shorten it better than a cut can.
"""

from dataclasses import replace

from content_library.drafts import ItemDraft
from content_library.errors import EvertideError
from content_library.integers import LARGEST_INTEGER
from content_library.plain_text import shorten

LIMITS = {
    "title": 1_000,
    "summary": 10_000,
    "variant": 10_000,
    "category": 200,
    "kind": 200,
    "tag": 200,
    "url": 2_000,
    "guid": 2_000,
    "image": 2_000,
}
MAX_TAGS = 100
_NAMED = 60  # characters of the title that name an entry in a warning


def bounded(draft: ItemDraft) -> tuple[ItemDraft, list[str]]:
    """``draft`` with every field within :data:`LIMITS` and free of NUL characters (which PostgreSQL cannot
    store: one in one feed entry stopped `feeds poll` for every feed), and one warning per field that was
    not."""
    notes: list[str] = []

    def cut(field: str, text: str, limit_name: str | None = None) -> str:
        text = storable(field, text)
        limit = LIMITS[limit_name or field]
        if len(text) <= limit:
            return text
        notes.append(f"{field} cut from {len(text):,} to {limit:,} characters")
        return shorten(text, limit)

    def storable(field: str, text: str) -> str:
        if "\x00" not in text:
            return text
        notes.append(f"{field}: NUL characters removed")
        return text.replace("\x00", "")

    def dropped(field: str, value: str | None) -> str | None:
        value = None if value is None else storable(field, value)
        if value is None or len(value) <= LIMITS[field]:
            return value
        notes.append(f"{field} of {len(value):,} characters dropped (the limit is {LIMITS[field]:,})")
        return None

    tags = draft.tags[:MAX_TAGS]
    if len(draft.tags) > MAX_TAGS:
        notes.append(f"{len(draft.tags):,} tags, kept the first {MAX_TAGS}")
    fitted = replace(
        draft,
        title=cut("title", draft.title),
        summary=cut("summary", draft.summary),
        url=dropped("url", draft.url),
        guid=dropped("guid", draft.guid),
        image=dropped("image", draft.image),
        kind=None if draft.kind is None else cut("kind", draft.kind),
        category=None if draft.category is None else cut("category", draft.category),
        tags=tuple(cut("tag", tag) for tag in tags),
        variants=tuple(cut("variant", text) for text in draft.variants),
    )
    if not notes:
        return draft, []
    name = shorten(" ".join(fitted.title.split()), _NAMED)
    return fitted, [f"{name!r}: {note}" for note in notes]


def refuse_too_long(field: str, value: str | None, limit_name: str | None = None) -> None:
    """EvertideError when a value a person gave is longer than its field's limit."""
    limit = LIMITS[limit_name or field]
    if value is not None and len(value) > limit:
        raise EvertideError(f"the {field} is {len(value):,} characters long; the limit is {limit:,}")


def refuse_too_large(field: str, value: int | None) -> None:
    """EvertideError when a number a person gave is past what the database holds (:mod:`.integers`)."""
    if value is not None and abs(value) > LARGEST_INTEGER:
        raise EvertideError(f"the {field} {value} is too large; it can be at most {LARGEST_INTEGER:,} either way")
