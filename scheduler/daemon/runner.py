"""``evertide run``: the background daemon. The only module that imports APScheduler.

APScheduler keeps time; it holds no state. The queue lives in evertide's tables, so a restart loses nothing.
Four code-defined jobs:

- **publish** — publishes what is due every 5 s (so a CLI edit is seen within 5 s), and after each run
  schedules a one-shot wake-up at the next due instant, so a post known ahead goes out within a second of
  its instant without polling once a minute. Each wake-up has its own job id: APScheduler removes a finished
  one-shot job *after* running it, so re-arming the same id from inside the job would race that removal;
- **settle** — settles claims whose lease expired (a daemon that died mid-publish);
- **feeds** — polls the feeds whose interval has passed;
- **refill** — keeps the queue planned up to the horizon.

Publishing runs on its own single-thread executor, the rest on another, so a long refill never delays a post.
SIGTERM and SIGINT let the publish in flight finish and be recorded, then exit 0.
"""

import itertools
import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from content_library.database import transaction
from scheduler.config import Config
from scheduler.daemon.lock import DaemonLock
from scheduler.dispatch.claims import next_wake
from scheduler.dispatch.publishing import Dispatcher, Event

POLL = timedelta(seconds=5)
SETTLE_EVERY = timedelta(seconds=15)
FEEDS_EVERY = timedelta(minutes=1)
REFILL_EVERY = timedelta(hours=1)

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
        clock: Clock = system_clock,
        poll: timedelta = POLL,
    ) -> None:
        self._engine = engine
        self._config = config
        self._dispatcher = dispatcher
        self._clock = clock
        self._poll = poll
        self._stop = threading.Event()
        self._wakes = itertools.count()
        self._scheduler = BackgroundScheduler(
            executors={"publish": ThreadPoolExecutor(1), "default": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
            timezone=UTC,
        )

    # -- jobs -------------------------------------------------------------------------------------------------

    def publish(self) -> None:
        try:
            log_events(self._dispatcher.publish_due(self._clock))
        except Exception:
            log.exception("publish cycle failed; retrying at the next wake-up")
        finally:
            self._arm_wake_up()

    def _arm_wake_up(self) -> None:
        """A one-shot publish at the next due instant, when that comes before the next poll. The 5 s interval
        job is never touched, so a lost wake-up costs at most one poll interval."""
        if self._stop.is_set():
            return
        now = self._clock()
        try:
            with transaction(self._engine) as session:
                due = next_wake(session, self._config, now)
        except Exception:
            log.exception("could not read the queue; polling again shortly")
            return
        if due is not None and due < now + self._poll:
            self._scheduler.add_job(
                self.publish, "date", run_date=due, id=f"wake-{next(self._wakes)}", executor="publish"
            )

    def settle(self, *, every_claim: bool = False) -> None:
        try:
            log_events(self._dispatcher.settle(self._clock, every_claim=every_claim))
        except Exception:
            log.exception("settling expired claims failed")

    def poll_feeds(self) -> None:
        from scheduler.daemon.feeds_job import poll_due_feeds

        try:
            for line in poll_due_feeds(self._engine, self._config, now=self._clock()):
                log.info("feed", extra={"channel": "-", "entry": None, "detail": line})
        except Exception:
            log.exception("feed polling failed")

    def refill(self) -> None:
        from scheduler.queue.fill import fill

        try:
            with transaction(self._engine) as session:
                result = fill(session, self._config, now=self._clock(), days=max(1, self._config.horizon.days))
            log.info("refill", extra={"channel": "-", "entry": None, "detail": result.line()})
            for warning in result.warnings:
                log.warning("plan", extra={"channel": "-", "entry": None, "detail": warning})
        except Exception:
            log.exception("refilling the queue failed")

    # -- life cycle -------------------------------------------------------------------------------------------

    def run(self, *, sqlite: bool) -> None:
        """Run until SIGTERM/SIGINT (or :meth:`stop`)."""
        self.settle(every_claim=sqlite)  # on SQLite this is the only daemon: every claim is a dead one's
        self.refill()
        for job, every in ((self.settle, SETTLE_EVERY), (self.poll_feeds, FEEDS_EVERY), (self.refill, REFILL_EVERY)):
            self._scheduler.add_job(job, "interval", seconds=every.total_seconds(), id=job.__name__)
        self._scheduler.add_job(
            self.publish,
            "interval",
            seconds=self._poll.total_seconds(),
            id="publish",
            executor="publish",
            next_run_time=self._clock(),
        )
        self._scheduler.start()
        log.info("started", extra={"channel": "-", "entry": None, "detail": f"{len(self._config.channels)} channel(s)"})
        self._stop.wait()
        self._scheduler.shutdown(wait=True)  # lets the publish in flight finish and be recorded
        self._dispatcher.close()
        log.info("stopped", extra={"channel": "-", "entry": None, "detail": "clean shutdown"})

    def stop(self, *_: object) -> None:
        self._stop.set()

    def install_signal_handlers(self) -> None:
        def handler(signum: int, _frame: FrameType | None) -> None:
            self.stop()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)


def lock_path(config: Config) -> Path | None:
    """The lock file beside a SQLite database; None for a server database."""
    url = config.database_url()
    return Path(url.removeprefix("sqlite:///") + ".daemon.lock") if url.startswith("sqlite:///") else None


def run_daemon(config: Config, engine: Engine, *, once: bool, worker: str, clock: Clock = system_clock) -> list[Event]:
    """The whole daemon (or one pass of it with ``once``), holding the SQLite lock throughout."""
    from scheduler.publishers.registry import build_publisher

    lock_file = lock_path(config)
    lock = DaemonLock(lock_file) if lock_file else None
    if lock:
        lock.acquire(now=clock())
    dispatcher = Dispatcher(
        engine,
        config,
        lambda channel: build_publisher(channel, config.channels[channel], base_dir=config.base_dir),
        worker=worker,
    )
    try:
        if once:
            events = dispatcher.settle(clock, every_claim=lock is not None) + dispatcher.publish_due(clock)
            log_events(events)
            dispatcher.close()
            return events
        daemon = Daemon(engine, config, dispatcher, clock=clock)
        daemon.install_signal_handlers()
        daemon.run(sqlite=lock is not None)
        return []
    finally:
        if lock:
            lock.release()
