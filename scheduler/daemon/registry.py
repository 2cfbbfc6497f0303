"""Which daemons run: a row per daemon, renewed by a heartbeat, read by ``evertide status`` and ``share-now``.

A daemon is *live* while its last heartbeat is at most ``stale_after`` old (default 60 s, four missed beats)
and it has not stopped; otherwise it is *dead*: it stopped cleanly (``stopped_at`` is set) or it crashed or
hangs (its heartbeat went stale). Every function takes ``now`` and works in the caller's session (it
flushes, the caller commits), so it reads no clock and tests need no patching.

How the daemon (``scheduler/daemon/runner.py``) is meant to call it, each in its own short transaction, with
``worker`` the id it already gives the dispatcher (``f"{socket.gethostname()}:{os.getpid()}"``):

- at start, before the first claim: ``register(session, worker=worker, pid=os.getpid(),
  host=socket.gethostname(), now=clock())``, then ``forget_dead(session, now=clock())`` to drop the rows of
  daemons dead for more than a week;
- every :data:`BEAT_EVERY` (15 s), on an executor that publishing cannot block: ``beat(session,
  worker=worker, now=clock(), in_flight=<platform calls in flight>)``; :class:`UnknownDaemon` means the
  row was deleted under it (register again);
- on a clean shutdown, after the in-flight calls are recorded: ``unregister(session, worker=worker,
  now=clock())``.

Heartbeats are written with each daemon's own clock and judged with the reader's, so hosts whose clocks
differ by more than ``stale_after - BEAT_EVERY`` (45 s by default) would see each other wrongly; keep NTP on.
"""

import os
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, or_, select

from content_library.errors import EvertideError
from scheduler.daemon.tables import Daemon

BEAT_EVERY = timedelta(seconds=15)
STALE_AFTER = timedelta(seconds=60)
FORGET_AFTER = timedelta(days=7)


class UnknownDaemon(EvertideError, LookupError):
    """A heartbeat from a daemon that never registered (or whose row was deleted)."""

    hint = "The daemon registers itself at start; restart it if this keeps happening."

    def __init__(self, worker: str) -> None:
        super().__init__(f"there is no registered daemon with id {worker}")
        self.worker = worker


def register(
    session: Session, *, worker: str, pid: int, host: str, now: datetime, config_digest: str | None = None
) -> Daemon:
    """Record that daemon ``worker`` starts at ``now``. The same id again (the kernel reused a pid on the same
    host) starts that row afresh: new start, new heartbeat, nothing in flight, not stopped."""
    daemon = session.get(Daemon, worker) or Daemon(id=worker, pid=pid, host=host, started_at=now, heartbeat_at=now)
    daemon.pid, daemon.host, daemon.started_at, daemon.heartbeat_at = pid, host, now, now
    daemon.in_flight, daemon.stopped_at, daemon.config_digest = 0, None, config_digest
    session.add(daemon)
    session.flush()
    return daemon


def beat(session: Session, *, worker: str, now: datetime, in_flight: int) -> Daemon:
    """Renew ``worker``'s heartbeat and record how many platform calls it has in flight.

    Raises :class:`UnknownDaemon` when the daemon has no row."""
    daemon = session.get(Daemon, worker)
    if daemon is None:
        raise UnknownDaemon(worker)
    daemon.heartbeat_at, daemon.in_flight = now, in_flight
    session.add(daemon)
    session.flush()
    return daemon


def unregister(session: Session, *, worker: str, now: datetime) -> None:
    """Record a clean stop at ``now``. An unknown ``worker`` is ignored: a shutdown must never fail on it."""
    daemon = session.get(Daemon, worker)
    if daemon is None:
        return
    daemon.stopped_at, daemon.in_flight = now, 0
    session.add(daemon)
    session.flush()


def live_daemons(session: Session, *, now: datetime, stale_after: timedelta = STALE_AFTER) -> list[Daemon]:
    """Daemons not stopped whose heartbeat is at most ``stale_after`` old, oldest start first."""
    query = select(Daemon).where(col(Daemon.stopped_at).is_(None), col(Daemon.heartbeat_at) >= now - stale_after)
    return list(session.exec(query.order_by(col(Daemon.started_at), col(Daemon.id))).all())


def dead_daemons(session: Session, *, now: datetime, stale_after: timedelta = STALE_AFTER) -> list[Daemon]:
    """Daemons that stopped, or whose heartbeat is more than ``stale_after`` old (crashed or hung), oldest
    start first."""
    query = select(Daemon).where(or_(col(Daemon.stopped_at).is_not(None), col(Daemon.heartbeat_at) < now - stale_after))
    return list(session.exec(query.order_by(col(Daemon.started_at), col(Daemon.id))).all())


def forget_dead(session: Session, *, now: datetime, older_than: timedelta = FORGET_AFTER) -> int:
    """Delete the rows of daemons whose last heartbeat (or stop) is more than ``older_than`` ago; returns how
    many. A live daemon's row is never older than ``stale_after``, so it is never forgotten."""
    cutoff = now - older_than
    result = session.exec(
        delete(Daemon).where(
            col(Daemon.heartbeat_at) < cutoff,
            or_(col(Daemon.stopped_at).is_(None), col(Daemon.stopped_at) < cutoff),
        )
    )
    session.flush()
    return int(result.rowcount)


def vanished(daemon: Daemon, *, host: str) -> bool:
    """Whether ``daemon`` ran on ``host`` (the caller's machine) and its process is gone: a daemon killed with
    SIGKILL shows as dead at once instead of a minute later, when its heartbeat goes stale.

    Only for what a person reads (``status``, ``share-now``): a container that shares the host's name but not
    its processes would take another container's daemon for vanished, so settling claims never relies on it
    (a pid reused by another process keeps a dead daemon looking live until its heartbeat goes stale)."""
    if daemon.host != host or os.name != "posix":  # (on Windows, signal 0 would be a Ctrl-C)
        return False
    try:
        os.kill(daemon.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, under another user
        return False
    return False
