"""``evertide feeds …``: the RSS/Atom sources that keep the library filled.

Feeds come from ``feeds:`` in config.yaml (kept in step on every command) or are added by hand.
"""

from typing import TYPE_CHECKING

import typer

from scheduler.cli.common import load, now, open_database
from scheduler.cli.output import print_json, print_table, say
from scheduler.names import require_known

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from scheduler.config import Config

app = typer.Typer(help="RSS/Atom feeds that fill the library.", no_args_is_help=True)


def _synced(ctx: typer.Context) -> tuple["Config", "Engine"]:
    from content_library.database import transaction
    from content_library.feed_sources import sync_declared_feeds
    from scheduler.daemon.feeds_job import declared_feeds

    config = load(ctx)
    engine = open_database(config)
    with transaction(engine) as session:
        sync_declared_feeds(session, declared_feeds(config), now())
    return config, engine


@app.command("add")
def add(
    ctx: typer.Context,
    url: str = typer.Argument(..., help="The feed's URL (or a local file)."),
    name: str | None = typer.Option(None, help="A short name (default: the URL)."),
    category: str | None = typer.Option(None, help="Category given to its items."),
    kind: str = typer.Option("article", help="Kind given to its items."),
) -> None:
    """Add a feed by hand; `feeds poll` then imports it.

    Example: evertide feeds add https://blog.example.com/rss --name blog --category howto
    """
    from content_library.database import transaction
    from content_library.feed_sources import add_feed

    _, engine = _synced(ctx)
    with transaction(engine) as session:
        feed = add_feed(session, url, name=name, category=category, kind=kind, origin="manual", now=now())
    say(f"Added feed {feed.id} ({feed.name}). Import it with `evertide feeds poll {feed.name}`.")


@app.command("list")
def list_(ctx: typer.Context, json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List feeds with their last poll and last error. Example: evertide feeds list"""
    from content_library.database import transaction
    from content_library.feed_sources import list_feeds

    _, engine = _synced(ctx)
    with transaction(engine) as session:
        feeds = list_feeds(session)
    keys = ("id", "name", "url", "category", "kind", "origin", "last_polled_at", "last_error")
    if json:
        print_json([{key: getattr(feed, key) for key in keys} for feed in feeds])
        return
    print_table(
        f"{len(feeds)} feed(s)",
        ("id", "name", "origin", "category", "last polled", "last error"),
        (
            (
                f.id,
                f.name,
                f.origin,
                f.category,
                f"{f.last_polled_at:%Y-%m-%d %H:%MZ}" if f.last_polled_at else "never",
                f.last_error or "",
            )
            for f in feeds
        ),
    )


@app.command("remove")
def remove(ctx: typer.Context, feed: str = typer.Argument(..., help="The feed's name or id.")) -> None:
    """Stop polling a feed; its items stay in the library. Example: evertide feeds remove blog"""
    from content_library.database import transaction
    from content_library.feed_sources import remove_feed

    _, engine = _synced(ctx)
    with transaction(engine) as session:
        removed = remove_feed(session, feed)
    say(f"Removed feed {removed.name}; its items stay in the library.")


@app.command("poll")
def poll(
    ctx: typer.Context,
    feeds: list[str] = typer.Argument(None, help="Names or ids to poll (default: every feed)."),
) -> None:
    """Fetch feeds now (conditional GET) and import what is new or changed. A broken feed is reported and
    skipped; it never empties the library.

    Example: evertide feeds poll
    """
    from content_library.database import transaction
    from content_library.errors import FeedError
    from content_library.feed_sources import list_feeds, poll_feed
    from scheduler.daemon.feeds_job import describe_poll

    _, engine = _synced(ctx)
    with transaction(engine) as session:
        known = list_feeds(session)
    by_id_or_url = {str(f.id) for f in known} | {f.url for f in known}
    require_known("feed", [name for name in feeds or () if name not in by_id_or_url], [f.name for f in known])
    chosen = [f for f in known if not feeds or {f.name, str(f.id), f.url} & set(feeds)]
    failures = 0
    for feed in chosen:
        assert feed.id is not None
        try:
            result = poll_feed(engine, feed.id, now=now())
        except FeedError as error:
            failures += 1
            say(f"{feed.name}: error: {error.problem}")
            continue
        say(f"{feed.name}: {describe_poll(result)}")
    if failures:
        raise typer.Exit(1)
