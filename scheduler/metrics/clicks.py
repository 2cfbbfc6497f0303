"""``metrics import``: clicks counted by the user's web analytics, attributed to posts by ``utm_content``.

Links posted by a campaign with ``utm:`` carry ``utm_content=<queue entry id>``, so an analytics export
grouped by that parameter says how many clicks each post brought. The file is a regular CSV file (a FIFO or
a device is refused: reading one could wait forever) with a header row naming ``utm_content`` and ``clicks``
once each (other columns are ignored; a header that lacks them is shown, and a semicolon- or tab-separated
one is called so). Rows whose ``utm_content`` is not an entry id
(visits from elsewhere, hand-made links, a number past the database's ids), or that names no post whose
published text carried ``utm_content=<that id>``, are counted and skipped: a small number from another site's
or campaign's links would otherwise be credited to whichever post has that id, a post a person re-worded
without the link among them. Several rows for one entry (an export per day) are added up. Validation is all or
nothing: every bad row (clicks that are not a whole number the database holds) is listed, with its line,
before anything is stored. Each import adds rows, in one transaction, recording the :class:`~.periods.Period`
it covers if given; :mod:`.periods` says how the rows of several imports add up (importing a file again changes
nothing) and why a period that partly overlaps one already imported is refused.

Exports leave out the links nobody clicked, so a file alone observes only the posts that did well. Given the
:class:`Period` the export covers, every post published in it whose link carried its own entry id and that the
file does not name gets a count of 0 from this import. A post published before the period is left alone: its
clicks before the period are in no file here. The period ends at ``now`` at the latest: an export cannot hold
clicks on a post that went out after the import.
"""

import csv
import io
import os
import stat
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, delete, select

from content_library.database import in_chunks
from content_library.errors import EvertideError
from content_library.integers import LARGEST_INTEGER, whole_number
from scheduler import advisory
from scheduler.metrics.periods import Period, refuse_overlap
from scheduler.metrics.tables import ClickCount
from scheduler.planning.attribution import unfilled, with_entry_id
from scheduler.planning.slots import format_duration
from scheduler.queue.tables import Publication

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_CLICKS = LARGEST_INTEGER  # what the column holds; a row or a post's sum above it is refused
SHOWN_HEADER = 80
SHOWN_PROBLEMS = 10
REQUIRED = ("utm_content", "clicks")
WAIT = timedelta(seconds=30)  # how long an import waits for another to finish


class ImportBusy(EvertideError):
    """Another import held the clicks past this one's deadline."""

    hint = "Wait for the other `evertide metrics import` to finish, then run this one again."


class ClicksRejected(EvertideError):
    """A clicks file that cannot be read; the message lists its bad lines."""

    hint = "Export the report grouped by utm_content with a clicks column, e.g.\n  utm_content,clicks\n  17,42"


@dataclass(frozen=True)
class ClicksImported:
    posts: int  # published posts that got a count
    clicks: int
    unknown: int  # rows whose utm_content names no published post
    zeroed: int | None = None  # posts of the period the file leaves out; None without a period
    period: Period | None = None
    replaced: bool = False  # the period was imported before, and this import replaces that one
    shadowed: int = 0  # posts with a total imported after the period began: this period is not counted for them

    def line(self) -> str:
        by_then = " before the period ended" if self.period else ""
        skipped = (
            f"; {self.unknown} row(s) named no post whose link carried that id{by_then} and were skipped"
            if self.unknown
            else ""
        )
        shadowed = (
            f" {self.shadowed} post(s) have a total imported after this period began: it holds part of the "
            "period's clicks, so the period's are left out for them (see `metrics import --help`)."
            if self.shadowed
            else ""
        )
        zeroed = (
            f"; {self.zeroed} other post(s) published in the period counted as 0 clicks"
            if self.zeroed is not None
            else ""
        )
        if self.period is None:
            meaning = "Each post's clicks are now this file's total (it replaces earlier imports, it is not added)."
        else:
            what = "replace the earlier import of" if self.replaced else "are the clicks of"
            meaning = f"They {what} {self.period}; a post's clicks add up over the periods imported for it."
        return f"Imported {self.clicks} click(s) on {self.posts} post(s){zeroed}{skipped}. {meaning}{shadowed}"


