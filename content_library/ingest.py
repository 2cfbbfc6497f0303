"""Item drafts merged into the library: the one place where the dedupe and update rules live.

Recognising an item again, in this order:

1. the same ``guid`` from the same ``source`` (a feed's entry id, a file's ``guid`` column);
2. the same page: the same :func:`~content_library.urls.url_key`, whatever the source, or the key of a link the
   item had before its page moved (an :class:`~content_library.models.ItemAlias`, which a draft never makes the
   item's link again);
3. for a draft with neither link nor guid (a tip, a FAQ): the same title from the same source.

What a re-import changes:

- On an item of the **same source**, every field the draft provides (title, summary, link, tags, dates, kind,
  category, priority, max_shares, expiry) replaces the stored one; a field the draft leaves out (``None``,
  empty summary, no tags) keeps its value. A new link whose key already belongs to another item is not taken
  (a warning says so).
- On an item that came from **another source** (a hand-added item whose page later shows up in a feed), the
  import only fills what is empty there and adds variants: it never overwrites another source's title or
  summary, so a feed and a CSV about the same page do not undo each other on every poll.
- Variants from the draft are added unless the item already has one with the same text (compared with
  whitespace folded). Existing variants are never removed, and neither are items missing from the draft list:
  a feed that drops an entry, or comes back empty, deletes nothing. An item's ``status`` is never changed, so
  a retired item stays retired.
- A draft in the same list that matches an item already matched or created by an earlier draft is skipped
  with a warning, and its keys join that item's for the drafts that follow (first draft wins).

Every draft is first brought within the fields' length limits (:mod:`content_library.field_limits`), with a
warning for each field cut or dropped.

Bulk work: the existing rows matching the drafts are loaded with a few ``IN`` queries (chunks of
:data:`CHUNK`), new items and variants are inserted with multi-row INSERTs, and everything happens in the
caller's session, so the caller's transaction decides whether all of it is kept.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session, col, select

from content_library.database import in_chunks
from content_library.drafts import ItemDraft
from content_library.field_limits import bounded
from content_library.models import Item, ItemAlias, ItemStatus, Variant
from content_library.store import forget_link_check
from content_library.urls import canonical_url, is_web_url, url_key

CHUNK = 500
DEFAULT_KIND = "article"
ITEM_TABLE: Table = Item.__table__  # type: ignore[attr-defined]
VARIANT_TABLE: Table = Variant.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ImportSummary:
    """What an import did; ``warnings`` name the drafts that were skipped or only partly applied."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    warnings: tuple[str, ...] = ()
    not_modified: bool = False  # the server answered 304 to a conditional download: nothing was read

    def line(self) -> str:
        """``12 new, 3 updated, 40 unchanged, 1 skipped``"""
        if self.not_modified:
            return "not modified since the last import; nothing to do"
        return f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged, {self.skipped} skipped"


def _chunks(values: Iterable[str]) -> Iterator[Sequence[str]]:
    return in_chunks(sorted(set(values)))


def _same_text(text: str) -> str:
    return " ".join(text.split())


@dataclass
class _NewItem:
    """A row to insert and the variants it brings."""

    row: dict[str, Any]
    variants: tuple[str, ...]

    @property
    def identity(self) -> tuple[str | None, str | None, str]:
        return _identity(self.row["url_key"], self.row["guid"], self.row["title"])


