"""The planner: which item goes to which channel, when, for which audience, in which words.

:func:`plan` is pure: it takes ``now`` and everything it needs as arguments, reads no clock and does no I/O
(the candidate source may be backed by a database; that is the caller's choice). It works in two passes:

1. **Timing** (:mod:`.timing`): per channel, every campaign's posts are given an instant and a target
   segment, keeping windows, min_gap, the daily cap and the segment shares, around the published history
   and the pinned (``fixed``) queue entries.
2. **Content**, in time order across all channels: each post gets the best eligible item from its campaign's
   pools (:mod:`.candidates`, with ``mix`` categories apportioned like segments) and a text that differs
   from the item's previous one on the channel (:mod:`.variants`).

Pinned posts are never moved: they count for min_gap, the daily cap, the day's posts_per_day, segment
shares, cooldowns (in both directions: nothing is planned within repeat_after before a pinned share
either), max_shares and text rotation. Whatever cannot be satisfied is left out and explained in
``Plan.warnings``; planning never fails for an unsatisfiable config. Same inputs, same plan.

Campaigns with ``learn: true`` also weigh hours, variants and items by the engagement ``observations``
(:mod:`.learning`), drawing from ``seed`` (by default :data:`~.learning.DEFAULT_SEED`, the same every day).
Without observations, or for the other campaigns, the plan is the rules' alone.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from content_library.snapshot import ItemSnapshot
from scheduler.names import UnknownName, require_known
from scheduler.planning.apportion import Apportioner
from scheduler.planning.candidates import CandidateSource, ChannelRecord, ChannelShares, Pool
from scheduler.planning.eligibility import campaign_filters, permanent_block
from scheduler.planning.inputs import PlanInputs
from scheduler.planning.learning import DEFAULT_SEED, EngagementWeights, Learning, Observation
from scheduler.planning.model import PastShare, Plan, PlannedPost
from scheduler.planning.slots import format_duration, format_instant, format_local, to_datetime, to_seconds
from scheduler.planning.timing import ChannelTiming, Existing, Slot, Warnings, counted
from scheduler.planning.variants import ChosenText, TextOption, option_key, word
from scheduler.rules import RuleBook
from scheduler.rules.timeline import DAY as DAY_SECONDS

UnknownTarget = UnknownName  # a channel or campaign name given to the planner that the config does not define


def plan(
    config: PlanInputs,
    library: CandidateSource,
    *,
    now: datetime,
    days: int,
    history: Sequence[PastShare] = (),
    fixed: Sequence[PastShare] = (),
    channels: Collection[str] | None = None,
    campaigns: Collection[str] | None = None,
    observations: Sequence[Observation] = (),
    seed: int = DEFAULT_SEED,
) -> Plan:
    """Plan ``days`` days from ``now`` (aware) for the given channels and campaigns (default: all).

    ``history`` is what was published; ``fixed`` are queue entries a person pinned, moved or inserted, which
    the plan keeps as they are and works around; ``observations`` are the engagement published posts got,
    which campaigns with ``learn: true`` learn from. The result holds only new posts, in time order.
    """
    if now.tzinfo is None:
        raise ValueError(f"plan() needs an aware `now`, got naive {now!r}")
    chosen_channels = _chosen("channel", channels, config.channels)
    chosen_campaigns = _chosen("campaign", campaigns, config.campaigns)
    start = math.ceil(now.timestamp())
    end = start + max(days, 0) * DAY_SECONDS
    warnings = Warnings()
    # Timing looks back one plan length (segment shares) plus two days (min_gap, the daily cap, the first day's
    # posts_per_day); older history only matters for cooldowns and rotation, in the content pass.
    relevant_from = start - (end - start) - 2 * DAY_SECONDS
    existing: defaultdict[str, list[Existing]] = defaultdict(list)
    for share in sorted((*history, *fixed), key=_share_order):
        if (at := to_seconds(share.at)) >= relevant_from:
            existing[share.channel].append(Existing(at, share.campaign, share.zone))
    rules = config.rules
    learns = any(config.campaigns[name].learn for name in chosen_campaigns)
    learning = Learning(observations, seed) if learns and observations else None
    slots: list[Slot] = []
    for channel in chosen_channels:
        names = [name for name in chosen_campaigns if channel in config.campaigns[name].channels]
        if names and end > start:
            timing = ChannelTiming(
                config,
                rules,
                channel,
                start=start,
                end=end,
                existing=existing[channel],
                warnings=warnings,
                learning=learning,
            )
            slots.extend(timing.run(names))
    writer = _ContentWriter(
        config, rules, library, history, fixed, chosen_channels, chosen_campaigns, start, end, learning
    )
    posts = writer.run(slots, warnings)
    if learning is not None:
        for channel in chosen_channels:
            if any(
                config.campaigns[name].learn and channel in config.campaigns[name].channels for name in chosen_campaigns
            ):
                for flag in learning.flags(channel):
                    warnings.note(flag.line())
    return Plan(tuple(posts), tuple(warnings.lines()))


def _chosen(what: str, wanted: Collection[str] | None, known: Collection[str]) -> list[str]:
    if wanted is None:
        return sorted(known)
    require_known(what, wanted, known)
    return sorted(set(wanted))


@dataclass(frozen=True)
class _Pinned:
    at: int
    share: PastShare


class _ContentWriter:
    """The content pass: items and texts for the timed slots, in time order."""

    def __init__(
        self,
        config: PlanInputs,
        rules: RuleBook,
        library: CandidateSource,
        history: Sequence[PastShare],
        fixed: Sequence[PastShare],
        channels: Sequence[str],
        campaigns: Sequence[str],
        start: int,
        end: int,
        learning: Learning | None,
    ) -> None:
        self.config, self.rules, self.learning = config, rules, learning
        # max_shares counts every share anywhere: published, pinned, and planned as planning goes.
        self.usage = Counter(share.item_id for share in (*history, *fixed))
        self.shares = {
            channel: ChannelShares(channel, [s.zone for s in config.channels[channel].segments]) for channel in channels
        }
        known = library.get_many({share.item_id for share in (*history, *fixed) if share.channel in self.shares})
        self.items: dict[int, ItemSnapshot] = dict(known)
        for share in sorted(history, key=_share_order):
            if share.channel in self.shares and share.item_id in known:
                self.shares[share.channel].share(
                    known[share.item_id],
                    to_seconds(share.at),
                    self._repeat_after(share),
                    share.zone,
                    share.text,
                    _option_of(share),
                )
        self.pinned = sorted(
            (_Pinned(to_seconds(s.at), s) for s in fixed if s.channel in self.shares and s.item_id in known),
            key=lambda pin: _share_order(pin.share),
        )
        for pin in self.pinned:
            record = self.shares[pin.share.channel].know(known[pin.share.item_id])
            record.upcoming.append((pin.at, self._repeat_after(pin.share)))
        self.pools: dict[tuple[str, str], dict[str | None, Pool]] = {}
        self.mixes: dict[tuple[str, str], Apportioner] = {}
        for channel in channels:
            for name in campaigns:
                campaign = config.campaigns[name]
                if channel not in campaign.channels:
                    continue
                self.pools[(channel, name)] = {
                    key: Pool(
                        self.shares[channel],
                        item_filter,
                        rules.spacing(channel, name).repeat_after,
                        library.fresh(item_filter.categories, item_filter.kinds, item_filter.tags),
                        self.usage,
                        EngagementWeights(learning, channel, name)
                        if learning and campaign.learn and learning.knows(channel)
                        else None,
                    )
                    for key, item_filter in campaign_filters(campaign).items()
                }
                if campaign.mix and self.pools[(channel, name)]:
                    self.mixes[(channel, name)] = self._mix_counts(channel, name, (*history, *fixed), start, end)
        for channel_shares in self.shares.values():
            for record in channel_shares.records.values():
                record.upcoming.sort()
                channel_shares.announce(record)

    def _repeat_after(self, share: PastShare) -> int:
        return self.rules.spacing(share.channel, share.campaign).repeat_after

    def _mix_counts(self, channel: str, name: str, shares: Sequence[PastShare], start: int, end: int) -> Apportioner:
        """A campaign's category counter, started from its posts in the lookback and the horizon."""
        categories = list(self.pools[(channel, name)])
        mix = self.config.campaigns[name].mix
        counter = Apportioner([mix[str(category)] for category in categories])
        lookback = start - (end - start)
        for share in shares:
            item = self.items.get(share.item_id)
            mine = share.channel == channel and share.campaign == name and lookback <= to_seconds(share.at)
            if mine and item is not None and item.category in categories:
                counter.add(categories.index(item.category))
        return counter

    def run(self, slots: Sequence[Slot], warnings: Warnings) -> list[PlannedPost]:
        posts: list[PlannedPost] = []
        empty: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
        pins = iter(self.pinned)
        pin = next(pins, None)
        for slot in sorted(slots, key=lambda s: (s.at, s.channel, s.campaign)):
            while pin is not None and pin.at <= slot.at:
                share = pin.share
                self.shares[share.channel].share(
                    self.items[share.item_id],
                    pin.at,
                    self._repeat_after(share),
                    share.zone,
                    share.text,
                    _option_of(share),
                )
                pin = next(pins, None)
            post = self._fill(slot)
            if post is None:
                empty[(slot.channel, slot.campaign)].append(slot.at)
            else:
                posts.append(post)
        for (channel, name), instants in sorted(empty.items()):
            warnings.note(self._shortage(channel, name, instants))
        return posts

    def _fill(self, slot: Slot) -> PlannedPost | None:
        pools = self.pools[(slot.channel, slot.campaign)]
        keys = list(pools)
        mix = self.mixes.get((slot.channel, slot.campaign))
        order = [keys[index] for index in mix.ranking()] if mix else keys
        for key in order:
            found = pools[key].take(slot.at, slot.zone, lambda item: self._word(item, slot))
            if found is None:
                continue
            item, chosen = found
            if mix:
                mix.add(keys.index(key))
            reason = _reason(slot, self.shares[slot.channel].records.get(item.id), key)
            repeat_after = self.rules.spacing(slot.channel, slot.campaign).repeat_after
            self.shares[slot.channel].share(item, slot.at, repeat_after, slot.zone, chosen.text, chosen.option.key)
            self.usage[item.id] += 1
            return PlannedPost(
                channel=slot.channel,
                campaign=slot.campaign,
                at=to_datetime(slot.at),
                zone=slot.zone,
                item_id=item.id,
                variant_id=chosen.option.variant_id,
                text=chosen.text,
                reason=reason,
                template_key=chosen.option.template_key,
            )
        return None

    def _word(self, item: ItemSnapshot, slot: Slot) -> ChosenText | None:
        record = self.shares[slot.channel].records.get(item.id)
        return word(
            item,
            channel=slot.channel,
            kind=self.config.channels[slot.channel].kind,
            campaign_name=slot.campaign,
            campaign=self.config.campaigns[slot.campaign],
            at=to_datetime(slot.at),
            previous_key=record.last_option if record else None,
            previous_text=record.last_text if record else None,
            prefer=self._preference(item, slot),
        )

    def _preference(self, item: ItemSnapshot, slot: Slot) -> Callable[[TextOption], float] | None:
        """A learning campaign's Thompson draw for each wording of the item: each variant and each template."""
        learning = self.learning
        if learning is None or not self.config.campaigns[slot.campaign].learn or not learning.knows(slot.channel):
            return None

        def drawn(option: TextOption) -> float:
            belief = learning.variant(slot.channel, item.id, option.variant_id, option.template_key)
            wording = option.variant_id if option.variant_id is not None else option.template_key
            return learning.draw(belief, "variant", slot.channel, slot.campaign, item.id, wording, slot.at)

        return drawn

    def _shortage(self, channel: str, name: str, instants: list[int]) -> str:
        campaign = self.config.campaigns[name]
        pools = self.pools[(channel, name)].values()
        first = min(instants)
        usable = {
            item_id
            for pool in pools
            for item_id in pool.members
            if not permanent_block(self.shares[channel].records[item_id].item, first, self.usage[item_id])
        }
        head = f"campaign {name} on {channel}: {counted(len(instants), 'post')} left empty, the first at "
        head += format_instant(first)
        if not usable and all(pool.fresh_exhausted for pool in pools):
            return f"{head}: no eligible items ({_describe_filter(name, campaign.categories, campaign.kinds)})"
        waits = sorted(again for pool in pools for again in pool.cooling(first))
        if campaign.posts_per_day:
            per_day: float = campaign.posts_per_day
            rate = f"{counted(campaign.posts_per_day, 'post')} a day"
        else:
            weekly = sum(len(slot.days) for slot in campaign.slots)
            per_day, rate = weekly / 7, f"{counted(weekly, 'post')} a week"
        repeat_after = format_duration(campaign.repeat_after.total_seconds())
        needed = math.ceil(per_day * campaign.repeat_after.total_seconds() / DAY_SECONDS)
        free_again = f"; the next one is free again at {format_instant(waits[0])}" if waits else ""
        if len(usable) < needed:
            detail = f"only {counted(len(usable), 'eligible item')} for repeat_after {repeat_after} at {rate}, "
            return f"{head}: {detail}which needs about {needed}{free_again}. Add items, or shorten repeat_after"
        return (
            f"{head}: none of its {counted(len(usable), 'eligible item')} was free then (repeat_after "
            f"{repeat_after}, counting the shares of every campaign on {channel}){free_again}"
        )


