"""The schema lives in Alembic migrations; a user's database must survive every upgrade."""

import os
from datetime import UTC, datetime
from pathlib import Path

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


# -- the queue's ids (migration 0004) --------------------------------------------------------------------------

ENTRY_COLUMNS = (
    "id, key, channel, campaign, zone, at, item_id, variant_id, text, state, pinned, origin, reason, version,"
    " attempts, claimed_by, lease_until, next_attempt_at, last_error, created_at, updated_at"
)


def _entry_row(entry_id: int, state: str) -> str:
    return (
        f"({entry_id}, 'key-{entry_id}', 'outbox', 'help', 'Europe/London', '2026-12-0{entry_id} 09:00:00+00:00', 1,"
        f" NULL, 'Post {entry_id}', '{state}', {'TRUE' if entry_id == 2 else 'FALSE'}, 'planner', 'why', 3, 0,"
        " NULL, NULL, NULL, NULL, '2026-11-30 09:00:00+00:00', '2026-11-30 09:00:00+00:00')"
    )


def test_a_queue_made_by_schema_0003_keeps_its_ids_and_never_reuses_them(empty_engine: Engine) -> None:
    import scheduler.migrations  # noqa: F401  (the queue's migrations live beside the scheduler)
    from scheduler.queue.entries import insert_entry
    from scheduler.queue.tables import QueueEntry

    engine = empty_engine
    upgrade(engine, "0003")
    with engine.begin() as connection:
        rows = ", ".join(_entry_row(i, s) for i, s in ((1, "published"), (2, "planned"), (7, "planned")))
        connection.execute(text(f"INSERT INTO queue_entry ({ENTRY_COLUMNS}) VALUES {rows}"))
        connection.execute(
            text(
                "INSERT INTO publication (id, entry_id, channel, campaign, zone, item_id, text, scheduled_at,"
                " published_at) VALUES (1, 1, 'outbox', 'help', 'Europe/London', 1, 'Post 1',"
                " '2026-12-01 09:00:00+00:00', '2026-12-01 09:00:02+00:00')"
            )
        )
        before = connection.execute(text(f"SELECT {ENTRY_COLUMNS} FROM queue_entry ORDER BY id")).all()
    upgrade(engine)
    assert current_revision(engine) == head_revision() != "0003"
    with engine.connect() as connection:
        assert connection.execute(text(f"SELECT {ENTRY_COLUMNS} FROM queue_entry ORDER BY id")).all() == before
        assert connection.execute(text("SELECT entry_id FROM publication")).scalar_one() == 1
    at = datetime(2026, 12, 9, 9, tzinfo=UTC)
    fields = {"channel": "outbox", "zone": "Europe/London", "at": at, "item_id": 1, "text": "New"}
    with unit_of_work(engine) as session:
        newest = insert_entry(session, fields, now=at).id or 0
    assert newest > 7
    with unit_of_work(engine) as session:  # the newest entry goes away: its id is not handed out again
        session.delete(session.get(QueueEntry, 7))
        session.delete(session.get(QueueEntry, newest))
    with unit_of_work(engine) as session:
        assert (insert_entry(session, fields, now=at).id or 0) > newest


