"""``evertide library …``: fill, browse and edit the content library. Each command is one transaction."""

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from scheduler.cli.common import load, now, open_database
from scheduler.cli.ids import id_argument
from scheduler.cli.output import print_json, print_table, progress_bar, say, warn

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from content_library.models import Item, Variant
    from content_library.store import ItemFilter
    from scheduler.daemon.links_job import Checked

app = typer.Typer(help="The content library: evergreen items and their message variants.", no_args_is_help=True)
variants_app = typer.Typer(help="Message variants of an item.", no_args_is_help=True)
app.add_typer(variants_app, name="variants")

ITEM_KEYS = (
    "id",
    "kind",
    "title",
    "url",
    "image",
    "summary",
    "category",
    "tags",
    "source",
    "status",
    "status_reason",
    "priority",
    "max_shares",
    "published_at",
    "expires_at",
    "created_at",
    "updated_at",
)


def item_json(item: "Item") -> dict[str, Any]:
    return {key: getattr(item, key) for key in ITEM_KEYS}


def variant_json(variant: "Variant") -> dict[str, Any]:
    return {"id": variant.id, "item_id": variant.item_id, "text": variant.text, "channel_kind": variant.channel_kind}


def _expiry(value: str | None) -> datetime | None:
    if value is None:
        return None
    from dateutil import parser as dateparser

    from content_library.errors import EvertideError
    from content_library.timestamps import utc

    try:
        return utc(dateparser.isoparse(value))
    except ValueError:
        raise EvertideError(f'--expires: expected an ISO date like 2027-06-30, got "{value}"') from None


def _tags(value: str | None) -> list[str] | None:
    return None if value is None else [t.strip() for t in value.replace("|", ",").split(",") if t.strip()]


@app.command("import")
def import_(
    ctx: typer.Context,
    sources: list[str] = typer.Argument(..., help="Feed URLs or files: RSS, Atom, CSV, YAML or JSON."),
    category: str | None = typer.Option(None, help="Category for entries that have none."),
    kind: str | None = typer.Option(None, help="Kind for entries that have none (article, faq, tip…)."),
) -> None:
    """Import items from feeds (URL or file), CSV, YAML or JSON; the format is detected from the content.

    Example: evertide library import https://example.com/feed.xml faq.csv --category help
    """
    from content_library.importing import import_source

    config = load(ctx)
    engine = open_database(config)
    with progress_bar() as progress:
        for source in sources:
            task = progress.add_task(f"importing {source}", total=None)

            def advance(done: int, total: int, task: Any = task) -> None:
                progress.update(task, completed=done, total=total)

            summary = import_source(engine, source, now=now(), category=category, kind=kind, progress=advance)
            progress.remove_task(task)
            for warning in summary.warnings:
                warn(f"{source}: {warning}")
            say(f"{source}: {summary.line()}")


@app.command("list")
def list_(
    ctx: typer.Context,
    category: str | None = typer.Option(None, help="Only this category."),
    kind: str | None = typer.Option(None, help="Only this kind (article, faq, tip…)."),
    status: str | None = typer.Option(None, help="Only this status (active, paused, retired)."),
    text: str | None = typer.Option(None, "--text", "-t", help="Title, summary or URL contains this."),
    limit: int | None = typer.Option(None, min=0, help="At most this many (default: all)."),
    offset: int = typer.Option(0, min=0, help="Skip this many first."),
    json: bool = typer.Option(False, "--json", help="Print JSON with stable keys."),
) -> None:
    """List library items, filtered; a long listing starts at once and is paged in a terminal.

    Example: evertide library list --category onboarding --status active
    """
    from content_library.database import transaction
    from content_library.errors import EvertideError
    from content_library.models import ItemStatus
    from content_library.store import LISTED, ItemFilter, list_items, listing
    from scheduler.cli.streaming import stream_table

    if status is not None and status not in set(ItemStatus):
        raise EvertideError(
            f'there is no item status "{status}"', hint=f"Known statuses: {', '.join(s.value for s in ItemStatus)}."
        )
    engine = open_database(load(ctx))
    where = ItemFilter(category, kind, status, text)
    with transaction(engine) as session:
        if json:
            items = list_items(session, where, limit=limit, offset=offset)
        else:
            size = listing(session, where, limit=limit, offset=offset)
    if json:
        print_json([item_json(item) for item in items])
        return
    rows = _pages(engine, where, limit=limit, offset=offset)
    stream_table(f"{size.count} item(s)", LISTED, rows, count=size.count, widths=size.widths)


def _pages(engine: "Engine", where: "ItemFilter", *, limit: int | None, offset: int) -> Iterator[tuple[Any, ...]]:
    """The listed rows, read a page at a time as they are printed (see :func:`content_library.store.item_page`)."""
    from content_library.database import transaction
    from content_library.store import item_page
    from scheduler.cli.streaming import CHUNK

    after, left = None, limit
    while left is None or left > 0:
        size = CHUNK if left is None else min(CHUNK, left)
        with transaction(engine) as session:
            page = item_page(session, where, after=after, limit=size, offset=offset if after is None else 0)
        yield from page
        if len(page) < size:
            return
        after, left = page[-1][0], None if left is None else left - len(page)


