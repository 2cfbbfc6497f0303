"""Publishing due queue entries exactly once: claims, platform calls and their recorded outcomes."""

from scheduler.dispatch.publishing import Dispatcher, Event

__all__ = ["Dispatcher", "Event"]
