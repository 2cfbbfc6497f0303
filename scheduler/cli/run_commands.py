"""``evertide run`` (the daemon), ``evertide doctor`` and ``evertide queue share-now``."""

import os
import socket
from typing import TYPE_CHECKING

import typer

from scheduler.cli.common import CliState, load, now, open_database
from scheduler.cli.ids import id_argument
from scheduler.cli.output import say

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from scheduler.config import Config
    from scheduler.queue.tables import QueueEntry


def run(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="Publish everything due now, then exit (for cron)."),
    log_format: str = typer.Option("text", "--log-format", help="text or json."),
) -> None:
    """Run the daemon: publish what is due on time, poll feeds, keep the queue filled. Stop with Ctrl-C or
    SIGTERM; the post in flight is finished and recorded first.

    Example: evertide run --log-format json
    """
    from scheduler.daemon.logs import configure
    from scheduler.daemon.runner import run_daemon

    state: CliState = ctx.find_root().obj
    configure(log_format, debug=state.debug)
    config = load(ctx)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    engine = open_database(config, name=worker)
    run_daemon(config, engine, once=once, worker=worker)


def share_now(
    ctx: typer.Context,
    item_id: int = id_argument("The library item to post."),
    channel: str = typer.Option(..., help="The channel to post on."),
    direct: bool = typer.Option(False, "--direct", help="Publish from this command instead of the daemon."),
    force: bool = typer.Option(
        False, "--force", help="Ignore min_gap and repeat_after (never the caps or budget, which publishing keeps)."
    ),
) -> None:
    """Post an item as soon as possible: the running daemon picks it up within seconds; with --direct (and no
    daemon running) this command publishes it itself. Without --direct and with no daemon running, nothing
    is queued: it says so.

    Example: evertide queue share-now 12 --channel outbox --direct
    """
    config = load(ctx)
    engine = open_database(config)
    try:
        _share_now(config, engine, item_id, channel, direct=direct, force=force)
    finally:
        engine.dispose()  # a server database's connection is closed, not left to the garbage collector


def _share_now(config: "Config", engine: "Engine", item_id: int, channel: str, *, direct: bool, force: bool) -> None:
    from content_library.database import transaction
    from content_library.errors import EvertideError
    from scheduler.queue.edits import insert

    holder = _running_daemon(config, engine)
    if holder is None and not direct:
        raise EvertideError(
            f"no evertide daemon is running on this database, so nothing would publish item {item_id} now;"
            " nothing was queued",
            hint=f"Publish it from here with `evertide queue share-now {item_id} --channel {channel} --direct`,"
            f" or start the daemon (`evertide run`) and share it again; `evertide queue insert {item_id}"
            f" --channel {channel} --next` leaves it for the next `evertide run --once`.",
        )
    if holder is None:
        _refuse_if_held(config, engine, channel)
    with transaction(engine) as session:
        entry = insert(session, config, item_id, channel, now(), now=now(), force=force)
    say(f"Queued entry {entry.id} for now on {channel}.")
    if holder:
        verb = "Not publishing from here: the" if direct else "The"
        say(f"{verb} running daemon ({holder}) will publish it within seconds.")
        return
    from scheduler.daemon.runner import publish_now
    from scheduler.publishers.errors import PublishError

    try:
        event = publish_now(config, engine, entry, worker=f"{socket.gethostname()}:{os.getpid()}:cli")
    except PublishError as error:  # the channel cannot be built from this shell: take the entry back
        _cancel(engine, entry)
        raise EvertideError(
            f"channel {channel} cannot publish from this command: {error.detail}; nothing was queued",
            hint=error.hint or "Run it where the daemon's environment is set, or let the daemon publish it.",
        ) from None
    say(f"Entry {entry.id}: {event.outcome} {event.detail}".rstrip())
    if event.outcome not in ("published", "already_published"):
        raise typer.Exit(1)


def _refuse_if_held(config: "Config", engine: "Engine", channel: str) -> None:
    from content_library.database import transaction
    from content_library.errors import EvertideError
    from scheduler.queue.holds import active_holds, is_held

    with transaction(engine) as session:
        hold = is_held(active_holds(session, now=now()), channel, None)
    if hold is not None:
        raise EvertideError(
            f"channel {channel} is paused ({hold.reason}); nothing was queued",
            hint=f"Resume it first with `evertide queue resume --channel {channel}`.",
        )


def _cancel(engine: "Engine", entry: "QueueEntry") -> None:
    from content_library.database import transaction
    from scheduler.queue import states

    with transaction(engine) as session:
        states.cancel(session, entry, now=now())


def _running_daemon(config: "Config", engine: "Engine") -> str | None:
    """Who runs the daemon on this database, or None. SQLite: the holder of the daemon's lock file (the
    kernel drops it when the daemon dies). A server database: a live daemon of the registry (a heartbeat
    less than a minute old) whose process, when it ran on this machine, still exists."""
    from scheduler.daemon.lock import running_daemon
    from scheduler.daemon.runner import lock_path

    lock = lock_path(config)
    if lock is not None:
        return running_daemon(lock)
    import socket

    from content_library.database import transaction
    from scheduler.daemon.registry import live_daemons, vanished

    with transaction(engine) as session:
        beating = live_daemons(session, now=now(), stale_after=config.stale_after)
        live = [d for d in beating if not vanished(d, host=socket.gethostname())]
    if not live:
        return None
    first = live[0]
    more = f", and {len(live) - 1} more" if len(live) > 1 else ""
    return f"{first.id}: pid {first.pid} on {first.host}, since {first.started_at:%Y-%m-%d %H:%M:%SZ}{more}"


def doctor(ctx: typer.Context) -> None:
    """Check the config, the database schema, credentials (present, never shown), zone data, that `scheduler`
    is evertide's own package, and that each channel answers a harmless call.

    Example: evertide doctor
    """
    from scheduler.doctor import run_checks

    try:
        config: Config | Exception = load(ctx)
    except Exception as error:  # a missing, unreadable or invalid config is a FAIL line, and the rest go on
        config = error
    failures = 0
    for check in run_checks(config, now=now()):
        say(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
        failures += not check.ok
    if failures:
        raise typer.Exit(1)
