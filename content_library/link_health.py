"""Link health: what a check of an item's link means for the item, recorded in one transaction.

The pure core is :func:`judge`: an :class:`Answer` (what the page said, or that it said nothing usable), the
failures so far and the :class:`LinkPolicy` make a :class:`Verdict`:

- **2xx**: ``ok``; the failures are forgotten and the link is checked again after ``recheck_after``.
- **permanent redirects** (301, 308) before the answer: ``moved``. The item takes the new link, and the old
  one becomes an :class:`~content_library.models.ItemAlias`, so a feed or a CSV that still carries it finds
  the same item (:mod:`content_library.ingest`). A temporary redirect (302, 303, 307) changes nothing. A new
  link that already belongs to another item is not taken; the verdict says which item has it.
- **404, 410**: ``dead``; the item is paused, with the reason in ``status_reason``.
- **another 4xx** (a 403 from a bot wall, a 401): ``refused``: the page is there but will not talk to a
  checker; nothing changes, and it is asked again after ``recheck_after``.
- **no usable answer** (a timeout, a refused connection, a redirect loop or a refused redirect, 5xx, 429):
  ``failing``, asked again after ``retry_after``; the ``pause_after``-th in a row makes it ``unreachable`` and
  pauses the item. After a person resumes an item paused by a check, counting starts again.

What the server said (its reason phrase, a redirect's target) is untrusted: the recorded detail is cut to
:data:`DETAIL_LIMIT` characters without NUL, and a move to a link longer than an item's link may be is not
taken.

:func:`record` applies a verdict; an item a person changed while its page was being fetched (another link, a
status that is no longer active) is left alone. Only active items with a web link are checked
(:func:`items_due`), so a paused item is never planned (:mod:`content_library.candidates` reads active items
only) and never checked until it is resumed. Links on the reserved names ``.example``, ``.test`` and
``.invalid`` (RFC 2606: the sample library's ``help.northwind.example``) are never checked: they cannot
resolve, and a demo must not pause its own items.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from sqlalchemy import or_
from sqlmodel import Session, col, select

from content_library.field_limits import LIMITS
from content_library.link_cards import Card
from content_library.models import Item, ItemAlias, ItemStatus, LinkCheck
from content_library.plain_text import shorten
from content_library.urls import canonical_url, is_web_url, url_key

RESERVED_NAMES = ("example", "test", "invalid")
DETAIL_LIMIT = 500

DEAD_STATUSES = frozenset({404, 410})
RETRIED_STATUSES = frozenset({408, 425, 429})  # "try again later", not a verdict on the page


class LinkState(StrEnum):
    OK = "ok"
    MOVED = "moved"
    DEAD = "dead"
    REFUSED = "refused"
    FAILING = "failing"
    UNREACHABLE = "unreachable"


PAUSING = frozenset({LinkState.DEAD, LinkState.UNREACHABLE})


@dataclass(frozen=True)
class LinkPolicy:
    """How often links are checked and how patiently (``links:`` in config.yaml)."""

    recheck_after: timedelta = timedelta(days=7)
    retry_after: timedelta = timedelta(hours=1)
    pause_after: int = 3
    per_host_interval: timedelta = timedelta(seconds=1)
    timeout: timedelta = timedelta(seconds=10)


@dataclass(frozen=True)
class Answer:
    """What one check got. ``status`` None: no usable answer, ``reason`` says why. ``moved_to``: the target of
    the permanent redirects the answer came through. ``card_read``: the page's head was read (a GET of an HTML
    page), so ``card`` None means the page has no card now, not that it was not looked at."""

    status: int | None
    reason: str
    moved_to: str | None = None
    card: Card | None = None
    card_read: bool = False


@dataclass(frozen=True)
class Verdict:
    state: LinkState
    failures: int
    next_check_at: datetime
    detail: str


def judge(answer: Answer, *, failures: int, policy: LinkPolicy, now: datetime) -> Verdict:
    """The verdict on an answer, given the failures in a row before it (see the module docstring)."""
    status = answer.status
    if status is None or status >= 500 or status in RETRIED_STATUSES:
        said = answer.reason if status is None else f"HTTP {status} {answer.reason}".rstrip()
        failed = failures + 1
        if failed >= policy.pause_after:
            detail = f"no answer {failed} times in a row (last: {said})"
            return Verdict(LinkState.UNREACHABLE, failed, now + policy.recheck_after, detail)
        return Verdict(LinkState.FAILING, failed, now + policy.retry_after, f"{said}; will try again")
    said = f"HTTP {status} {answer.reason}".rstrip()
    later = now + policy.recheck_after
    if status in DEAD_STATUSES:
        return Verdict(LinkState.DEAD, 0, later, said)
    if status >= 400:
        return Verdict(LinkState.REFUSED, 0, later, said)
    if answer.moved_to is not None:
        return Verdict(LinkState.MOVED, 0, later, f"moved permanently to {answer.moved_to}")
    return Verdict(LinkState.OK, 0, later, said)


@dataclass(frozen=True)
class Outcome:
    """A recorded check: the item, the verdict, and whether the item was paused."""

    item_id: int
    verdict: Verdict
    paused: bool = False


def is_checkable(url: str) -> bool:
    """A web link whose host may exist: not on a reserved name (see the module docstring)."""
    if not is_web_url(url):
        return False
    host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    return host.rsplit(".", 1)[-1] not in RESERVED_NAMES


@dataclass(frozen=True)
class DueLink:
    item_id: int
    url: str
    read_card: bool  # never checked, or not found well last time: fetch the page (GET), not only its status
    feed_url: str | None = None  # the feed or file it came from: its link may reach no further than that may


def items_due(session: Session, *, now: datetime, every: bool = False, first: Sequence[int] = ()) -> list[DueLink]:
    """Active items with a web link whose check is due (``every``: all of them): those of ``first`` (the items
    about to be shared) in that order, then the never checked, then the most overdue."""
    query = (
        select(Item.id, Item.url, LinkCheck.state, Item.came_from)
        .join(LinkCheck, col(LinkCheck.item_id) == col(Item.id), isouter=True)
        .where(Item.status == ItemStatus.ACTIVE.value, col(Item.url).is_not(None))
        .order_by(col(LinkCheck.next_check_at).is_not(None), col(LinkCheck.next_check_at), col(Item.id))
    )
    if not every:
        query = query.where(or_(col(LinkCheck.next_check_at).is_(None), col(LinkCheck.next_check_at) <= now))
    found = [
        DueLink(item_id, url, read_card=state != LinkState.OK.value, feed_url=feed_url)
        for item_id, url, state, feed_url in session.exec(query)
        if item_id is not None and url and is_checkable(url)
    ]
    rank = {item_id: position for position, item_id in enumerate(dict.fromkeys(first))}
    return sorted(found, key=lambda link: rank.get(link.item_id, len(rank)))  # stable: the rest keep their order


def record(session: Session, checked: DueLink, answer: Answer, *, policy: LinkPolicy, now: datetime) -> Outcome | None:
    """Judge ``answer`` and apply the verdict to the item; None when the item changed while its page was being
    fetched (removed, paused, another link), which is then left alone."""
    item = session.get(Item, checked.item_id)
    if item is None or item.url != checked.url or item.status != ItemStatus.ACTIVE.value:
        return None
    previous = session.get(LinkCheck, checked.item_id)
    failures = previous.failures if previous is not None and previous.state == LinkState.FAILING else 0
    verdict = judge(answer, failures=failures, policy=policy, now=now)
    if answer.moved_to is not None and verdict.state not in (LinkState.FAILING, LinkState.UNREACHABLE):
        taken_by = _move(session, item, answer.moved_to, now=now)
        if taken_by is not None:
            detail = f"moved permanently to {answer.moved_to}, the link of item {taken_by}: kept the old link"
            verdict = Verdict(verdict.state, verdict.failures, verdict.next_check_at, detail)
    check = previous or LinkCheck(item_id=checked.item_id, state=verdict.state, checked_at=now, next_check_at=now)
    detail = shorten(verdict.detail.replace("\x00", ""), DETAIL_LIMIT)
    check.state, check.failures, check.detail = verdict.state.value, verdict.failures, detail
    check.http_status, check.checked_at, check.next_check_at = answer.status, now, verdict.next_check_at
    if answer.card_read:
        card = answer.card or Card(None, None, None)
        check.card_title, check.card_description, check.card_image = card.title, card.description, card.image
    session.add(check)
    paused = verdict.state in PAUSING
    if paused:
        item.status, item.status_reason = ItemStatus.PAUSED.value, f"link {verdict.state}: {detail}"
        item.updated_at = now
        session.add(item)
    session.flush()
    return Outcome(checked.item_id, verdict, paused=paused)


def _move(session: Session, item: Item, target: str, *, now: datetime) -> int | None:
    """Give ``item`` the link ``target``, keeping its old one as an alias; the id of the item that already has
    that link, if one does (the move is then not made)."""
    new_url, new_key = canonical_url(target), url_key(target)
    if new_url == item.url or len(new_url) > LIMITS["url"] or "\x00" in new_url:
        return None
    owner = session.exec(select(Item.id).where(Item.url_key == new_key, Item.id != item.id)).first()
    alias = session.get(ItemAlias, new_key)
    if owner is None and alias is not None and alias.item_id != item.id:
        owner = alias.item_id
    if owner is not None:
        return owner
    if alias is not None:  # the page moved back to where it once was
        session.delete(alias)
    old_url, old_key = item.url, item.url_key
    assert item.id is not None
    if old_key and old_key != new_key and old_url and session.get(ItemAlias, old_key) is None:
        session.add(ItemAlias(url_key=old_key, item_id=item.id, url=old_url, created_at=now))
    item.url, item.url_key, item.updated_at = new_url, new_key, now
    session.add(item)
    session.flush()
    return None


@dataclass(frozen=True)
class LinkReport:
    """One item's link as ``library check-links`` and the report show it."""

    item_id: int
    title: str
    url: str
    item_status: str
    status_reason: str | None
    check: LinkCheck | None


def link_reports(session: Session, *, item_ids: Sequence[int] | None = None) -> list[LinkReport]:
    """Every item with a link (or those of ``item_ids``), with its last check, in id order."""
    query = (
        select(Item, LinkCheck)
        .join(LinkCheck, col(LinkCheck.item_id) == col(Item.id), isouter=True)
        .where(col(Item.url).is_not(None))
        .order_by(col(Item.id))
    )
    if item_ids is not None:
        query = query.where(col(Item.id).in_(item_ids))
    return [
        LinkReport(item.id or 0, item.title, item.url or "", item.status, item.status_reason, check)
        for item, check in session.exec(query)
    ]


def paused_links(session: Session) -> list[LinkReport]:
    """Items a link check paused (dead or unreachable) and still paused: for the report's "fix these" list."""
    return [
        report
        for report in link_reports(session)
        if report.item_status == ItemStatus.PAUSED.value
        and report.check is not None
        and report.check.state in PAUSING
        and report.status_reason is not None
    ]
