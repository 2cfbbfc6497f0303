"""Database and operating-system errors, said as one sentence and a remedy.

sqlite3, psycopg, SQLAlchemy and the OS say what went wrong in their own words, with the SQL, its parameters
(rows of the user's content) and a link attached, and "disk I/O error" never says that the disk is full.
:func:`explain` turns the failures a person can do something about into an :class:`EvertideError` that names
what happened, where (the file, the server, the database) and what to do; anything else it leaves to the
caller, which shows its type and first line only.
"""

import errno
import os
import shutil
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from content_library.errors import EvertideError

LOW_SPACE = 1_000_000  # bytes: below this, a write error on the database's disk is a full disk


class DatabaseUnusable(EvertideError):
    """The database cannot be opened, read or written, for a reason outside evertide."""


def explain(error: BaseException, *, database: str | None) -> EvertideError | None:
    """What ``error`` means for a person, given the configured database URL (None if it is not known yet);
    None when it is not a database or operating-system failure evertide knows how to explain."""
    if isinstance(error, EvertideError):
        return error
    if isinstance(error, NoSuchModuleError | ArgumentError) and database is not None:
        scheme = database.split("://", 1)[0] if "://" in database else database
        return DatabaseUnusable(
            f"`database:` is not a database URL evertide can open (scheme {scheme!r})",
            hint="Write a SQLite file path (evertide.db) or postgresql+psycopg://user@host:5432/name.",
        )
    original = getattr(error, "orig", None) or error  # SQLAlchemy wraps the driver's exception
    message = str(original).strip()
    if type(original).__module__.startswith("sqlite3"):
        return _sqlite(message, _sqlite_path(database))
    if type(original).__module__.startswith("psycopg"):
        return _postgresql(message, database)
    if isinstance(original, OSError):
        return _os(original)
    return None


