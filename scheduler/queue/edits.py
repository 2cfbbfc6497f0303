"""A person's edits of the queue: move, swap, skip, pin, insert, share now, shuffle, clear, resolve.

Each function runs inside the caller's transaction and goes through :func:`scheduler.queue.entries.save`, so a
concurrent change (another edit, the daemon claiming the entry) makes the edit fail cleanly instead of
half-applying. A person's *time* wins over the audience windows; the spacing rules (min_gap, repeat_after,
caps) are enforced unless ``force``.
"""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from content_library.snapshot import ItemSnapshot, snapshot_of
from content_library.store import get_item
from scheduler.config import Config
from scheduler.names import require_known
from scheduler.planning.eligibility import campaign_filters
from scheduler.planning.slots import local_dates, segment_intervals, to_datetime, to_seconds
from scheduler.queue import states
from scheduler.queue.entries import active_entries, get_entry, insert_entry
from scheduler.queue.rendering import render_for_entry
from scheduler.queue.shuffling import Assignment, NoAssignment, assign
from scheduler.queue.states import EditRefused, Transition
from scheduler.queue.tables import EntryState, Origin, QueueEntry
from scheduler.queue.timelines import channel_timeline, entry_post, reach
from scheduler.rules import Post, RuleBook, Timeline
from scheduler.rules.timeline import Interval, Rule, Violation
from scheduler.zones import zone as zone_of

NEXT_SEARCH = timedelta(days=30)  # how far ahead `insert --next` looks for a free time


def _editable(entry: QueueEntry) -> None:
    """Refuse, before checking any rule, an edit of an entry the state machine would not let change."""
    if not states.can(entry, Transition.EDIT):
        raise states.IllegalTransition(entry, Transition.EDIT)


def _problems(
    session: Session, rules: RuleBook, channel: str, campaign: str | None, candidate: Post, ignore: Sequence[int] = ()
) -> list[Violation]:
    """What ``candidate`` would break among the channel's queued and published posts (``ignore``: the entries
    being edited)."""
    around = to_datetime(candidate.at)
    span = reach(rules, channel, campaign)
    timeline = channel_timeline(session, rules, channel, around - span, around + span, ignore=ignore)
    return timeline.violations(candidate)


KEPT_WHEN_PUBLISHING = frozenset({Rule.DAILY_CAP, Rule.MONTHLY_CAP, Rule.BUDGET})


def _refuse_if(problems: list[Violation], what: str, *, force: bool) -> None:
    """``force`` overrides min_gap and repeat_after, never the caps or the budget: the daemon keeps those when
    it publishes (they are what a platform charges for), so a forced post beyond them would only be missed
    (found in review: `insert --force` was accepted past daily_cap and the post missed at once)."""
    held = [v.text for v in problems if v.rule in KEPT_WHEN_PUBLISHING]
    if held:
        raise EditRefused(
            f"{what} refused: " + "; ".join(held),
            hint="Pick another time, or raise the cap or budget: in the config (--force does not override them).",
        )
    if problems and not force:
        raise EditRefused(
            f"{what} refused: " + "; ".join(v.text for v in problems), hint="Pick another time, or add --force."
        )


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
    rules = RuleBook.from_config(config)
    problems = _problems(session, rules, entry.channel, entry.campaign, entry_post(rules, entry, at=to), [entry_id])
    _refuse_if(problems, f"moving entry {entry_id}", force=force)
    return states.edit(session, entry, now=now, at=to, pinned=True, origin=Origin.PERSON.value)


def swap(
    session: Session, config: Config, first_id: int, second_id: int, *, now: datetime, force: bool = False
) -> None:
    """Exchange the items (not the times) of two entries; each text is rendered again for its channel."""
    first, second = get_entry(session, first_id), get_entry(session, second_id)
    _editable(first)
    _editable(second)
    rules = RuleBook.from_config(config)
    pair = (first_id, second_id)
    for entry, item_id in ((first, second.item_id), (second, first.item_id)):
        candidate = entry_post(rules, entry, item_id=item_id)
        problems = _problems(session, rules, entry.channel, entry.campaign, candidate, pair)
        _refuse_if(problems, f"swapping entries {first_id} and {second_id}", force=force)
    for entry, item_id in ((first, second.item_id), (second, first.item_id)):
        _give_item(session, config, entry, item_id, now=now, pinned=True)


