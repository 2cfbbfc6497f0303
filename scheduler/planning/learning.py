"""What engagement teaches the planner, for campaigns with ``learn: true``.

Three things are learned per channel, each as an engagement rate per share (likes, reposts, replies and
clicks of a post, summed): the **times of day** at which the channel's followers respond, in each segment's
local quarter hours (:mod:`.times_of_day`), the **variants** of each item, and the **items** themselves. The
planner uses them to put a segment's posts at its responsive times (always inside its windows), to word an
item with its better variant, and to bring better items back first; an item that stays well below the
channel's rate is flagged and shared half as often, never retired.

Each option's rate is a :class:`~.beliefs.Belief` around the mean of its group (a typical time of day, the
item's mean for its variants, the channel's for its items). Decisions are Thompson draws: a rate is drawn
from each option's posterior and the best draw wins, so every option keeps being tried.

Pure: the observations and a seed are inputs, and a draw is a hash of the seed and of what is being decided
(:func:`~scheduler.planning.draws.unit_hash`), never ``random``, so the same inputs give the same plan and
no draw depends on the order of the others. With no observations nothing here changes the plan.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from scheduler.planning.beliefs import Belief, Tally
from scheduler.planning.draws import unit_hash
from scheduler.planning.slots import local_wall, to_seconds
from scheduler.planning.times_of_day import best_times, smoothed_tallies, time_beliefs, wall_time
from scheduler.planning.variants import wording_label

FLAG_AFTER_SHARES = 5  # an item is judged once it has this many observed shares on the channel…
FLAG_BELOW = 0.5  # …and flagged when its rate is under this fraction of the channel's
FLAGGED_SLOWDOWN = 2  # a flagged item's repeat_after is multiplied by this: shared half as often
HOURS_SHOWN = 5  # the best hours of a segment that `plan --explain` lists


DEFAULT_SEED = 0  # the same whatever the day: each draw's key already names what it decides (the slot's local
# day, the post, an item's record), so a refill draws again exactly what the last one drew; found in review: a
# seed taken from the UTC date replaced 23 of 32 learning entries at every day's first refill, with no new data


@dataclass(frozen=True)
class Observation:
    """The engagement one published post got: the planner's only input about what works.

    ``engagement`` is the sum of likes, reposts, replies and clicks counted so far; ``zone`` is the segment
    the post was timed for; ``variant_id`` is None when a template worded it, and ``template_key`` then names
    the template (:func:`~scheduler.planning.variants.template_key`; None for a post recorded before it was).
    """

    channel: str
    item_id: int
    zone: str
    published_at: datetime  # UTC, aware
    engagement: int
    variant_id: int | None = None
    template_key: str | None = None


@dataclass
class _Channel:
    """Every tally of one channel."""

    all: Tally = field(default_factory=Tally)
    zones: set[str] = field(default_factory=set)  # the segments its posts were timed for
    published: list[tuple[int, int]] = field(default_factory=list)  # (instant, engagement) of each post
    items: defaultdict[int, Tally] = field(default_factory=lambda: defaultdict(Tally))
    # per (item, variant id, template key): each variant and each template is a wording of its own
    variants: defaultdict[tuple[int, int | None, str | None], Tally] = field(default_factory=lambda: defaultdict(Tally))


@dataclass(frozen=True)
class Flag:
    """An item whose engagement stays well below its channel's: shared less often, and said so."""

    channel: str
    item_id: int
    observed: Tally
    channel_mean: float

    def line(self) -> str:
        return (
            f"item {self.item_id} on {self.channel}: {self.observed.rate:.1f} engagement per share over "
            f"{self.observed.shares} shares, under {FLAG_BELOW:.0%} of the channel's {self.channel_mean:.1f}; it is "
            f"shared {FLAGGED_SLOWDOWN}× less often (learn: true). Give it a better variant, or retire it: "
            f"`evertide library retire {self.item_id}`"
        )


