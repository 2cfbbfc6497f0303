"""Every table of the scheduler, imported in one place so SQLModel.metadata knows them all."""

from scheduler.daemon.tables import Daemon, JobRun
from scheduler.metrics.tables import ClickCount, EngagementCount, ReadHold
from scheduler.queue.tables import Hold, Publication, QueueEntry

__all__ = ["ClickCount", "Daemon", "EngagementCount", "Hold", "JobRun", "Publication", "QueueEntry", "ReadHold"]
