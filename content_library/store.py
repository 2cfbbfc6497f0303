"""Hand edits of the library: list, show, add, edit, change status, remove, variants, stats.

Every function works inside the caller's session, so one CLI command is one transaction (the caller uses
:func:`content_library.database.transaction`). Lookups raise :class:`~content_library.errors.ItemNotFound`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, or_
from sqlmodel import Session, col, select

from content_library.errors import EvertideError, ItemNotFound
from content_library.field_limits import refuse_too_large, refuse_too_long
from content_library.models import Item, ItemAlias, ItemStatus, LinkCheck, Variant
from content_library.placeholders import RenderError, unknown_placeholder_problem, unknown_placeholders
from content_library.urls import canonical_url, url_key

EDITABLE_FIELDS = ("title", "url", "summary", "kind", "category", "tags", "priority", "max_shares", "expires_at")


@dataclass(frozen=True)
class ItemFilter:
    category: str | None = None
    kind: str | None = None
    status: str | None = None
    text: str | None = None


def list_items(session: Session, where: ItemFilter, *, limit: int | None = None, offset: int = 0) -> list[Item]:
    """Matching items in id order. ``text`` matches title, summary or URL, case-insensitively."""
    return list(session.exec(_matching(select(Item), where).offset(offset).limit(limit)).all())


LISTED = ("id", "kind", "category", "status", "title")  # what ``library list`` shows of an item


@dataclass(frozen=True)
class Listing:
    """What a listing needs before its first row: how many rows, and the longest value of each column but the
    last (so a listing printed in pieces keeps its columns aligned)."""

    count: int
    widths: tuple[int, ...]


def listing(session: Session, where: ItemFilter, *, limit: int | None = None, offset: int = 0) -> Listing:
    """How many items ``library list`` with these arguments shows, and the widest of each column, in one
    aggregate query."""
    page = _matching(select(*(col(getattr(Item, name)) for name in LISTED)), where).offset(offset).limit(limit)
    rows = page.subquery()
    lengths = [func.max(func.length(func.coalesce(cast(rows.c[name], String), ""))) for name in LISTED[:-1]]
    count, *widths = tuple(session.connection().execute(select(func.count(), *lengths).select_from(rows)).one())
    return Listing(count=int(count), widths=tuple(int(width or 0) for width in widths))


def item_page(
    session: Session, where: ItemFilter, *, after: int | None = None, limit: int, offset: int = 0
) -> list[tuple[Any, ...]]:
    """Up to ``limit`` rows of the :data:`LISTED` columns of matching items whose id is above ``after``, in id
    order, with no summary loaded. A long listing reads page after page, each in a short transaction of its
    own, so a person reading the first screen in a pager holds no lock the daemon waits for."""
    query = _matching(select(*(col(getattr(Item, name)) for name in LISTED)), where)
    if after is not None:
        query = query.where(col(Item.id) > after)
    return [tuple(row) for row in session.connection().execute(query.offset(offset).limit(limit))]


def _matching(query: Any, where: ItemFilter) -> Any:
    query = query.order_by(col(Item.id))
    if where.category:
        query = query.where(Item.category == where.category)
    if where.kind:
        query = query.where(Item.kind == where.kind)
    if where.status:
        query = query.where(Item.status == where.status)
    if where.text:
        # % and _ typed by a person are the characters themselves, not LIKE's wildcards
        typed = where.text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{typed}%"
        query = query.where(
            or_(
                func.lower(Item.title).like(pattern, escape="\\"),
                func.lower(Item.summary).like(pattern, escape="\\"),
                func.lower(func.coalesce(Item.url, "")).like(pattern, escape="\\"),
            )
        )
    return query


def get_item(session: Session, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise ItemNotFound("library item", item_id)
    return item


def variants_of(session: Session, item_id: int) -> list[Variant]:
    return list(session.exec(select(Variant).where(Variant.item_id == item_id).order_by(col(Variant.id))).all())


def add_item(session: Session, fields: Mapping[str, Any], *, variants: Sequence[str] = (), now: datetime) -> Item:
    """A new manual item. A URL already in the library is refused rather than duplicated."""
    item = Item(title="", source="manual", created_at=now, updated_at=now)
    _apply(session, item, fields)
    if not item.title.strip():
        raise EvertideError("an item needs a title", hint="Pass --title.")
    session.add(item)
    session.flush()
    assert item.id is not None
    for text in variants:
        add_variant(session, item.id, text, now=now)
    return item


def edit_item(session: Session, item_id: int, changes: Mapping[str, Any], *, now: datetime) -> Item:
    item = get_item(session, item_id)
    _apply(session, item, changes)
    item.updated_at = now
    session.add(item)
    return item


def _apply(session: Session, item: Item, fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise EvertideError(f"cannot set {', '.join(sorted(unknown))} on an item")
    for name in ("title", "summary", "kind", "category", "url"):
        refuse_too_long(name, fields.get(name))
    for tag in fields.get("tags") or ():
        refuse_too_long("tag", tag)
    for name in ("priority", "max_shares"):
        refuse_too_large(name, fields.get(name))
    old_url = item.url
    for name, value in fields.items():
        setattr(item, name, value)
    if "url" in fields:
        if item.id is not None and (canonical_url(fields["url"]) if fields["url"] else None) != old_url:
            forget_link_check(session, item.id)
        item.url = canonical_url(fields["url"]) if fields["url"] else None
        item.url_key = url_key(fields["url"]) if fields["url"] else None
        if item.url_key:
            clash = session.exec(select(Item).where(Item.url_key == item.url_key, Item.id != item.id)).first()
            alias = session.get(ItemAlias, item.url_key)
            if clash is None and alias is not None and alias.item_id != item.id:
                clash = session.get(Item, alias.item_id)
            elif alias is not None:  # the item is given back a link it had before its page moved
                session.delete(alias)
            if clash is not None:
                raise EvertideError(
                    f"item {clash.id} already has this URL ({clash.url})",
                    hint=f"Edit it with `evertide library edit {clash.id}` instead.",
                )


def forget_link_check(session: Session, item_id: int) -> None:
    """An item's link changed: the last check and link card were of another page (found in review: a new link
    showed the old page's card on Bluesky, or stayed "dead" from the old link's 404), so it is checked anew."""
    check = session.get(LinkCheck, item_id)
    if check is not None:
        session.delete(check)


def mark_needs_variant(session: Session, item_id: int, *, now: datetime) -> None:
    """A platform refused every wording of this item as a duplicate: stop planning it until a person adds a
    variant. An item removed meanwhile, or paused or retired by a person, is left as it is."""
    item = session.get(Item, item_id)
    if item is not None and item.status == ItemStatus.ACTIVE.value:
        item.status, item.updated_at = ItemStatus.NEEDS_VARIANT.value, now
        session.add(item)


def set_status(session: Session, item_id: int, status: ItemStatus, *, now: datetime) -> Item:
    """Pause, resume (active) or retire an item; history and variants are kept either way. The reason evertide
    gave for a status of its own (a dead link) goes: the status is now the person's."""
    item = get_item(session, item_id)
    if item.status_reason is not None and status == ItemStatus.ACTIVE:
        forget_link_check(session, item_id)  # paused for its link: check it again before it is shared
    item.status, item.status_reason = status.value, None
    item.updated_at = now
    session.add(item)
    return item


