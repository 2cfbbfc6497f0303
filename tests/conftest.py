"""Shared fixtures: a real database per test, on SQLite and on the machine's PostgreSQL.

``engine`` runs the test body once per backend. The PostgreSQL case creates a throwaway database on
127.0.0.1:5432 (override with ``EVERTIDE_TEST_PG``) and drops it afterwards; it is never skipped, because
the scale-out path must stay tested from the start.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

import scheduler  # noqa: F401  (pins zoneinfo to the bundled tzdata before any test loads a zone)
from content_library.database import make_engine, upgrade

if TYPE_CHECKING:
    from tests.cli import Cli

# CI runs the property tests on the same examples every time (derandomize), so a landing is judged on the
# change and not on the luck of the draw; locally every run draws new ones and keeps what failed.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

PG_ADMIN_URL = os.environ.get("EVERTIDE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DATA = Path(__file__).parent / "data"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'evertide.db'}"


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    name = f"evertide_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # pragma: no cover - tells a developer what to start
        pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is not usable ({error}); start it (see .ci/run)")
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """An empty database, once per backend."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    """An engine on an empty (never migrated) database, once per backend."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """A database at the newest schema, once per backend."""
    upgrade(empty_engine)
    return empty_engine


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    """A SQLite database at the newest schema, for tests about logic rather than backends."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def cli(tmp_path: Path) -> "Cli":
    """The real CLI on the standard test config, its SQLite database upgraded."""
    from tests.cli import Cli

    runner = Cli(tmp_path)
    runner("db", "upgrade")
    return runner


@pytest.fixture
def db(cli: "Cli") -> Iterator[Engine]:
    """An engine on the ``cli`` fixture's database."""
    engine = make_engine(f"sqlite:///{cli.directory / 'evertide.db'}")
    yield engine
    engine.dispose()
