"""The posts of one channel, and whether — or from when — another post may join them.

Four rules hold between the posts of a channel, whoever placed them (the planner, a person, the daemon):

- **min_gap**: two posts are at least the wider of their two ``min_gap`` apart;
- **repeat_after**: two posts of the same item are at least the wider of their two ``repeat_after`` apart;
- **daily_cap** and **monthly_cap**: no half-open stretch ``[x, x+24h)`` holds more than ``daily_cap`` posts,
  and no ``[x, x+30d)`` more than ``monthly_cap`` (platforms such as X charge per post);
- **budget**: no calendar month of UTC holds more posts than the channel's ``budget:`` pays for (a rolling 30
  days cannot say it: a month of 31 days may hold a full 30 days' worth on its first day and again on its last).

Each rule is turned, exactly, into *forbidden stretches* of time around the posts already there, so one piece of
code answers every question the rest of evertide asks: "may it go at t, and if not why?"
(:meth:`Timeline.violations`), "where inside these windows may a post go?" (:meth:`Timeline.free`, the planner)
and "what is the first instant inside these windows where it may go?" (:meth:`Timeline.next_fit`, ``queue insert
--next`` and the daemon deferring a post). Instants are whole epoch seconds; posts go on whole minutes.
"""

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from scheduler.rules.book import Caps, Spacing

DAY = 86400
MONTH = 30 * DAY
MINUTE = 60
Interval = tuple[int, int]  # [start, end) in epoch seconds


class Rule(StrEnum):
    MIN_GAP = "min_gap"
    REPEAT_AFTER = "repeat_after"
    DAILY_CAP = "daily_cap"
    MONTHLY_CAP = "monthly_cap"
    BUDGET = "budget"


@dataclass(frozen=True)
class Post:
    """A post as the rules see it. ``item_id`` None: not yet chosen (the planner times posts before it picks
    their items), so repeat_after cannot apply. ``label`` is how a refusal names it ("entry 17")."""

    at: int
    spacing: Spacing
    item_id: int | None = None
    label: str = ""


@dataclass(frozen=True)
class Violation:
    """A rule a candidate post would break, in words a person can act on."""

    rule: Rule
    text: str