class Learning:
    """The observations, tallied once per plan, and the draws made from them."""

    def __init__(self, observations: Iterable[Observation], seed: int) -> None:
        self.seed = seed
        channels: defaultdict[str, _Channel] = defaultdict(_Channel)
        self._times: dict[tuple[str, str], dict[int, Belief]] = {}
        for seen in observations:
            if seen.published_at.tzinfo is None:
                raise ValueError(f"an observation needs an aware published_at, got naive {seen.published_at!r}")
            tallies = channels[seen.channel]
            tallies.published.append((to_seconds(seen.published_at), seen.engagement))
            tallies.zones.add(seen.zone)
            for tally in (
                tallies.all,
                tallies.items[seen.item_id],
                tallies.variants[(seen.item_id, seen.variant_id, seen.template_key)],
            ):
                tally.add(seen.engagement)
        # A channel where nobody answered anything has taught nothing: every draw would be 0, and the ties
        # would send every post to its window's first quarter hour (found in review). Its plan is the rules'.
        self._channels = defaultdict(_Channel, {name: t for name, t in channels.items() if t.all.engagement > 0})

    def draw(self, belief: Belief, *decision: object) -> float:
        """Thompson's draw for one option in one decision (the same decision always draws the same)."""
        return belief.draw(unit_hash(self.seed, 0, *decision), unit_hash(self.seed, 1, *decision))

    def knows(self, channel: str) -> bool:
        """Whether anything was learned on the channel (an engagement observed): every post there says
        something of every segment's times, of its item and of its wording."""
        return channel in self._channels

    def hour_tallies(self, channel: str, zone: str) -> dict[int, Tally]:
        """The channel's engagement per share by the local hour of ``zone``, as observed (for people to read)."""
        hours: defaultdict[int, Tally] = defaultdict(Tally)
        for at, engagement in self._channels[channel].published:
            hours[local_wall(zone, at).hour].add(engagement)
        return hours

    def best_time(self, channel: str, zone: str, quarters: Collection[int], *decision: object) -> int:
        """The one of ``quarters`` (local quarter hours of a segment's windows, see :mod:`.times_of_day`)
        whose Thompson draw is highest."""
        if (channel, zone) not in self._times:
            self._times[(channel, zone)] = time_beliefs(self._channels[channel].published, zone)
        beliefs = self._times[(channel, zone)]
        drawn = {q: self.draw(beliefs[q], "time", channel, zone, *decision, q) for q in quarters}
        return max(drawn, key=lambda q: (drawn[q], -q))

    def variant(self, channel: str, item_id: int, variant_id: int | None, template_key: str | None) -> Belief:
        """The belief about one wording of an item (a variant, else a template), around the item's mean."""
        tallies = self._channels[channel]
        item = tallies.items.get(item_id)
        mean = item.rate if item else tallies.all.rate
        return Belief.of(tallies.variants.get((item_id, variant_id, template_key), Tally()), mean)

    def item(self, channel: str, item_id: int) -> Belief:
        tallies = self._channels[channel]
        return Belief.of(tallies.items.get(item_id, Tally()), tallies.all.rate)

    def flag(self, channel: str, item_id: int) -> Flag | None:
        """A flag for an item observed often enough and well below the channel's rate, else None."""
        tallies = self._channels.get(channel)
        observed = tallies.items.get(item_id, Tally()) if tallies else Tally()
        if tallies is None or observed.shares < FLAG_AFTER_SHARES:
            return None
        mean = tallies.all.rate  # judged on the posterior, which the prior pulls towards the mean: no rash flags
        return Flag(channel, item_id, observed, mean) if self.item(channel, item_id).mean < FLAG_BELOW * mean else None

    def flags(self, channel: str) -> list[Flag]:
        tallies = self._channels.get(channel)
        found = (self.flag(channel, item_id) for item_id in sorted(tallies.items)) if tallies else ()
        return [flag for flag in found if flag is not None]

    def explained(
        self, channel: str, campaign: str, item_id: int, templates: Mapping[str, str] = MappingProxyType({})
    ) -> list[str]:
        """What was learned on ``channel`` that bears on an item, with the shares observed behind each number
        (engagement per share as observed; the draws start from these, pulled towards their group's mean).
        ``templates`` gives the text of each template key still in the config."""
        tallies = self._channels.get(channel)
        if tallies is None:
            return []
        item = tallies.items.get(item_id, Tally())
        lines = [
            f"learned on {channel} (campaign {campaign}): item {item_id} {item.rate:.1f} engagement per share over "
            f"{item.shares} share{'' if item.shares == 1 else 's'} (channel {tallies.all.rate:.1f} over "
            f"{tallies.all.shares})"
        ]
        wordings = sorted(
            ((v, k, t) for (i, v, k), t in tallies.variants.items() if i == item_id),
            key=lambda p: (p[0] is None, p[0] or 0, p[1] is None, p[1] not in templates, p[1] or ""),
        )
        if wordings:
            lines.append(
                f"learned wordings on {channel}: "
                + "; ".join(f"{wording_label(v, k, templates)} {_per_share(t)}" for v, k, t in wordings)
            )
        for zone_name in sorted(tallies.zones):
            hours = sorted(self.hour_tallies(channel, zone_name).items(), key=lambda p: -p[1].rate)
            shown = ", ".join(f"{hour:02d}h {_per_share(tally)}" for hour, tally in hours[:HOURS_SHOWN])
            lines.append(f"learned hours on {channel} for {zone_name}: {shown}")
            smoothed = smoothed_tallies(tallies.published, zone_name)
            times = ", ".join(
                f"{wall_time(quarter)} {smoothed[quarter].rate:.1f} per share "
                f"({smoothed[quarter].shares:.1f} shares near it)"
                for quarter in best_times(smoothed, HOURS_SHOWN)
            )
            if times:
                lines.append(
                    f"learned best times on {channel} for {zone_name} (its posts go to the best inside its "
                    f"windows): {times}"
                )
        flag = self.flag(channel, item_id)
        return lines + ([f"flagged: {flag.line()}"] if flag else [])


def _per_share(tally: Tally) -> str:
    """``7.0 over 2 shares``."""
    return f"{tally.rate:.1f} over {tally.shares} share{'' if tally.shares == 1 else 's'}"


class EngagementWeights:
    """What a learning campaign's pool on one channel asks (see :class:`~.candidates.ItemWeights`): a
    Thompson draw of each item's rate, made again whenever its record changes, and flagged items' cooldowns."""

    def __init__(self, learning: Learning, channel: str, campaign: str) -> None:
        self.learning, self.channel, self.campaign = learning, channel, campaign

    def rank(self, item_id: int, version: int) -> float:
        belief = self.learning.item(self.channel, item_id)
        return -self.learning.draw(belief, "item", self.channel, self.campaign, item_id, version)

    def repeat_after(self, item_id: int, repeat_after: int) -> int:
        flagged = self.learning.flag(self.channel, item_id) is not None
        return repeat_after * FLAGGED_SLOWDOWN if flagged else repeat_after
