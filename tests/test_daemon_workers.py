"""The channel workers outlive whatever a job lets through, and always free the channel."""

import threading

from scheduler.daemon.workers import ChannelWorkers
from scheduler.queue.tables import QueueEntry


def entry(entry_id: int, channel: str) -> QueueEntry:
    return QueueEntry(id=entry_id, key=f"k{entry_id}", channel=channel, zone="UTC", item_id=1, text="t")


def test_a_job_that_raises_frees_its_channel_and_the_worker_takes_the_next_entry() -> None:
    """Found: a database error while claiming killed worker threads one by one; with all of them dead, entries
    were queued to nobody and their channels stayed busy for ever while the heartbeat said all was well."""
    done: list[int] = []
    rounds = threading.Semaphore(0)

    def job(item: QueueEntry) -> None:
        if item.id == 1:
            raise OSError(28, "No space left on device")
        done.append(item.id or 0)

    workers = ChannelWorkers(1, job, rounds.release)
    workers.submit(entry(1, "outbox"))
    workers.submit(entry(2, "outbox"))
    assert workers.wait_idle(5) == 0
    assert done == [2] and workers.busy() == frozenset()
    assert rounds.acquire(timeout=1) and rounds.acquire(timeout=1)  # a new round was asked for after each
    workers.stop()
