"""Why an item is, or is not, in the plan: the planner's own rules, spelled out for one item.

Every "no" comes from :mod:`.eligibility`, the module the planner itself uses, and the "yes" comes from
running the planner over the config's horizon, so the explanation cannot drift from what the plan does.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime

from content_library.errors import ItemNotFound
from content_library.snapshot import ItemSnapshot
from scheduler.planning.candidates import CandidateSource, local_hour
from scheduler.planning.eligibility import campaign_filters, permanent_block
from scheduler.planning.inputs import PlanInputs
from scheduler.planning.learning import DEFAULT_SEED, Learning, Observation
from scheduler.planning.model import PastShare
from scheduler.planning.planner import plan
from scheduler.planning.slots import format_duration, format_instant, format_local, to_seconds
from scheduler.planning.variants import known_templates
from scheduler.rules import repeat_clear_from


def explain_item(
    config: PlanInputs,
    library: CandidateSource,
    item_id: int,
    *,
    now: datetime,
    history: Sequence[PastShare] = (),
    fixed: Sequence[PastShare] = (),
    observations: Sequence[Observation] = (),
    seed: int = DEFAULT_SEED,
) -> list[str]:
    """Lines such as ``cooling down on x-main until 2026-12-01T09:00Z (repeat_after 30d)`` or
    ``category 'misc' is in no campaign``, then what campaigns with ``learn: true`` learned from the
    ``observations`` about the item, its wordings and the segments' hours, then the posts the plan over
    ``config.horizon`` gives the item.

    Raises :class:`~content_library.errors.ItemNotFound` for an id that names no item.
    """
    item = library.get(item_id)
    if item is None:
        raise ItemNotFound("item", item_id)
    at = to_seconds(now)
    shares = [share for share in (*history, *fixed) if share.item_id == item_id]
    lines = [_describe(item)]
    lines.extend(
        f"{'pinned' if share in fixed else 'shared'} on {share.channel} at "
        f"{format_local(to_seconds(share.at), share.zone)} for {share.zone}"
        for share in sorted(shares, key=lambda s: s.at)[-5:]
    )
    lines.extend(_segments(config, [share for share in history if share.item_id == item_id]))
    blocked = permanent_block(item, at, len(shares))
    if blocked:
        return [*lines, blocked]
    campaigns = _campaigns_taking(config, item)
    if not campaigns:
        return [*lines, *_why_no_campaign(config, item)]
    rules = config.rules
    for name in campaigns:
        for channel in config.campaigns[name].channels:
            past = [
                (to_seconds(s.at), rules.spacing(channel, s.campaign).repeat_after)
                for s in shares
                if s.channel == channel
            ]
            repeat_after = rules.spacing(channel, name).repeat_after
            again = repeat_clear_from(past, at, repeat_after)
            if again > at:
                lines.append(
                    f"cooling down on {channel} until {format_instant(again)} "
                    f"(repeat_after {format_duration(repeat_after)}, campaign {name})"
                )
            else:
                lines.append(f"eligible on {channel} for campaign {name}")
    learning = Learning(observations, seed)
    templates = known_templates(config.campaigns.values())
    for name in campaigns:
        for channel in config.campaigns[name].channels if config.campaigns[name].learn else ():
            lines.extend(learning.explained(channel, name, item.id, templates))
    return lines + _planned(config, library, item, now, history, fixed, observations, seed)


def _segments(config: PlanInputs, published: Sequence[PastShare]) -> list[str]:
    """For each channel the item went out on, each audience segment of the channel: when the item last reached
    it and at which local hours, on the segment's clocks (the planner sends the next share to a segment at an
    hour the item has not used there yet, see :mod:`.candidates`), or that it has not reached it yet. A zone
    the channel no longer targets is listed after its segments, as such."""
    reached: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
    for share in published:
        reached[(share.channel, share.zone)].append(to_seconds(share.at))
    lines = []
    for channel in sorted({channel for channel, _ in reached}):
        known = config.channels.get(channel)
        segments = list(dict.fromkeys(segment.zone for segment in known.segments)) if known else []
        gone = sorted(zone_name for there, zone_name in reached if there == channel and zone_name not in segments)
        for zone_name in (*segments, *gone):
            where = f"on {channel} for {zone_name}" + ("" if zone_name in segments else " (no longer its segment)")
            instants = reached.get((channel, zone_name))
            if not instants:
                lines.append(f"{where}: not shared there yet")
                continue
            hours = Counter(local_hour(zone_name, at) for at in instants)
            lines.append(
                f"{where}: last shared {format_local(max(instants), zone_name)}; "
                f"local hours used {_counted_hours(hours)} {zone_name}"
            )
    return lines


def _counted_hours(hours: Counter[int]) -> str:
    """``09h ×2, 14h``."""
    return ", ".join(f"{hour:02d}h" + (f" ×{count}" if count > 1 else "") for hour, count in sorted(hours.items()))


def _describe(item: ItemSnapshot) -> str:
    category = f"'{item.category}'" if item.category else "(none)"
    return (
        f'item {item.id} "{item.title}": {item.status}, category {category}, kind {item.kind}, priority {item.priority}'
    )


def _campaigns_taking(config: PlanInputs, item: ItemSnapshot) -> list[str]:
    return sorted(
        name
        for name, campaign in config.campaigns.items()
        if any(item_filter.accepts(item) for item_filter in campaign_filters(campaign).values())
    )


def _why_no_campaign(config: PlanInputs, item: ItemSnapshot) -> list[str]:
    if not config.campaigns:
        return ["no campaign is configured, so nothing is planned"]
    named = {c for campaign in config.campaigns.values() for c in (*campaign.categories, *campaign.mix)}
    every_campaign_picks_categories = all(c.categories or c.mix for c in config.campaigns.values())
    if every_campaign_picks_categories and item.category not in named:
        shown = f"'{item.category}'" if item.category else "(none)"
        return [f"category {shown} is in no campaign"]
    lines = []
    for name, campaign in sorted(config.campaigns.items()):
        reasons = {f.mismatch(item) for f in campaign_filters(campaign).values()} - {None}
        lines.append(f"not in campaign {name}: {'; '.join(sorted(str(r) for r in reasons))}")
    return lines


def _planned(
    config: PlanInputs,
    library: CandidateSource,
    item: ItemSnapshot,
    now: datetime,
    history: Sequence[PastShare],
    fixed: Sequence[PastShare],
    observations: Sequence[Observation],
    seed: int,
) -> list[str]:
    days = max(1, math.ceil(config.horizon.total_seconds() / 86400))
    result = plan(
        config, library, now=now, days=days, history=history, fixed=fixed, observations=observations, seed=seed
    )
    mine = [post for post in result.posts if post.item_id == item.id]
    if not mine:
        return [
            f"not planned in the next {days} days: other eligible items rank first (less reach, shared "
            "longer ago, higher priority), or no slot comes after its cooldown"
        ]
    return [
        f"planned on {post.channel} at {format_local(to_seconds(post.at), post.zone)} for {post.zone} "
        f"(campaign {post.campaign}; {post.reason})"
        for post in mine
    ]