@dataclass
class _Merge:
    """The working state of one import: who owns which key, and what to write."""

    session: Session
    source: str
    now: datetime
    default_kind: str | None
    default_category: str | None
    came_from: str | None
    by_guid: dict[str, Item | _NewItem] = field(default_factory=dict)
    by_key: dict[str, Item | _NewItem] = field(default_factory=dict)
    by_title: dict[str, Item | _NewItem] = field(default_factory=dict)
    aliases: set[str] = field(default_factory=set)  # keys of links the items had before their pages moved
    matched: set[int] = field(default_factory=set)
    new_items: list[_NewItem] = field(default_factory=list)
    stored_variants: dict[int, set[str]] = field(default_factory=dict)
    variant_rows: list[dict[str, Any]] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)

    def load(self, drafts: Sequence[tuple[ItemDraft, str | None]]) -> None:
        """Every stored item any draft could match, in a few IN queries."""
        guids = (draft.guid for draft, _ in drafts if draft.guid)
        keys = [key for _, key in drafts if key]
        titles = (draft.title for draft, key in drafts if not key and not draft.guid)
        for chunk in _chunks(guids):
            query = select(Item).where(Item.source == self.source, col(Item.guid).in_(chunk))
            for item in self.session.exec(query):
                self.by_guid[item.guid or ""] = item
        for chunk in _chunks(keys):
            for item in self.session.exec(select(Item).where(col(Item.url_key).in_(chunk))):
                self.by_key[item.url_key or ""] = item
        self._load_aliases([key for key in keys if key not in self.by_key])
        for chunk in _chunks(titles):
            query = (
                select(Item)
                .where(Item.source == self.source, col(Item.title).in_(chunk))
                .where(col(Item.url_key).is_(None), col(Item.guid).is_(None))
                .order_by(col(Item.id))
            )
            for item in self.session.exec(query):
                self.by_title.setdefault(item.title, item)
        if any(draft.variants for draft, _ in drafts):
            self._load_variants()

    def _load_aliases(self, keys: list[str]) -> None:
        for chunk in _chunks(keys):
            query = select(ItemAlias.url_key, Item).join(Item, col(Item.id) == col(ItemAlias.item_id))
            for key, item in self.session.exec(query.where(col(ItemAlias.url_key).in_(chunk))):
                self.by_key[key] = item
                self.aliases.add(key)

    def _load_variants(self) -> None:
        """The texts of the variants of every loaded item, to add only the missing ones."""
        loaded = [*self.by_guid.values(), *self.by_key.values(), *self.by_title.values()]
        ids = sorted({item.id for item in loaded if isinstance(item, Item) and item.id is not None})
        for chunk in in_chunks(ids):
            for item_id, text in self.session.exec(
                select(Variant.item_id, Variant.text).where(col(Variant.item_id).in_(chunk))
            ):
                self.stored_variants.setdefault(item_id, set()).add(_same_text(text))

    def find(self, draft: ItemDraft, key: str | None) -> Item | _NewItem | None:
        if draft.guid and draft.guid in self.by_guid:
            return self.by_guid[draft.guid]
        if key:
            return self.by_key.get(key)
        return None if draft.guid else self.by_title.get(draft.title)

    def claim(self, target: Item | _NewItem, draft: ItemDraft, key: str | None) -> None:
        """Record the draft's keys as belonging to ``target`` for the drafts that follow."""
        self.matched.add(id(target))
        if draft.guid:
            self.by_guid.setdefault(draft.guid, target)
        if key:
            self.by_key.setdefault(key, target)
        elif not draft.guid:
            self.by_title.setdefault(draft.title, target)

    def add(self, draft: ItemDraft, url: str | None, key: str | None) -> None:
        row = {
            "kind": draft.kind or self.default_kind or DEFAULT_KIND,
            "title": draft.title,
            "url": url,
            "url_key": key,
            "guid": draft.guid,
            "summary": draft.summary,
            "category": draft.category or self.default_category,
            "tags": list(draft.tags),
            "source": self.source,
            "status": ItemStatus.ACTIVE.value,
            "priority": draft.priority or 0,
            "max_shares": draft.max_shares,
            "published_at": draft.published_at,
            "expires_at": draft.expires_at,
            "image": draft.image,
            "came_from": self.came_from,
            "created_at": self.now,
            "updated_at": self.now,
        }
        new = _NewItem(row, _distinct(draft.variants))
        self.new_items.append(new)
        self.claim(new, draft, key)

    def update(self, item: Item, draft: ItemDraft, url: str | None, key: str | None) -> None:
        assert item.id is not None
        changes = self._changes(item, draft, url, key)
        if item.source == self.source and item.came_from != self.came_from:
            changes["came_from"] = self.came_from
        if "url" in changes:
            forget_link_check(self.session, item.id)
        for name, value in changes.items():
            setattr(item, name, value)
        if changes:
            item.updated_at = self.now
        have = self.stored_variants.setdefault(item.id, set())
        missing = [text for text in _distinct(draft.variants) if _same_text(text) not in have]
        have.update(_same_text(text) for text in missing)
        self.variant_rows.extend(self._variant_row(item.id, text) for text in missing)
        if changes or missing:
            self.updated += 1
        else:
            self.unchanged += 1
        self.claim(item, draft, key)

    def _changes(self, item: Item, draft: ItemDraft, url: str | None, key: str | None) -> dict[str, Any]:
        provided: dict[str, Any] = {
            "title": draft.title,
            "summary": draft.summary or None,
            "kind": draft.kind,
            "category": draft.category,
            "tags": list(draft.tags) or None,
            "priority": draft.priority,
            "max_shares": draft.max_shares,
            "published_at": draft.published_at,
            "expires_at": draft.expires_at,
            "image": draft.image,
        }
        owned = item.source == self.source
        changes: dict[str, Any] = {}
        for name, value in provided.items():
            stored = getattr(item, name)
            if value is not None and value != stored and (owned or _is_empty(stored)):
                changes[name] = value
        if owned and draft.guid and item.guid != draft.guid:
            changes["guid"] = draft.guid
        if url and key != item.url_key and key not in self.aliases and (owned or item.url is None):
            owner = self.by_key.get(key or "")
            if owner is None or owner is item:
                changes["url"], changes["url_key"] = url, key
            else:
                taken = f"the new one {url} belongs to another item"
                self.warnings.append(f"{draft.title!r}: kept the old link, {taken}")
        return changes

    def skip_repeat(self, target: Item | _NewItem, draft: ItemDraft, key: str | None) -> None:
        """Skip a draft whose item an earlier draft already took. Its other keys now also lead to that item,
        so every later draft sharing any key with the group is skipped too, on this import and the next."""
        self.skipped += 1
        self.claim(target, draft, key)
        repeat = "repeats an earlier entry of the same import; skipped"
        self.warnings.append(f"{draft.title!r} {repeat}")

    def write(self) -> int:
        """Insert the new items and every missing variant; returns the number of new items."""
        self.session.flush()  # updates first: a unique key an update moved away is then free for an insert
        connection = self.session.connection()
        for start in range(0, len(self.new_items), CHUNK):
            batch = self.new_items[start : start + CHUNK]
            if not any(new.variants for new in batch):
                connection.execute(insert(ITEM_TABLE), [new.row for new in batch])
                continue
            # SQLite cannot promise RETURNING rows in VALUES order (SQLAlchemy would then insert row by row),
            # so each id is matched back by the keys that make a new item unique within one import.
            by_identity = {new.identity: new for new in batch}
            table = ITEM_TABLE.c
            statement = insert(ITEM_TABLE).returning(table.id, table.url_key, table.guid, table.title)
            for item_id, key, guid, title in connection.execute(statement, [new.row for new in batch]):
                new = by_identity[_identity(key, guid, title)]
                self.variant_rows.extend(self._variant_row(item_id, text) for text in new.variants)
        for start in range(0, len(self.variant_rows), CHUNK):
            connection.execute(insert(VARIANT_TABLE), self.variant_rows[start : start + CHUNK])
        return len(self.new_items)

    def _variant_row(self, item_id: int, text: str) -> dict[str, Any]:
        return {"item_id": item_id, "text": text, "channel_kind": None, "created_at": self.now}


