"""`DatabaseCandidates` reads the library lazily, in the planner's order, on SQLite and PostgreSQL alike."""

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from content_library import candidates as database_candidates
from content_library.candidates import DatabaseCandidates
from content_library.database import transaction
from content_library.models import Item, Variant
from content_library.snapshot import load_items
from scheduler.config import Config
from scheduler.planning import InMemoryCandidates, PastShare, PlanInputs, plan

NOW = datetime(2026, 12, 1, tzinfo=UTC)
FILTERS: list[dict[str, Any]] = [
    {},
    {"categories": ["tips"]},
    {"categories": ["faq", "tips"]},
    {"categories": ["nothing-here"]},
    {"kinds": ["faq"]},
    {"categories": ["tips", "news"], "kinds": ["article"], "tags": ["Python"]},
]


def fill(engine: Engine, count: int, seed: int = 3) -> None:
    chooser = random.Random(seed)
    with transaction(engine) as session:
        for number in range(1, count + 1):
            session.add(
                Item(
                    id=number,
                    title=f"Item {number}",
                    url=f"https://example.org/{number}",
                    url_key=f"example.org/{number}",
                    category=chooser.choice(["tips", "faq", "news", None]),
                    kind=chooser.choice(["article", "faq"]),
                    tags=chooser.sample(["python", "sql", "tz"], chooser.randint(0, 2)),
                    status=chooser.choice(["active"] * 4 + ["paused", "retired"]),
                    priority=chooser.randint(-2, 3),
                    expires_at=NOW + timedelta(days=chooser.randint(1, 9)) if chooser.random() < 0.2 else None,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.flush()
        for number in range(1, count + 1, 3):
            session.add(
                Variant(
                    item_id=number,
                    text=f"Read {number}: {{url}}",
                    created_at=NOW,
                    channel_kind=chooser.choice([None, "x"]),
                )
            )


@pytest.fixture
def library(engine: Engine) -> Iterator[Engine]:
    fill(engine, 300)
    yield engine


@pytest.mark.parametrize("wanted", FILTERS, ids=str)
def test_fresh_items_come_in_the_same_order_as_from_memory(library: Engine, wanted: dict[str, Any]) -> None:
    with transaction(library) as session:
        memory = InMemoryCandidates(load_items(session, active_only=False))
        from_database = list(DatabaseCandidates(session).fresh(**wanted))
        assert from_database == list(memory.fresh(**wanted))
    assert all(item.status == "active" for item in from_database)


def test_lookups_return_any_status_and_leave_out_unknown_ids(library: Engine) -> None:
    with transaction(library) as session:
        found = DatabaseCandidates(session).get_many(range(1, 400))
        assert sorted(found) == list(range(1, 301))
        assert {item.status for item in found.values()} == {"active", "paused", "retired"}
        assert found[1].variants and found[1] == DatabaseCandidates(session).get(1)
        assert DatabaseCandidates(session).get(999) is None


def test_a_plan_from_the_database_equals_the_plan_from_memory(library: Engine) -> None:
    config = Config.model_validate(
        {
            "channels": {"x-main": {"kind": "x"}, "toot": {"kind": "mastodon"}},
            "campaigns": {
                "support": {
                    "channels": ["x-main", "toot"],
                    "posts_per_day": 3,
                    "repeat_after": "2d",
                    "mix": {"faq": 1, "tips": 2},
                },
                "all": {"channels": ["toot"], "posts_per_day": 2, "repeat_after": "3d", "tags": ["sql"]},
            },
        }
    )
    history = [PastShare("toot", 5, NOW - timedelta(days=1), "UTC", campaign="all", text="earlier")]
    with transaction(library) as session:
        memory = InMemoryCandidates(load_items(session, active_only=False))
        expected = plan(PlanInputs.of(config), memory, now=NOW, days=6, history=history)
        assert plan(PlanInputs.of(config), DatabaseCandidates(session), now=NOW, days=6, history=history) == expected
    assert len(expected.posts) == 6 * 8


def test_planning_reads_only_the_rows_it_uses(sqlite_engine: Engine) -> None:
    fill(sqlite_engine, 3000)
    statements: list[tuple[str, Any]] = []

    def record(_connection: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(sqlite_engine, "before_cursor_execute", record)
    config = Config.model_validate(
        {
            "channels": {"toot": {"kind": "mastodon"}},
            "campaigns": {"k": {"channels": ["toot"], "posts_per_day": 2, "categories": ["tips"]}},
        }
    )
    with transaction(sqlite_engine) as session:
        result = plan(PlanInputs.of(config), DatabaseCandidates(session), now=NOW, days=2)
    assert len(result.posts) == 4
    pages = [parameters for statement, parameters in statements if "LIMIT" in statement and "FROM item" in statement]
    assert len(statements) <= 8, [s for s, _ in statements]
    assert len(pages) == 1 and database_candidates.FIRST_PAGE in pages[0]  # one page of 16 rows out of 3000
