"""PostgreSQL advisory locks, the one way daemons on one database take turns at something that is not a row.

A lock's key is derived from a name (``feeds``, ``channel:outbox``), so every daemon computes the same key
without a table of them. SQLite has no such locks and needs none: one daemon runs per file, and its
``BEGIN IMMEDIATE`` transactions take turns anyway; there every try succeeds.
"""

import hashlib
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlmodel import Session


def key(name: str) -> int:
    """A stable 63-bit key for ``name``, apart from anything else on the server using advisory locks."""
    return int.from_bytes(hashlib.sha256(f"evertide:{name}".encode()).digest()[:8], "big") >> 1


def try_for_connection(connection: Connection, name: str) -> bool:
    """Take ``name``'s lock until :func:`release` or until the connection closes (a dead process's
    connection closes with it, so its locks go too)."""
    if connection.dialect.name != "postgresql":
        return True
    held = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key(name)}).scalar())
    connection.commit()
    return held


def release(connection: Connection, name: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key(name)})
        connection.commit()


def holder(connection: Connection, name: str) -> tuple[int, str] | None:
    """The server process and the application name of the connection holding ``name``'s lock, if any (a
    daemon names its connections with its id)."""
    if connection.dialect.name != "postgresql":
        return None
    k = key(name)
    found = connection.execute(
        text(
            "SELECT a.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :high AND l.objid = :low"
            " AND l.objsubid = 1"
        ),
        {"high": (k >> 32) & 0xFFFFFFFF, "low": k & 0xFFFFFFFF},
    ).first()
    connection.commit()
    return (int(found[0]), str(found[1])) if found else None


def break_lock(connection: Connection, server_pid: int) -> None:
    """End the server process that holds a lock (its connection closes, so its locks go)."""
    connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": server_pid})
    connection.commit()


def wait_in_transaction(session: Session, name: str, *, deadline: timedelta) -> bool:
    """Wait for ``name``'s lock, at most ``deadline``, and hold it until the session's transaction ends (commit,
    rollback or a dead connection). False when the deadline passed first; the transaction is then unusable and
    must be rolled back. The wait is PostgreSQL's ``lock_timeout``, which is set for this transaction only."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    session.execute(text(f"SET LOCAL lock_timeout = {max(1, round(deadline.total_seconds() * 1000))}"))
    try:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key(name)})
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) == "55P03":  # lock_not_available: the deadline passed
            return False
        raise
    return True
