"""When a channel's followers answer: engagement per share by a segment's local time of day.

Every post on the channel counts for every segment's times, whichever segment it was timed for: a platform
counts a post's likes, reposts and clicks from all its followers, so a post at 13:00 in London says as much
about 08:00 in New York as one timed for New York. Found with ``bench/reach``: tallied per segment, each
segment's times saw a third of the data, and the plan learned from them reached less.

Times are the quarter hours of the segment's wall clock, each smoothed over its neighbours with a Gaussian
of :data:`SPREAD_MIN` minutes: habits do not keep to the hour's edges (in ``bench/reach`` the best moments,
12:45 and 22:40 UTC, straddle them), and a quarter hour borrows from its neighbours the shares it lacks.
A quarter hour with (almost) nothing observed near it is believed to be a typical time of day: its prior
mean is the mean of the observed quarter hours, not the mean engagement of a post, which a learning plan
raises by posting at its best times (that prior made every unexplored quarter hour look nearly as good as
the best one, and won them one post in ten).
"""

import math
from collections.abc import Iterable

from scheduler.planning.beliefs import Belief, Tally
from scheduler.planning.slots import local_wall

QUARTER_MIN = 15  # clocks change on a quarter hour at the least, so a quarter hour is always whole
QUARTERS = 24 * 60 // QUARTER_MIN
SPREAD_MIN = 20.0  # the smoothing Gaussian's standard deviation
_REACH = int(3 * SPREAD_MIN // QUARTER_MIN)  # three standard deviations either side, in quarter hours
KERNEL = tuple((step, math.exp(-0.5 * (step * QUARTER_MIN / SPREAD_MIN) ** 2)) for step in range(-_REACH, _REACH + 1))
OBSERVED = 0.5  # a quarter hour with this many (smoothed) shares counts as observed for the prior's mean


def quarter_of(zone_name: str, at: int) -> int:
    """The quarter hour of ``zone_name``'s wall-clock day that an instant falls in (0 is 00:00-00:15)."""
    wall = local_wall(zone_name, at)
    return (wall.hour * 60 + wall.minute) // QUARTER_MIN


def wall_time(quarter: int) -> str:
    """``09:45``: where quarter hour ``quarter`` of the day begins on the wall clock."""
    return f"{quarter * QUARTER_MIN // 60:02d}:{quarter * QUARTER_MIN % 60:02d}"


def smoothed_tallies(published: Iterable[tuple[int, int]], zone_name: str) -> list[Tally]:
    """Each quarter hour of ``zone_name``'s day with the shares and engagement it borrows from its neighbours,
    from ``(instant, engagement)`` of each post."""
    bins = [Tally() for _ in range(QUARTERS)]
    for at, engagement in published:
        bins[quarter_of(zone_name, at)].add(engagement)
    smoothed = []
    for quarter in range(QUARTERS):
        tally = Tally()
        for step, weight in KERNEL:
            near = bins[(quarter + step) % QUARTERS]
            tally.shares += weight * near.shares
            tally.engagement += weight * near.engagement
        smoothed.append(tally)
    return smoothed


def best_times(smoothed: list[Tally], count: int) -> list[int]:
    """The ``count`` quarter hours at the top of their neighbourhood (by rate, then by shares behind it), best
    first: the moments the plan aims at, one per peak rather than a peak's every quarter hour."""

    def rank(quarter: int) -> tuple[float, float]:
        tally = smoothed[quarter % QUARTERS]
        return (tally.rate, tally.shares)

    peaks = [
        quarter
        for quarter, tally in enumerate(smoothed)
        if tally.shares >= OBSERVED
        and tally.rate > 0  # nobody answered there: not a time to aim at
        and rank(quarter) >= rank(quarter - 1)
        and rank(quarter) >= rank(quarter + 1)
    ]
    return sorted(peaks, key=lambda quarter: (-smoothed[quarter].rate, quarter))[:count]


def time_beliefs(published: Iterable[tuple[int, int]], zone_name: str) -> dict[int, Belief]:
    """The belief about each quarter hour of ``zone_name``'s day, from ``(instant, engagement)`` of each post."""
    smoothed = smoothed_tallies(published, zone_name)
    rates = [tally.rate for tally in smoothed if tally.shares >= OBSERVED]
    typical = sum(rates) / len(rates) if rates else 0.0
    return {quarter: Belief.of(tally, typical) for quarter, tally in enumerate(smoothed)}