@app.command("show")
def show(
    ctx: typer.Context,
    item_id: int = id_argument("The item's id."),
    json: bool = typer.Option(False, "--json", help="Print JSON with stable keys."),
) -> None:
    """Everything about one item, with its variants.

    Example: evertide library show 12
    """
    from content_library.database import transaction
    from content_library.store import get_item, variants_of

    engine = open_database(load(ctx))
    with transaction(engine) as session:
        item, variants = get_item(session, item_id), variants_of(session, item_id)
    data = item_json(item) | {"variants": [variant_json(v) for v in variants]}
    if json:
        print_json(data)
        return
    for key in ITEM_KEYS:
        say(f"{key:>13}: {data[key] if data[key] not in (None, []) else '-'}")
    for variant in variants:
        scope = f" [{variant.channel_kind} only]" if variant.channel_kind else ""
        say(f"  variant {variant.id}{scope}: {variant.text}")


ITEM_OPTIONS = ("title", "url", "kind", "category", "summary", "tags", "priority", "max_shares", "expires")


def _item_fields(options: dict[str, Any]) -> dict[str, Any]:
    """The item fields given on the command line (``add`` and ``edit`` share them), converted; unset ones left out."""
    given = {name: options[name] for name in ITEM_OPTIONS if options.get(name) is not None}
    if "tags" in given:
        given["tags"] = _tags(given["tags"])
    if "expires" in given:
        given["expires_at"] = _expiry(given.pop("expires"))
    return given


@app.command("add")
def add(
    ctx: typer.Context,
    title: str = typer.Option(..., help="The item's title."),
    url: str | None = typer.Option(None, help="Link to the material."),
    kind: str = typer.Option("article", help="article, faq, tip, quote, howto…"),
    category: str | None = typer.Option(None, help="Category campaigns select on."),
    summary: str | None = typer.Option(None, help="Short summary used by {summary} in templates."),
    tags: str | None = typer.Option(None, help="Comma-separated tags."),
    priority: int | None = typer.Option(None, help="Higher goes first among equals."),
    expires: str | None = typer.Option(None, help="Stop sharing after this date (ISO 8601)."),
    max_shares: int | None = typer.Option(None, help="Stop sharing after this many shares."),
    variant: list[str] = typer.Option([], help="A message variant; repeat for several."),
) -> None:
    """Add an item by hand.

    Example: evertide library add --title "Reset your password" --url https://help.example.com/reset --kind faq
    """
    from content_library.database import transaction
    from content_library.store import add_item

    engine = open_database(load(ctx))
    fields = _item_fields(locals())
    with transaction(engine) as session:
        item = add_item(session, fields, variants=variant, now=now())
    say(f"Added item {item.id}: {item.title}")


@app.command("edit")
def edit(
    ctx: typer.Context,
    item_id: int = id_argument("The item's id."),
    title: str | None = typer.Option(None),
    url: str | None = typer.Option(None),
    kind: str | None = typer.Option(None),
    category: str | None = typer.Option(None),
    summary: str | None = typer.Option(None),
    tags: str | None = typer.Option(None, help="Comma-separated; replaces the tags."),
    priority: int | None = typer.Option(None),
    expires: str | None = typer.Option(None, help="ISO 8601 date."),
    max_shares: int | None = typer.Option(None),
) -> None:
    """Change some fields of an item; the others stay as they are.

    Example: evertide library edit 12 --category billing --priority 2
    """
    from content_library.database import transaction
    from content_library.store import edit_item

    fields = _item_fields(locals())
    if not fields:
        raise typer.BadParameter("give at least one field to change, e.g. --title")
    with transaction(open_database(load(ctx))) as session:
        item = edit_item(session, item_id, fields, now=now())
    say(f"Updated item {item.id}: {', '.join(sorted(fields))}")


def _set_status(ctx: typer.Context, item_id: int, status: str) -> None:
    from content_library.database import transaction
    from content_library.models import ItemStatus
    from content_library.store import set_status

    with transaction(open_database(load(ctx))) as session:
        item = set_status(session, item_id, ItemStatus(status), now=now())
    say(f"Item {item.id} is now {item.status}.")


@app.command("pause")
def pause(ctx: typer.Context, item_id: int = id_argument("The item's id.")) -> None:
    """Stop planning an item for now; `resume` brings it back. Example: evertide library pause 12"""
    _set_status(ctx, item_id, "paused")


@app.command("resume")
def resume(ctx: typer.Context, item_id: int = id_argument("The item's id.")) -> None:
    """Make a paused or retired item active again. Example: evertide library resume 12"""
    _set_status(ctx, item_id, "active")


