"""What is believed of an option's engagement per share (an hour, a wording, an item), and Thompson's draw.

Each option's rate has a Gamma posterior (the conjugate of Poisson counts) whose prior is worth
:data:`PRIOR_SHARES` shares at the mean of its group, so an option never observed is drawn around that mean
and still gets tried. A posterior is never allowed to be surer than :data:`MEMORY_SHARES` shares would make
it, so a runner-up still wins a draw now and then: habits change, and every option keeps being tried.
"""

import math
from dataclasses import dataclass
from statistics import NormalDist

PRIOR_SHARES = 1.0  # how many shares' worth the group's mean counts for in an option's prior
MEMORY_SHARES = 30.0  # a posterior is never surer than this many shares would make it
_NORMAL = NormalDist()


@dataclass
class Tally:
    shares: float = 0
    engagement: float = 0

    def add(self, engagement: float) -> None:
        self.shares += 1
        self.engagement += engagement

    @property
    def rate(self) -> float:
        return self.engagement / self.shares if self.shares else 0.0


@dataclass(frozen=True)
class Belief:
    """The posterior of an option's engagement per share: Gamma(shape, rate)."""

    shape: float
    rate: float

    @classmethod
    def of(cls, tally: Tally, prior_mean: float) -> "Belief":
        shape = PRIOR_SHARES * prior_mean + tally.engagement
        rate = PRIOR_SHARES + tally.shares
        if rate > MEMORY_SHARES:  # the same mean, as sure as MEMORY_SHARES shares would make it
            shape, rate = shape * MEMORY_SHARES / rate, MEMORY_SHARES
        return cls(shape, rate)

    @property
    def mean(self) -> float:
        return self.shape / self.rate

    def draw(self, first: float, second: float) -> float:
        """A Gamma draw from two uniforms in [0, 1): Wilson–Hilferty for shape ≥ 1, and for a smaller shape
        a draw of shape + 1 times ``second ** (1 / shape)`` (the usual boost)."""
        if self.shape <= 0:
            return 0.0
        shape = self.shape if self.shape >= 1 else self.shape + 1
        normal = _NORMAL.inv_cdf(min(max(first, 1e-12), 1 - 1e-12))
        cube = 1 - 1 / (9 * shape) + normal * math.sqrt(1 / (9 * shape))
        value = shape * max(cube, 0.0) ** 3
        if self.shape < 1:
            value *= max(second, 1e-12) ** (1 / self.shape)
        return value / self.rate
