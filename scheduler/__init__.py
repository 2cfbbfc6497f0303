"""When and where evertide posts: config, planning, the queue, publishing and the CLI.

Importing this package points ``zoneinfo`` at the bundled ``tzdata`` (see :mod:`scheduler.zones`).
"""

from scheduler import zones as _zones  # noqa: F401  (side effect: pin the zone data)
