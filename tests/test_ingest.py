"""Merging drafts into the library (dedupe and update rules) and import_source end to end, on SQLite and
PostgreSQL."""

import itertools
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from content_library.database import transaction
from content_library.drafts import ItemDraft
from content_library.errors import FeedError, ImportRejected
from content_library.importing import import_source
from content_library.ingest import ImportSummary, import_drafts
from content_library.models import Item, Variant
from tests.conftest import DATA
from tests.http_server import LoopbackServer, Reply

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)
FEEDS = DATA / "feeds"
IMPORT = DATA / "import"


def items(engine: Engine) -> list[Item]:
    with Session(engine) as session:
        return list(session.exec(select(Item).order_by(col(Item.id))).all())


def variant_texts(engine: Engine, item_id: int) -> list[str]:
    with Session(engine) as session:
        query = select(Variant.text).where(Variant.item_id == item_id).order_by(col(Variant.id))
        return list(session.exec(query).all())


def merge(engine: Engine, drafts: list[ItemDraft], *, source: str = "feed", now: datetime = NOW) -> ImportSummary:
    with transaction(engine) as session:
        return import_drafts(session, drafts, source=source, now=now)


def test_summary_line() -> None:
    assert ImportSummary(12, 3, 40, 1).line() == "12 new, 3 updated, 40 unchanged, 1 skipped"


def test_new_items_get_defaults_and_a_second_import_changes_nothing(engine: Engine) -> None:
    drafts = [
        ItemDraft("A", url="https://a.org/a?utm_source=x", guid="g-a", tags=("x",), published_at=NOW),
        ItemDraft("B", url="https://a.org/b", kind="faq", category="help", priority=2),
        ItemDraft("C tip"),
    ]
    with transaction(engine) as session:
        first = import_drafts(session, drafts, source="feed", now=NOW, default_kind="tip", default_category="misc")
    assert first.line() == "3 new, 0 updated, 0 unchanged, 0 skipped"
    a, b, c = items(engine)
    assert (a.url, a.url_key, a.guid, a.kind, a.category, a.tags) == (
        "https://a.org/a",
        "https://a.org/a",
        "g-a",
        "tip",
        "misc",
        ["x"],
    )
    assert (b.kind, b.category, b.priority, b.status, b.source) == ("faq", "help", 2, "active", "feed")
    assert c.url is None and c.created_at == NOW == c.updated_at and a.published_at == NOW
    assert merge(engine, drafts, now=LATER).line() == "0 new, 0 updated, 3 unchanged, 0 skipped"
    assert [item.updated_at for item in items(engine)] == [NOW, NOW, NOW]


def test_changed_title_and_summary_update_the_same_item(sqlite_engine: Engine) -> None:
    merge(sqlite_engine, [ItemDraft("Old title", url="https://a.org/p", guid="1", summary="old")])
    (before,) = items(sqlite_engine)
    summary = merge(sqlite_engine, [ItemDraft("New title", url="https://a.org/p", guid="1", summary="new")], now=LATER)
    assert summary.line() == "0 new, 1 updated, 0 unchanged, 0 skipped"
    (after,) = items(sqlite_engine)
    assert (after.id, after.title, after.summary, after.updated_at) == (before.id, "New title", "new", LATER)


def test_fields_a_draft_leaves_out_keep_their_values(sqlite_engine: Engine) -> None:
    merge(
        sqlite_engine,
        [
            ItemDraft(
                "T", url="https://a.org/p", summary="s", kind="faq", category="c", priority=5, tags=("t",), max_shares=2
            )
        ],
    )
    assert merge(sqlite_engine, [ItemDraft("T", url="https://a.org/p")]).line().startswith("0 new, 0 updated, 1 unch")
    (item,) = items(sqlite_engine)
    assert (item.summary, item.kind, item.category, item.priority, item.tags, item.max_shares) == (
        "s",
        "faq",
        "c",
        5,
        ["t"],
        2,
    )


def test_guid_follows_a_moved_link_and_url_key_catches_a_new_guid(sqlite_engine: Engine) -> None:
    merge(sqlite_engine, [ItemDraft("T", url="https://a.org/old", guid="post-1")])
    assert merge(sqlite_engine, [ItemDraft("T", url="https://a.org/new", guid="post-1")]).updated == 1
    (item,) = items(sqlite_engine)
    assert (item.url, item.url_key) == ("https://a.org/new", "https://a.org/new")
    # Same page, guid scheme changed (e.g. a blog moved engines): still the same item, guid adopted.
    assert merge(sqlite_engine, [ItemDraft("T", url="https://a.org/new/?", guid="uuid-9")]).line().startswith("0 new")
    (item,) = items(sqlite_engine)
    assert item.guid == "uuid-9"


