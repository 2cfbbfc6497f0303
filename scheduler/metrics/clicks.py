"""``metrics import``: clicks counted by the user's web analytics, attributed to posts by ``utm_content``.

Links posted by a campaign with ``utm:`` carry ``utm_content=<queue entry id>``, so an analytics export
grouped by that parameter says how many clicks each post brought. The file is CSV with a header row naming
``utm_content`` and ``clicks`` (other columns are ignored). Rows whose ``utm_content`` is not an entry id
(visits from elsewhere, hand-made links) are counted and skipped; several rows for one entry (an export per
day) are added up. Validation is all or nothing: every bad row is listed, with its line, before anything is
stored. Each import adds rows; the latest import of an entry is its count.
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from content_library.errors import EvertideError
from scheduler.metrics.tables import ClickCount
from scheduler.queue.tables import Publication

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_CLICKS = 10**12
SHOWN_PROBLEMS = 10
CHUNK = 500
REQUIRED = ("utm_content", "clicks")


class ClicksRejected(EvertideError):
    """A clicks file that cannot be read; the message lists its bad lines."""

    hint = "Export the report grouped by utm_content with a clicks column, e.g.\n  utm_content,clicks\n  17,42"


@dataclass(frozen=True)
class ClicksImported:
    posts: int  # published posts that got a count
    clicks: int
    unknown: int  # rows whose utm_content names no published post

    def line(self) -> str:
        skipped = f"; {self.unknown} row(s) named no published post and were skipped" if self.unknown else ""
        return (
            f"Imported {self.clicks} click(s) on {self.posts} post(s){skipped}. Each post's clicks are now this "
            "file's count (an export's totals replace earlier ones, they are not added)."
        )


def read_clicks(path: Path) -> tuple[Counter[int], int]:
    """Clicks per entry id from the file, and how many rows named something that is not an entry id."""
    with path.open("rb") as source:  # read at most the limit: a pipe or a growing file has no size to ask
        raw = source.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ClicksRejected(f"{path}: larger than {MAX_FILE_BYTES // 1024 // 1024} MB; export fewer rows")
    text = raw.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _tally(path, reader)
    except csv.Error as error:  # a field beyond the csv module's limit, a NUL byte
        raise ClicksRejected(f"{path}:{reader.line_num}: not a CSV file evertide can read ({error})") from None


def _tally(path: Path, reader: "csv.DictReader[str]") -> tuple[Counter[int], int]:
    missing = [name for name in REQUIRED if name not in (reader.fieldnames or ())]
    if missing:
        raise ClicksRejected(f"{path}:1: the header has no {' or '.join(missing)} column")
    clicks: Counter[int] = Counter()
    other = 0
    problems: list[str] = []
    for row in reader:
        line = reader.line_num
        content, count = (row.get("utm_content") or "").strip(), (row.get("clicks") or "").strip()
        if not count.isascii() or not count.isdigit() or int(count) > MAX_CLICKS:
            problems.append(f"{path}:{line}: clicks: expected a whole number, got {count[:40]!r}")
            continue
        if not content.isascii() or not content.isdigit():
            other += 1
            continue
        clicks[int(content)] += int(count)
    if problems:
        more = f"\n… and {len(problems) - SHOWN_PROBLEMS} more" if len(problems) > SHOWN_PROBLEMS else ""
        raise ClicksRejected("\n".join(problems[:SHOWN_PROBLEMS]) + more)
    return clicks, other


def import_clicks(session: Session, path: Path, *, now: datetime) -> ClicksImported:
    clicks, other = read_clicks(path)
    wanted = list(clicks)
    published: set[int | None] = set()
    for start in range(0, len(wanted), CHUNK):  # a server caps the parameters of one statement
        chunk = wanted[start : start + CHUNK]
        published |= set(session.exec(select(Publication.entry_id).where(col(Publication.entry_id).in_(chunk))).all())
    for entry_id, count in clicks.items():
        if entry_id in published:
            session.add(ClickCount(entry_id=entry_id, clicks=count, imported_at=now))
    kept = {entry_id: count for entry_id, count in clicks.items() if entry_id in published}
    return ClicksImported(posts=len(kept), clicks=sum(kept.values()), unknown=other + len(clicks) - len(kept))