def read_clicks(path: Path) -> tuple[Counter[int], int]:
    """Clicks per entry id from the file, and how many rows named something that is not an entry id."""
    raw = _read_regular_file(path)
    text = raw.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _tally(path, reader)
    except csv.Error as error:  # a field beyond the csv module's limit, a NUL byte
        raise ClicksRejected(f"{path}:{reader.line_num}: not a CSV file evertide can read ({error})") from None


def _read_regular_file(path: Path) -> bytes:
    """At most :data:`MAX_FILE_BYTES` + 1 bytes of ``path``, which must be a regular file. Opened without
    blocking, then checked, so a FIFO with no writer is refused rather than waited on; what is checked is what
    was opened, so a file swapped for a FIFO after a check cannot slip through."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise ClicksRejected(f"{path}: cannot be read ({error.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise ClicksRejected(f"{path}: is not a regular file; save the export to a file and import that")
        os.set_blocking(descriptor, True)
        with os.fdopen(os.dup(descriptor), "rb") as source:
            raw = source.read(MAX_FILE_BYTES + 1)  # at most the limit: a growing file has no size worth asking
    finally:
        os.close(descriptor)
    if len(raw) > MAX_FILE_BYTES:
        raise ClicksRejected(f"{path}: larger than {MAX_FILE_BYTES // 1024 // 1024} MB; export fewer rows")
    return raw


def _check_header(path: Path, names: Sequence[str]) -> None:
    """Refuse a header without ``utm_content`` and ``clicks``, saying what it was, or naming one twice."""
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        header = ",".join(names)
        shown = repr(header if len(header) <= SHOWN_HEADER else header[: SHOWN_HEADER - 1] + "…")
        separator = next((name for mark, name in ((";", "semicolon"), ("\t", "tab")) if mark in header), None)
        looks = f"; it looks {separator}-separated, and evertide reads commas" if separator and len(names) == 1 else ""
        raise ClicksRejected(f"{path}:1: the header has no {' or '.join(missing)} column (found {shown}){looks}")
    for name in REQUIRED:
        if names.count(name) > 1:
            raise ClicksRejected(f"{path}:1: the header names {name} twice; which column holds it is unclear")


def _tally(path: Path, reader: "csv.DictReader[str]") -> tuple[Counter[int], int]:
    _check_header(path, list(reader.fieldnames or ()))
    clicks: Counter[int] = Counter()
    other = 0
    problems: list[str] = []
    for row in reader:
        line = reader.line_num
        content, written = (row.get("utm_content") or "").strip(), (row.get("clicks") or "").strip()
        count = whole_number(written)
        if count is None or count > MAX_CLICKS:
            problems.append(
                f"{path}:{line}: clicks: expected a whole number from 0 to {MAX_CLICKS}, got {written[:40]!r}"
            )
            continue
        entry_id = whole_number(content)
        if entry_id is None or not 0 < entry_id <= LARGEST_INTEGER or content != str(entry_id):  # as links carry them
            other += 1
            continue
        clicks[entry_id] += count
    problems.extend(
        f"{path}: utm_content {entry_id}: its rows add up to more than {MAX_CLICKS} clicks"
        for entry_id, total in clicks.items()
        if total > MAX_CLICKS
    )
    if problems:
        more = f"\n… and {len(problems) - SHOWN_PROBLEMS} more" if len(problems) > SHOWN_PROBLEMS else ""
        raise ClicksRejected("\n".join(problems[:SHOWN_PROBLEMS]) + more)
    return clicks, other


def import_clicks(
    session: Session, path: Path, *, now: datetime, period: Period | None = None, wait: timedelta = WAIT
) -> ClicksImported:
    """Store the file's counts; with a ``period``, as that period's, and a 0 for each post of it the file leaves
    out. Refuses a period that partly overlaps one already imported before writing anything. Imports take
    turns (waiting at most ``wait``): two at once could each pass the overlap check on what the other had not
    committed yet."""
    clicks, other = read_clicks(path)
    if not advisory.wait_in_transaction(session, "metrics-import", deadline=wait):
        raise ImportBusy(f"another metrics import has held the clicks for over {format_duration(wait.total_seconds())}")
    imported: set[Period] = set()
    if period is not None:
        if period.since >= now:
            raise ClicksRejected(
                f"the period {period} has not begun: an export holds only clicks that happened",
                hint="Give the period the export covers, in the past.",
            )
        imported = imported_periods(session)
        refuse_overlap(period, imported)
        if period in imported:  # a corrected export replaces the earlier one whole, the posts it leaves out too
            session.exec(
                delete(ClickCount).where(
                    col(ClickCount.period_since) == period.since, col(ClickCount.period_until) == period.until
                )
            )
    since, until = (period.since, period.until) if period else (None, None)
    wanted = list(clicks)
    published: set[int] = set()  # the posts that carried their id, by then: only they can have been clicked by it
    for chunk in in_chunks(wanted):
        posts = session.exec(
            select(Publication.entry_id, Publication.text).where(
                col(Publication.entry_id).in_(chunk), col(Publication.published_at) < clicked_by(period, now)
            )
        ).all()
        published |= {entry_id for entry_id, text in posts if entry_id is not None and _carries(text, entry_id)}
    for entry_id, count in clicks.items():
        if entry_id in published:
            session.add(
                ClickCount(entry_id=entry_id, clicks=count, imported_at=now, period_since=since, period_until=until)
            )
    kept = {entry_id: count for entry_id, count in clicks.items() if entry_id in published}
    zeroed = None
    if period is not None:
        unlisted = unclicked(session, period, set(clicks), now=now)
        session.add_all(
            ClickCount(entry_id=entry_id, clicks=0, imported_at=now, period_since=since, period_until=until)
            for entry_id in unlisted
        )
        zeroed = len(unlisted)
    return ClicksImported(
        posts=len(kept),
        clicks=sum(kept.values()),
        unknown=other + len(clicks) - len(kept),
        zeroed=zeroed,
        period=period,
        replaced=period in imported,
        shadowed=len(_with_total_since(session, sorted(kept), period.since)) if period else 0,
    )


def _with_total_since(session: Session, entry_ids: Sequence[int], since: datetime) -> set[int]:
    """Which of ``entry_ids`` have a total (an import without a period) imported after ``since``: a period
    beginning at ``since`` is not counted for them (:mod:`.periods`)."""
    found: set[int] = set()
    for chunk in in_chunks(entry_ids):
        found |= set(
            session.exec(
                select(ClickCount.entry_id).where(
                    col(ClickCount.entry_id).in_(chunk),
                    col(ClickCount.period_since).is_(None),
                    col(ClickCount.imported_at) > since,
                )
            ).all()
        )
    return found


def imported_periods(session: Session) -> set[Period]:
    """Every distinct period imported so far, for any post."""
    found = session.exec(
        select(ClickCount.period_since, ClickCount.period_until)
        .where(col(ClickCount.period_since).is_not(None), col(ClickCount.period_until).is_not(None))
        .distinct()
    ).all()
    return {Period(since, until) for since, until in found if since is not None and until is not None}


def unclicked(session: Session, period: Period, listed: set[int], *, now: datetime) -> list[int]:
    """The entry ids of the posts published in ``period`` (and before ``now``) whose link carried their entry
    id and that are not ``listed``: a click on them would have been in the export."""
    posts = session.exec(
        select(Publication.entry_id, Publication.text).where(
            col(Publication.published_at) >= period.since,
            col(Publication.published_at) < clicked_by(period, now),
            col(Publication.entry_id).is_not(None),
        )
    ).all()
    return sorted(
        entry_id
        for entry_id, text in posts
        if entry_id is not None and entry_id not in listed and _carries(text, entry_id)
    )


def clicked_by(period: Period | None, now: datetime) -> datetime:
    """The end of the time an import's clicks happened in: the period's end, but never later than ``now``. A post
    published from then on cannot have been clicked in the file's counts."""
    return min(period.until, now) if period else now


def _carries(text: str, entry_id: int) -> bool:
    """Whether ``text`` links with ``utm_content=<entry_id>``: its utm_content ids turned back into the mark
    and filled with ``entry_id`` give the text as posted. A campaign without ``utm:``, one that set its own
    ``content:``, or a template without ``{url}`` posted no such link, and clicks on it cannot be counted."""
    bare = unfilled(text)
    return bare != text and with_entry_id(bare, entry_id) == text