def test_items_without_link_or_guid_dedupe_by_source_and_title(sqlite_engine: Engine) -> None:
    merge(sqlite_engine, [ItemDraft("Press ? for shortcuts", kind="tip")], source="tips.yaml")
    assert merge(sqlite_engine, [ItemDraft("Press ? for shortcuts", summary="more")], source="tips.yaml").updated == 1
    assert merge(sqlite_engine, [ItemDraft("Press ? for shortcuts")], source="other.yaml").new == 1
    assert [item.summary for item in items(sqlite_engine)] == ["more", ""]


def test_variants_are_added_never_removed_or_duplicated(engine: Engine) -> None:
    merge(engine, [ItemDraft("T", url="https://a.org/p", variants=("one", "two"))], source="a.csv")
    (item,) = items(engine)
    assert item.id is not None
    summary = merge(engine, [ItemDraft("T", url="https://a.org/p", variants=("two ", "three"))], source="a.csv")
    assert summary.line() == "0 new, 1 updated, 0 unchanged, 0 skipped"
    assert variant_texts(engine, item.id) == ["one", "two", "three"]
    again = merge(engine, [ItemDraft("T", url="https://a.org/p", variants=("three", "one"))], source="a.csv")
    assert again.line() == "0 new, 0 updated, 1 unchanged, 0 skipped"
    assert variant_texts(engine, item.id) == ["one", "two", "three"]


def test_another_source_only_fills_gaps(sqlite_engine: Engine) -> None:
    merge(sqlite_engine, [ItemDraft("My hand-written title", url="https://a.org/p")], source="manual")
    summary = merge(
        sqlite_engine,
        [
            ItemDraft(
                "Feed title",
                url="https://a.org/p?utm_source=rss",
                guid="f-1",
                summary="From the feed",
                variants=("Read this",),
            )
        ],
        source="blog",
    )
    assert summary.line() == "0 new, 1 updated, 0 unchanged, 0 skipped"
    (item,) = items(sqlite_engine)
    assert (item.title, item.summary, item.source, item.guid) == (
        "My hand-written title",
        "From the feed",
        "manual",
        None,
    )
    assert item.id is not None and variant_texts(sqlite_engine, item.id) == ["Read this"]


def test_status_is_never_changed_by_an_import(sqlite_engine: Engine) -> None:
    merge(sqlite_engine, [ItemDraft("T", url="https://a.org/p")])
    with transaction(sqlite_engine) as session:
        session.exec(select(Item)).one().status = "retired"
    merge(sqlite_engine, [ItemDraft("T2", url="https://a.org/p")])
    assert items(sqlite_engine)[0].status == "retired"


def test_repeated_entries_in_one_import_are_skipped_with_a_warning(sqlite_engine: Engine) -> None:
    summary = merge(
        sqlite_engine,
        [
            ItemDraft("A", url="https://a.org/p", guid="1"),
            ItemDraft("A again", url="https://a.org/p/", guid="2"),
            ItemDraft("Same guid", url="https://a.org/q", guid="1"),
            ItemDraft("Tip"),
            ItemDraft("Tip"),
        ],
    )
    assert summary.line() == "2 new, 0 updated, 0 unchanged, 3 skipped"
    assert len(summary.warnings) == 3 and "'A again' repeats an earlier entry" in summary.warnings[0]


def test_a_link_owned_by_another_item_is_not_taken(sqlite_engine: Engine) -> None:
    merge(
        sqlite_engine,
        [ItemDraft("A", url="https://a.org/a", guid="1"), ItemDraft("B", url="https://a.org/b", guid="2")],
    )
    summary = merge(sqlite_engine, [ItemDraft("A", url="https://a.org/b", guid="1")])
    assert summary.line() == "0 new, 0 updated, 1 unchanged, 0 skipped"
    assert summary.warnings == ("'A': kept the old link, the new one https://a.org/b belongs to another item",)
    assert [item.url for item in items(sqlite_engine)] == ["https://a.org/a", "https://a.org/b"]


