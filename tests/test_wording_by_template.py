"""Which template worded a post is recorded (migration 0014), so rotation, learning, stats and the report tell
a campaign's templates apart; posts recorded before keep no key and count as "templates"."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

from content_library.database import make_engine, transaction, upgrade
from scheduler.config import Config
from scheduler.planning.variants import template_key
from scheduler.queue import edits, states
from scheduler.queue.entries import active_entries, get_entry
from scheduler.queue.fill import fill
from scheduler.queue.tables import Publication
from tests.cli import Cli
from tests.queue_helpers import T0, add_items, config_in

NOW = datetime.now(UTC).replace(microsecond=0)

TITLE, SUMMARY = "{title} {url}", "{summary} {url}"  # the templates of tests.cli.CONFIG


def publish(engine: Engine, entry_id: int) -> Publication:
    with transaction(engine) as session:
        entry = get_entry(session, entry_id)
        claimed = states.claim(session, entry, worker="w", now=entry.at, lease=timedelta(minutes=1))
        states.publish(session, claimed, remote_id=f"r{entry_id}", remote_url=None, now=entry.at)
    with transaction(engine) as session:
        return session.exec(select(Publication).where(Publication.entry_id == entry_id)).one()


def test_a_filled_entry_and_its_publication_name_the_template_that_worded_them(engine: Engine, tmp_path: Path) -> None:
    config = config_in(tmp_path)
    add_items(engine, 3)
    with transaction(engine) as session:
        fill(session, config, now=T0, days=2)
    with transaction(engine) as session:
        entries = active_entries(session)
    assert entries and all(e.variant_id is None for e in entries)
    assert {e.template_key for e in entries} <= {template_key(TITLE), template_key(SUMMARY)}
    assert all(e.template_key is not None for e in entries)
    first = entries[0]
    assert publish(engine, first.id or 0).template_key == first.template_key


def test_an_insert_takes_the_template_after_the_one_that_worded_the_items_last_post(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    config: Config = config_in(tmp_path)
    [item] = add_items(sqlite_engine, 1)
    with transaction(sqlite_engine) as session:
        first = edits.insert(session, config, item, "outbox", T0 + timedelta(hours=1), now=T0)
    assert (first.template_key, first.text.split(" http")[0]) == (template_key(TITLE), "Guide 1")
    publish(sqlite_engine, first.id or 0)
    with transaction(sqlite_engine) as session:
        second = edits.insert(session, config, item, "outbox", T0 + timedelta(days=8), now=T0, force=True)
        assert second.template_key == template_key(SUMMARY) and second.text.startswith("How to do thing 1.")
        reworded = edits.edit_text(session, config, second.id or 0, "My own words", now=T0)
    assert (reworded.variant_id, reworded.template_key) == (None, None)  # a person's words: no template


def test_posts_recorded_before_schema_0014_keep_no_template_key(empty_engine: Engine) -> None:
    import scheduler.migrations  # noqa: F401  (the queue's migrations live beside the scheduler)

    upgrade(empty_engine, "0013")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO publication (id, channel, zone, item_id, text, scheduled_at, published_at) VALUES"
                " (1, 'outbox', 'UTC', 7, 'Guide 7', '2026-11-01 09:00:00+00:00', '2026-11-01 09:00:00+00:00')"
            )
        )
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        rows = connection.execute(text("SELECT id, variant_id, template_key FROM publication")).all()
        entries = connection.execute(text("SELECT template_key FROM queue_entry")).all()
    assert [tuple(row) for row in rows] == [(1, None, None)] and entries == []


HOSTILE = "<b>[bold]{title}[/bold]</b> {url}"
STATS_CONFIG = f"""\
database: evertide.db
channels:
  outbox: {{kind: file, path: outbox.jsonl}}
campaigns:
  help:
    channels: [outbox]
    posts_per_day: 2
    templates: ["{{title}} {{url}}", "{HOSTILE}"]
"""


def wordings_with_clicks(tmp_path: Path) -> tuple[Cli, int]:
    """Item 1 published four times, each worded another way and clicked 10, 20, 30 and 40 times: by the first
    template, the hostile one, a template no longer in the config, and before templates were recorded."""
    cli = Cli(tmp_path, STATS_CONFIG)
    cli("db", "upgrade")
    engine = make_engine(f"sqlite:///{tmp_path / 'evertide.db'}")
    try:
        [item] = add_items(engine, 1)
        keys = [template_key("{title} {url}"), template_key(HOSTILE), template_key("Gone {url}"), None]
        with transaction(engine) as session:
            for n, key in enumerate(keys, start=1):
                at = NOW - timedelta(days=n)
                session.add(
                    Publication(
                        entry_id=n, channel="outbox", campaign="help", zone="UTC", item_id=item, template_key=key,
                        text=f"post {n} https://help.example.com/?utm_content={n}", scheduled_at=at, published_at=at,
                    )
                )  # fmt: skip
    finally:
        engine.dispose()
    (tmp_path / "clicks.csv").write_text("utm_content,clicks\n1,10\n2,20\n3,30\n4,40\n")
    cli("metrics", "import", str(tmp_path / "clicks.csv"))
    return cli, item


def test_stats_add_engagement_up_per_template_and_show_its_text_as_typed(tmp_path: Path) -> None:
    cli, item = wordings_with_clicks(tmp_path)
    rows = cli.json("stats")["engagement_by_variant"]
    assert [
        (row["item_id"], row["variant_id"], row["template_key"], row["template"], row["clicks"]) for row in rows
    ] == [
        (item, None, None, None, 40),
        (item, None, template_key("Gone {url}"), "(template no longer in config)", 30),
        (item, None, template_key(HOSTILE), HOSTILE, 20),
        (item, None, template_key("{title} {url}"), "{title} {url}", 10),
    ]
    text = cli("stats", env={"COLUMNS": "250"}).output
    assert "Wordings by engagement per post" in text
    assert f'template "{HOSTILE}"' in text and f"template {template_key('Gone {url}')} (no longer" in text
    assert "│ templates" in text


def test_the_report_names_each_template_and_escapes_its_text(tmp_path: Path) -> None:
    cli, _ = wordings_with_clicks(tmp_path)
    cli("report", "--out", str(tmp_path / "report.html"))
    html = (tmp_path / "report.html").read_text()
    worked = html[html.index("<h2>What worked</h2>") :]
    assert "<b>[bold]" not in worked
    assert "template: <bdi>&lt;b&gt;[bold]{title}[/bold]&lt;/b&gt; {url}</bdi>" in worked
    assert "(template no longer in config)" in worked and "(campaign template)" in worked