def remove_item(session: Session, item_id: int) -> Item:
    """Delete an item and its variants for good (retire it instead to keep its history)."""
    item = get_item(session, item_id)
    for variant in variants_of(session, item_id):
        session.delete(variant)
    session.flush()  # the variants first: deleting the item first lets the foreign key's cascade take them
    session.delete(item)
    session.flush()
    return item


def add_variant(
    session: Session, item_id: int, text: str, *, channel_kind: str | None = None, now: datetime
) -> Variant:
    """A new wording of an item; an item waiting for one (``needs_variant``) becomes active again. A text with
    a placeholder rendering does not fill (``{sumary}``) is refused: it could never be posted."""
    item = get_item(session, item_id)
    if not text.strip():
        raise EvertideError("a variant needs some text")
    refuse_too_long("variant", text)
    try:
        unknown = unknown_placeholders(text)
    except RenderError as error:
        raise EvertideError(f"item {item_id}: variant {text.strip()!r}: {error.problem}", hint=error.hint) from None
    if unknown:
        raise EvertideError(
            f"item {item_id}: variant {text.strip()!r}: {unknown_placeholder_problem(unknown[0])}",
            hint="Fix the variant's text (a literal brace is {{ or }}).",
        )
    if item.status == ItemStatus.NEEDS_VARIANT.value:
        item.status, item.updated_at = ItemStatus.ACTIVE.value, now
        session.add(item)
    variant = Variant(item_id=item_id, text=text.strip(), channel_kind=channel_kind, created_at=now)
    session.add(variant)
    session.flush()
    return variant


def remove_variant(session: Session, variant_id: int) -> Variant:
    variant = session.get(Variant, variant_id)
    if variant is None:
        raise ItemNotFound("variant", variant_id)
    session.delete(variant)
    return variant


def stats(session: Session) -> dict[str, Any]:
    """Counts by status, kind and category, and how many items have no variant."""

    def count_by(column: Any) -> dict[str, int]:
        rows = session.exec(select(column, func.count()).group_by(column).order_by(column)).all()
        return {str(key) if key is not None else "(none)": n for key, n in rows}

    with_variants = session.exec(select(func.count(func.distinct(Variant.item_id)))).one()
    total = session.exec(select(func.count()).select_from(Item)).one()
    return {
        "items": total,
        "by_status": count_by(Item.status),
        "by_kind": count_by(Item.kind),
        "by_category": count_by(Item.category),
        "variants": session.exec(select(func.count()).select_from(Variant)).one(),
        "items_without_variants": total - with_variants,
    }
