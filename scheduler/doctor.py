"""``evertide doctor``: everything that must be right before the daemon can do its job, checked one by one."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from scheduler.config import Config


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def run_checks(config: Config | Exception, *, now: datetime) -> Iterator[Check]:
    """Every check, in order. ``config`` is the loaded config, or the error loading it raised: then the
    config is a FAIL line and the checks that need no config still run."""
    if isinstance(config, Exception):
        yield Check("config", False, _said(config, None))
        yield _package_check()
        yield _zone_check()
        return
    yield Check("config", True, f"{config.path} is valid")
    yield _package_check()
    yield _zone_check()
    schema = _schema_check(config)
    yield schema
    if schema.ok:
        yield _daemons_check(config, now=now)
    for keys, reference in config.references():
        what = "credential" if reference.secret else "setting"
        variable = f"${{{reference.variable}}}"
        if config.variables.get(reference.variable) is not None:
            yield Check(f"{what} {'.'.join(keys)}", True, f"{variable} is set")
        else:
            yield Check(f"{what} {'.'.join(keys)}", False, f"{variable} is not set ({config.path}:{config.line(keys)})")
    for channel in config.channels:
        yield _channel_check(config, channel)


def _package_check() -> Check:
    """The import name ``scheduler`` is also an unrelated PyPI package; make sure this one is ours."""
    import scheduler

    ours = Path(scheduler.__file__).parent / "daemon" / "runner.py"
    return Check(
        "package",
        ours.exists(),
        f"scheduler is evertide's ({Path(scheduler.__file__).parent})"
        if ours.exists()
        else "another package called `scheduler` shadows evertide's; use a fresh venv",
    )


def _zone_check() -> Check:
    from scheduler.zones import tzdata_version

    return Check("zone data", True, f"tzdata {tzdata_version()} (bundled; the host's zone files are not used)")


def _schema_check(config: Config) -> Check:
    """A database that cannot be reached, read or written is a FAIL line like any other; the checks go on."""
    from scheduler.cli.common import open_database

    try:
        engine = open_database(config)
    except Exception as error:
        return Check("database", False, _said(error, config))
    engine.dispose()
    return Check("database", True, "schema is current")


def _daemons_check(config: Config, *, now: datetime) -> Check:
    """Which daemons run on this database (from their heartbeats), and whether claims wait for one: entries a
    dead daemon left claimed are settled by a live one, so with none running they wait (a FAIL)."""
    import socket

    from sqlmodel import col, func, select

    from content_library.database import transaction
    from scheduler.cli.common import open_database
    from scheduler.daemon.registry import live_daemons, vanished
    from scheduler.queue.tables import EntryState, QueueEntry

    engine = open_database(config)
    try:
        with transaction(engine) as session:
            beating = live_daemons(session, now=now, stale_after=config.stale_after)
            live = [d for d in beating if not vanished(d, host=socket.gethostname())]
            claimed = session.exec(
                select(func.count()).select_from(QueueEntry).where(col(QueueEntry.state) == EntryState.CLAIMED.value)
            ).one()
    finally:
        engine.dispose()
    if live:
        names = ", ".join(f"{d.id} (pid {d.pid} on {d.host})" for d in live)
        return Check("daemons", True, f"{len(live)} running: {names}")
    if claimed:
        return Check(
            "daemons",
            False,
            f"none running, and {claimed} entry(ies) are left claimed by one that stopped mid-call; "
            "start `evertide run` to settle them",
        )
    return Check("daemons", True, "none running (start one with `evertide run`)")


def _said(error: Exception, config: Config | None) -> str:
    """An error as one sentence and its remedy (see :mod:`content_library.failures`)."""
    from content_library.errors import EvertideError
    from content_library.failures import explain, one_line

    try:
        database: str | None = config.database_url() if config is not None else None
    except EvertideError:
        database = None
    explained = explain(error, database=database)
    if explained is None:
        return f"unexpected {one_line(error)}"
    return f"{explained} — {explained.hint}" if explained.hint else str(explained)


def _channel_check(config: Config, channel: str) -> Check:
    from content_library.errors import EvertideError
    from scheduler.publishers.registry import build_publisher

    try:
        publisher = build_publisher(channel, config.channels[channel], base_dir=config.base_dir, timeout=5.0)
        try:
            who = publisher.check()
        finally:
            publisher.close()
    except EvertideError as error:
        return Check(f"channel {channel}", False, str(error))
    except Exception as error:  # a library surprise: this channel's FAIL line, and the other checks go on
        return Check(f"channel {channel}", False, _said(error, config))
    return Check(f"channel {channel}", True, who)
