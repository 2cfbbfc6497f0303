"""The link checks of the daemon and of ``library check-links``: the library's checks
(:mod:`content_library.link_checks`) with the scheduler's part added — a paused item's queued posts are
cancelled in the transaction that pauses it, as ``library remove`` does, so a dead link is not posted from the
queue either (pinned posts too; a post being published is left to finish). The items queued soonest are checked
first: a link is best checked before it is shared again.

In the daemon it is a singleton job every ``LINKS_EVERY`` (:mod:`scheduler.daemon.runner`), on an executor of
its own (a slow site never delays publishing, settling or feed polling), given ``links.run_for`` per run: it
starts no check after that, nor once the daemon is stopping; what is left is due at the next run.
"""

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from content_library.database import transaction
from content_library.link_checks import check_links
from content_library.link_health import LinkPolicy, LinkState, Outcome
from scheduler.config import Config
from scheduler.queue.edits import cancel_item
from scheduler.queue.entries import active_entries


def link_policy(config: Config) -> LinkPolicy:
    links = config.links
    return LinkPolicy(
        recheck_after=links.recheck_after,
        retry_after=links.retry_after,
        pause_after=links.pause_after,
        per_host_interval=links.per_host_interval,
        timeout=links.timeout,
    )


@dataclass(frozen=True)
class Checked:
    """A recorded check and how many queued posts of its item were cancelled with it."""

    outcome: Outcome
    cancelled: int

    def line(self) -> str:
        """``item 7: dead (HTTP 404 Not Found); paused, 2 queued post(s) cancelled``"""
        verdict = self.outcome.verdict
        line = f"item {self.outcome.item_id}: {verdict.state} ({verdict.detail})"
        if self.outcome.paused:
            line += "; paused" + (f", {self.cancelled} queued post(s) cancelled" if self.cancelled else "")
        return line


def check_and_cancel(
    engine: Engine,
    config: Config,
    *,
    now: datetime,
    every: bool = False,
    stop_at: float | None = None,
    stopping: threading.Event | None = None,
) -> Iterator[Checked]:
    """Check the due links (``every``: all), cancelling the queued posts of each item paused."""
    cancelled: dict[int, int] = {}

    def cancel_if_paused(session: Session, outcome: Outcome) -> None:
        if outcome.paused:
            cancelled[outcome.item_id] = cancel_item(session, outcome.item_id, now=now)

    def stop() -> bool:
        return (stopping is not None and stopping.is_set()) or (stop_at is not None and time.monotonic() >= stop_at)

    with transaction(engine) as session:
        queued = [entry.item_id for entry in active_entries(session)]  # in time order
    policy = link_policy(config)
    outcomes = check_links(engine, policy, now=now, every=every, first=queued, stop=stop, after_record=cancel_if_paused)
    for outcome in outcomes:
        yield Checked(outcome, cancelled.get(outcome.item_id, 0))


def check_due_links(engine: Engine, config: Config, *, now: datetime, stopping: threading.Event) -> Iterator[str]:
    """The daemon's run: a line for each link that is not simply fine, and a count at the end."""
    stop_at = time.monotonic() + config.links.run_for.total_seconds()
    checked = 0
    for result in check_and_cancel(engine, config, now=now, stop_at=stop_at, stopping=stopping):
        checked += 1
        if result.outcome.verdict.state != LinkState.OK:
            yield result.line()
    if checked:
        yield f"{checked} link(s) checked"
