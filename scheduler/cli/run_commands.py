"""``evertide run`` (the daemon), ``evertide doctor`` and ``evertide queue share-now``."""

import os
import socket
from typing import Any

import typer

from scheduler.cli.common import CliState, load, now, open_database
from scheduler.cli.output import say


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
    engine = open_database(config)
    run_daemon(config, engine, once=once, worker=f"{socket.gethostname()}:{os.getpid()}")


def share_now(
    ctx: typer.Context,
    item_id: int = typer.Argument(..., help="The library item to post."),
    channel: str = typer.Option(..., help="The channel to post on."),
    direct: bool = typer.Option(False, "--direct", help="Publish from this command instead of the daemon."),
    force: bool = typer.Option(False, "--force", help="Ignore min_gap, repeat_after and caps."),
) -> None:
    """Post an item as soon as possible: the running daemon picks it up within seconds; with --direct (and no
    daemon running) this command publishes it itself.

    Example: evertide queue share-now 12 --channel outbox --direct
    """
    from content_library.database import transaction
    from scheduler.queue.edits import insert

    config = load(ctx)
    engine = open_database(config)
    with transaction(engine) as session:
        entry = insert(session, config, item_id, channel, now(), now=now(), force=force)
    say(f"Queued entry {entry.id} for now on {channel}.")
    if direct:
        from scheduler.daemon.lock import running_daemon
        from scheduler.daemon.runner import lock_path, run_daemon

        lock = lock_path(config)
        holder = running_daemon(lock) if lock else None
        if holder:
            say(f"Not publishing from here: the running daemon ({holder}) will publish it within seconds.")
            return

        events: list[Any] = run_daemon(config, engine, once=True, worker=f"{socket.gethostname()}:{os.getpid()}:cli")
        for event in events:
            if event.entry_id == entry.id:
                say(f"Entry {entry.id}: {event.outcome} {event.detail}".rstrip())


def doctor(ctx: typer.Context) -> None:
    """Check the config, the database schema, credentials (present, never shown), zone data, that `scheduler`
    is evertide's own package, and that each channel answers a harmless call.

    Example: evertide doctor
    """
    from scheduler.doctor import run_checks

    failures = 0
    for check in run_checks(load(ctx)):
        say(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
        failures += not check.ok
    if failures:
        raise typer.Exit(1)
