"""Where inside free stretches of time a post goes: the nearest whole minute to a target, or a point part of
the way through several stretches laid end to end. What is free is the rule book's answer
(:meth:`scheduler.rules.Timeline.free`)."""

from collections.abc import Sequence

from scheduler.rules.timeline import MINUTE, Interval


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


def overlap(first: Sequence[Interval], second: Sequence[Interval]) -> tuple[Interval, ...]:
    """The stretches inside both ``first`` and ``second`` (each sorted and non-overlapping), in order."""
    found = []
    for low, high in first:
        for other_low, other_high in second:
            if max(low, other_low) < min(high, other_high):
                found.append((max(low, other_low), min(high, other_high)))
    return tuple(sorted(found))
