"""``evertide run``: the background daemon. The only module that imports APScheduler.

APScheduler keeps time; it holds no state. The queue lives in evertide's tables, so a restart loses nothing.
Five code-defined jobs:

- **publish** — every 5 s (so a CLI edit is seen within 5 s), and at a one-shot wake-up at the next due
  instant, so a post known ahead goes out within a second of its instant. It only claims: each claimed entry
  goes to the channel workers (:mod:`.workers`), which publish channels side by side, one call in flight per
  channel, each call bounded by its channel's ``timeout``; when a call ends, publish runs again at once for
  whatever else is due. Each wake-up has its own job id: APScheduler removes a finished one-shot job *after*
  running it, so re-arming the same id from inside the job would race that removal;
- **settle** — settles claims whose owner's heartbeat has stopped (a daemon that died mid-publish), and this
  daemon's own claims that no call holds any more; never a call in flight, however slow;
- **feeds** — polls the feeds whose interval has passed;
- **refill** — keeps the queue planned up to the horizon;
- **metrics** — reads the counts of published posts that are due, on an executor of its own
  (:mod:`scheduler.metrics.job`): a platform slow to answer reads never delays settling a dead daemon's claims.
- **links** — checks the links due for a check, on an executor of its own (:mod:`.links_job`).

A job that keeps failing (a full disk, a locked or unreachable database) backs off up to 5 minutes and logs
one line when it starts failing and one when it recovers (:mod:`.backoff`). SIGTERM and SIGINT stop the
claiming, give the calls in flight :data:`SHUTDOWN_WAIT` to finish and be recorded, and exit 0; a call still
in flight then is left claimed, for the next start to settle by asking the platform (the in-doubt rules).
"""

import itertools
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session

from content_library.database import transaction
from content_library.errors import EvertideError
from scheduler.config import Config
from scheduler.daemon import registry
from scheduler.daemon.backoff import Backoff
from scheduler.daemon.lock import DaemonLock
from scheduler.daemon.workers import ChannelWorkers
from scheduler.dispatch.claims import next_wake
from scheduler.dispatch.publishing import Dispatcher, Event
from scheduler.metrics.job import PULL_EVERY
from scheduler.metrics.readers import Readers
from scheduler.planning.slots import format_duration
from scheduler.publishers.base import Publisher
from scheduler.queue.holds import active_holds
from scheduler.queue.tables import QueueEntry

POLL = timedelta(seconds=5)
SHUTDOWN_WAIT = 10.0  # seconds for the calls in flight at SIGTERM; deploy/evertide.service allows 30
FEEDS_EVERY = timedelta(minutes=1)
REFILL_EVERY = timedelta(hours=1)
LINKS_EVERY = timedelta(minutes=10)

log = logging.getLogger("evertide.daemon")
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def log_events(events: list[Event]) -> None:
    for event in events:
        level = logging.INFO if event.outcome in ("published", "already_published", "deferred") else logging.WARNING
        log.log(level, event.outcome, extra={"channel": event.channel, "entry": event.entry_id, "detail": event.detail})


