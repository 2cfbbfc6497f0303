"""``evertide queue …`` and ``evertide history``: what will go out, and a person's hands on it.

Every edit is one transaction with an optimistic version check, so it is safe while a daemon runs; the daemon
sees it at its next tick, without a restart.
"""

from typing import TYPE_CHECKING, Any

import typer

from scheduler.cli.common import load, now, open_database
from scheduler.cli.ids import id_argument, id_option
from scheduler.cli.output import print_json, print_table, say, warn
from scheduler.cli.timefmt import clock_local, iso_local, iso_utc, short_local
from scheduler.names import require_known
from scheduler.when_forms import FURTHEST_DAYS, WHEN_FORMS

if TYPE_CHECKING:
    from scheduler.config import Config
    from scheduler.queue.tables import QueueEntry

app = typer.Typer(help="The queue: what will actually go out, and edits to it.", no_args_is_help=True)


def entry_json(entry: "QueueEntry") -> dict[str, Any]:
    return {
        "id": entry.id,
        "channel": entry.channel,
        "campaign": entry.campaign,
        "at": iso_utc(entry.at),
        "zone": entry.zone,
        "local": iso_local(entry.at, entry.zone),
        "item_id": entry.item_id,
        "variant_id": entry.variant_id,
        "template_key": entry.template_key,
        "text": entry.text,
        "state": entry.state,
        "pinned": entry.pinned,
    }


def _when(config: "Config", text: str, tz: str | None) -> Any:
    from scheduler.queue.when import parse_when

    return parse_when(text, zone_name=tz or config.display_timezone, now=now())


@app.command("fill")
def fill(
    ctx: typer.Context,
    days: int | None = typer.Option(
        None, min=1, max=FURTHEST_DAYS, help="Horizon in days (default: `horizon:` of the config, 14d)."
    ),
) -> None:
    """Materialise the plan up to the horizon; keeps everything a person touched. Safe to repeat.

    Example: evertide queue fill --days 7
    """
    from content_library.database import transaction
    from scheduler.queue.fill import fill as fill_queue

    config = load(ctx)
    with transaction(open_database(config)) as session:
        result = fill_queue(session, config, now=now(), days=days or max(1, config.horizon.days))
    for warning in result.warnings:
        warn(warning)
    say(f"Queue filled: {result.line()}.")


@app.command("list")
def list_(
    ctx: typer.Context,
    channel: str | None = typer.Option(None, help="Only this channel."),
    campaign: str | None = typer.Option(None, help="Only this campaign."),
    days: int | None = typer.Option(
        None, min=1, max=FURTHEST_DAYS, help="Only the next N days (with a past --state, also N days back)."
    ),
    state: str = typer.Option("upcoming", help="upcoming (default), all, or one state: planned, published, missed…"),
    by_day: bool = typer.Option(False, "--by-day", help="Group under a heading per day of display_timezone."),
    json: bool = typer.Option(False, "--json", help="Print JSON with stable keys."),
) -> None:
    """Show queue entries: local time in the target zone and in display_timezone, item, text, pin marker;
    ↻ marks an entry the next refill may still replace (unpinned, planner-made, more than a day ahead).
    ``--by-day`` shows a week (or ``--days``) under day headings.

    Example: evertide queue list --channel outbox --days 2
    """
    from content_library.database import transaction
    from scheduler.queue.listing import (
        REPLACEABLE_MARK,
        REPLACEABLE_NOTE,
        list_entries,
        may_be_replaced,
        outside_windows,
        volume,
    )

    config = load(ctx)
    require_known("channel", [channel], config.channels)
    require_known("campaign", [campaign], config.campaigns)
    current = now()
    if by_day and days is None:
        days = 7
    with transaction(open_database(config)) as session:
        rows = list_entries(session, channel=channel, campaign=campaign, days=days, state=state, now=current)
        counts = volume(session, now=current)
    if json:
        print_json([entry_json(e) for e in rows])
        return

    def marks(e: "QueueEntry") -> str:
        replaceable = f" {REPLACEABLE_MARK}" if may_be_replaced(e, current) else ""
        return f"{e.id}{' 📌' if e.pinned else ''}{replaceable}{' ⚠' if outside_windows(config, e) else ''}"

    if by_day:
        from scheduler.cli.week_view import print_week

        print_week(
            rows,
            config.display_timezone,
            now=current,
            days=days or 7,
            columns=("id", config.display_timezone, "target local time", "channel", "state", "text"),
            row=lambda e: (
                marks(e),
                clock_local(e.at, config.display_timezone),
                short_local(e.at, e.zone),
                e.channel,
                e.state,
                e.text,
            ),
        )
    else:
        print_table(
            f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}",
            ("id", "target local time", config.display_timezone, "channel", "state", "text"),
            (
                (
                    marks(e),
                    short_local(e.at, e.zone),
                    short_local(e.at, config.display_timezone),
                    e.channel,
                    e.state,
                    e.text,
                )
                for e in rows
            ),
        )
    for name, (day, month) in sorted(counts.items()):
        say(f"{name}: {day} post(s) in the next 24 h, {month} in the next 30 days")
    if any(may_be_replaced(e, current) for e in rows):
        say(REPLACEABLE_NOTE)
    if any(outside_windows(config, e) for e in rows):
        say("⚠ = outside every active window of its audience (a person's choice; allowed)")


