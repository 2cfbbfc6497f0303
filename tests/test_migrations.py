"""The schema lives in Alembic migrations; a user's database must survive every upgrade."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from content_library.database import current_revision, head_revision, require_current_schema, upgrade
from content_library.database import transaction as unit_of_work
from content_library.errors import SchemaOutdated
from content_library.models import Item, Variant
from content_library.store import variants_of


def test_an_empty_database_is_refused_until_upgraded(empty_engine: Engine) -> None:
    engine = empty_engine
    with pytest.raises(SchemaOutdated) as caught:
        require_current_schema(engine)
    assert "evertide db upgrade" in caught.value.hint
    assert upgrade(engine) == (None, head_revision())
    require_current_schema(engine)
    assert upgrade(engine) == (head_revision(), head_revision())  # idempotent


def test_a_database_made_by_the_first_schema_keeps_its_items_through_every_upgrade(empty_engine: Engine) -> None:
    engine = empty_engine
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO item (id, kind, title, url, url_key, summary, tags, source, status, priority,"
                " created_at, updated_at) VALUES (1, 'faq', 'Reset a password', 'https://help.example/reset',"
                " 'https://help.example/reset', 'How to', '[\"account\"]', 'manual', 'active', 0,"
                " '2024-01-02 03:04:05', '2024-01-02 03:04:05')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO variant (item_id, text, created_at) VALUES (1, 'Locked out? {url}', '2024-01-02 03:04:05')"
            )
        )
    if head_revision() != "0001":
        with pytest.raises(SchemaOutdated, match="schema 0001"):
            require_current_schema(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with unit_of_work(engine) as session:
        item = session.get(Item, 1)
        assert item is not None and item.title == "Reset a password" and item.tags == ["account"]
        assert item.created_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
        assert [v.text for v in variants_of(session, 1)] == ["Locked out? {url}"]


def test_the_models_match_the_migrations(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import scheduler.tables  # noqa: F401  (registers the scheduler's tables on SQLModel.metadata)

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = [d for d in compare_metadata(context, SQLModel.metadata) if "alembic_version" not in str(d)]
    assert differences == []


def test_naive_datetimes_are_refused(sqlite_engine: Engine) -> None:
    from sqlalchemy.exc import StatementError

    with pytest.raises(StatementError, match="naive datetime"), unit_of_work(sqlite_engine) as session:
        session.add(Variant(item_id=1, text="x", created_at=datetime(2026, 1, 1)))  # noqa: DTZ001
        session.flush()


def test_a_missing_database_driver_says_what_to_install() -> None:
    from content_library.database import make_engine
    from content_library.errors import EvertideError

    with pytest.raises(EvertideError, match="not installed") as caught:
        make_engine("mysql+mysqldb://evertide@127.0.0.1/evertide")
    assert "pip install" in caught.value.hint