def test_progress_is_reported(sqlite_engine: Engine) -> None:
    calls: list[tuple[int, int]] = []
    drafts = [ItemDraft(f"T{n}", url=f"https://a.org/{n}") for n in range(1200)]
    with transaction(sqlite_engine) as session:
        import_drafts(session, drafts, source="s", now=NOW, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(500, 1200), (1000, 1200), (1200, 1200)]


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_bulk_import_uses_a_few_queries_not_one_per_draft(engine: Engine, statements: list[str]) -> None:
    drafts = [
        ItemDraft(f"Post {n}", url=f"https://blog.example.com/{n}/", guid=f"g{n}", variants=(f"v{n}",))
        for n in range(2000)
    ]
    assert merge(engine, drafts).new == 2000
    first = len(statements)
    assert first < 40, statements
    statements.clear()
    changed = [ItemDraft(d.title + "!", url=d.url, guid=d.guid) if n < 10 else d for n, d in enumerate(drafts)]
    assert merge(engine, changed).line() == "0 new, 10 updated, 1990 unchanged, 0 skipped"
    assert len(statements) < 40, statements


# -- import_source ------------------------------------------------------------------------------------------


def test_import_csv_yaml_json_files(engine: Engine) -> None:
    assert import_source(engine, str(IMPORT / "library.csv"), now=NOW).new == 4
    assert import_source(engine, str(IMPORT / "library.yaml"), now=NOW, category="support").new == 3
    assert import_source(engine, str(IMPORT / "library.json"), now=NOW, kind="post").new == 2
    by_title = {item.title: item for item in items(engine)}
    assert by_title["Tip: pin your favourite projects"].category == "support"  # the default
    assert by_title["Our on-call handbook"].kind == "post"
    assert by_title["How do I reset my password?"].source == str(IMPORT / "library.csv")
    again = import_source(engine, str(IMPORT / "library.csv"), now=LATER)
    assert again.line() == "0 new, 0 updated, 4 unchanged, 0 skipped"


def test_a_file_with_bad_rows_imports_nothing(sqlite_engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected) as raised:
        import_source(sqlite_engine, str(IMPORT / "bad.csv"), now=NOW)
    assert len(raised.value.problems) == 7
    assert items(sqlite_engine) == []


def test_import_feed_file_uses_the_feed_title_as_source(sqlite_engine: Engine) -> None:
    summary = import_source(sqlite_engine, str(FEEDS / "medium_emarley.rss.xml"), now=NOW)
    assert summary.line() == "10 new, 0 updated, 0 unchanged, 0 skipped"
    stored = items(sqlite_engine)
    assert {item.source for item in stored} == {"Stories by Liz Marley on Medium"}
    assert all("source=rss" not in (item.url or "") for item in stored)
    again = import_source(sqlite_engine, str(FEEDS / "medium_emarley.rss.xml"), now=LATER)
    assert again.line() == "0 new, 0 updated, 10 unchanged, 0 skipped"


@pytest.mark.parametrize(
    ("feed", "title", "summary_start"),
    [
        ("gb2312_kc0011.rss.xml", "建国35周年纪念，华表，和平鸽", "建国35周年纪念"),
        (
            "latin1-undeclared_le-cercle-psy.rss.xml",
            "Perturbateurs endocriniens : quels effets sur le cerveau ?",
            "Si leur impact semble discret au premier abord, nombre d'études",
        ),
        ("rutube_lowercase-pubdate_mediarss.rss.xml", "Камеди Клаб: «3 сентября»", "Всё, что нужно знать"),
    ],
)
def test_non_ascii_feeds_survive_the_database(engine: Engine, feed: str, title: str, summary_start: str) -> None:
    import_source(engine, str(FEEDS / feed), now=NOW)
    first = items(engine)[0]
    assert first.title == title and first.summary.startswith(summary_start)


def test_undated_heise_items_are_stored_without_a_date(sqlite_engine: Engine) -> None:
    assert import_source(sqlite_engine, str(FEEDS / "rss090_heise_no-dates.rdf.xml"), now=NOW).new == 60
    assert all(item.published_at is None and item.created_at == NOW for item in items(sqlite_engine))


def test_truncated_feed_raises_and_deletes_nothing(engine: Engine, tmp_path: Path) -> None:
    feed = tmp_path / "reuters.xml"
    shutil.copy(FEEDS / "wordpress_natashatherobot.rss.xml", feed)
    assert import_source(engine, str(feed), now=NOW).new == 10
    shutil.copy(FEEDS / "malformed_reuters_truncated.rss.xml", feed)
    with pytest.raises(FeedError, match="no element found"):
        import_source(engine, str(feed), now=LATER)
    assert len(items(engine)) == 10