@app.command("show")
def show(ctx: typer.Context, entry_id: int = id_argument("The entry's id.")) -> None:
    """Everything about one entry, including why the planner chose it. Example: evertide queue show 17"""
    from content_library.database import transaction
    from scheduler.outside_text import visible
    from scheduler.queue.entries import get_entry
    from scheduler.queue.listing import titles_of

    config = load(ctx)
    with transaction(open_database(config)) as session:
        entry = get_entry(session, entry_id)
        title = titles_of(session, {entry.item_id}).get(entry.item_id, "(item removed)")
    data = entry_json(entry) | {
        "display": short_local(entry.at, config.display_timezone),
        "item": title,
        "origin": entry.origin,
        "reason": entry.reason,
        "attempts": entry.attempts,
        "last_error": entry.last_error,
        "key": entry.key,
    }
    for key, value in data.items():  # one line per field: a platform's reply cannot fake a line of its own
        say(f"{key:>11}: {'-' if value in (None, '') else visible(str(value))}")


@app.command("move")
def move(
    ctx: typer.Context,
    entry_id: int = id_argument("The entry's id."),
    to: str = typer.Option(..., "--to", help=f"When: {WHEN_FORMS}."),
    tz: str | None = typer.Option(None, "--tz", help="Zone of a wall time (default: display_timezone)."),
    force: bool = typer.Option(
        False, "--force", help="Ignore min_gap and repeat_after (never the caps or budget, which publishing keeps)."
    ),
) -> None:
    """Move an entry to another time; it becomes pinned, so a refill never moves it back.

    Example: evertide queue move 17 --to "tomorrow 09:30" --tz America/New_York
    """
    from content_library.database import transaction
    from scheduler.queue.edits import move as move_entry

    config = load(ctx)
    with transaction(open_database(config)) as session:
        entry = move_entry(session, config, entry_id, _when(config, to, tz), now=now(), force=force)
    local, shown = short_local(entry.at, entry.zone), short_local(entry.at, config.display_timezone)
    say(f"Entry {entry.id} moved to {local} ({shown}), pinned.")


@app.command("swap")
def swap(
    ctx: typer.Context,
    first: int = id_argument("An entry id."),
    second: int = id_argument("Another entry id."),
    force: bool = typer.Option(False, "--force", help="Ignore repeat_after."),
) -> None:
    """Exchange the items (not the times) of two entries. Example: evertide queue swap 17 21"""
    from content_library.database import transaction
    from scheduler.queue.edits import swap as swap_entries

    config = load(ctx)
    with transaction(open_database(config)) as session:
        swap_entries(session, config, first, second, now=now(), force=force)
    say(f"Swapped the items of entries {first} and {second}.")


@app.command("skip")
def skip(ctx: typer.Context, entry_id: int = id_argument("The entry's id.")) -> None:
    """Drop this occurrence only; the item goes back to the pool. Example: evertide queue skip 17"""
    from content_library.database import transaction
    from scheduler.queue.edits import skip as skip_entry

    with transaction(open_database(load(ctx))) as session:
        entry = skip_entry(session, entry_id, now=now())
    say(f"Skipped entry {entry.id}; item {entry.item_id} may be planned again later.")


@app.command("edit")
def edit(
    ctx: typer.Context,
    entry_id: int = id_argument("The entry's id."),
    text: str | None = typer.Option(None, "--text", help="The words to post instead."),
    editor: bool = typer.Option(False, "--editor", help="Write them in $EDITOR, starting from the current text."),
) -> None:
    """Replace the words of one planned post; it becomes pinned. Refused if they do not fit the platform.

    Example: evertide queue edit 17 --text "Still stuck on exports? This guide has the answer: https://…"
    """
    from content_library.database import transaction
    from scheduler.queue.edits import edit_text
    from scheduler.queue.entries import get_entry

    if (text is None) == (not editor):
        raise typer.BadParameter("give either --text TEXT or --editor")
    config = load(ctx)
    engine = open_database(config)
    if editor:
        with transaction(engine) as session:
            current = get_entry(session, entry_id).text
        from scheduler.cli.editor import edit_text as in_editor

        text = in_editor(current + "\n")
        if text is None:
            say(f"Entry {entry_id} unchanged (the text was left as it was).")
            return
    with transaction(engine) as session:
        entry = edit_text(session, config, entry_id, text or "", now=now())
    say(f"Entry {entry.id} now reads: {entry.text}")