class Daemon:
    def __init__(
        self,
        engine: Engine,
        config: Config,
        dispatcher: Dispatcher,
        *,
        worker: str,
        clock: Clock = system_clock,
        poll: timedelta = POLL,
        database_file: Path | None = None,
    ) -> None:
        self._worker = worker
        self._database_file = database_file
        self._database_identity = _identity(database_file)
        self.replaced_database = False
        self._engine = engine
        self._config = config
        self._dispatcher = dispatcher
        self._clock = clock
        self._poll = poll
        self._stop = threading.Event()
        self._wakes = itertools.count()
        self._round_asked = False  # a publish round is asked for and has not started yet
        self._last_beat: float | None = None  # time.monotonic() of the last heartbeat written
        self._backoff_lock = threading.Lock()
        jobs = ("publish round", "publish", "settle", "feeds", "refill", "heartbeat", "metrics", "links")
        self._backoff = {job: Backoff(job, log, describe=self._describe) for job in jobs}
        self._workers = ChannelWorkers(config.workers, self._publish_claimed, self._look_again)
        self._readers = Readers(publishers_for(config))  # kept between pulls, and so their platform sessions
        self._scheduler = BackgroundScheduler(
            executors={
                "publish": ThreadPoolExecutor(1),
                "heartbeat": ThreadPoolExecutor(1),  # a long refill or feed poll never silences the heartbeat
                "links": ThreadPoolExecutor(1),
                "metrics": ThreadPoolExecutor(1),  # a slow platform's reads never hold up settle, feeds or refill
                "default": ThreadPoolExecutor(1),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
            timezone=UTC,
        )

    def _describe(self, error: BaseException) -> str:
        """A failing job's error in one line, database and OS failures in plain words with their remedy."""
        from content_library.failures import explain, one_line

        explained = explain(error, database=self._config.database_url())
        if explained is None:
            return one_line(error)
        return f"{explained}; {explained.hint}" if explained.hint else str(explained)

    # -- jobs -------------------------------------------------------------------------------------------------

    def publish(self) -> None:
        """A publish round: claim the oldest due entry of each channel without a claim in force, as many as
        there are free workers, and hand them to the workers, which call and record.

        The round (claiming, marking missed and deferred entries) and the workers' records back off apart,
        each logging once when it starts failing and once when it recovers. While the records back off, the
        round claims nothing: a call whose outcome cannot be written is a call to make later."""
        with self._backoff_lock:
            self._round_asked = False  # calls that end from now on ask for another round
        if self._stop.is_set() or not self._database_still_there():
            return
        with self._backoff_lock:
            if not self._backoff["publish"].ready(self._clock()):
                return
        self._guarded("publish round", self._claim_due_and_wake)

    def _claim_due_and_wake(self) -> None:
        """Claim for the free workers, with a fresh heartbeat; then, if some are still free, look again at
        once when this round passed over entries (the next of their channels may be due), else arm a wake-up
        for the next due instant (with every worker busy, the next call to end asks for the next round)."""
        free = self._config.workers - len(self._workers.busy())
        skipped: list[Event] = []
        if free > 0:
            self._beat_if_stale()
            skipped, claimed = self._dispatcher.claim_due(self._clock, limit=free)
            log_events(skipped)
            for entry in claimed:
                self._workers.submit(entry)
            free -= len(claimed)
        if free > 0 and skipped:  # a channel's first entry was deferred or missed: its next may be due
            self._look_again()
        elif free > 0:
            self._arm_wake_up()

    def _publish_claimed(self, entry: QueueEntry) -> None:
        """On a channel worker: call and record; or, when the daemon is stopping, give the claim back.

        A database error while recording (a full disk, a lost file) is the "publish" job's failure: it backs
        off and says so once; the worker lives on, and the entry stays claimed, for the settle job (which asks
        the platform whether it went out)."""
        if self._stop.is_set():
            self._guarded("publish", lambda: self._dispatcher.give_back(entry, self._clock), when_ready=False)
            return
        self._guarded(
            "publish", lambda: log_events([self._dispatcher.publish_claimed(entry, self._clock)]), when_ready=False
        )

    def _look_again(self) -> None:
        """A channel is free again: a publish round now, for its next due entry (or anyone else's). Calls that
        end while a round is already asked for share it: one round claims for every free worker, so a busy
        daemon makes a round per batch of calls, not one per call."""
        with self._backoff_lock:
            if self._stop.is_set() or self._round_asked:
                return
            self._round_asked = True
        self._scheduler.add_job(
            self.publish, "date", run_date=self._clock(), id=f"wake-{next(self._wakes)}", executor="publish"
        )

    def _guarded(self, job: str, work: Callable[[], None], *, when_ready: bool = True) -> bool:
        """Run ``work`` unless ``job`` is backing off (``when_ready=False``: run it anyway, work already
        claimed must not be left half done); record how it went. True if it ran and succeeded."""
        backoff = self._backoff[job]
        now = self._clock()
        with self._backoff_lock:  # the channel workers share the "publish" backoff
            if when_ready and not backoff.ready(now):
                return False
        try:
            work()
        except Exception as error:
            with self._backoff_lock:
                backoff.failed(error, now)
            return False
        with self._backoff_lock:
            backoff.succeeded(now)
        return True

    def _arm_wake_up(self) -> None:
        """A one-shot publish at the next due instant, when that comes before the next poll. The 5 s interval
        job is never touched, so a lost wake-up costs at most one poll interval."""
        if self._stop.is_set():
            return
        now = self._clock()
        with transaction(self._engine) as session:
            due = next_wake(session, self._config, now, busy=self._workers.busy())
        if due is not None and due < now + self._poll:
            self._scheduler.add_job(
                self.publish, "date", run_date=due, id=f"wake-{next(self._wakes)}", executor="publish"
            )

    def heartbeat(self) -> None:
        """Tell ``evertide status`` (and, on PostgreSQL, the other daemons) this daemon is alive, and how many
        channels it is publishing to right now."""

        if not self._database_still_there():
            return
        self._guarded("heartbeat", self._beat)

    def _beat(self) -> None:
        with transaction(self._engine) as session:
            try:
                registry.beat(session, worker=self._worker, now=self._clock(), in_flight=len(self._workers.busy()))
            except registry.UnknownDaemon:
                self._register(session)
        self._last_beat = time.monotonic()

    def _beat_if_stale(self) -> None:
        """Beat now unless the last beat is fresher than one interval. A claim is judged by its owner's
        heartbeat: found in review, a daemon busy starting up (building hundreds of publishers) or just woken
        from a pause claimed with a heartbeat the others already took for dead, and they sent its posts too."""
        if self._last_beat is None or time.monotonic() - self._last_beat >= self._config.heartbeat.total_seconds():
            self._beat()

    def _database_still_there(self) -> bool:
        """False (and the daemon stops) when the SQLite file it opened is no longer the one at its path."""
        if self._database_file is None or _identity(self._database_file) == self._database_identity:
            return True
        self._database_replaced()
        return False

    def _database_replaced(self) -> None:
        """The SQLite file was deleted, moved or replaced (a backup restored with ``mv``) under the daemon. Its
        open connections would go on writing to the old file while new ones read the new file: posts
        recorded in one and still planned in the other would go out twice. Stop, and let the restart open
        the file that is there now."""
        if not self.replaced_database:
            self.replaced_database = True
            log.error(
                "the database file %s was removed or replaced while the daemon ran; stopping",
                self._database_file,
                extra={"channel": "-", "entry": None, "detail": "restart the daemon to open the file there now"},
            )
        self.stop()

    def _register(self, session: Session) -> None:
        registry.register(
            session,
            worker=self._worker,
            pid=os.getpid(),
            host=socket.gethostname(),
            now=self._clock(),
            config_digest=self._config.fingerprint(),
        )

    def _refuse_another_config(self, session: Session) -> None:
        """Every daemon on one database must run the same config: one without some channels settled their
        claims as in doubt and deleted their planned posts at its refill; one with a shorter heartbeat took a
        slower peer's live calls for dead ones (found in review)."""
        mine = self._config.fingerprint()
        live = registry.live_daemons(session, now=self._clock(), stale_after=self._config.stale_after)
        other = next((d for d in live if d.id != self._worker and d.config_digest not in (None, mine)), None)
        if other is not None:
            raise EvertideError(
                f"daemon {other.id} (pid {other.pid} on {other.host}) runs on this database with another config",
                hint="Every daemon on one database needs the same channels, campaigns, audiences, feeds and "
                "heartbeat: deploy the same config.yaml everywhere, stopping the old daemons first.",
            )

    def settle(self, *, every_claim: bool = False) -> None:
        """Settle the claims of daemons whose heartbeat has stopped, and this daemon's own claims that no call
        holds any more (a worker that failed to record); a live daemon's claims are its own business, however
        long its call takes."""

        def settle() -> None:
            now, stale_after = self._clock(), self._config.stale_after
            with transaction(self._engine) as session:
                live = {d.id for d in registry.live_daemons(session, now=now, stale_after=stale_after)}
                dead = {d.id for d in registry.dead_daemons(session, now=now, stale_after=stale_after)}
            events = self._dispatcher.settle(
                self._clock,
                every_claim=every_claim,
                live_owners=live - {self._worker},
                dead_owners=dead - {self._worker},
                in_flight=self._workers.in_flight(),
            )
            log_events(events)

        self._guarded("settle", settle)

    def poll_feeds(self) -> None:
        from scheduler.daemon.feeds_job import poll_due_feeds

        def poll() -> None:
            for line in poll_due_feeds(self._engine, self._config, now=self._clock()):
                log.info("feed", extra={"channel": "-", "entry": None, "detail": line})

        self._guarded("feeds", lambda: self._singleton("feeds", FEEDS_EVERY, poll))

    def refill(self) -> None:
        from scheduler.queue.fill import fill

        def refill() -> None:
            with transaction(self._engine) as session:
                result = fill(session, self._config, now=self._clock(), days=max(1, self._config.horizon.days))
            log.info("refill", extra={"channel": "-", "entry": None, "detail": result.line()})
            for warning in result.warnings:
                log.warning("plan", extra={"channel": "-", "entry": None, "detail": warning})

        self._guarded("refill", lambda: self._singleton("refill", REFILL_EVERY, refill))

    def pull_metrics(self) -> None:
        from scheduler.metrics.job import pull_due_counts

        def pull() -> None:
            for line in pull_due_counts(self._engine, self._config, self._readers, now=self._clock()):
                log.info("metrics", extra={"channel": "-", "entry": None, "detail": line})

        self._guarded("metrics", lambda: self._singleton("metrics", PULL_EVERY, pull))

    def check_links(self) -> None:
        from scheduler.daemon.links_job import check_due_links

        def check() -> None:
            for line in check_due_links(self._engine, self._config, now=self._clock(), stopping=self._stop):
                log.info("links", extra={"channel": "-", "entry": None, "detail": line})

        self._guarded("links", lambda: self._singleton("links", LINKS_EVERY, check))

    def _singleton(self, job: str, every: timedelta, work: Callable[[], None]) -> None:
        """Run ``work`` if it is this daemon's turn: one daemon at a time, once per ``every`` in all."""
        from scheduler.daemon.singleton import turn

        moment, stale_after = self._clock(), self._config.stale_after
        with turn(self._engine, job, worker=self._worker, now=moment, every=every, stale_after=stale_after) as mine:
            if mine:
                work()

    # -- life cycle -------------------------------------------------------------------------------------------

    def run(self, *, sqlite: bool) -> None:
        """Run until SIGTERM/SIGINT (or :meth:`stop`)."""
        with transaction(self._engine) as session:
            self._refuse_another_config(session)
            self._register(session)
            registry.forget_dead(session, now=self._clock())
        self._last_beat = time.monotonic()
        for channel in self._dispatcher.prepare(self._clock):
            log.info("released", extra={"channel": channel, "entry": None, "detail": "the channel can be built again"})
        self.heartbeat()  # building every publisher can take a while: say we are alive before settling
        self.settle(every_claim=sqlite)  # on SQLite this is the only daemon: every claim is a dead one's
        self.refill()
        self.heartbeat()
        beat = self._config.heartbeat
        for job, every in ((self.settle, beat), (self.poll_feeds, FEEDS_EVERY), (self.refill, REFILL_EVERY)):
            self._scheduler.add_job(job, "interval", seconds=every.total_seconds(), id=job.__name__)
        pull_every = PULL_EVERY.total_seconds()
        self._scheduler.add_job(
            self.pull_metrics, "interval", seconds=pull_every, id="pull_metrics", executor="metrics"
        )
        links_every = LINKS_EVERY.total_seconds()
        self._scheduler.add_job(self.check_links, "interval", seconds=links_every, id="check_links", executor="links")
        self._scheduler.add_job(
            self.heartbeat,
            "interval",
            seconds=beat.total_seconds(),
            id="heartbeat",
            executor="heartbeat",
        )
        self._scheduler.add_job(
            self.publish,
            "interval",
            seconds=self._poll.total_seconds(),
            id="publish",
            executor="publish",
            next_run_time=self._clock(),
        )
        self._scheduler.start()
        log.info("started", extra={"channel": "-", "entry": None, "detail": self._outlook()})
        self._stop.wait()
        self._scheduler.shutdown(wait=False)  # claims nothing more; a job that is running ends on its own
        self._workers.stop()
        left = self._workers.wait_idle(SHUTDOWN_WAIT)
        self._dispatcher.close()  # closing the publishers cuts any call still in flight
        self.close()
        try:
            with transaction(self._engine) as session:
                registry.unregister(session, worker=self._worker, now=self._clock())
        except Exception as error:  # the database is gone: status will see the heartbeat stop instead
            log.warning("could not record the stop: %s", type(error).__name__)
        detail = (
            "clean shutdown" if not left else f"{left} call(s) still in flight, left to be settled at the next start"
        )
        log.info("stopped", extra={"channel": "-", "entry": None, "detail": detail})

    def close(self) -> None:
        """Close what the jobs keep between runs: the metrics job's readers and their sessions."""
        self._readers.close()

    def _outlook(self) -> str:
        """The start-up line: channels and workers, the next post due, and any channel held."""
        now = self._clock()
        with transaction(self._engine) as session:
            due = next_wake(session, self._config, now)
            holds = active_holds(session, now=now)
        parts = [f"{len(self._config.channels)} channel(s), {self._config.workers} worker(s)"]
        if due is None:
            parts.append("nothing queued")
        else:
            parts.append(f"next post due {due:%Y-%m-%d %H:%MZ} (in {format_duration((due - now).total_seconds())})")
        parts += [f"{hold.scope} {hold.name} held: {hold.reason}" for hold in holds]
        return "; ".join(parts)

    def stop(self, *_: object) -> None:
        self._stop.set()

    def install_signal_handlers(self) -> None:
        def handler(signum: int, _frame: FrameType | None) -> None:
            self.stop()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)


