"""``evertide report``: the HTML page that shows the plan, the history and the gaps at a glance."""

from pathlib import Path

import typer

from scheduler.cli.common import load, now, open_database
from scheduler.cli.output import say


def report(
    ctx: typer.Context,
    days: int = typer.Option(7, min=1, max=90, help="Days ahead in the calendar (and the past 3)."),
    out: Path = typer.Option(Path("report.html"), "--out", help="Where to write the page."),
    channel: list[str] = typer.Option([], help="Only this channel (repeatable); a page per team or client."),
) -> None:
    """Write one self-contained HTML page (no network, no script): a calendar per channel, posts by local hour
    and segment, when each item last reached each segment, and the coming month's volume per channel.

    Example: evertide report --days 14 --out report.html
    """
    from content_library.database import transaction
    from scheduler.names import require_known
    from scheduler.reporting.report import gather, render

    config = load(ctx)
    require_known("channel", channel, config.channels)
    with transaction(open_database(config)) as session:
        page = render(gather(session, config, now=now(), days=days, channels=channel))
    out.write_text(page, encoding="utf-8")
    say(f"Wrote {out} ({len(page.encode()) // 1024} kB); open it in a browser.")
