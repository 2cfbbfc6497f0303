"""Channels publish side by side: a bounded set of worker threads, one call in flight per channel.

A platform that answers slowly, drips or hangs delays only its own channel: every call has a total deadline
(the channel's ``timeout``, :meth:`scheduler.dispatch.publishing.Dispatcher._call`), and the other channels'
entries go to the other workers meanwhile. More channels than workers share them in the order their entries
fell due, one entry each, so a channel with a backlog takes its turn like the rest. The threads are daemon
threads: a shutdown waits for them a bounded time (:meth:`ChannelWorkers.wait_idle`), never for ever.
"""

import logging
import queue
import threading
import time
from collections.abc import Callable

from scheduler.queue.tables import QueueEntry

Job = Callable[[QueueEntry], None]
log = logging.getLogger("evertide.daemon")


class ChannelWorkers:
    """``job`` publishes one entry; ``then`` runs after its channel is free again (to look for more work)."""

    def __init__(self, size: int, job: Job, then: Callable[[], None]) -> None:
        self._job, self._then = job, then
        self._todo: queue.Queue[QueueEntry | None] = queue.Queue()
        self._busy: dict[str, int | None] = {}  # channel → the entry waiting for a worker or in flight
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._threads = [
            threading.Thread(target=self._work, name=f"evertide-worker-{n}", daemon=True) for n in range(size)
        ]
        for thread in self._threads:
            thread.start()

    def busy(self) -> frozenset[str]:
        """The channels with an entry waiting for a worker or a call in flight."""
        with self._lock:
            return frozenset(self._busy)

    def in_flight(self) -> frozenset[int]:
        """The entries waiting for a worker or with a call in flight: claims of this daemon that are alive."""
        with self._lock:
            return frozenset(entry_id for entry_id in self._busy.values() if entry_id is not None)

    def submit(self, entry: QueueEntry) -> None:
        with self._lock:
            self._busy[entry.channel] = entry.id
        self._todo.put(entry)

    def wait_idle(self, seconds: float) -> int:
        """Wait at most ``seconds`` for every submitted entry to be done; how many channels are still busy."""
        deadline = time.monotonic() + seconds
        with self._idle:
            while self._busy and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)
            return len(self._busy)

    def stop(self) -> None:
        """Take no more work: each worker ends after the entry it has in hand."""
        for _ in self._threads:
            self._todo.put(None)

    def _work(self) -> None:
        while (entry := self._todo.get()) is not None:
            try:
                self._job(entry)
            except Exception as error:  # the job handles its own failures; a worker must outlive anything it missed
                log.error("publishing entry %s failed unexpectedly: %s", entry.id, type(error).__name__)
                log.debug("publishing entry %s failed", entry.id, exc_info=True)  # the traceback, with --debug
            finally:
                with self._idle:
                    self._busy.pop(entry.channel, None)
                    self._idle.notify_all()
            try:
                self._then()
            except Exception:  # the scheduler stopping under us: the next start looks again anyway
                log.debug("could not ask for the next round", exc_info=True)