class Timeline:
    """Every post of one channel that the rules must keep clear of: history, queued and planned ones."""

    def __init__(self, channel: str, caps: Caps, posts: Iterable[Post] = ()) -> None:
        self.channel = channel
        self._budgeted = caps.budgeted
        self._caps = [
            (cap, span, rule)
            for cap, span, rule in ((caps.daily, DAY, Rule.DAILY_CAP), (caps.monthly, MONTH, Rule.MONTHLY_CAP))
            if cap is not None
        ]
        self._keys: list[tuple[int, int]] = []  # (at, min_gap), sorted; _posts holds the posts in the same order
        self._posts: list[Post] = []
        self._by_item: dict[int, list[Post]] = {}  # item → its posts, by instant
        self._widest_gap = 0
        for post in posts:
            self.add(post)

    def add(self, post: Post) -> None:
        key = (post.at, post.spacing.min_gap)
        index = bisect.bisect_right(self._keys, key)
        self._keys.insert(index, key)
        self._posts.insert(index, post)
        self._widest_gap = max(self._widest_gap, post.spacing.min_gap)
        if post.item_id is not None:
            bisect.insort(self._by_item.setdefault(post.item_id, []), post, key=_instant)

    def remove(self, post: Post) -> None:
        index = bisect.bisect_left(self._keys, (post.at, post.spacing.min_gap))
        while self._posts[index] != post:
            index += 1
        del self._keys[index], self._posts[index]
        if post.item_id is not None:
            self._by_item[post.item_id].remove(post)

    # Forbidden stretches ----------------------------------------------------------------------------------

    def _nearby(self, low: int, high: int) -> range:
        """Indexes of the posts with ``low <= at < high``."""
        return range(bisect.bisect_left(self._keys, (low, -1)), bisect.bisect_left(self._keys, (high, -1)))

    def _gap_blocks(self, low: int, high: int, gap: int) -> list[tuple[Interval, Post, int]]:
        """Where a post with ``gap`` would be too close to another, near ``[low, high)``: (stretch, other, gap)."""
        reach = max(gap, self._widest_gap)
        blocks = []
        for index in self._nearby(low - reach, high + reach):
            other = self._posts[index]
            wanted = max(gap, other.spacing.min_gap)
            if wanted > 0:
                blocks.append(((other.at - wanted + 1, other.at + wanted), other, wanted))
        return blocks

    def _cap_blocks(self, low: int, high: int) -> list[tuple[Interval, Rule, int, int]]:
        """Where a new post would overfill a cap, near ``[low, high)``: (stretch, rule, cap, span)."""
        blocks = []
        for cap, span, rule in self._caps:
            nearby = [self._keys[index][0] for index in self._nearby(low - span, high + span)]
            # `cap` posts less than a span apart fill every stretch of that length that holds them all: a new
            # post is forbidden wherever it would join them, i.e. strictly between (last - span) and (first + span).
            for first, last in zip(nearby, nearby[cap - 1 :], strict=False):
                if last - first < span:
                    blocks.append(((last - span + 1, first + span), rule, cap, span))
        return blocks

    def _budget_blocks(self, low: int, high: int) -> list[Interval]:
        """The calendar months near ``[low, high)`` that already hold every post the budget pays for."""
        if self._budgeted is None:
            return []
        return [
            (start, end) for start, end in calendar_months(low, high) if len(self._nearby(start, end)) >= self._budgeted
        ]

    def _repeat_blocks(self, item_id: int | None, repeat_after: int) -> list[tuple[Interval, Post, int]]:
        """Where a post of ``item_id`` would come too soon after (or before) another post of it."""
        shares = self._by_item.get(item_id, []) if item_id is not None else []
        return [
            ((other.at - wanted + 1, other.at + wanted), other, wanted)
            for other in shares
            if (wanted := max(repeat_after, other.spacing.repeat_after)) > 0
        ]

    # Questions ---------------------------------------------------------------------------------------------

    def free(self, windows: Sequence[Interval], gap: int) -> list[Interval]:
        """The parts of ``windows`` (sorted) where a post with ``gap`` keeps min_gap and the caps, on whole
        minutes; repeat_after is the item's business (:meth:`next_fit`, or the planner's pools)."""
        if not windows:
            return []
        low, high = windows[0][0], windows[-1][1]
        blocked = sorted(
            [block for block, _, _ in self._gap_blocks(low, high, gap)]
            + [block for block, *_ in self._cap_blocks(low, high)]
            + self._budget_blocks(low, high)
        )
        return [piece for piece in (_on_minutes(a, b) for a, b in _subtract(windows, blocked)) if piece is not None]

    def fits(self, at: int, gap: int) -> bool:
        """Whether a post with ``gap`` may go exactly at ``at`` as far as min_gap and the caps go."""
        return not any(
            a <= at < b for a, b in (block for block, _, _ in self._gap_blocks(at, at + 1, gap))
        ) and not any(
            a <= at < b
            for a, b in [block for block, *_ in self._cap_blocks(at, at + 1)] + self._budget_blocks(at, at + 1)
        )

    def violations(self, candidate: Post) -> list[Violation]:
        """Every rule ``candidate`` breaks against the posts of this timeline (it must not be one of them)."""
        at = candidate.at
        found = [
            Violation(
                Rule.MIN_GAP, f"{_fmt(abs(other.at - at))} from {other.label} on {self.channel} (min_gap {_fmt(gap)})"
            )
            for (low, high), other, gap in self._gap_blocks(at, at + 1, candidate.spacing.min_gap)
            if low <= at < high
        ]
        found += [
            Violation(
                Rule.REPEAT_AFTER,
                f"item {candidate.item_id} is also {other.label}, {_fmt(abs(other.at - at))} away "
                f"(repeat_after {_fmt(wanted)})",
            )
            for (low, high), other, wanted in self._repeat_blocks(candidate.item_id, candidate.spacing.repeat_after)
            if low <= at < high
        ]
        for rule in dict.fromkeys(r for (low, high), r, _, _ in self._cap_blocks(at, at + 1) if low <= at < high):
            cap, span = next((c, s) for c, s, r in self._caps if r == rule)
            found.append(
                Violation(rule, f"{self.channel} already has {cap} posts within {_fmt(span)} of it ({rule} {cap})")
            )
        if self._budget_blocks(at, at + 1):
            month = datetime.fromtimestamp(at, UTC)
            found.append(
                Violation(
                    Rule.BUDGET,
                    f"{self.channel} already has the {self._budgeted} posts its budget pays for in {month:%B %Y} (UTC)",
                )
            )
        return found

    def next_fit(self, candidate: Post, windows: Sequence[Interval]) -> int | None:
        """The first whole-minute instant inside ``windows`` (sorted) where ``candidate`` (its own ``at`` is
        ignored) keeps every rule, or None if there is none."""
        repeats = sorted(
            block for block, _, _ in self._repeat_blocks(candidate.item_id, candidate.spacing.repeat_after)
        )
        for low, high in self.free(windows, candidate.spacing.min_gap):
            at = low
            while at < high:
                clear = first_clear(repeats, at)
                if clear == at:
                    return at
                at = -(-clear // MINUTE) * MINUTE
        return None


def repeat_kept(first: Post, second: Post) -> bool:
    """Whether two posts of one item keep repeat_after: at least the wider of their two apart."""
    return abs(first.at - second.at) >= max(first.spacing.repeat_after, second.spacing.repeat_after)


def first_clear(blocks: Sequence[Interval], at: int) -> int:
    """The first instant at or after ``at`` outside every stretch of ``blocks`` (sorted by start)."""
    moved = True
    while moved:
        moved = False
        for low, high in blocks:
            if low <= at < high:
                at, moved = high, True
    return at


def repeat_clear_from(shares: Iterable[tuple[int, int]], at: int, repeat_after: int) -> int:
    """The first instant at or after ``at`` that keeps repeat_after from every ``(instant, repeat_after)`` share
    of an item: the planner's pools ask this of an item's last and pinned shares."""
    blocks = sorted(
        (share_at - wanted + 1, share_at + wanted)
        for share_at, other in shares
        if (wanted := max(repeat_after, other)) > 0
    )
    return first_clear(blocks, at)


def calendar_months(low: int, high: int) -> Iterator[Interval]:
    """The calendar months of UTC that overlap ``[low, high)``, as ``[first second, first second of the next)``."""
    first = datetime.fromtimestamp(low, UTC)
    year, month = first.year, first.month
    while True:
        start = int(datetime(year, month, 1, tzinfo=UTC).timestamp())
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        end = int(datetime(year, month, 1, tzinfo=UTC).timestamp())
        yield start, end
        if end >= high:
            return


def _instant(post: Post) -> int:
    return post.at


def _subtract(windows: Sequence[Interval], blocked: Sequence[Interval]) -> list[Interval]:
    """The parts of ``windows`` outside every stretch of ``blocked`` (both sorted)."""
    free: list[Interval] = []
    for low, high in windows:
        cursor = low
        for block_low, block_high in blocked:
            if block_high <= cursor or block_low >= high:
                continue
            if block_low > cursor:
                free.append((cursor, block_low))
            cursor = max(cursor, block_high)
            if cursor >= high:
                break
        if cursor < high:
            free.append((cursor, high))
    return free


def _on_minutes(low: int, high: int) -> Interval | None:
    """The whole-minute instants of ``[low, high)`` as ``[first, last + 1)``, or None if there are none."""
    first = -(-low // MINUTE) * MINUTE
    last = (high - 1) // MINUTE * MINUTE
    return (first, last + 1) if first <= last else None


def _fmt(seconds: int) -> str:
    """``2d 3h``, ``1h 30m``: the largest two units, the way the config writes durations."""
    minutes = seconds // 60
    parts = [(minutes // 1440, "d"), (minutes % 1440 // 60, "h"), (minutes % 60, "m")]
    shown = [f"{value}{unit}" for value, unit in parts if value][:2]
    return " ".join(shown) or "0m"