def _ids_in_database(engine: Engine) -> str:
    """How the database generates queue_entry ids: "autoincrement", "rowid", "identity ALWAYS"…, "serial"."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            sql = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = 'queue_entry'")).scalar_one()
            return "autoincrement" if "AUTOINCREMENT" in sql.upper() else "rowid"
        is_identity, generation, default = connection.execute(
            text(
                "SELECT is_identity, identity_generation, column_default FROM information_schema.columns"
                " WHERE table_name = 'queue_entry' AND column_name = 'id'"
            )
        ).one()
    if is_identity == "YES":
        return f"identity {generation}"
    return "serial" if default and "nextval" in default else "none"


def _ids_in_models(engine: Engine) -> str:
    from sqlalchemy.schema import CreateTable

    from scheduler.queue.tables import QueueEntry

    ddl = str(CreateTable(QueueEntry.__table__).compile(dialect=engine.dialect)).upper()  # type: ignore[attr-defined]
    if engine.dialect.name == "sqlite":
        return "autoincrement" if "AUTOINCREMENT" in ddl else "rowid"
    if "GENERATED ALWAYS AS IDENTITY" in ddl:
        return "identity ALWAYS"
    if "GENERATED BY DEFAULT AS IDENTITY" in ddl:
        return "identity BY DEFAULT"
    return "serial" if "SERIAL" in ddl else "none"


def test_the_models_and_the_migrations_generate_queue_ids_the_same_never_reusing_way(engine: Engine) -> None:
    expected = "autoincrement" if engine.dialect.name == "sqlite" else "identity ALWAYS"
    assert _ids_in_database(engine) == _ids_in_models(engine) == expected


# -- the scheduler's migrations live in scheduler/migrations, in the same history ------------------------------


def test_db_upgrade_creates_an_empty_file_and_brings_a_0003_database_to_the_head(tmp_path: Path) -> None:
    from content_library.database import make_engine
    from tests.cli import Cli

    fresh, old = tmp_path / "fresh", tmp_path / "old"
    fresh.mkdir(), old.mkdir()
    head = head_revision()
    assert Cli(fresh)("db", "upgrade").stdout.strip() == f"Upgraded the database from schema (empty) to {head}."
    made = make_engine(f"sqlite:///{old / 'evertide.db'}")
    upgrade(made, "0003")
    made.dispose()
    cli = Cli(old)
    assert "schema: 0003; needed" in cli("db", "status").stdout
    cli("queue", "list", ok=False)  # refused until upgraded
    assert cli("db", "upgrade").stdout.strip() == f"Upgraded the database from schema 0003 to {head}."
    assert cli("db", "status").stdout.strip().endswith(f"schema: {head}; needed: {head}")
    cli("queue", "list")


def test_the_scheduler_owns_the_migrations_of_its_tables() -> None:
    from content_library.database import MIGRATIONS, migration_folders
    from scheduler.migrations import VERSIONS

    library = {p.name for p in (MIGRATIONS / "versions").glob("*.py")}
    scheduler_side = {p.name for p in VERSIONS.glob("*.py")}
    assert library == {
        "0001_library.py",
        "0002_candidate_index.py",
        "0008_imported_urls.py",
        "0011_link_health.py",
        "0012_item_image.py",
        "0013_item_came_from.py",
    }
    assert {"0003_queue.py", "0004_stable_queue_ids.py"} <= scheduler_side
    assert migration_folders() == (MIGRATIONS / "versions", VERSIONS)


def test_holds_made_before_schema_0007_get_their_cause_from_what_they_held(empty_engine: Engine) -> None:
    import scheduler.migrations  # noqa: F401  (the queue's migrations live beside the scheduler)

    upgrade(empty_engine, "0006")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO hold (id, scope, name, until, reason, created_at) VALUES"
                " (1, 'channel', 'outbox', NULL, 'paused by a person', '2026-12-01 09:00:00+00:00'),"
                " (2, 'channel', 'x-main', '2026-12-01 10:00:00+00:00', 'rate limited: 429',"
                " '2026-12-01 09:00:00+00:00'),"
                " (3, 'channel', 'hook', NULL, 'refused (401)', '2026-12-01 09:00:00+00:00')"
            )
        )
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        causes = connection.execute(text("SELECT name, cause FROM hold ORDER BY id")).all()
    assert [tuple(row) for row in causes] == [("outbox", "person"), ("x-main", "rate_limit"), ("hook", "refused")]


def test_the_heads_written_in_code_are_the_heads_alembic_finds_in_the_scripts() -> None:
    """The schema check compares a database with these constants instead of loading Alembic; a new migration
    that forgets to move them fails here, not at a user's first command."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import scheduler.migrations
    from content_library import migrations

    config = Config()
    config.set_main_option("script_location", str(migrations.VERSIONS.parent))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(folder) for folder in migrations.folders()))
    scripts = ScriptDirectory.from_config(config)
    assert migrations.folders() == (migrations.VERSIONS, scheduler.migrations.VERSIONS)
    assert scripts.get_current_head() == migrations.head() == head_revision()
    newest_first = [(script.revision, Path(script.path).parent) for script in scripts.walk_revisions()]
    for folder, written in (
        (migrations.VERSIONS, migrations.HEAD),
        (scheduler.migrations.VERSIONS, scheduler.migrations.HEAD),
    ):
        in_folder = [revision for revision, where in newest_first if where == folder]
        assert written == in_folder[0] == max(in_folder)  # the folder's newest, and ids numbered in order


def test_clicks_imported_before_schema_0015_keep_counting_as_totals(empty_engine: Engine) -> None:
    """Before 0015 an import recorded no period: its rows stated each post's clicks so far, and still do."""
    import scheduler.migrations  # noqa: F401  (the click counts' migrations live beside the scheduler)
    from scheduler.metrics.latest import latest_engagement
    from scheduler.queue.tables import Publication

    upgrade(empty_engine, "0014")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO publication (id, entry_id, channel, campaign, zone, item_id, text, scheduled_at,"
                " published_at) VALUES (1, 7, 'outbox', 'help', 'Europe/London', 1, 'Post 7',"
                " '2026-11-01 09:00:00+00:00', '2026-11-01 09:00:02+00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO click_count (id, entry_id, clicks, imported_at) VALUES"
                " (1, 7, 4, '2026-11-15 09:00:00+00:00'), (2, 7, 6, '2026-12-01 09:00:00+00:00')"
            )
        )
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        rows = connection.execute(text("SELECT id, clicks, period_since, period_until FROM click_count ORDER BY id"))
        assert [tuple(row) for row in rows] == [(1, 4, None, None), (2, 6, None, None)]
    with unit_of_work(empty_engine) as session:
        post = session.get(Publication, 1)
        assert post is not None
        assert latest_engagement(session, [post])[1].clicks == 6  # the latest total, as before