def _give_item(
    session: Session, config: Config, entry: QueueEntry, item_id: int, *, now: datetime, pinned: bool
) -> None:
    rendered = render_for_entry(session, config, item_id, entry.channel, entry.campaign, at=entry.at, ignore=entry.id)
    changes: dict[str, object] = {"item_id": item_id, **rendered.wording()}
    if pinned:
        changes |= {"pinned": True, "origin": Origin.PERSON.value}
    states.edit(session, entry, now=now, **changes)


def edit_text(session: Session, config: Config, entry_id: int, text: str, *, now: datetime) -> QueueEntry:
    """Replace the words of one planned entry with a person's own; it becomes pinned (a refill keeps it). The
    text must fit the channel's platform as it is: a person's words are never cut."""
    from content_library.text_length import CHANNEL_LIMITS, fits, post_length

    entry = get_entry(session, entry_id)
    _editable(entry)
    text = text.strip()
    if not text:
        raise EditRefused(f"the new text of entry {entry_id} is empty", hint="Give the words to post with --text.")
    hidden = sorted({f"U+{ord(c):04X}" for c in text if _invisible(c)})
    if hidden:
        raise EditRefused(
            f"the new text of entry {entry_id} holds control or direction characters ({', '.join(hidden)})",
            hint="Type the words again without them; line breaks and tabs are fine.",
        )
    if entry.channel not in config.channels:
        _known_channel(config, entry.channel)
    kind = config.channels[entry.channel].kind
    if not fits(text, kind):
        limit = CHANNEL_LIMITS.get(kind)
        raise EditRefused(
            f"the new text of entry {entry_id} does not fit {entry.channel}: {kind} counts it "
            f"{post_length(text, kind)}, the limit is {limit}",
            hint="Shorten it (every link counts 23 on x and mastodon), then try again.",
        )
    own_words = {"text": text, "variant_id": None, "template_key": None}  # neither a variant's nor a template's
    return states.edit(session, entry, now=now, **own_words, pinned=True, origin=Origin.PERSON.value)


def _invisible(character: str) -> bool:
    """A control character (other than line break and tab) or a bidi override: it changes what a reader
    sees (or what the terminal does) without being seen itself, and no platform wants it in a post."""
    return (
        (unicodedata.category(character) == "Cc" and character not in "\n\t")
        or "\u202a" <= character <= "\u202e"
        or "\u2066" <= character <= "\u2069"
    )


def skip(session: Session, entry_id: int, *, now: datetime) -> QueueEntry:
    """Drop this occurrence only; the item returns to the pool and may be planned again later."""
    return states.skip(session, get_entry(session, entry_id), now=now)


def set_pinned(session: Session, entry_id: int, pinned: bool, *, now: datetime) -> QueueEntry:
    return states.edit(session, get_entry(session, entry_id), now=now, pinned=pinned)


def _known_channel(config: Config, channel: str) -> None:
    require_known("channel", [channel], config.channels)


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
    _known_channel(config, channel)
    item = snapshot_of(get_item(session, item_id), [])
    if zone is not None:
        zone_of(zone)  # refuse an unknown name before it is stored on the entry
    campaign = campaign or _campaign_of(config, channel, item)
    rules = RuleBook.from_config(config)
    candidate = Post(to_seconds(at), rules.spacing(channel, campaign), item_id)
    _refuse_if(
        _problems(session, rules, channel, campaign, candidate), f"inserting item {item_id} on {channel}", force=force
    )
    rendered = render_for_entry(session, config, item_id, channel, campaign, at=at)
    fields = {
        "channel": channel,
        "campaign": campaign,
        "zone": zone or config.display_timezone,
        "at": at,
        "item_id": item_id,
        **rendered.wording(),
        "pinned": True,
        "origin": Origin.PERSON.value,
        "reason": "inserted by a person",
    }
    return insert_entry(session, fields, now=now)


def _campaign_of(config: Config, channel: str, item: ItemSnapshot | None = None) -> str | None:
    """The first campaign (in config order) that posts to ``channel`` and would pick ``item`` (its category,
    kind and tags), else the first that posts to ``channel``: its templates and rules apply."""
    posting = [name for name, c in config.campaigns.items() if channel in c.channels]
    if item is not None:
        for name in posting:
            if any(pool.accepts(item) for pool in campaign_filters(config.campaigns[name]).values()):
                return name
    return posting[0] if posting else None


@dataclass(frozen=True)
class FreeTime:
    """Where ``insert --next`` puts a post: the instant and the audience segment whose window it is in."""

    at: datetime
    zone: str


