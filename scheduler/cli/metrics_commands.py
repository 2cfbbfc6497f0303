"""``evertide metrics …``: read how published posts did, and import the clicks web analytics counted."""

from pathlib import Path

import typer

from scheduler.cli.common import load, now, open_database
from scheduler.cli.output import say
from scheduler.when_forms import WHEN_FORMS

app = typer.Typer(help="Likes, reposts, replies and clicks of published posts.", no_args_is_help=True)


@app.command("pull")
def pull(
    ctx: typer.Context,
    channel: list[str] = typer.Option([], "--channel", help="Only this channel (repeatable)."),
) -> None:
    """Read the counts of the posts that are due (at each of `metrics.after`, by default 1h, 24h and 7d after
    they went out). X channels are read only with `metrics: true` on the channel, because X bills each post
    read; the line says what a pull would cost. A rate limit holds that channel's reads until its reset.

    Example: evertide metrics pull --channel mastodon
    """
    from scheduler.daemon.runner import publishers_for
    from scheduler.metrics.pulling import pull_counts, readable_channels
    from scheduler.metrics.readers import Readers
    from scheduler.names import require_known

    config = load(ctx)
    require_known("channel", channel, config.channels)
    unreadable = [name for name in channel if name not in readable_channels(config)]
    if unreadable or not readable_channels(config):
        named = ", ".join(unreadable) if unreadable else "none of the channels"
        say(
            f"{named}: evertide cannot read counts back from a file or webhook channel; import clicks from your "
            "web analytics with `evertide metrics import clicks.csv` (utm_content, clicks)."
        )
        if unreadable:
            raise typer.Exit(1)
        return
    engine = open_database(config)
    with Readers(publishers_for(config)) as readers:
        for result in pull_counts(engine, config, readers, now=now(), channels=channel or None):
            say(result.line())


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV with utm_content and clicks columns."),
    since: str | None = typer.Option(None, help=f"The first instant the export covers, with --until: {WHEN_FORMS}."),
    until: str | None = typer.Option(
        None, help=f"The instant after the export's last (its last day + 1), with --since: {WHEN_FORMS}."
    ),
) -> None:
    """Import clicks per post from your web analytics: a CSV grouped by utm_content (the queue entry id that
    campaign links carry) with a clicks column. `evertide stats` then shows them beside the likes.

    Without a period the file holds each post's total clicks so far, and replaces its earlier imports. With
    the period the export covers (dates are midnights in `display_timezone`; --until is not included, so a
    November report is --since 2026-11-01 --until 2026-12-01) it holds the clicks during it: consecutive
    periods add up, importing a period again replaces it, and a period that partly overlaps one already
    imported is refused. A total counts with the periods that begin after it was imported. Exports leave out
    the posts nobody clicked: with a period, every post published in it with a tagged link that the file does
    not name counts as 0 clicks; without one those posts stay unknown.

    Example: evertide metrics import clicks.csv --since 2026-11-01 --until 2026-12-01
    """
    from content_library.database import transaction
    from scheduler.metrics.clicks import import_clicks
    from scheduler.metrics.periods import Period
    from scheduler.queue.when import parse_when

    config = load(ctx)
    if (since is None) != (until is None):
        raise typer.BadParameter("--since and --until go together: give both ends of the export's period, or neither")
    current = now()
    period = None
    if since is not None and until is not None:
        zone = config.display_timezone
        period = Period(parse_when(since, zone_name=zone, now=current), parse_when(until, zone_name=zone, now=current))
    with transaction(open_database(config)) as session:
        done = import_clicks(session, path, now=current, period=period)
    say(done.line())
