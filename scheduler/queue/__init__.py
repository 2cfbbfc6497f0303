"""The queue: what will actually go out, the history of what did, and holds on channels and campaigns."""

from scheduler.queue.tables import EntryState, Hold, Origin, Publication, QueueEntry

__all__ = ["EntryState", "Hold", "Origin", "Publication", "QueueEntry"]