def _describe_filter(name: str, categories: Sequence[str], kinds: Sequence[str]) -> str:
    parts = []
    if categories:
        parts.append(f"categories {', '.join(categories)}")
    if kinds:
        parts.append(f"kinds {', '.join(kinds)}")
    return "; ".join(parts) or "the library has no active item"


def _share_order(share: PastShare) -> tuple[datetime, str, int, str, str, int, str, str]:
    """A total order on shares, so that the input's order never changes the plan."""
    variant = -1 if share.variant_id is None else share.variant_id
    wording = (share.template_key or "", share.campaign or "")
    return (share.at, share.channel, share.item_id, share.zone, share.text, variant, *wording)


def _option_of(share: PastShare) -> tuple[str, object] | None:
    return option_key(share.variant_id, share.template_key)


def _reason(slot: Slot, record: ChannelRecord | None, category: str | None) -> str:
    """Why the item fits the slot, from its record on the channel before this share: how often it reached the
    slot's segment and when last, on the segment's clocks (the planner aims each share at a segment)."""
    mix = f"mix category {category}; " if category is not None else ""
    if record is None or record.last is None:
        return f"{mix}first post on {slot.channel}"
    last_here = record.last_in.get(slot.zone)
    if last_here is None:
        others = sum(record.reach.values())
        return f"{mix}first post to {slot.zone} on {slot.channel}, shared there {others}× for other segments"
    reached = f"reached {slot.zone} {record.reach[slot.zone]}× before on {slot.channel}"
    return f"{mix}{reached}, last {format_local(last_here, slot.zone)}"