def next_free_instant(session: Session, config: Config, channel: str, item_id: int, *, now: datetime) -> FreeTime:
    """The first whole minute from ``now`` on, inside a window of the channel's audience and within
    :data:`NEXT_SEARCH`, where a post of ``item_id`` keeps every rule: one read of the channel's timeline."""
    _known_channel(config, channel)
    campaign = _campaign_of(config, channel, snapshot_of(get_item(session, item_id), []))
    rules = RuleBook.from_config(config)
    start, end = to_seconds(now), to_seconds(now + NEXT_SEARCH)
    span = reach(rules, channel, campaign)
    timeline = channel_timeline(session, rules, channel, now - span, now + NEXT_SEARCH + span)
    windows = _windows(config, channel, start, end)
    merged = _merged([interval for interval, _ in windows])
    found = timeline.next_fit(Post(start, rules.spacing(channel, campaign), item_id), merged)
    if found is None:
        raise EditRefused(
            f"no free time for item {item_id} on {channel} inside its audience's windows in the next 30 days",
            hint="Use --at with --force, or lower the caps.",
        )
    zone = next(zone for (low, high), zone in windows if low <= found < high)
    return FreeTime(to_datetime(found), zone)


def _windows(config: Config, channel: str, start: int, end: int) -> list[tuple[Interval, str]]:
    """Every window of every segment of the channel's audience between ``start`` and ``end``, with its zone."""
    found: list[tuple[Interval, str]] = []
    for segment in config.audience_of(channel):
        for day in local_dates(segment.zone, start, end):
            found.extend(
                ((max(low, start), min(high, end)), segment.zone)
                for low, high in segment_intervals(segment, day)
                if low < end and high > start
            )
    return sorted(found)


def _merged(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for low, high in sorted(intervals):
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def shuffle(
    session: Session,
    config: Config,
    *,
    now: datetime,
    seed: int,
    channel: str | None = None,
    campaign: str | None = None,
) -> int:
    """Re-draw which item goes in which unpinned planned entry (the times stay), keeping every rule: a search
    for an assignment, seeded so the same seed gives the same queue. An item only moves between entries of
    the same channel and campaign (so it stays in a pool that may post it). The entries it changes become
    pinned, like any edit of a person's, so the next refill keeps the shuffle. Returns how many changed;
    refuses, naming the rule, when no assignment exists."""
    if channel is not None:
        _known_channel(config, channel)
    require_known("campaign", [campaign], config.campaigns)
    entries = [
        e
        for e in active_entries(session, channel=channel)
        if e.state == EntryState.PLANNED.value
        and not e.pinned
        and e.at >= now
        and (campaign is None or e.campaign == campaign)
    ]
    if not entries:
        return 0
    rules = RuleBook.from_config(config)
    shuffled = [e.id or 0 for e in entries]
    settled: dict[str, Timeline] = {}  # per channel: every other post the shuffle must keep clear of
    for name in sorted({e.channel for e in entries}):
        mine = [e for e in entries if e.channel == name]
        span = max(reach(rules, name, e.campaign) for e in mine)
        settled[name] = channel_timeline(session, rules, name, mine[0].at - span, mine[-1].at + span, ignore=shuffled)
    try:
        chosen = assign([Assignment(e.channel, e.campaign, entry_post(rules, e)) for e in entries], settled, seed=seed)
    except NoAssignment as refusal:
        raise EditRefused(
            f"no shuffle keeps every rule for these entries: {refusal}",
            hint="Shuffle fewer entries (--channel, --campaign) or add items.",
        ) from None
    changed = 0
    for entry, item_id in zip(entries, chosen, strict=True):
        if item_id != entry.item_id:
            _give_item(session, config, entry, item_id, now=now, pinned=True)
            changed += 1
    return changed


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
            states.cancel(session, entry, now=now)
            cleared += 1
    return cleared


def cancel_item(session: Session, item_id: int, *, now: datetime) -> int:
    """Cancel every planned entry of an item that is being deleted, pinned ones too (they would post "(item
    removed)"); an entry being published or in doubt is left to finish. Returns how many."""
    cancelled = 0
    for entry in active_entries(session):
        if entry.item_id == item_id and entry.state == EntryState.PLANNED.value:
            states.cancel(session, entry, now=now)
            cancelled += 1
    return cancelled


def resolve(session: Session, entry_id: int, *, published: bool, now: datetime) -> QueueEntry:
    """A person's verdict on an entry in doubt: it did go out (record it), or it did not (try again now)."""
    entry = get_entry(session, entry_id)
    if published:
        return states.resolve_published(session, entry, now=now)
    return states.resolve_retry(session, entry, now=now)