def one_line(error: BaseException) -> str:
    """An unexplained error as its type and the first line of its message, cut at 300 characters."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0][:300]}" if lines else type(error).__name__


# -- SQLite -------------------------------------------------------------------------------------------------------


def _sqlite_path(database: str | None) -> Path | None:
    if not database or not database.startswith("sqlite:///"):
        return None
    return Path(database.removeprefix("sqlite:///"))


def _sqlite(message: str, path: Path | None) -> EvertideError | None:
    shown = str(path) if path else "the SQLite database"
    lowered = message.lower()
    if "file is not a database" in lowered or "malformed" in lowered:
        return DatabaseUnusable(
            f"{shown} is not a SQLite database, or it is damaged",
            hint="Restore it from a backup; or move it aside and run `evertide db upgrade` to start an empty one "
            "(then `evertide feeds poll` and `evertide library import` fill the library again).",
        )
    if "database or disk is full" in lowered or ("disk i/o error" in lowered and _space_is_low(path)):
        return _disk_full(path.parent if path else None)
    if "disk i/o error" in lowered:
        return DatabaseUnusable(
            f"the disk failed while evertide read or wrote {shown} (disk I/O error)",
            hint="Check free space (`df -h`), the file's permissions and the system log for disk errors; "
            "nothing was changed by this command.",
        )
    if "readonly database" in lowered or "read-only" in lowered:
        return _cannot_write(path)
    if "unable to open database file" in lowered:
        where = path.parent if path else None
        if where is not None and _read_only(where):
            return _cannot_write(path)
        return DatabaseUnusable(
            f"cannot open {shown}",
            hint=f"Check that the folder {where or 'of the database'} exists and that the user running evertide "
            "may write there (SQLite keeps a -wal file beside the database).",
        )
    if "database is locked" in lowered:
        return DatabaseUnusable(
            f"{shown} stayed locked by another process for more than 15 s",
            hint="Another evertide command or a tool holding the file open is writing; try again, or find it "
            "with `fuser` / `lsof`.",
        )
    return None


def _space_is_low(path: Path | None) -> bool:
    if path is None:
        return False
    try:
        return shutil.disk_usage(path.parent).free < LOW_SPACE
    except OSError:
        return False


def _read_only(folder: Path) -> bool:
    """Whether ``folder`` exists but this process may not write in it (a read-only mount, permissions)."""
    try:
        return folder.is_dir() and (bool(os.statvfs(folder).f_flag & os.ST_RDONLY) or not os.access(folder, os.W_OK))
    except OSError:
        return False


def _disk_full(folder: Path | None) -> DatabaseUnusable:
    where = f"the disk holding {folder}" if folder else "the disk"
    return DatabaseUnusable(
        f"{where} is full",
        hint="Free some space there, then run the command again (nothing half-written was kept).",
    )


def _cannot_write(path: Path | None) -> DatabaseUnusable:
    shown = str(path) if path else "the database"
    return DatabaseUnusable(
        f"cannot write {shown}: permission denied or read-only file system",
        hint="Check the permissions of the file and of its folder (SQLite writes a -wal file beside it), "
        "and that the file system is not mounted read-only.",
    )


# -- PostgreSQL ---------------------------------------------------------------------------------------------------


def _postgresql(message: str, database: str | None) -> EvertideError | None:
    try:
        url = make_url(database) if database else None
    except ArgumentError:
        url = None
    host = f"{url.host or 'localhost'}:{url.port or 5432}" if url else "the configured host"
    name = url.database if url and url.database else "evertide"
    user = url.username if url and url.username else "postgres"
    lowered = message.lower()
    if "does not exist" in lowered and "database" in lowered:
        return DatabaseUnusable(
            f'PostgreSQL at {host} has no database "{name}"',
            hint=f"Create it with `createdb -h {host.split(':')[0]} -p {host.split(':')[1]} -U {user} {name}`, "
            "then run `evertide db upgrade`.",
        )
    if "connection refused" in lowered:
        return DatabaseUnusable(
            f"PostgreSQL at {host} refuses connections",
            hint="Start the server (for example `systemctl start postgresql`), or fix the host and port in "
            "`database:`.",
        )
    if "password authentication failed" in lowered or ("role" in lowered and "does not exist" in lowered):
        return DatabaseUnusable(
            f'PostgreSQL at {host} refused the user "{user}"',
            hint="Check the user and password in `database:` (put the password in a ${VARIABLE}), and the "
            "server's pg_hba.conf.",
        )
    if "translate host name" in lowered or "name or service not known" in lowered:
        return DatabaseUnusable(
            f"the PostgreSQL host in `database:` ({host}) is not a known host name",
            hint="Check the host in `database:`.",
        )
    if "timeout" in lowered or "timed out" in lowered:
        return DatabaseUnusable(
            f"PostgreSQL at {host} did not answer in time",
            hint="Check that the server is up and reachable from this machine (firewall, network).",
        )
    if "no space left" in lowered or "disk full" in lowered:
        return DatabaseUnusable(
            f"PostgreSQL at {host} has run out of disk space", hint="Free space on the database server."
        )
    return None


# -- the operating system -------------------------------------------------------------------------------------


def _os(error: OSError) -> EvertideError | None:
    where = Path(error.filename) if error.filename else None
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return _disk_full(where.parent if where else None)
    if error.errno in (errno.EACCES, errno.EPERM) and where is not None:
        return DatabaseUnusable(
            f"permission denied: {where}",
            hint="Check the permissions of that file and its folder for the user running evertide.",
        )
    if error.errno == errno.EROFS:
        return _cannot_write(where)
    if error.errno == errno.ENOENT and where is not None:
        return DatabaseUnusable(
            f"{where} does not exist", hint="Check the path (relative paths start from the config's folder)."
        )
    if error.errno == errno.EISDIR and where is not None:
        return DatabaseUnusable(f"{where} is a folder, not a file", hint="Give the path of a file.")
    return None