@app.command("pin")
def pin(ctx: typer.Context, entry_id: int = id_argument("The entry's id.")) -> None:
    """Keep an entry exactly as it is through every refill. Example: evertide queue pin 17"""
    _set_pin(ctx, entry_id, True)


@app.command("unpin")
def unpin(ctx: typer.Context, entry_id: int = id_argument("The entry's id.")) -> None:
    """Let the planner replace an entry again at the next refill. Example: evertide queue unpin 17"""
    _set_pin(ctx, entry_id, False)


def _set_pin(ctx: typer.Context, entry_id: int, pinned: bool) -> None:
    from content_library.database import transaction
    from scheduler.queue.edits import set_pinned

    with transaction(open_database(load(ctx))) as session:
        entry = set_pinned(session, entry_id, pinned, now=now())
    say(f"Entry {entry.id} is {'pinned' if entry.pinned else 'unpinned'}.")


@app.command("insert")
def insert(
    ctx: typer.Context,
    item_id: int = id_argument("The library item to post."),
    channel: str = typer.Option(..., help="The channel to post on."),
    at: str | None = typer.Option(None, "--at", help=f"When: {WHEN_FORMS}."),
    tz: str | None = typer.Option(None, "--tz", help="Zone of a wall time (default: display_timezone)."),
    next_: bool = typer.Option(False, "--next", help="Take the next free time that keeps every rule."),
    force: bool = typer.Option(
        False, "--force", help="Ignore min_gap and repeat_after (never the caps or budget, which publishing keeps)."
    ),
) -> None:
    """Queue a manual post of a library item, rendered with its variants (else the campaign's templates).

    Example: evertide queue insert 12 --channel outbox --at "fri 12:00"
    """
    from content_library.database import transaction
    from scheduler.queue.edits import insert as insert_entry
    from scheduler.queue.edits import next_free_instant

    if (at is None) == (not next_):
        raise typer.BadParameter("give either --at WHEN or --next")
    config = load(ctx)
    with transaction(open_database(config)) as session:
        if at:
            when, zone = _when(config, at, tz), tz
        else:
            free = next_free_instant(session, config, channel, item_id, now=now())
            when, zone = free.at, tz or free.zone
        entry = insert_entry(session, config, item_id, channel, when, now=now(), force=force, zone=zone)
    say(f"Inserted entry {entry.id}: item {item_id} on {channel} at {short_local(entry.at, config.display_timezone)}.")


@app.command("shuffle")
def shuffle(
    ctx: typer.Context,
    channel: str | None = typer.Option(None, help="Only this channel."),
    campaign: str | None = typer.Option(None, help="Only this campaign."),
    seed: int = typer.Option(0, help="Same seed, same shuffle."),
) -> None:
    """Re-draw which items go out in the unpinned entries; the times stay. Example: evertide queue shuffle --seed 7"""
    from content_library.database import transaction
    from scheduler.queue.edits import shuffle as shuffle_entries

    config = load(ctx)
    with transaction(open_database(config)) as session:
        changed = shuffle_entries(session, config, now=now(), seed=seed, channel=channel, campaign=campaign)
    say(f"Shuffled: {changed} entr{'y' if changed == 1 else 'ies'} changed item.")


def _scope(channel: str | None, campaign: str | None) -> tuple[str, str]:
    if (channel is None) == (campaign is None):
        raise typer.BadParameter("give exactly one of --channel NAME or --campaign NAME")
    return ("channel", channel) if channel else ("campaign", campaign)  # type: ignore[return-value]


