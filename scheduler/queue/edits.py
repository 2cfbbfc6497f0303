"""A person's edits of the queue: move, swap, skip, pin, insert, share now, shuffle, clear, resolve.

Each function runs inside the caller's transaction and goes through :func:`scheduler.queue.entries.save`, so a
concurrent change (another edit, the daemon claiming the entry) makes the edit fail cleanly instead of
half-applying. A person's *time* wins over the audience windows; the spacing rules (min_gap, repeat_after,
caps) are enforced unless ``force``.
"""

import random
from datetime import datetime, timedelta

from sqlmodel import Session

from content_library.errors import EvertideError
from content_library.store import get_item
from scheduler.config import Config
from scheduler.queue.entries import active_entries, get_entry, insert_entry, rule_posts, save
from scheduler.queue.rendering import render_for_entry
from scheduler.queue.rules import MONTH, Post, repeat_after, violations
from scheduler.queue.tables import EntryState, Origin, QueueEntry
from scheduler.zones import zone as zone_of

SHUFFLE_ATTEMPTS = 50


class EditRefused(EvertideError):
    """The edit would break a rule, or does not apply to the entry's state."""


def _editable(entry: QueueEntry) -> None:
    if entry.state != EntryState.PLANNED.value:
        raise EditRefused(
            f"queue entry {entry.id} is {entry.state}; only planned entries can be changed",
            hint=f"See it with `evertide queue show {entry.id}`.",
        )


def _problems(session: Session, config: Config, candidate: Post, ignore: tuple[int, ...] = ()) -> list[str]:
    span = max(MONTH, repeat_after(config, candidate.channel, candidate.campaign))
    others = [p for p in rule_posts(session, candidate.channel, candidate.at, span) if p.entry_id not in ignore]
    return violations(candidate, others, config)


def _refuse_if(problems: list[str], what: str, *, force: bool) -> None:
    if problems and not force:
        raise EditRefused(f"{what} refused: " + "; ".join(problems), hint="Pick another time, or add --force.")


def _as_post(entry: QueueEntry, *, at: datetime | None = None, item_id: int | None = None) -> Post:
    return Post(entry.channel, item_id or entry.item_id, at or entry.at, entry.campaign, entry.id)


def move(
    session: Session, config: Config, entry_id: int, to: datetime, *, now: datetime, force: bool = False
) -> QueueEntry:
    """Move an entry to another instant; it becomes pinned so no replan moves it back."""
    entry = get_entry(session, entry_id)
    _editable(entry)
    if to < now:
        raise EditRefused(
            f"{to:%Y-%m-%d %H:%MZ} is in the past", hint="Use `evertide queue share-now` to post at once."
        )
    _refuse_if(_problems(session, config, _as_post(entry, at=to)), f"moving entry {entry_id}", force=force)
    return save(session, entry, now=now, at=to, pinned=True, origin=Origin.PERSON.value)


def swap(
    session: Session, config: Config, first_id: int, second_id: int, *, now: datetime, force: bool = False
) -> None:
    """Exchange the items (not the times) of two entries; each text is rendered again for its channel."""
    first, second = get_entry(session, first_id), get_entry(session, second_id)
    _editable(first)
    _editable(second)
    pair = (first_id, second_id)
    for entry, item_id in ((first, second.item_id), (second, first.item_id)):
        problems = _problems(session, config, _as_post(entry, item_id=item_id), ignore=pair)
        _refuse_if(problems, f"swapping entries {first_id} and {second_id}", force=force)
    for entry, item_id in ((first, second.item_id), (second, first.item_id)):
        rendered = render_for_entry(session, config, item_id, entry.channel, entry.campaign)
        save(
            session,
            entry,
            now=now,
            item_id=item_id,
            text=rendered.text,
            variant_id=rendered.variant_id,
            pinned=True,
            origin=Origin.PERSON.value,
        )


def skip(session: Session, entry_id: int, *, now: datetime) -> QueueEntry:
    """Drop this occurrence only; the item returns to the pool and may be planned again later."""
    entry = get_entry(session, entry_id)
    _editable(entry)
    return save(session, entry, now=now, state=EntryState.SKIPPED.value)


def set_pinned(session: Session, entry_id: int, pinned: bool, *, now: datetime) -> QueueEntry:
    entry = get_entry(session, entry_id)
    _editable(entry)
    return save(session, entry, now=now, pinned=pinned)


def insert(
    session: Session,
    config: Config,
    item_id: int,
    channel: str,
    at: datetime,
    *,
    now: datetime,
    campaign: str | None = None,
    zone: str | None = None,
    force: bool = False,
) -> QueueEntry:
    """A manual post of a library item, pinned at ``at``."""
    if channel not in config.channels:
        raise EditRefused(f'there is no channel "{channel}" in {config.path}', hint="See `evertide config check`.")
    get_item(session, item_id)
    if zone is not None:
        zone_of(zone)  # refuse an unknown name before it is stored on the entry
    campaign = campaign or _campaign_of(config, channel)
    candidate = Post(channel, item_id, at, campaign)
    _refuse_if(_problems(session, config, candidate), f"inserting item {item_id} on {channel}", force=force)
    rendered = render_for_entry(session, config, item_id, channel, campaign)
    fields = {
        "channel": channel,
        "campaign": campaign,
        "zone": zone or config.display_timezone,
        "at": at,
        "item_id": item_id,
        "variant_id": rendered.variant_id,
        "text": rendered.text,
        "pinned": True,
        "origin": Origin.PERSON.value,
        "reason": "inserted by a person",
    }
    return insert_entry(session, fields, now=now)


