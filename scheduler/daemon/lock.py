"""One daemon per SQLite database.

SQLite cannot share the queue between daemons safely, so ``evertide run`` takes an exclusive ``flock`` on a
lock file beside the database and writes who holds it. A second daemon fails at once with a message naming
the first (pid, host, since). The kernel drops the lock when the process dies, however it dies, so a crash
never leaves a stale lock behind.
"""

import fcntl
import json
import os
import socket
from datetime import datetime
from pathlib import Path
from typing import IO

from content_library.errors import EvertideError


class AlreadyRunning(EvertideError):
    hint = "Stop the other daemon first, or use PostgreSQL to run several (`database: postgresql+psycopg://…`)."


class DaemonLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self, *, now: datetime) -> None:
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = _describe(handle.read())
            handle.close()
            raise AlreadyRunning(f"another evertide daemon is running on this database ({holder})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": now.isoformat()}))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing drops the flock
            self._file = None


def _describe(text: str) -> str:
    try:
        holder = json.loads(text)
        return f"pid {holder['pid']} on {holder['host']}, since {holder['since']}"
    except (ValueError, KeyError, TypeError):
        return "holder unknown"


def running_daemon(path: Path) -> str | None:
    """Who holds the lock at ``path`` ("pid 12 on host, since …"), or None when no daemon runs."""
    if not path.exists():
        return None
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            return _describe(handle.read())
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None
