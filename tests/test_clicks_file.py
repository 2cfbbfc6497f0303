"""What ``evertide metrics import`` refuses or skips, found in a hostile review: a row naming a post whose link
never carried its id."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from content_library.database import make_engine, transaction
from scheduler.metrics.tables import ClickCount
from scheduler.planning.attribution import ENTRY_MARK
from tests.cli import CONFIG, Cli
from tests.metrics_helpers import published

NOW = datetime.now(UTC).replace(microsecond=0)
TAGGED = f"Guide https://help.example.com/guide?utm_source=outbox&utm_content={ENTRY_MARK}"
REWORDED = "Guide, re-worded by hand https://help.example.com/guide"


@pytest.fixture
def backend(tmp_path: Path, database_url: str) -> Iterator[tuple[Cli, Engine]]:
    """The real CLI on the standard config, its database on each backend, upgraded."""
    cli = Cli(tmp_path, CONFIG.replace("database: evertide.db", f'database: "{database_url}"'))
    cli("db", "upgrade")
    engine = make_engine(database_url)
    yield cli, engine
    engine.dispose()


def _stored(engine: Engine) -> dict[int, int]:
    with transaction(engine) as session:
        return {row.entry_id: row.clicks for row in session.exec(select(ClickCount)).all()}


def _import(cli: Cli, body: str, *, ok: bool = True) -> str:
    path = cli.directory / "clicks.csv"
    path.write_text(body)
    return str(cli("metrics", "import", str(path), ok=ok).output)


def test_a_row_naming_a_post_whose_link_did_not_carry_its_id_is_skipped(backend: tuple[Cli, Engine]) -> None:
    """A small utm_content from another campaign's links collides with an entry id: only a post whose text
    carried ``utm_content=<its id>`` can have been clicked through it."""
    cli, engine = backend
    tagged = published(engine, "outbox", "a", NOW - timedelta(days=2), text=TAGGED)
    reworded = published(engine, "outbox", "b", NOW - timedelta(days=2), text=REWORDED)
    said = _import(cli, f"utm_content,clicks\n{tagged},4\n{reworded},7\n")
    assert "Imported 4 click(s) on 1 post(s); 1 row(s) named no published post and were skipped." in said
    assert _stored(engine) == {tagged: 4}
