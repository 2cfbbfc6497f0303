"""Hostile sizes: every stored field has a limit, and an entity bomb is refused before it is parsed.

Found: a 73 kB feed declaring one 50 kB entity and using it 4,000 times stored a 200,000,000-character title
(feedparser's lenient parser expands the entity after expat gives up); a slightly larger one raised
MemoryError.
"""

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import func, select

from content_library.database import transaction
from content_library.entity_expansion import MAX_ADDED, added_by_entities
from content_library.field_limits import LIMITS
from content_library.models import Item, Variant
from tests.cli import Cli


def entity_bomb(value_size: int = 50_000, uses: int = 4_000) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY boom "{"x" * value_size}">]>\n'
        f'<rss version="2.0"><channel><title>Bomb</title><item><title>{"&boom;" * uses}</title>'
        "<link>https://example.com/bomb</link></item></channel></rss>\n"
    ).encode()


def test_an_entity_bomb_is_refused_in_one_line_before_it_is_parsed(cli: Cli) -> None:
    feed = cli.directory / "bomb.xml"
    feed.write_bytes(entity_bomb())
    assert 70_000 < len(feed.read_bytes()) < 80_000
    result = cli("library", "import", str(feed), ok=False)
    assert result.exit_code == 1
    error = result.output.strip().splitlines()[0]
    assert "bomb.xml" in error and "entit" in error and "200,000,000" in error
    assert cli.json("library", "list") == []


def test_a_slightly_larger_bomb_and_a_nested_one_are_refused_too(cli: Cli) -> None:
    feed = cli.directory / "bigger.xml"
    feed.write_bytes(entity_bomb(value_size=60_000, uses=6_000))
    assert "entit" in cli("library", "import", str(feed), ok=False).output
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    nested = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{laughs}]><rss version="2.0"><channel>'
        "<title>Laughs</title><item><title>&l9;</title></item></channel></rss>"
    )
    assert added_by_entities(nested.encode()) > MAX_ADDED
    assert added_by_entities(nested.encode("utf-16")) > MAX_ADDED


def test_a_few_short_entities_are_fine(cli: Cli) -> None:
    feed = cli.directory / "copyright.xml"
    feed.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY site "Example Blog">]><rss version="2.0"><channel>'
        b"<title>&site;</title><item><title>Welcome to &site;</title><link>https://example.com/w</link></item>"
        b"</channel></rss>"
    )
    assert "1 new" in cli("library", "import", str(feed)).stdout
    assert cli.json("library", "list")[0]["title"] == "Welcome to Example Blog"


def test_long_fields_are_cut_at_a_word_boundary_with_a_warning_naming_the_entry(cli: Cli) -> None:
    words = " ".join(f"word{n}" for n in range(5_000))
    rows = f'title,url,summary,category,tags,variants\n"Short one",https://example.com/a,"{words}",,,\n'
    rows += f'"{words}",https://example.com/b,,"{"c" * 500}","{"t" * 300}|ok","{words}"\n'
    (cli.directory / "long.csv").write_text(rows)
    result = cli("library", "import", str(cli.directory / "long.csv"))
    warnings = [line for line in result.stderr.splitlines() if "cut" in line]
    assert any("'Short one'" in line and "summary" in line for line in warnings)
    assert any("word0 word1" in line and "title" in line for line in warnings)
    assert all(len(line) < 300 for line in result.stderr.splitlines())
    short, long = cli.json("library", "list")
    assert len(short["summary"]) <= LIMITS["summary"] and short["summary"].endswith("…")
    assert short["summary"].rstrip("…").split(" ")[-1].startswith("word")  # cut between words
    assert len(long["title"]) <= LIMITS["title"] and long["title"].endswith("…")
    assert len(long["category"]) <= LIMITS["category"]
    assert all(len(tag) <= LIMITS["tag"] for tag in long["tags"]) and "ok" in long["tags"]
    assert all(len(v["text"]) <= LIMITS["variant"] for v in cli.json("library", "variants", "list", str(long["id"])))


def test_the_limits_hold_in_the_database_whatever_the_format(sqlite_engine: Engine, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from content_library.importing import import_source

    huge = "x" * 50_000
    feed = tmp_path / "huge.xml"
    feed.write_text(
        f'<rss version="2.0"><channel><title>Huge</title><item><title>{huge}</title><guid>{huge}</guid>'
        f"<description>{huge}</description><category>{huge}</category><link>https://example.com/{huge}</link>"
        "</item></channel></rss>"
    )
    summary = import_source(sqlite_engine, str(feed), now=datetime(2026, 12, 1, tzinfo=UTC))
    assert summary.new == 1
    with transaction(sqlite_engine) as session:
        item = session.exec(select(Item)).one()
        assert len(item.title) <= LIMITS["title"] and len(item.summary) <= LIMITS["summary"]
        assert item.guid is None or len(item.guid) <= LIMITS["guid"]
        assert item.url is None or len(item.url) <= LIMITS["url"]
        assert all(len(tag) <= LIMITS["tag"] for tag in item.tags) and len(item.category or "") <= LIMITS["tag"]
        assert session.exec(select(func.count()).select_from(Variant)).one() == 0


def test_a_person_s_own_text_over_a_limit_is_refused_not_cut(cli: Cli) -> None:
    too_long = "word " * 300
    result = cli("library", "add", "--title", too_long, ok=False)
    assert result.exit_code == 1 and "the title is 1,500 characters long; the limit is 1,000" in result.output
    cli("library", "add", "--title", "Fine")
    assert "the category is" in cli("library", "edit", "1", "--category", "c" * 201, ok=False).output
    assert "the variant is" in cli("library", "variants", "add", "1", "v" * 10_001, ok=False).output
    assert cli.json("library", "show", "1")["title"] == "Fine"


def test_a_nul_in_one_feed_entry_is_removed_and_every_feed_is_still_polled(tmp_path: Path, postgresql_url: str) -> None:
    """Found in review: on PostgreSQL one NUL character in one feed's title made `feeds poll` fail with
    DataError for every feed (PostgreSQL text cannot hold NUL)."""
    from tests.cli import CONFIG

    cli = Cli(tmp_path, CONFIG.replace("database: evertide.db", f"database: {postgresql_url}"))
    cli("db", "upgrade")
    (tmp_path / "nul.json").write_text(
        '{"version": "https://jsonfeed.org/version/1.1", "title": "Nul", "items": ['
        '{"id": "1", "url": "https://nul.example/1", "title": "nul\\u0000title"}]}'
    )
    (tmp_path / "good.csv").write_text("title,url\nGood one,https://good.example/1\n")
    cli("feeds", "add", str(tmp_path / "nul.json"), "--name", "nul")
    out = cli("feeds", "poll").output
    assert "NUL characters removed" in out
    titles = [item["title"] for item in cli.json("library", "list")]
    assert titles == ["nultitle"]
    cli("library", "import", str(tmp_path / "good.csv"))
    assert len(cli.json("library", "list")) == 2


def test_a_csv_saved_as_utf_16_with_its_byte_order_mark_imports(cli: Cli) -> None:
    """Found in review: Excel's "Unicode text" (UTF-16 with a byte order mark) was refused as not UTF-8."""
    for encoding in ("utf-16", "utf-32"):
        path = cli.directory / f"{encoding}.csv"
        path.write_bytes(f"title,url\nCafé {encoding},https://cafe.example/{encoding}\n".encode(encoding))
        cli("library", "import", str(path))
    assert sorted(i["title"] for i in cli.json("library", "list")) == ["Café utf-16", "Café utf-32"]
