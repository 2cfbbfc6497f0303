"""How fast ``evertide library import`` takes in a big feed, next to a process that only parses it.

Generates RSS 2.0 feeds shaped like a real blog export (HTML descriptions with links, entities and inline
markup, utm-tagged links, isPermaLink="false" guids, RFC 822 dates, categories), then measures whole
processes, as a person waits for them:

- evertide: ``evertide library import FILE`` into a fresh SQLite database (start-up, config, reading, feedparser,
  plain-text summaries, link canonicalisation, dedupe lookups, batched inserts, commit);
- feedparser: a Python process that imports feedparser and runs ``feedparser.parse`` on the same file's bytes.

At 3,000 and 10,000 entries by default, each the median of N runs, the two taking turns. The target is
evertide / feedparser <= 1.5 at every size.

    python bench/import_feed.py [--entries 3000 10000] [--runs 5]
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

CONFIG = """\
database: evertide.db
channels:
  outbox: {kind: file, path: outbox.jsonl}
campaigns:
  all: {channels: [outbox], posts_per_day: 1}
"""

PARSE_ONLY = """
import sys
from pathlib import Path

import feedparser

print(len(feedparser.parse(Path(sys.argv[1]).read_bytes()).entries))
"""

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


# Bytecode cached, as for a user's install (see bench/cold_start.py).
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=cwd, env=ENV)
    return time.perf_counter() - started


def measure(entries: int, runs: int, scratch: Path) -> tuple[float, float, int]:
    """Median seconds of (evertide library import, feedparser.parse) on one feed of ``entries``, and its size."""
    body = make_feed(entries)
    feed = scratch / f"feed-{entries}.xml"
    feed.write_bytes(body)
    (scratch / "parse_only.py").write_text(PARSE_ONLY)
    evertide = [sys.executable, "-m", "scheduler", "--config", str(scratch / "config.yaml")]
    ours, theirs = [], []
    for run in range(runs + 1):  # the first round warms the file cache and is not counted
        database = scratch / "evertide.db"
        for leftover in scratch.glob("evertide.db*"):
            leftover.unlink()
        subprocess.run([*evertide, "db", "upgrade"], check=True, capture_output=True, cwd=scratch)
        took = timed([*evertide, "library", "import", str(feed)], scratch)
        assert database.exists()
        parsed = timed([sys.executable, str(scratch / "parse_only.py"), str(feed)], scratch)
        if run:
            ours.append(took)
            theirs.append(parsed)
    return statistics.median(ours), statistics.median(theirs), len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[3_000, 10_000])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        scratch = Path(name)
        (scratch / "config.yaml").write_text(CONFIG)
        for entries in options.entries:
            ours, theirs, size = measure(entries, options.runs, scratch)
            print(
                f"{entries:>6,} entries ({size / 1e6:.1f} MB), median of {options.runs}:"
                f"  evertide library import {ours:5.2f} s   feedparser.parse {theirs:5.2f} s"
                f"   ratio {ours / theirs:.2f}  (target <= 1.5)"
            )


if __name__ == "__main__":
    main()