def test_missing_file_is_a_clear_error(sqlite_engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="cannot read the file"):
        import_source(sqlite_engine, str(tmp_path / "nope.csv"), now=NOW)


def test_import_from_url_resolves_jekyll_relative_links(sqlite_engine: Engine) -> None:
    body = (FEEDS / "jekyll_lineageos_relative-links.atom.xml").read_bytes()
    with LoopbackServer() as server:
        server.route("/old-feed.xml", Reply(301, headers={"Location": "/feed.xml"}))
        server.route("/feed.xml", Reply(body=body, headers={"Content-Type": "application/atom+xml"}))
        summary = import_source(sqlite_engine, server.url("/old-feed.xml"), now=NOW)
    assert summary.line() == "10 new, 0 updated, 0 unchanged, 0 skipped" and summary.warnings == ()
    first = items(sqlite_engine)[0]
    assert first.url == server.url("/Changelog-16/") and first.source == "LineageOS"


def test_file_import_of_jekyll_warns_about_relative_links(sqlite_engine: Engine) -> None:
    summary = import_source(sqlite_engine, str(FEEDS / "jekyll_lineageos_relative-links.atom.xml"), now=NOW)
    assert summary.new == 10 and any("relative links" in warning for warning in summary.warnings)


def test_import_an_item_list_or_a_page_from_a_url(sqlite_engine: Engine) -> None:
    with LoopbackServer() as server:
        server.route(
            "/items.yaml", Reply(body=(IMPORT / "library.yaml").read_bytes(), headers={"Content-Type": "text/yaml"})
        )
        server.route(
            "/blog/",
            Reply(body=b"<!doctype html><html><body>Blog</body></html>", headers={"Content-Type": "text/html"}),
        )
        assert import_source(sqlite_engine, server.url("/items.yaml"), now=NOW).new == 3
        with pytest.raises(FeedError, match="not an RSS or Atom feed"):
            import_source(sqlite_engine, server.url("/blog/"), now=NOW)
    assert {item.source for item in items(sqlite_engine)} == {server.url("/items.yaml")}


EXAMPLE = itertools.count()
draft_strategy = st.builds(
    ItemDraft,
    title=st.sampled_from(["A", "B", "C"]),
    url=st.sampled_from([None, "/1", "/1/", "/2", "/2?utm_source=x", "/3?b=1&a=2", "/3?a=2&b=1"]),
    guid=st.sampled_from([None, "g1", "g2", "g3"]),
    summary=st.sampled_from(["", "s1", "s2"]),
    variants=st.lists(st.sampled_from(["v1", "v2", " v2 "]), max_size=2).map(tuple),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(draft_strategy, max_size=12))
def test_importing_the_same_drafts_twice_changes_nothing_the_second_time(
    sqlite_engine: Engine, drafts: list[ItemDraft]
) -> None:
    example = next(EXAMPLE)  # each example gets its own source and host: the database is shared
    host = f"https://e{example}.example.com"
    drafts = [replace(d, url=host + d.url if d.url else None) for d in drafts]
    source = f"source-{example}"
    first = merge(sqlite_engine, drafts, source=source)
    assert first.new + first.updated + first.unchanged + first.skipped == len(drafts)
    second = merge(sqlite_engine, drafts, source=source, now=LATER)
    assert (second.new, second.updated, second.skipped) == (0, 0, first.skipped)
    with Session(sqlite_engine) as session:
        stored = session.exec(select(Item).where(Item.source == source)).all()
    assert len(stored) == first.new
    assert len({item.url_key for item in stored if item.url_key}) == len([i for i in stored if i.url_key])


def test_an_image_is_stored_and_a_later_import_changes_it(engine: Engine) -> None:
    merge(engine, [ItemDraft("A", url="https://a.org/a", image="https://a.org/a.png")])
    merge(engine, [ItemDraft("A", url="https://a.org/a", image="https://a.org/a2.png")])
    merge(engine, [ItemDraft("A", url="https://a.org/a")])  # not given: kept
    (item,) = items(engine)
    assert item.image == "https://a.org/a2.png"


def test_an_image_link_too_long_to_work_is_dropped(engine: Engine) -> None:
    summary = merge(engine, [ItemDraft("A", image="https://a.org/" + "x" * 3_000)])
    assert items(engine)[0].image is None
    assert any("image of 3,014 characters dropped" in warning for warning in summary.warnings)
