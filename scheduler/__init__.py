"""When and where evertide posts: config, planning, the queue, publishing and the CLI.

Importing this package points ``zoneinfo`` at the bundled ``tzdata`` (see :mod:`scheduler.zones`) and adds the
scheduler's own migrations to the database's history (see :mod:`scheduler.migrations`), so no process that uses
evertide's scheduler can see a database's schema without its queue tables.
"""

from scheduler import migrations as _migrations  # noqa: F401  (side effect: register the queue's migrations)
from scheduler import zones as _zones  # noqa: F401  (side effect: pin the zone data)
