"""``evertide metrics …``: read how published posts did, and import the clicks web analytics counted."""

from pathlib import Path

import typer

from scheduler.cli.common import load, now, open_database
from scheduler.cli.output import say

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
    for result in pull_counts(engine, config, publishers_for(config), now=now(), channels=channel or None):
        say(result.line())


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV with utm_content and clicks columns."),
) -> None:
    """Import clicks per post from your web analytics: a CSV grouped by utm_content (the queue entry id that
    campaign links carry) with a clicks column. `evertide stats` then shows them beside the likes.

    Example: evertide metrics import clicks.csv
    """
    from content_library.database import transaction
    from scheduler.metrics.clicks import import_clicks

    config = load(ctx)
    with transaction(open_database(config)) as session:
        done = import_clicks(session, path, now=now())
    say(done.line())
