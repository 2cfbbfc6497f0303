"""``evertide status``: one look at what the system is doing.

What it reads, all in one transaction:

- **daemons**: the registry (:mod:`scheduler.daemon.registry`): the live ones, and those whose last sign of
  life (heartbeat or clean stop) is less than a day old, flagged as dead (so is a daemon of this machine
  whose process is gone, before its heartbeat goes stale);
- **next post**: the planned entry that comes due first (its retry instant if it waits for one) on a
  configured channel and campaign that no hold stops, as ``next_wake`` in the daemon reads them;
- **channels**, each configured one in config order, in the first state that applies:

  - ``paused``: a hold a person made (``queue pause``), with its end if it has one;
  - ``held``: a hold the daemon made (a rate limit until the platform's reset, rejected credentials until
    resumed); :func:`scheduler.queue.holds.made_by_person` tells the two apart;
  - ``failing``: a planned entry waits to be retried after an error (``attempts`` > 0, ``last_error`` and
    ``next_attempt_at`` set; ``until`` is the next try), or the newest entry the daemon tried and settled in
    the last 24 h did not go out (failed, missed after its retries, or in doubt; ``until`` is empty). A
    post that was missed while no daemon ran (never tried) is not the channel's failure;
  - ``active``: none of these.

  A campaign's hold stops it on every channel, so it is not a channel's state: the text lists held
  campaigns apart (the JSON keeps its four keys);
- **last 24 h**: queue entries that became published, missed, failed or in doubt since ``now - 24 h``.

Text from the database (reasons, ids, hosts) is shown as typed (:mod:`scheduler.outside_text`): an escape
sequence in a platform's error message is written out as ``\\x1b``, never sent to the terminal, and a line
break in it cannot fake a line of the report. ``--json`` gives the text unchanged.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import typer

from scheduler.cli.common import load, now, open_database
from scheduler.cli.output import print_json, say
from scheduler.outside_text import visible

if TYPE_CHECKING:
    from sqlmodel import Session

    from scheduler.config import Config
    from scheduler.costs import Spend
    from scheduler.daemon.tables import Daemon
    from scheduler.queue.tables import Hold, QueueEntry

DAY = timedelta(hours=24)
COUNTED = ("published", "missed", "failed", "in_doubt")


@dataclass(frozen=True)
class ChannelState:
    name: str
    state: str  # active, paused, held, failing
    reason: str = ""
    until: datetime | None = None


@dataclass
class Snapshot:
    live: list["Daemon"]
    dead: list["Daemon"]
    next: "QueueEntry | None"
    channels: list[ChannelState]
    campaign_holds: list["Hold"]
    counts: dict[str, int] = field(default_factory=dict)
    spent: dict[str, "Spend"] = field(default_factory=dict)  # this calendar month, channels with a cost:
    budgets: dict[str, Decimal] = field(default_factory=dict)


def status(
    ctx: typer.Context,
    json: bool = typer.Option(False, "--json", help="Print JSON with stable keys."),
) -> None:
    """What the system is doing: running daemons (dead ones flagged), the next post due, each channel's state
    (active, paused, held, failing) with its reason and end, and the last 24 h in numbers.

    Example: evertide status --json
    """
    from content_library.database import transaction

    config = load(ctx)
    current = now()
    engine = open_database(config)
    try:
        with transaction(engine) as session:
            snapshot = gather(session, config, now=current)
    finally:
        engine.dispose()  # a server database's connection is closed, not left to the garbage collector
    if json:
        print_json(as_json(snapshot))
        return
    for line in describe(snapshot, config.display_timezone, now=current):
        say(line)


# -- reading ----------------------------------------------------------------------------------------------------


def gather(session: "Session", config: "Config", *, now: datetime) -> Snapshot:
    import socket

    from scheduler.costs import month_to_date
    from scheduler.daemon.registry import dead_daemons, live_daemons, vanished
    from scheduler.queue.holds import active_holds

    holds = active_holds(session, now=now)
    channel_holds = {h.name: h for h in holds if h.scope == "channel"}
    last_day = [
        d
        for d in dead_daemons(session, now=now, stale_after=config.stale_after)
        if max(d.heartbeat_at, d.stopped_at or d.heartbeat_at) > now - DAY
    ]
    host = socket.gethostname()
    beating = live_daemons(session, now=now, stale_after=config.stale_after)
    killed = [d for d in beating if vanished(d, host=host)]
    return Snapshot(
        live=[d for d in beating if d not in killed],
        dead=last_day + killed,
        next=_next_entry(session, config, holds),
        channels=[_channel_state(session, name, channel_holds.get(name), now=now) for name in config.channels],
        campaign_holds=[h for h in holds if h.scope == "campaign"],
        counts=_counts(session, now=now),
        spent={name: s for name, s in month_to_date(session, config, now=now).items() if s.money is not None},
        budgets={name: c.budget.monthly for name, c in config.channels.items() if c.budget is not None},
    )


def _next_entry(session: "Session", config: "Config", holds: list["Hold"]) -> "QueueEntry | None":
    from sqlmodel import col, func, or_, select

    from scheduler.queue.tables import EntryState, QueueEntry

    held_channels = [h.name for h in holds if h.scope == "channel"]
    held_campaigns = [h.name for h in holds if h.scope == "campaign"]
    due = func.coalesce(col(QueueEntry.next_attempt_at), col(QueueEntry.at))
    query = select(QueueEntry).where(
        QueueEntry.state == EntryState.PLANNED.value,
        col(QueueEntry.channel).in_(list(config.channels)),
        col(QueueEntry.channel).not_in(held_channels),
        or_(col(QueueEntry.campaign).is_(None), col(QueueEntry.campaign).not_in(held_campaigns)),
    )
    return session.exec(query.order_by(due, col(QueueEntry.id)).limit(1)).first()


def _channel_state(session: "Session", name: str, hold: "Hold | None", *, now: datetime) -> ChannelState:
    from sqlmodel import col, select

    from scheduler.queue.holds import made_by_person
    from scheduler.queue.tables import EntryState, QueueEntry

    if hold is not None:
        return ChannelState(name, "paused" if made_by_person(hold) else "held", hold.reason, hold.until)
    retrying = session.exec(
        select(QueueEntry)
        .where(
            QueueEntry.channel == name,
            QueueEntry.state == EntryState.PLANNED.value,
            col(QueueEntry.attempts) > 0,
            col(QueueEntry.last_error).is_not(None),
            col(QueueEntry.next_attempt_at).is_not(None),
        )
        .order_by(col(QueueEntry.next_attempt_at), col(QueueEntry.id))
        .limit(1)
    ).first()
    if retrying is not None:
        reason = f"entry {retrying.id} will be retried: {retrying.last_error}"
        return ChannelState(name, "failing", reason, retrying.next_attempt_at)
    last = session.exec(
        select(QueueEntry)
        .where(
            QueueEntry.channel == name,
            col(QueueEntry.attempts) > 0,
            col(QueueEntry.state).in_(COUNTED),
            col(QueueEntry.updated_at) >= now - DAY,
        )
        .order_by(col(QueueEntry.updated_at).desc(), col(QueueEntry.id).desc())
        .limit(1)
    ).first()
    if last is None or last.state == EntryState.PUBLISHED.value:
        return ChannelState(name, "active")
    outcome = {"failed": "failed", "missed": "was missed", "in_doubt": "is in doubt"}[last.state]
    return ChannelState(name, "failing", f"entry {last.id} {outcome}: {last.last_error or 'no reason recorded'}")


def _counts(session: "Session", *, now: datetime) -> dict[str, int]:
    from sqlmodel import col, func, select

    from scheduler.queue.tables import QueueEntry

    rows = session.exec(
        select(QueueEntry.state, func.count())
        .where(col(QueueEntry.state).in_(COUNTED), col(QueueEntry.updated_at) >= now - DAY)
        .group_by(QueueEntry.state)
    ).all()
    found = dict(rows)
    return {state: int(found.get(state, 0)) for state in COUNTED}


# -- showing ----------------------------------------------------------------------------------------------------


def as_json(snapshot: Snapshot) -> dict[str, Any]:
    from scheduler.cli.timefmt import iso_utc

    daemons = sorted([(d, True) for d in snapshot.live] + [(d, False) for d in snapshot.dead], key=_started)
    entry = snapshot.next
    return {
        "daemons": [
            {
                "id": d.id,
                "pid": d.pid,
                "host": d.host,
                "since": iso_utc(d.started_at),
                "heartbeat": iso_utc(d.heartbeat_at),
                "in_flight": d.in_flight,
                "alive": alive,
            }
            for d, alive in daemons
        ],
        "next": None if entry is None else {"entry_id": entry.id, "channel": entry.channel, "at": iso_utc(_due(entry))},
        "channels": [
            {"name": c.name, "state": c.state, "reason": c.reason, "until": c.until and iso_utc(c.until)}
            for c in snapshot.channels
        ],
        "last_24h": snapshot.counts,
        "month_to_date": {
            name: {
                "posts": spent.posts,
                "cost": float(spent.money or 0),
                "currency": spent.currency,
                "budget": float(snapshot.budgets[name]) if name in snapshot.budgets else None,
            }
            for name, spent in snapshot.spent.items()
        },
    }


def describe(snapshot: Snapshot, zone_name: str, *, now: datetime) -> list[str]:
    """The text of ``evertide status``: plain lines, every piece of outside text through :func:`visible`."""

    def when(instant: datetime) -> str:
        from scheduler.cli.timefmt import short_local

        return f"{short_local(instant, zone_name)} ({relative(instant - now)})"

    lines = ["Daemons:"]
    for daemon, alive in sorted([(d, True) for d in snapshot.live] + [(d, False) for d in snapshot.dead], key=_started):
        who = f"pid {daemon.pid} on {visible(daemon.host)}, since {when(daemon.started_at)}"
        if alive:
            flight = f"{daemon.in_flight} call(s) in flight"
            lines.append(
                f"  {visible(daemon.id)}: {who}, last heartbeat {relative(daemon.heartbeat_at - now)}, {flight}"
            )
        elif daemon.stopped_at is not None:
            lines.append(f"  {visible(daemon.id)}: stopped {when(daemon.stopped_at)}; {who}")
        else:
            lines.append(
                f"  {visible(daemon.id)}: DEAD, no heartbeat since {when(daemon.heartbeat_at)},"
                f" {daemon.in_flight} call(s) were in flight; {who}"
            )
    if not snapshot.live:
        lines.append("  no daemon is running: nothing is published until one starts (`evertide run`)")
    entry = snapshot.next
    if entry is None:
        lines.append("Next post: none waiting on a channel that may publish; `evertide queue fill` plans more.")
    else:
        lines.append(f"Next post: entry {entry.id} on {visible(entry.channel)}, {when(_due(entry))}")
    lines.append("Channels:")
    width = max((len(visible(c.name)) for c in snapshot.channels), default=0)
    for channel in snapshot.channels:
        lines.append(f"  {visible(channel.name):<{width}}  {channel.state:<7}  {_detail(channel, when)}".rstrip())
    if snapshot.campaign_holds:
        lines.append("Campaigns (a hold stops them on every channel):")
        for hold in snapshot.campaign_holds:
            state = ChannelState(hold.name, _hold_state(hold), hold.reason, hold.until)
            lines.append(f"  campaign {visible(hold.name)}  {state.state}  {_detail(state, when, scope='campaign')}")
    counts = snapshot.counts
    lines.append(
        f"Last 24 h: {counts['published']} published, {counts['missed']} missed, {counts['failed']} failed,"
        f" {counts['in_doubt']} in doubt"
    )
    if snapshot.spent:
        from scheduler.costs import money

        lines.append(f"Spent this month ({now.astimezone(UTC):%B}, UTC):")
        for name, spent in snapshot.spent.items():
            budget = snapshot.budgets.get(name)
            of = f" of a {money(budget)} budget" if budget is not None else ""
            lines.append(f"  {visible(name):<{width}}  {spent.words()}{of}")
    return lines


def _detail(state: ChannelState, when: Any, *, scope: str = "channel") -> str:
    if state.state == "active":
        return ""
    if state.state == "failing":
        return (f"next try {when(state.until)}: " if state.until else "") + visible(state.reason)
    end = f"until {when(state.until)}" if state.until else f"until `evertide queue resume --{scope} {state.name}`"
    return f"{end}: {visible(state.reason)}"


def _hold_state(hold: "Hold") -> str:
    from scheduler.queue.holds import made_by_person

    return "paused" if made_by_person(hold) else "held"


def _started(pair: tuple["Daemon", bool]) -> tuple[datetime, str]:
    return pair[0].started_at, pair[0].id


def _due(entry: "QueueEntry") -> datetime:
    return entry.next_attempt_at or entry.at


def relative(delta: timedelta) -> str:
    """``in 2 h 5 min``, ``45 s ago``, ``in 3 d 4 h``: whole units, rounded down, two at most."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        amount = f"{days} d {hours} h"
    elif hours:
        amount = f"{hours} h {minutes} min"
    elif minutes:
        amount = f"{minutes} min"
    else:
        amount = f"{secs} s"
    return f"in {amount}" if delta.total_seconds() > 0 else f"{amount} ago"
