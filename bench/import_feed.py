"""How fast evertide imports a big feed, next to feedparser reading the same bytes.

Generates a 10,000-entry RSS 2.0 feed shaped like a real blog export (HTML descriptions with links, entities
and inline markup, utm-tagged links, isPermaLink="false" guids, RFC 822 dates, categories), then measures:

- evertide: ``import_source`` of that file into a fresh SQLite database (fetching aside, the whole import:
  feedparser, plain-text summaries, link canonicalisation, dedupe lookups, bulk inserts, commit);
- feedparser: bare ``feedparser.parse(same_bytes)`` with its default options.

Each is the best of 3 runs. The target is evertide time / feedparser time <= 1.5.

    /tmp/etv/bin/python bench/import_feed.py [--entries 10000]
"""

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

import feedparser

from content_library.database import make_engine, upgrade
from content_library.importing import import_source

WORDS = tuple(
    " ".join(
        (
            "evergreen content schedule audience post share thread guide tutorial swift python database index",
            "query cache latency deploy release backup restore migration design pattern review team remote",
            "async api timezone calendar newsletter growth analytics search ranking headline summary support",
        )
    ).split(" ")
)
TOPICS = ("swift", "python", "devops", "design", "marketing", "databases", "careers")


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def description(rng: random.Random, n: int) -> str:
    """A WordPress-style excerpt: a couple of paragraphs with a link, emphasis and an entity or two."""
    first = sentence(rng, rng.randint(12, 30))
    second = sentence(rng, rng.randint(10, 25))
    link = f"https://blog.example.com/{n}/related/?utm_source=rss&amp;utm_medium=feed"
    return (
        f"<p>{escape(first)} It&#8217;s <strong>{rng.choice(WORDS)}</strong> &amp; "
        f'<a href="{link}">{rng.choice(WORDS)}</a>.</p>\n<p>{escape(second)} &hellip;</p>'
        f'<p>The post <a href="https://blog.example.com/{n}/">{escape(sentence(rng, 4))}</a> '
        "appeared first on Example Blog.</p>"
    )


def make_feed(entries: int, seed: int = 20260301) -> bytes:
    rng = random.Random(seed)
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    items = []
    for n in range(entries):
        published = format_datetime(start - timedelta(hours=7 * n, minutes=rng.randint(0, 59)))
        title = escape(sentence(rng, rng.randint(4, 10))[:-1])
        slug = f"{2026 - n // 500}/{n}-{rng.choice(WORDS)}"
        url = f"https://blog.example.com/{slug}/?utm_source=rss&amp;utm_campaign=feed"
        categories = "".join(f"<category><![CDATA[{topic}]]></category>" for topic in rng.sample(TOPICS, 2))
        items.append(
            f"<item><title>{title}</title><link>{url}</link>"
            f'<guid isPermaLink="false">https://blog.example.com/?p={100000 + n}</guid>'
            f"<pubDate>{published}</pubDate><dc:creator><![CDATA[Author {n % 17}]]></dc:creator>{categories}"
            f"<description><![CDATA[{description(rng, n)}]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel><title>Example Blog</title>'
        "<link>https://blog.example.com/</link><description>Evergreen posts</description>"
        f"<lastBuildDate>{format_datetime(start)}</lastBuildDate>\n" + "\n".join(items) + "\n</channel></rss>\n"
    ).encode()


def best_of(runs: int, prepare: Callable[[int], object], work: Callable[[object], object]) -> float:
    """The shortest wall time of ``work(prepare(run))`` over ``runs`` runs (preparation not timed)."""
    times = []
    for run in range(runs):
        prepared = prepare(run)
        started = time.perf_counter()
        work(prepared)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()

    body = make_feed(options.entries)
    now = datetime(2026, 3, 2, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as scratch:
        feed_path = Path(scratch) / "feed.xml"
        feed_path.write_bytes(body)

        def fresh_database(run: int) -> object:
            engine = make_engine(f"sqlite:///{Path(scratch) / f'bench-{run}.db'}")
            upgrade(engine)
            return engine

        def evertide_import(engine: object) -> None:
            summary = import_source(engine, str(feed_path), now=now)  # type: ignore[arg-type]
            assert summary.new == options.entries, summary.line()
            engine.dispose()  # type: ignore[attr-defined]

        def bare_parse(_: object) -> None:
            assert len(feedparser.parse(body).entries) == options.entries

        ours = best_of(options.runs, fresh_database, evertide_import)
        theirs = best_of(options.runs, lambda run: None, bare_parse)

    print(f"feed: {options.entries:,} entries, {len(body) / 1e6:.1f} MB; best of {options.runs} runs each")
    print(f"evertide import_source (SQLite):  {ours:6.2f} s  {options.entries / ours:8,.0f} entries/s")
    print(f"feedparser.parse (bare):          {theirs:6.2f} s  {options.entries / theirs:8,.0f} entries/s")
    print(f"ratio evertide / feedparser:      {ours / theirs:6.2f}  (target <= 1.5)")


if __name__ == "__main__":
    main()
