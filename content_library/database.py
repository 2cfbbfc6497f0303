"""Engines, transactions and the schema version of evertide's database.

SQLite is the default and PostgreSQL the scale-out path; any SQLAlchemy URL works. On SQLite the CLI and the
daemon write at the same time, so every connection runs in WAL mode (readers never block the writer) with a
busy timeout (a writer waits for the other one instead of failing with "database is locked"), and
transactions start with ``BEGIN IMMEDIATE`` so two writers queue up front rather than deadlocking on a lock
upgrade halfway through.

The schema belongs to Alembic migrations, for the whole database (library, queue and history): one linear
history of versions is what lets a user's file survive upgrades. The library's versions are beside this module;
a package with tables of its own in the same database registers its folder of versions
(:func:`content_library.migrations.register`), and every function here works on all registered folders.
Every command checks the version with :func:`require_current_schema` and refuses an outdated one; that check is
one query of Alembic's ``alembic_version`` table against the head written down in code, and only ``upgrade``
loads Alembic itself.
"""

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from content_library.errors import EvertideError, SchemaOutdated
from content_library.migrations import folders as migration_folders
from content_library.migrations import head as migrations_head

SQLITE_BUSY_TIMEOUT_MS = 15_000
VALUES_PER_STATEMENT = 500  # a server caps the parameters of one statement: an IN (...) list is split
T = TypeVar("T")
MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str, *, application_name: str | None = None) -> Engine:
    """An engine for ``url``; SQLite connections get WAL, a busy timeout, foreign keys and immediate writes.
    ``application_name`` names a server's connections (a daemon's id: the others can tell which daemon holds
    a lock)."""
    if not url.startswith("sqlite"):
        named = {"application_name": application_name[:63]} if application_name else {}
        try:
            return create_engine(url, pool_pre_ping=True, connect_args=named)
        except ModuleNotFoundError as error:
            raise EvertideError(
                f"the database driver for {url.split(':', 1)[0]} is not installed ({error.name} is missing)",
                hint="For PostgreSQL, install it with `pip install 'evertide[postgres]'`.",
            ) from None
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (see _begin_immediate); pysqlite's own implicit BEGIN is deferred.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's own lower() folds ASCII only ("Ünï" stayed "Ünï"), so a search typed in capitals missed
        # non-English titles; Python's folds every script, as PostgreSQL's does.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _lower(text: str | None) -> str | None:
    return None if text is None else text.lower()


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: everything inside commits together or not at all."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # One history in several folders; os.pathsep, since a folder's path may contain spaces.
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(folder) for folder in migration_folders()))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest schema revision this version of evertide knows."""
    return migrations_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty (never upgraded) database."""
    with engine.connect() as connection:
        if not connection.dialect.has_table(connection, "alembic_version"):
            return None
        revisions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    # Alembic keeps one row per head; evertide's history is linear, so two rows are a database to refuse.
    return ", ".join(sorted(revisions)) or None


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Apply every migration up to ``revision``; returns (before, after)."""
    from alembic import command

    before = current_revision(engine)
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)
    after = current_revision(engine)
    assert after is not None
    return before, after


def require_current_schema(engine: Engine) -> None:
    """Refuse to work on a database whose schema is not exactly the one this evertide expects."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaOutdated(f"the database at {engine.url.render_as_string(hide_password=True)} is empty")
    raise SchemaOutdated(
        f"the database is at schema {current}, this evertide needs {head}",
    )


def in_chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """``values`` in slices of at most :data:`VALUES_PER_STATEMENT`, each small enough for one ``IN (...)``."""
    for start in range(0, len(values), VALUES_PER_STATEMENT):
        yield values[start : start + VALUES_PER_STATEMENT]
