"""The library as the planner's candidate source, read lazily so that its size does not matter.

The planner asks for "active items of these categories, best first" and stops reading as soon as its slots
are filled, so :meth:`DatabaseCandidates.fresh` pages through the table with keyset pagination on the index
``ix_item_candidates (status, category, priority, id)``. Every query is an index seek with an equality
prefix and a range on the last column, never an OFFSET or a sort:

- within one priority: ``status = ? AND category = ? AND priority = ? AND id > ? ORDER BY id LIMIT n``;
- the next priority down: ``SELECT MAX(priority) … WHERE status = ? AND category = ? AND priority < ?``.

Without a category filter the distinct categories are found the same way (``MIN(category) WHERE
category > ?``, one seek each) and their streams merged by (−priority, id); items without a category form one
more stream. Pages start small and double, so a plan that needs forty items reads about forty rows, from a
library of ten thousand items or of a million. Kinds are filtered in SQL, tags (a JSON list) in Python.

This is the planner's only I/O. It reads through the caller's session and never writes.
"""

import heapq
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from content_library.database import in_chunks
from content_library.models import Item, Variant
from content_library.snapshot import ItemSnapshot, VariantSnapshot

FIRST_PAGE = 16
LARGEST_PAGE = 2048

_items = Item.__table__.c  # type: ignore[attr-defined]
_variants = Variant.__table__.c  # type: ignore[attr-defined]
_COLUMNS = (
    _items.id,
    _items.title,
    _items.url,
    _items.summary,
    _items.kind,
    _items.category,
    _items.tags,
    _items.status,
    _items.priority,
    _items.max_shares,
    _items.expires_at,
    _items.published_at,
)


def _rank(item: ItemSnapshot) -> tuple[int, int]:
    return (-item.priority, item.id)


class DatabaseCandidates:
    """A candidate source over the library tables, for :func:`scheduler.planning.planner.plan`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # Every channel reads the same best items again: pages are kept for the life of this source (one
        # plan, one transaction), so ten channels cost the queries of one.
        self._pages: dict[tuple[str | None, tuple[str, ...]], _Pages] = {}
        self._category_names: list[str] | None = None

    # The protocol ----------------------------------------------------------------------------------------

    def fresh(
        self, categories: Sequence[str] = (), kinds: Sequence[str] = (), tags: Sequence[str] = ()
    ) -> Iterator[ItemSnapshot]:
        """Active items of ``categories`` (empty: every category, and none), ``kinds`` and any of ``tags``,
        lazily in (−priority, id) order."""
        groups: list[str | None] = list(dict.fromkeys(categories)) if categories else [*self._categories(), None]
        streams = [self._stream(category, tuple(kinds)) for category in groups]
        merged = streams[0] if len(streams) == 1 else heapq.merge(*streams, key=_rank)
        wanted = {tag.casefold() for tag in tags}
        return (item for item in merged if not wanted or wanted & {tag.casefold() for tag in item.tags})

    def get_many(self, item_ids: Collection[int]) -> dict[int, ItemSnapshot]:
        ids = sorted(set(item_ids))
        found: dict[int, ItemSnapshot] = {}
        for chunk in in_chunks(ids):
            rows = self.session.connection().execute(select(*_COLUMNS).where(_items.id.in_(chunk)))
            found.update((item.id, item) for item in self._snapshots(list(rows)))
        return found

    def get(self, item_id: int) -> ItemSnapshot | None:
        return self.get_many([item_id]).get(item_id)

    # Keyset pagination -------------------------------------------------------------------------------------

    def _categories(self) -> list[str]:
        """The distinct categories of active items, one index seek each (a "skip scan")."""
        if self._category_names is None:
            self._category_names = []
            while True:
                query = select(func.min(_items.category)).where(_items.status == "active", _items.category.is_not(None))
                if self._category_names:
                    query = query.where(_items.category > self._category_names[-1])
                found = self.session.connection().execute(query).scalar()
                if found is None:
                    break
                self._category_names.append(found)
        return self._category_names

    def _where(self, category: str | None, kinds: tuple[str, ...]) -> list[ColumnElement[bool]]:
        conditions = [_items.status == "active"]
        conditions.append(_items.category.is_(None) if category is None else _items.category == category)
        if kinds:
            conditions.append(_items.kind.in_(kinds))
        return conditions

    def _stream(self, category: str | None, kinds: tuple[str, ...]) -> Iterator[ItemSnapshot]:
        """One category's active items, best first, a page at a time."""
        pages = self._pages.get((category, kinds))
        if pages is None:
            pages = self._pages[(category, kinds)] = _Pages(self, self._where(category, kinds))
        number = 0
        while (page := pages.page(number)) is not None:
            yield from page
            number += 1

    def _snapshots(self, rows: Sequence[Any]) -> list[ItemSnapshot]:
        if not rows:
            return []
        variants: defaultdict[int, list[VariantSnapshot]] = defaultdict(list)
        ids = [row.id for row in rows]
        for chunk in in_chunks(ids):
            for variant in self.session.connection().execute(
                select(_variants.id, _variants.item_id, _variants.text, _variants.channel_kind)
                .where(_variants.item_id.in_(chunk))
                .order_by(_variants.id)
            ):
                variants[variant.item_id].append(VariantSnapshot(variant.id, variant.text, variant.channel_kind))
        return [
            ItemSnapshot(
                id=row.id,
                title=row.title,
                url=row.url,
                summary=row.summary,
                kind=row.kind,
                category=row.category,
                tags=tuple(row.tags or ()),
                status=row.status,
                priority=row.priority,
                max_shares=row.max_shares,
                expires_at=row.expires_at,
                published_at=row.published_at,
                variants=tuple(variants[row.id]),
            )
            for row in rows
        ]


class _Pages:
    """The pages of one (category, kinds) stream, fetched on first use and kept."""

    def __init__(self, source: DatabaseCandidates, where: list[ColumnElement[bool]]) -> None:
        self.source, self.where = source, where
        self.pages: list[list[ItemSnapshot]] = []
        self.priority: int | None = self._next_priority(None)
        self.after_id = -1
        self.size = FIRST_PAGE

    def _next_priority(self, below: int | None) -> int | None:
        query = select(func.max(_items.priority)).where(*self.where)
        if below is not None:
            query = query.where(_items.priority < below)
        found = self.source.session.connection().execute(query).scalar()
        return None if found is None else int(found)

    def page(self, number: int) -> list[ItemSnapshot] | None:
        """Page ``number`` (from 0), or None past the end."""
        while number >= len(self.pages):
            if self.priority is None:
                return None
            rows = list(
                self.source.session.connection().execute(
                    select(*_COLUMNS)
                    .where(*self.where, _items.priority == self.priority, _items.id > self.after_id)
                    .order_by(_items.id)
                    .limit(self.size)
                )
            )
            if len(rows) == self.size:
                self.after_id = rows[-1].id
            else:  # this priority is done: seek the next one down
                self.priority, self.after_id = self._next_priority(self.priority), -1
            self.size = min(self.size * 2, LARGEST_PAGE)
            if rows:
                self.pages.append(self.source._snapshots(rows))
        return self.pages[number]