def _identity(path: Path | None) -> tuple[int, int] | None:
    """The file's device and inode: what stays the same while the same file is written in place."""
    if path is None:
        return None
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


def lock_path(config: Config) -> Path | None:
    """The lock file beside a SQLite database; None for a server database."""
    url = config.database_url()
    return Path(url.removeprefix("sqlite:///") + ".daemon.lock") if url.startswith("sqlite:///") else None


def publishers_for(config: Config) -> Callable[[str], Publisher]:
    """Each channel's publisher, its clients waiting up to the channel's ``timeout`` for any one read (the
    whole call's deadline is the dispatcher's, :meth:`~scheduler.dispatch.publishing.Dispatcher._call`)."""
    from scheduler.publishers.registry import build_publisher

    def build(channel: str) -> Publisher:
        settings = config.channels[channel]
        return build_publisher(channel, settings, base_dir=config.base_dir, timeout=settings.timeout.total_seconds())

    return build


@contextmanager
def _sole_publisher(config: Config, clock: Clock) -> Iterator[bool]:
    """Hold the SQLite database's daemon lock (refused, naming the holder, if a daemon runs) while publishing
    from this process; yields whether there is one (False on a server database, where daemons share)."""
    lock_file = lock_path(config)
    lock = DaemonLock(lock_file) if lock_file else None
    if lock:
        lock.acquire(now=clock())
    try:
        yield lock is not None
    finally:
        if lock:
            lock.release()