@app.command("pause")
def pause(
    ctx: typer.Context,
    channel: str | None = typer.Option(None, help="Pause this channel."),
    campaign: str | None = typer.Option(None, help="Pause this campaign."),
    until: str | None = typer.Option(None, help=f"Resume by itself at this time: {WHEN_FORMS}."),
    tz: str | None = typer.Option(None, "--tz", help="Zone of a wall time (default: display_timezone)."),
) -> None:
    """Stop publishing a channel or campaign without losing anything.

    Example: evertide queue pause --channel outbox --until "mon 09:00"
    """
    from content_library.database import transaction
    from content_library.errors import EvertideError
    from scheduler.cli.timefmt import short_local
    from scheduler.queue.holds import pause as hold

    scope, name = _scope(channel, campaign)
    config = load(ctx)
    moment = now()
    end = _when(config, until, tz) if until else None
    if end is not None and end <= moment:
        raise EvertideError(
            f"{until} is not in the future, so the pause would already be over; nothing was paused",
            hint="Give a later --until, or leave it out to pause until `evertide queue resume`.",
        )
    with transaction(open_database(config)) as session:
        hold(session, config, scope, name, now=moment, until=end)
    resume_with = f"`evertide queue resume --{scope} {name}`"
    ending = f" until {short_local(end, config.display_timezone)}." if end else f"; resume with {resume_with}."
    say(f"Paused {scope} {name}{ending}")


@app.command("resume")
def resume(
    ctx: typer.Context,
    channel: str | None = typer.Option(None, help="Resume this channel."),
    campaign: str | None = typer.Option(None, help="Resume this campaign."),
) -> None:
    """Resume a paused channel or campaign; entries whose time passed beyond grace become missed (no burst).

    Example: evertide queue resume --channel outbox
    """
    from content_library.database import transaction
    from scheduler.queue.holds import resume as lift

    scope, name = _scope(channel, campaign)
    config = load(ctx)
    with transaction(open_database(config)) as session:
        missed = lift(session, config, scope, name, now=now())
    say(f"Resumed {scope} {name}; {missed} entr{'y' if missed == 1 else 'ies'} passed while paused and became missed.")


@app.command("clear")
def clear(
    ctx: typer.Context,
    channel: str | None = typer.Option(None, help="Only this channel."),
    campaign: str | None = typer.Option(None, help="Only this campaign."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Required: confirms the clear."),
) -> None:
    """Cancel every unpinned future entry (pinned ones stay). Example: evertide queue clear --channel outbox --yes"""
    from content_library.database import transaction
    from scheduler.queue.edits import clear as clear_entries

    if not yes:
        raise typer.BadParameter("add --yes to cancel the entries")
    config = load(ctx)
    require_known("channel", [channel], config.channels)
    require_known("campaign", [campaign], config.campaigns)
    with transaction(open_database(config)) as session:
        cleared = clear_entries(session, now=now(), channel=channel, campaign=campaign)
    say(f"Cancelled {cleared} entr{'y' if cleared == 1 else 'ies'}.")


@app.command("resolve")
def resolve(
    ctx: typer.Context,
    entry_id: int = id_argument("An entry in doubt."),
    published: bool = typer.Option(False, "--published", help="It did go out: record it."),
    retry: bool = typer.Option(False, "--retry", help="It did not go out: publish it again now."),
) -> None:
    """Settle an entry left in doubt by a crash. Example: evertide queue resolve 17 --published"""
    from content_library.database import transaction
    from scheduler.queue.edits import resolve as settle

    if published == retry:
        raise typer.BadParameter("give exactly one of --published or --retry")
    with transaction(open_database(load(ctx))) as session:
        entry = settle(session, entry_id, published=published, now=now())
    say(f"Entry {entry.id} is now {entry.state}.")


def history(
    ctx: typer.Context,
    item: int | None = id_option(help="Only this item."),
    channel: str | None = typer.Option(None, help="Only this channel."),
    since: str | None = typer.Option(None, help=f"Only from this time on: {WHEN_FORMS}."),
    json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """What went out, where and when. Example: evertide history --channel outbox --since yesterday"""
    from content_library.database import transaction
    from scheduler.queue.listing import published_posts

    config = load(ctx)
    require_known("channel", [channel], config.channels)
    start = _when(config, since, None) if since else None
    with transaction(open_database(config)) as session:
        rows = published_posts(session, item_id=item, channel=channel, since=start)
    if json:
        print_json(
            [
                {
                    "id": p.id,
                    "entry_id": p.entry_id,
                    "channel": p.channel,
                    "campaign": p.campaign,
                    "zone": p.zone,
                    "item_id": p.item_id,
                    "text": p.text,
                    "remote_id": p.remote_id,
                    "remote_url": p.remote_url,
                    "scheduled_at": iso_utc(p.scheduled_at),
                    "published_at": iso_utc(p.published_at),
                }
                for p in rows
            ]
        )
        return
    print_table(
        f"{len(rows)} post(s)",
        ("id", "target local time", config.display_timezone, "channel", "item", "text"),
        (
            (
                p.entry_id,
                short_local(p.published_at, p.zone),
                short_local(p.published_at, config.display_timezone),
                p.channel,
                p.item_id,
                (p.text, p.remote_url or p.remote_id),
            )
            for p in rows
        ),
    )
