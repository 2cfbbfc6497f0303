"""The large setup the report must stay readable and small with: 50 channels, 10,000 items a year old, a
week of queue (bench/report.py measures a bigger one, with a month of history)."""

from pathlib import Path

from content_library.database import make_engine
from tests.cli import Cli


def large_report(directory: Path) -> Path:
    """Build the setup in ``directory`` and write its report; returns the page."""
    channels = "".join(f"  c{n}: {{kind: file, path: c{n}.jsonl, audience: world}}\n" for n in range(50))
    config = (
        "database: evertide.db\naudiences:\n  world:\n"
        '    - {zone: America/New_York, weight: 50, windows: ["08:00-10:00"]}\n'
        '    - {zone: Europe/London, weight: 50, windows: ["18:00-21:00"]}\n'
        f"channels:\n{channels}campaigns:\n  help:\n    channels: [{', '.join(f'c{n}' for n in range(50))}]\n"
        "    posts_per_day: 2\n"
    )
    cli = Cli(directory, config)
    cli("db", "upgrade")
    rows = "".join(f"Item {n},https://e.example/{n}\n" for n in range(10_000))
    (directory / "items.csv").write_text("title,url\n" + rows)
    cli("library", "import", str(directory / "items.csv"))
    engine = make_engine(f"sqlite:///{directory / 'evertide.db'}")
    with engine.begin() as connection:  # a library a year old: items that had time to reach every segment
        connection.exec_driver_sql("UPDATE item SET created_at = '2025-12-01 00:00:00.000000'")
    engine.dispose()
    cli("queue", "fill", "--days", "7")
    page = directory / "report.html"
    cli("report", "--out", str(page))
    return page
