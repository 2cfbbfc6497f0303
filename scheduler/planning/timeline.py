"""The posts on one channel, and where another one may still go.

Two rules hold between posts on a channel whatever campaign they come from:

- **min_gap**: two posts are at least ``max(gap of one, gap of the other)`` apart, so a campaign's min_gap
  applies between its posts and every other post on the channel. A post without a campaign (a hand-inserted
  one, or history of a campaign no longer configured) has gap 0: the other post's gap decides.
- **caps**: no half-open 24-hour stretch ``[x, x+24h)`` holds more than ``daily_cap`` posts, and no 30-day
  stretch more than ``monthly_cap`` (platforms such as X charge per post).

:meth:`ChannelTimeline.free` turns both into forbidden stretches and cuts them out of the windows, exactly,
so the planner never has to try an instant and back off. Posts go on whole minutes.
"""

import bisect
from collections.abc import Sequence

from scheduler.planning.slots import Interval

DAY = 86400
MONTH = 30 * DAY
MINUTE = 60


class ChannelTimeline:
    """Sorted (instant, gap) pairs of every post on one channel: history, pinned and planned so far."""

    def __init__(self, daily_cap: int | None, monthly_cap: int | None = None) -> None:
        self.daily_cap = daily_cap
        self.caps = [(cap, span) for cap, span in ((daily_cap, DAY), (monthly_cap, MONTH)) if cap is not None]
        self.posts: list[tuple[int, int]] = []
        self.widest_gap = 0

    def add(self, at: int, gap: int) -> None:
        bisect.insort(self.posts, (at, gap))
        self.widest_gap = max(self.widest_gap, gap)

    def remove(self, at: int, gap: int) -> None:
        self.posts.pop(bisect.bisect_left(self.posts, (at, gap)))

    def _between(self, low: int, high: int) -> list[tuple[int, int]]:
        start = bisect.bisect_left(self.posts, (low, -1))
        stop = bisect.bisect_left(self.posts, (high, -1))
        return self.posts[start:stop]

    def _blocked(self, low: int, high: int, gap: int) -> list[Interval]:
        """Forbidden stretches near ``[low, high)`` for a new post whose own gap is ``gap``."""
        reach = max(gap, self.widest_gap)
        blocked = [
            (at - wanted + 1, at + wanted)
            for at, other in self._between(low - reach, high + reach)
            if (wanted := max(gap, other)) > 0
        ]
        for cap, span in self.caps:
            nearby = [at for at, _ in self._between(low - span, high + span)]
            # `cap` posts less than a span apart fill every stretch of that length that holds them all: a new
            # post is forbidden wherever it would join them, i.e. strictly between (last - span) and (first + span).
            for first, last in zip(nearby, nearby[cap - 1 :], strict=False):
                if last - first < span:
                    blocked.append((last - span + 1, first + span))
        return sorted(blocked)

    def free(self, windows: Sequence[Interval], gap: int) -> list[Interval]:
        """The parts of ``windows`` where a post with ``gap`` keeps min_gap and the caps, on whole minutes."""
        if not windows:
            return []
        blocked = self._blocked(windows[0][0], windows[-1][1], gap)
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
        return [piece for piece in (_on_minutes(low, high) for low, high in free) if piece is not None]

    def fits(self, at: int, gap: int) -> bool:
        """Whether a post with ``gap`` may go exactly at ``at``."""
        return not any(low <= at < high for low, high in self._blocked(at, at + 1, gap))


def _on_minutes(low: int, high: int) -> Interval | None:
    """The whole-minute instants of ``[low, high)`` as ``[first, last + 1)``, or None if there are none."""
    first = -(-low // MINUTE) * MINUTE
    last = (high - 1) // MINUTE * MINUTE
    return (first, last + 1) if first <= last else None


def nearest(free: Sequence[Interval], target: int) -> int | None:
    """The whole-minute instant of ``free`` closest to ``target`` (the earlier one on a tie)."""
    best: tuple[int, int] | None = None
    for low, high in free:
        point = min(max(round(target / MINUTE) * MINUTE, low), high - 1)  # `free` bounds are whole minutes
        candidate = (abs(point - target), point)
        if best is None or candidate < best:
            best = candidate
    return best[1] if best else None


def total_length(intervals: Sequence[Interval]) -> int:
    return sum(high - low for low, high in intervals)


def point_at(intervals: Sequence[Interval], fraction: float) -> int:
    """The instant at ``fraction`` (0 ≤ f < 1) of the way through ``intervals`` laid end to end."""
    remaining = int(fraction * total_length(intervals))
    for low, high in intervals:
        if remaining < high - low:
            return low + remaining
        remaining -= high - low
    return intervals[-1][1] - 1
