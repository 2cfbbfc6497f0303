"""The numbers the spacing rules need, taken from the config once.

Every part of evertide that places or checks a post (the planner, each queue edit, the daemon's check at
claim time) asks the same :class:`RuleBook`, so a rule has one meaning everywhere:

- A post's **spacing** is its campaign's ``min_gap`` and ``repeat_after``. A post with no campaign, or whose
  campaign is no longer configured (a hand-inserted post, old history), takes the widest ``min_gap`` and
  ``repeat_after`` of the campaigns that post on its channel: the safe side, it never squeezes another post.
- Between two posts of a channel the wider of the two spacings applies (see :mod:`.timeline`).
- A channel's **caps** are its ``daily_cap`` (per 24 hours), ``monthly_cap`` (per 30 days) and the posts its
  ``budget:`` pays for in a calendar month (UTC), each at the price of a post with a link.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from scheduler.config import Config


@dataclass(frozen=True)
class Spacing:
    """How far apart posts must stay, in seconds: any two posts (``min_gap``), two posts of one item
    (``repeat_after``)."""

    min_gap: int = 0
    repeat_after: int = 0

    def wider(self, other: "Spacing") -> "Spacing":
        return Spacing(max(self.min_gap, other.min_gap), max(self.repeat_after, other.repeat_after))


@dataclass(frozen=True)
class Caps:
    """At most ``daily`` posts in any 24 hours, ``monthly`` in any 30 days and ``budgeted`` in any calendar month
    of UTC (None: no cap)."""

    daily: int | None = None
    monthly: int | None = None
    budgeted: int | None = None


NO_SPACING = Spacing()


@dataclass(frozen=True)
class RuleBook:
    """Spacing per campaign and caps per channel, as plain frozen numbers (no YAML model below this)."""

    campaigns: Mapping[str, Spacing]
    caps: Mapping[str, Caps]
    widest: Mapping[str, Spacing]  # per channel: the spacing of a post without a configured campaign

    @classmethod
    def from_config(cls, config: Config) -> "RuleBook":
        campaigns = {
            name: Spacing(int(c.min_gap.total_seconds()), int(c.repeat_after.total_seconds()))
            for name, c in config.campaigns.items()
        }
        widest: dict[str, Spacing] = {}
        for name, campaign in config.campaigns.items():
            for channel in campaign.channels:
                widest[channel] = widest.get(channel, NO_SPACING).wider(campaigns[name])
        caps = {name: Caps(c.daily_cap, c.monthly_cap, c.posts_in_budget) for name, c in config.channels.items()}
        return cls(MappingProxyType(campaigns), MappingProxyType(caps), MappingProxyType(widest))

    def spacing(self, channel: str, campaign: str | None) -> Spacing:
        if campaign is not None and campaign in self.campaigns:
            return self.campaigns[campaign]
        return self.widest.get(channel, NO_SPACING)

    def caps_of(self, channel: str) -> Caps:
        return self.caps.get(channel, Caps())
