"""Checking links over HTTP, politely: the I/O shell around :mod:`content_library.link_health`.

Each due item's link is asked with ``HEAD`` — or ``GET`` when the page's card is wanted (a link never checked,
or not found well last time), reading only the head of an HTML page. A ``HEAD`` that is refused (405, 501) or
that answers another 4xx is asked again with ``GET`` before anything is judged: some servers answer ``HEAD``
wrongly, and a page is paused only on what a ``GET`` says. Requests to one host are spaced by
``per_host_interval`` (:class:`HostPacer`), every request sends evertide's ``User-Agent`` with its version, and
each has the deadline ``timeout`` in all, redirects and body included (:func:`content_library.link_fetch.fetch_page`).

The fetch happens outside any transaction; each item's result is then recorded in one transaction of its own,
in which ``after_record`` (the scheduler's: cancel the queued posts of a paused item) runs too. A run starts
no new check once ``stop()`` says so (a deadline, a daemon stopping): the rest are due at the next run.
"""

import socket
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine
from sqlmodel import Session

from content_library.addresses import Resolver
from content_library.database import transaction
from content_library.errors import FeedError
from content_library.link_cards import read_card
from content_library.link_fetch import PageResult, fetch_page
from content_library.link_health import Answer, DueLink, LinkPolicy, Outcome, items_due, record

PERMANENT_REDIRECTS = frozenset({301, 308})
RETRIED_WITH_GET = frozenset({405, 501})


class HostPacer:
    """At most one request to a host every ``interval`` seconds. ``clock`` and ``sleep`` are parameters so a
    test can watch the waits without waiting."""

    def __init__(
        self,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval, self._clock, self._sleep = interval, clock, sleep
        self._last: dict[str, float] = {}

    def wait(self, url: str) -> None:
        host = (urlsplit(url).hostname or "").lower()
        last = self._last.get(host)
        if last is not None:
            left = last + self.interval - self._clock()
            if left > 0:
                self._sleep(left)
        self._last[host] = self._clock()


def permanent_target(hops: tuple[tuple[int, str], ...]) -> str | None:
    """Where the permanent redirects at the start of ``hops`` lead; None when the first hop is temporary (a
    page that moved for good behind a temporary redirect has not moved for the link's owner)."""
    target = None
    for status, location in hops:
        if status not in PERMANENT_REDIRECTS:
            break
        target = location
    return target


def ask(
    url: str,
    *,
    read_card_too: bool,
    policy: LinkPolicy,
    pacer: HostPacer,
    resolve: Resolver = socket.getaddrinfo,
    origin: str | None = None,
) -> Answer:
    """One link's answer (see the module docstring); never raises for what the page does. ``origin``: the
    feed the item came from (a feed's links are held to the feed's address rule)."""
    seconds = policy.timeout.total_seconds()

    def fetch(method: str) -> PageResult:
        pacer.wait(url)
        return fetch_page(url, method=method, timeout=seconds, deadline=seconds, resolve=resolve, origin=origin)

    try:
        page = fetch("GET" if read_card_too else "HEAD")
        if not read_card_too and (page.status in RETRIED_WITH_GET or 400 <= page.status < 500):
            page = fetch("GET")
    except FeedError as error:
        return Answer(None, error.problem)
    card_read = bool(page.head)
    card = read_card(page.head, page_url=page.url, content_type=page.content_type) if card_read else None
    return Answer(page.status, page.reason, permanent_target(page.hops), card, card_read=card_read)


def check_links(
    engine: Engine,
    policy: LinkPolicy,
    *,
    now: datetime,
    every: bool = False,
    first: Sequence[int] = (),
    stop: Callable[[], bool] | None = None,
    after_record: Callable[[Session, Outcome], None] | None = None,
    resolve: Resolver = socket.getaddrinfo,
) -> Iterator[Outcome]:
    """Check the due links (``every``: all active items' links), those of the items ``first`` first, and record
    each; yields what was recorded."""
    with transaction(engine) as session:
        due = items_due(session, now=now, every=every, first=first)
    pacer = HostPacer(policy.per_host_interval.total_seconds())
    for link in due:
        if stop is not None and stop():
            return
        answer = ask(
            link.url, read_card_too=link.read_card, policy=policy, pacer=pacer, resolve=resolve, origin=link.feed_url
        )
        outcome = _record(engine, link, answer, policy=policy, now=now, after_record=after_record)
        if outcome is not None:
            yield outcome


def _record(
    engine: Engine,
    link: DueLink,
    answer: Answer,
    *,
    policy: LinkPolicy,
    now: datetime,
    after_record: Callable[[Session, Outcome], None] | None,
) -> Outcome | None:
    with transaction(engine) as session:
        outcome = record(session, link, answer, policy=policy, now=now)
        if outcome is not None and after_record is not None:
            after_record(session, outcome)
    return outcome
