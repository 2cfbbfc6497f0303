"""A daemon job that keeps failing waits longer each time, and says so once, not once per attempt.

With the disk full, the publish job used to fail, find an entry already due and run again at once: 8,349
failures in 45 s, a traceback each, 27.6 MB of log on the full disk. A :class:`Backoff` makes a failing job
wait 5 s, then 10 s, 20 s… up to 5 minutes between attempts, logs one line when the job starts failing
(with the error's own one-line message; the traceback only with ``--debug``) and one when it recovers.
Pure apart from logging: the caller passes the time.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from content_library.failures import one_line

FIRST_WAIT = timedelta(seconds=5)
LONGEST_WAIT = timedelta(minutes=5)


class Backoff:
    def __init__(
        self,
        job: str,
        log: logging.Logger,
        *,
        first: timedelta = FIRST_WAIT,
        describe: Callable[[BaseException], str] = one_line,
    ) -> None:
        """``describe`` words an error in one line (the daemon's says "the disk holding … is full")."""
        self.job, self._log, self._first, self._describe = job, log, first, describe
        self.failing_since: datetime | None = None
        self.failures = 0
        self.next_try: datetime | None = None

    def ready(self, now: datetime) -> bool:
        """Whether the job may run now (it is not failing, or its wait is over)."""
        return self.next_try is None or now >= self.next_try

    def failed(self, error: BaseException, now: datetime) -> None:
        """Count a failure, unless a wait is already in force: the channel workers' calls all fail at once
        when the database goes away, and counting each (found in review: four failures in a row, a 40 s wait
        after a 2.6 s PostgreSQL restart) would make the wait grow with the number of workers."""
        if self.next_try is not None and now < self.next_try:
            self._log.debug("%s failed again while waiting", self.job, exc_info=error)
            return
        self.failures += 1
        wait = min(self._first * 2 ** (self.failures - 1), LONGEST_WAIT)
        self.next_try = now + wait
        if self.failing_since is None:
            self.failing_since = now
            self._log.error(
                "%s failing: %s (trying again with waits up to %s; --debug shows the traceback)",
                self.job,
                self._describe(error),
                LONGEST_WAIT,
                extra={"channel": "-", "entry": None, "detail": type(error).__name__},
            )
        self._log.debug("%s failed (%d in a row)", self.job, self.failures, exc_info=error)

    def succeeded(self, now: datetime) -> None:
        if self.failing_since is not None:
            self._log.info(
                "%s recovered after %d failures since %s",
                self.job,
                self.failures,
                f"{self.failing_since:%Y-%m-%d %H:%M:%SZ}",
                extra={"channel": "-", "entry": None, "detail": ""},
            )
        self.failing_since, self.failures, self.next_try = None, 0, None