@app.command("retire")
def retire(ctx: typer.Context, item_id: int = id_argument("The item's id.")) -> None:
    """Never plan an item again, but keep it and its history. Example: evertide library retire 12"""
    _set_status(ctx, item_id, "retired")


@app.command("remove")
def remove(
    ctx: typer.Context,
    item_id: int = id_argument("The item's id."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete an item and its variants for good (`retire` keeps its history).

    Example: evertide library remove 12 --yes
    """
    from content_library.database import transaction
    from content_library.store import get_item, remove_item
    from scheduler.outside_text import visible
    from scheduler.queue.edits import cancel_item

    engine = open_database(load(ctx))
    if not yes:
        with transaction(engine) as session:
            title = get_item(session, item_id).title
        typer.confirm(f"Delete item {item_id} ({visible(title)}) and its variants?", abort=True)
    with transaction(engine) as session:  # the item and its queued posts go together, or neither does
        cancelled = cancel_item(session, item_id, now=now())
        item = remove_item(session, item_id)
    queued = f"; cancelled its {cancelled} queued post(s)" if cancelled else ""
    say(f"Removed item {item.id}: {item.title}{queued}")


@app.command("check-links")
def check_links(
    ctx: typer.Context,
    every: bool = typer.Option(False, "--all", help="Check every active item's link now, fresh ones too."),
    json: bool = typer.Option(False, "--json", help="Print JSON with stable keys."),
) -> None:
    """Check the links due for a check (not checked within `links.recheck_after`), then show every item's link.

    A 404 or 410 pauses the item and cancels its queued posts; a permanent redirect gives the item the new link
    (the old one still recognises it in imports); timeouts and 5xx pause it only after `links.pause_after`
    failures in a row. Links on .example, .test and .invalid names are never checked (state `skipped`).

    Example: evertide library check-links --json
    """
    from content_library.database import transaction
    from content_library.link_health import link_reports
    from scheduler.cli.link_rows import link_json, link_row
    from scheduler.daemon.links_job import check_and_cancel

    config = load(ctx)
    engine = open_database(config)
    checked: dict[int, Checked] = {}
    with progress_bar() as progress:
        task = progress.add_task("checking links", total=None)
        for result in check_and_cancel(engine, config, now=now(), every=every):
            checked[result.outcome.item_id] = result
            progress.advance(task)
    with transaction(engine) as session:
        reports = link_reports(session)
    if json:
        print_json([link_json(report, checked.get(report.item_id)) for report in reports])
        return
    rows = [link_row(report, checked.get(report.item_id)) for report in reports]
    title = f"{len(checked)} link(s) checked now, {len(reports)} item(s) with a link"
    print_table(title, ("id", "link", "http", "checked", "item"), rows)


@app.command("stats")
def stats(ctx: typer.Context, json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Counts by status, kind and category. Example: evertide library stats"""
    from content_library.database import transaction
    from content_library.store import stats as library_stats

    with transaction(open_database(load(ctx))) as session:
        data = library_stats(session)
    if json:
        print_json(data)
        return
    say(f"{data['items']} items, {data['variants']} variants, {data['items_without_variants']} without variants")
    for key in ("by_status", "by_kind", "by_category"):
        say(f"  {key[3:]}: " + ", ".join(f"{name} {count}" for name, count in data[key].items()))


@variants_app.command("add")
def variants_add(
    ctx: typer.Context,
    item_id: int = id_argument("The item's id."),
    text: str = typer.Argument(..., help="The message; may use {title}, {url}, {summary}, {hashtags}."),
    channel_kind: str | None = typer.Option(None, "--only", help="Use only on this kind of channel (x, mastodon…)."),
) -> None:
    """Add a message variant to an item.

    Example: evertide library variants add 12 "Locked out? {url}" --only x
    """
    from content_library.database import transaction
    from content_library.store import add_variant

    with transaction(open_database(load(ctx))) as session:
        variant = add_variant(session, item_id, text, channel_kind=channel_kind, now=now())
    say(f"Added variant {variant.id} to item {item_id}.")


@variants_app.command("list")
def variants_list(
    ctx: typer.Context,
    item_id: int = id_argument("The item's id."),
    json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List an item's variants. Example: evertide library variants list 12"""
    from content_library.database import transaction
    from content_library.store import get_item, variants_of

    with transaction(open_database(load(ctx))) as session:
        get_item(session, item_id)
        variants = variants_of(session, item_id)
    if json:
        print_json([variant_json(v) for v in variants])
        return
    print_table(None, ("id", "only", "text"), ((v.id, v.channel_kind or "", v.text) for v in variants))


@variants_app.command("remove")
def variants_remove(ctx: typer.Context, variant_id: int = id_argument("The variant's id.")) -> None:
    """Delete one variant. Example: evertide library variants remove 7"""
    from content_library.database import transaction
    from content_library.store import remove_variant

    with transaction(open_database(load(ctx))) as session:
        variant = remove_variant(session, variant_id)
    say(f"Removed variant {variant.id} of item {variant.item_id}.")
