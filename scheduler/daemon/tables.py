"""The daemon registry's table: one row per daemon process that ever registered (see :mod:`.registry`).

No ``from __future__ import annotations`` here (it breaks SQLModel). The schema is owned by migration
``0005_daemon_registry``; ``tests/test_migrations.py`` checks this class matches it.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from content_library.timestamps import UTCDateTime


def _utc(*, nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class Daemon(SQLModel, table=True):
    """A daemon: ``id`` is its worker id (``host:pid``, what its claims carry in ``queue_entry.claimed_by``);
    ``heartbeat_at`` is renewed every 15 s while it runs; ``in_flight`` is how many platform calls it had in
    flight at that beat; ``stopped_at`` is set by a clean shutdown (a crash leaves it empty and the heartbeat
    goes stale)."""

    __tablename__ = "daemon"

    id: str = Field(primary_key=True)
    pid: int
    host: str
    started_at: datetime = _utc(nullable=False)
    heartbeat_at: datetime = _utc(nullable=False)
    in_flight: int = 0
    stopped_at: datetime | None = _utc()
    config_digest: str | None = None  # Config.fingerprint(): daemons on one database must share a config


class JobRun(SQLModel, table=True):
    """A singleton job's last turn: ``name`` (``feeds``, ``refill``), when it started and which daemon ran it.
    The schema is owned by migration ``0006_job_runs``."""

    __tablename__ = "job_run"

    name: str = Field(primary_key=True)
    started_at: datetime = _utc(nullable=False)
    ran_by: str