def _campaign_of(config: Config, channel: str) -> str | None:
    """The first campaign (in config order) that posts to ``channel``: its templates and rules apply."""
    return next((name for name, c in config.campaigns.items() if channel in c.channels), None)


def next_free_instant(session: Session, config: Config, channel: str, item_id: int, *, now: datetime) -> datetime:
    """The earliest instant from now on, in 5-minute steps over the next 30 days, where a post of ``item_id``
    keeps every rule."""
    campaign = _campaign_of(config, channel)
    start = now.replace(second=0, microsecond=0) + timedelta(minutes=5 - now.minute % 5)
    for step in range(30 * 24 * 12):
        at = start + timedelta(minutes=5 * step)
        if not _problems(session, config, Post(channel, item_id, at, campaign)):
            return at
    raise EditRefused(
        f"no free time for item {item_id} on {channel} in the next 30 days",
        hint="Use --at with --force, or lower the caps.",
    )


def shuffle(
    session: Session,
    config: Config,
    *,
    now: datetime,
    seed: int,
    channel: str | None = None,
    campaign: str | None = None,
) -> int:
    """Re-draw which item goes in which unpinned planned entry (the times stay), keeping repeat_after.
    Deterministic for a given seed. Returns how many entries changed."""
    entries = [
        e
        for e in active_entries(session, channel=channel)
        if e.state == EntryState.PLANNED.value
        and not e.pinned
        and e.at >= now
        and (campaign is None or e.campaign == campaign)
    ]
    shuffled = {e.id for e in entries}
    settled = [  # what the shuffle does not move: publications and the other queued posts near each entry
        p
        for e in entries
        for p in rule_posts(session, e.channel, e.at, repeat_after(config, e.channel, e.campaign))
        if p.entry_id not in shuffled
    ]
    rng = random.Random(seed)
    items = [e.item_id for e in entries]
    for _ in range(SHUFFLE_ATTEMPTS):
        rng.shuffle(items)
        if _respects_cooldowns(config, entries, items, settled):
            break
    else:
        raise EditRefused("no shuffle keeps repeat_after for these entries", hint="Try another --seed.")
    changed = 0
    for entry, item_id in zip(entries, items, strict=True):
        if item_id == entry.item_id:
            continue
        rendered = render_for_entry(session, config, item_id, entry.channel, entry.campaign)
        save(session, entry, now=now, item_id=item_id, text=rendered.text, variant_id=rendered.variant_id)
        changed += 1
    return changed


def _respects_cooldowns(config: Config, entries: list[QueueEntry], items: list[int], settled: list[Post]) -> bool:
    """Whether giving ``items`` to ``entries`` keeps repeat_after among them and against the ``settled`` posts."""
    posts = [Post(e.channel, item, e.at, e.campaign, e.id) for e, item in zip(entries, items, strict=True)]
    for post in posts:
        cooldown = repeat_after(config, post.channel, post.campaign)
        if any(
            o.entry_id != post.entry_id
            and o.channel == post.channel
            and o.item_id == post.item_id
            and abs(o.at - post.at) < cooldown
            for o in (*posts, *settled)
        ):
            return False
    return True


def clear(session: Session, *, now: datetime, channel: str | None = None, campaign: str | None = None) -> int:
    """Cancel every unpinned planned entry from now on (optionally of one channel or campaign)."""
    cleared = 0
    for entry in active_entries(session, channel=channel):
        if (
            entry.state == EntryState.PLANNED.value
            and not entry.pinned
            and entry.at >= now
            and (campaign is None or entry.campaign == campaign)
        ):
            save(session, entry, now=now, state=EntryState.CANCELLED.value)
            cleared += 1
    return cleared


def resolve(session: Session, entry_id: int, *, published: bool, now: datetime) -> QueueEntry:
    """A person's verdict on an entry in doubt: it did go out (record it), or it did not (try again now)."""
    from scheduler.queue.outcomes import record_published

    entry = get_entry(session, entry_id)
    if entry.state != EntryState.IN_DOUBT.value:
        raise EditRefused(f"queue entry {entry_id} is {entry.state}, not in_doubt")
    if published:
        return record_published(session, entry, remote_id=None, remote_url=None, now=now)
    return save(
        session,
        entry,
        now=now,
        state=EntryState.PLANNED.value,
        at=max(entry.at, now),
        claimed_by=None,
        lease_until=None,
        next_attempt_at=None,
    )