def run_daemon(config: Config, engine: Engine, *, once: bool, worker: str, clock: Clock = system_clock) -> list[Event]:
    """The whole daemon (or one pass of it with ``once``), holding the SQLite lock throughout."""
    with _sole_publisher(config, clock) as sqlite:
        dispatcher = Dispatcher(engine, config, publishers_for(config), worker=worker)
        if once:
            events = dispatcher.settle(clock, every_claim=sqlite) + dispatcher.publish_due(clock)
            log_events(events)
            dispatcher.close()
            return events
        lock_file = lock_path(config)
        database_file = lock_file.with_name(lock_file.name.removesuffix(".daemon.lock")) if lock_file else None
        daemon = Daemon(engine, config, dispatcher, worker=worker, clock=clock, database_file=database_file)
        daemon.install_signal_handlers()
        daemon.run(sqlite=sqlite)
    if daemon.replaced_database:
        raise EvertideError(
            f"the database file {database_file} was removed or replaced while the daemon ran",
            hint="Start the daemon again (systemd's unit restarts it on its own); it opens the file there now.",
        )
    return []


def publish_now(
    config: Config, engine: Engine, entry: QueueEntry, *, worker: str, clock: Clock = system_clock
) -> Event:
    """``queue share-now --direct``: publish this one entry from the command, holding the SQLite lock as a
    daemon would (so no daemon starts publishing beside it). The channel is built first: one that cannot be
    built from this shell (a variable not set here, an extra not installed) is the command's error, never a
    hold on the channel, which would stop the daemon that has the right environment."""
    with _sole_publisher(config, clock):
        dispatcher = Dispatcher(engine, config, publishers_for(config), worker=worker)
        try:
            dispatcher.publisher(entry.channel)
            return dispatcher.publish_entry(entry, clock)
        finally:
            dispatcher.close()
