"""Read-only, plain-data copies of library items for the pure code (planning, rendering).

The planner must not touch the database or lazy-load relationships, so it works on these frozen snapshots;
:func:`load_items` builds them in two queries whatever the library size.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from content_library.models import Item, Variant


@dataclass(frozen=True)
class VariantSnapshot:
    id: int
    text: str
    channel_kind: str | None = None


@dataclass(frozen=True)
class ItemSnapshot:
    id: int
    title: str
    url: str | None = None
    summary: str = ""
    kind: str = "article"
    category: str | None = None
    tags: tuple[str, ...] = ()
    status: str = "active"
    priority: int = 0
    max_shares: int | None = None
    expires_at: datetime | None = None
    published_at: datetime | None = None
    variants: tuple[VariantSnapshot, ...] = ()

    def variants_for(self, channel_kind: str) -> tuple[VariantSnapshot, ...]:
        """The variants usable on a channel of this kind: the general ones and the ones written for it."""
        return tuple(v for v in self.variants if v.channel_kind in (None, channel_kind))


def snapshot_of(item: Item, variants: list[Variant]) -> ItemSnapshot:
    assert item.id is not None
    return ItemSnapshot(
        id=item.id,
        title=item.title,
        url=item.url,
        summary=item.summary,
        kind=item.kind,
        category=item.category,
        tags=tuple(item.tags),
        status=item.status,
        priority=item.priority,
        max_shares=item.max_shares,
        expires_at=item.expires_at,
        published_at=item.published_at,
        variants=tuple(
            VariantSnapshot(id=v.id, text=v.text, channel_kind=v.channel_kind) for v in variants if v.id is not None
        ),
    )


def load_items(session: Session, *, active_only: bool = True) -> list[ItemSnapshot]:
    """Every item (only ``active`` ones unless told otherwise) with its variants, ordered by id."""
    query = select(Item).order_by(Item.id)  # type: ignore[arg-type]
    if active_only:
        query = query.where(Item.status == "active")
    items = session.exec(query).all()
    by_item: defaultdict[int, list[Variant]] = defaultdict(list)
    for variant in session.exec(select(Variant).order_by(Variant.id)).all():  # type: ignore[arg-type]
        by_item[variant.item_id].append(variant)
    return [snapshot_of(item, by_item[item.id]) for item in items if item.id is not None]