def _identity(key: str | None, guid: str | None, title: str) -> tuple[str | None, str | None, str]:
    """What tells new items of one import apart: the link key, else the guid, else the title."""
    if key:
        return (key, None, "")
    return (None, guid, "") if guid else (None, None, title)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _distinct(texts: Iterable[str]) -> tuple[str, ...]:
    """The non-blank texts, stripped, without repeats (compared with whitespace folded)."""
    kept: dict[str, str] = {}
    for text in texts:
        if text.strip():
            kept.setdefault(_same_text(text), text.strip())
    return tuple(kept.values())


def import_drafts(
    session: Session,
    drafts: Sequence[ItemDraft],
    *,
    source: str,
    now: datetime,
    default_kind: str | None = None,
    default_category: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    came_from: str | None = None,
) -> ImportSummary:
    """Merge ``drafts`` into the library under ``source`` (see the module docstring for the rules).

    ``default_kind`` and ``default_category`` apply to new items whose draft gives none. ``came_from`` is the
    URL the drafts were fetched from (None: a person's own file), which holds their links to its address rule.
    ``progress`` is called with (drafts done, total) every :data:`CHUNK` drafts and once at the end. Nothing is
    committed here.
    """
    merge = _Merge(session, source, now, default_kind, default_category, came_from)
    keyed = []
    for given in drafts:
        draft, notes = bounded(given)
        merge.warnings.extend(notes)
        url = canonical_url(draft.url) if draft.url else None
        keyed.append((draft, url, url_key(url) if url and is_web_url(url) else None))
    merge.load([(draft, key) for draft, _, key in keyed])
    for done, (draft, url, key) in enumerate(keyed, start=1):
        target = merge.find(draft, key)
        if target is not None and id(target) in merge.matched:
            merge.skip_repeat(target, draft, key)
        elif isinstance(target, Item):
            merge.update(target, draft, url, key)
        else:
            merge.add(draft, url, key)
        if progress is not None and done % CHUNK == 0:
            progress(done, len(keyed))
    new = merge.write()
    if progress is not None:
        progress(len(keyed), len(keyed))
    return ImportSummary(
        new=new,
        updated=merge.updated,
        unchanged=merge.unchanged,
        skipped=merge.skipped,
        warnings=tuple(merge.warnings),
    )
