"""How published posts did: counts read back from the platforms (:mod:`.pulling`, when: :mod:`.schedule`; the
daemon's job: :mod:`.job`, which keeps each channel's reader and its session: :mod:`.readers`), clicks imported
from web analytics (:mod:`.clicks`) and each post's latest figures (:mod:`.latest`). Only the values and tables
are exported here: the publishers import :mod:`.counts`, so this package must not import them back."""

from scheduler.metrics.counts import Counts, CountsReader
from scheduler.metrics.tables import ClickCount, EngagementCount, ReadHold

__all__ = ["ClickCount", "Counts", "CountsReader", "EngagementCount", "ReadHold"]
