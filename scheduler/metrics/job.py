"""The daemon's metrics job: every :data:`PULL_EVERY`, read the due counts of the channels that ask for them.

Only channels with ``metrics: true`` (the default for Mastodon and Bluesky, never for X unless set) are
read, so the daemon never spends money nobody asked it to; ``evertide metrics pull`` is where the cost of
the others is said. A 429 holds the channel's reads (see :mod:`.pulling`); the job itself never fails on
a platform's answer, only on the database, and then backs off like every job.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from scheduler.config import Config
from scheduler.metrics.pulling import pull_counts, readable_channels
from scheduler.metrics.readers import Readers

PULL_EVERY = timedelta(minutes=10)  # a checkpoint is read at most this late; 1 h is the shortest default


def channels_read(config: Config) -> list[str]:
    return [name for name in readable_channels(config) if getattr(config.channels[name], "metrics", False)]


def pull_due_counts(engine: Engine, config: Config, readers: Readers, *, now: datetime) -> Iterator[str]:
    """One line per channel that had posts due. ``readers`` lives as long as the daemon, so each channel's
    session does too."""
    for result in pull_counts(engine, config, readers, now=now, channels=channels_read(config)):
        if result.due:
            yield result.line()
