"""Cumulative weighted apportionment: whose turn is the next post?

Rounding per day starves small shares: a 10% segment on a channel with 3 posts a day rounds to 0 every day.
Instead each (channel, campaign) keeps one running count per share (segment, or category of a ``mix``) over
the whole plan, and each post goes to the share that is most due. "Most due" is earliest-deadline-first over
the quota bounds: the j-th post of a share with weight w may go out once ``j <= ceil(w·n)`` (its release) and
must have gone out by the time ``floor(w·n) >= j`` (its deadline), for n the number of posts so far. Unit
jobs with release times and deadlines are scheduled optimally by EDF, so after every post each count stays
within 1 of its exact share ``w·n`` (``floor <= count <= ceil``) — true of every prefix of the plan, not only
its end. Weights are any positive numbers; they are normalised with exact fractions so that boundaries such
as ``w·n == 3`` are not lost to floating point.

A count can start from posts that already exist (history, pinned posts): shares that are behind then have
deadlines in the past and are served first until the counts are back within their quota.
"""

import math
from collections.abc import Sequence
from fractions import Fraction


class Apportioner:
    """Running counts over shares with fixed weights; :meth:`ranking` says who is due, :meth:`add` records."""

    def __init__(self, weights: Sequence[float]) -> None:
        if not weights or any(weight < 0 for weight in weights) or not any(weights):
            raise ValueError(f"apportionment needs weights of 0 or more, one of them positive, got {list(weights)}")
        exact = [Fraction(weight) for weight in weights]
        total = sum(exact)
        self.shares = tuple(weight / total for weight in exact)
        # 1/share as an integer ratio, so that releases and deadlines are integer arithmetic; a share of 0 is
        # never due (it is ranked last, for when every other share has no room).
        self._inverse = tuple(
            ((1 / share).numerator, (1 / share).denominator) if share else None for share in self.shares
        )
        self.counts = [0] * len(weights)

    @property
    def total(self) -> int:
        return sum(self.counts)

    def _due(self, index: int, step: int) -> tuple[bool, float, Fraction, int]:
        inverse = self._inverse[index]
        if inverse is None:
            return (True, math.inf, Fraction(0), index)
        numerator, denominator = inverse
        job = self.counts[index] + 1
        release = (job - 1) * numerator // denominator + 1  # floor((job - 1) / share) + 1
        deadline = -(-job * numerator // denominator)  # ceil(job / share)
        return (release > step, deadline, -self.shares[index], index)

    def ranking(self) -> list[int]:
        """Every share index, most due first: released shares by deadline, then the not-yet-released ones
        (used when the due share has no room or no item; bigger shares first, then index, break ties)."""
        step = self.total + 1
        return sorted(range(len(self.shares)), key=lambda index: self._due(index, step))

    def add(self, index: int, count: int = 1) -> None:
        self.counts[index] += count

    def preview(self, posts: int) -> list[int]:
        """The shares the next ``posts`` posts would go to if every one of them is placed."""
        saved = list(self.counts)
        chosen = []
        for _ in range(posts):
            index = self.ranking()[0]
            chosen.append(index)
            self.add(index)
        self.counts = saved
        return chosen
