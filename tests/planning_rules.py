"""The planning rules, recomputed from a plan's output and its inputs alone.

Each ``check_*`` function asserts one of the issue's rules independently of the planner's own data
structures (it never calls into ``scheduler.planning`` beyond the data types), so a planner bug cannot hide
behind the same bug in the check. The property tests run them over the setups of :mod:`tests.strategies`.
"""

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from content_library.snapshot import ItemSnapshot
from content_library.text_length import fits
from scheduler.config import CampaignConfig, Config, Segment
from scheduler.planning.model import PastShare, Plan, PlannedPost
from scheduler.zones import zone
from tests.strategies import Setup


def segments_for(config: Config, post: PlannedPost) -> list[Segment]:
    """The audience segments a post may target (none for a post from explicit weekly slots)."""
    if config.campaigns[post.campaign].slots:
        return []
    return [s for s in config.audience_of(post.channel) if s.zone == post.zone]


def window_day(segment: Segment, moment: datetime) -> date | None:
    """The local date whose window holds ``moment`` (None if no window does), judged on the wall clock."""
    local = moment.astimezone(zone(segment.zone))
    if local.fold:
        return None  # the second pass through a repeated hour belongs to no window
    wall = local.time().replace(tzinfo=None)
    for window in segment.windows:
        if not window.crosses_midnight and window.start <= wall < window.end:
            return local.date()
        if window.crosses_midnight and wall >= window.start:
            return local.date()
        if window.crosses_midnight and wall < window.end:
            return local.date() - timedelta(days=1)
    return None


def check_local_times(config: Config, plan: Plan) -> None:
    """Rule 1: inside a window of the segment, on a wall time that exists, never the second pass of a fold."""
    for post in plan.posts:
        local = post.at.astimezone(zone(post.zone))
        assert local.fold == 0, f"{post} is on the second pass through a repeated hour"
        again = local.replace(tzinfo=None).replace(tzinfo=zone(post.zone), fold=0).astimezone(UTC)
        assert again == post.at, f"{post}: local time {local} does not round-trip"
        campaign = config.campaigns[post.campaign]
        if not campaign.slots:
            days = [window_day(s, post.at) for s in segments_for(config, post)]
            assert any(day is not None for day in days), f"{post} at {local} is outside every window"
        else:
            nearest = min(
                abs(post.at - at)
                for at in slot_instants(campaign, post.at - timedelta(days=1), post.at + timedelta(days=1))[post.zone]
            )
            assert nearest <= campaign.jitter, f"{post} is {nearest} from its weekly slot"


def first_instant(zone_name: str, wall: datetime) -> datetime:
    """The first instant whose wall time is ``wall`` or later, found minute by minute (slow and obvious)."""
    moment = (wall - timedelta(hours=3)).replace(tzinfo=zone(zone_name)).astimezone(UTC)
    while moment.astimezone(zone(zone_name)).replace(tzinfo=None) < wall:
        moment += timedelta(minutes=1)
    return moment


def slot_instants(campaign: CampaignConfig, low: datetime, high: datetime) -> defaultdict[str, list[datetime]]:
    """The instants of a campaign's weekly slots between ``low`` and ``high``, per zone, on days it runs."""
    found: defaultdict[str, list[datetime]] = defaultdict(list)
    for slot in campaign.slots:
        day = low.astimezone(zone(slot.zone)).date() - timedelta(days=1)
        while day <= high.astimezone(zone(slot.zone)).date() + timedelta(days=1):
            weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
            at = first_instant(slot.zone, datetime.combine(day, slot.at))
            if weekday in slot.days and runs_on(campaign, day) and low <= at < high:
                found[slot.zone].append(at)
            day += timedelta(days=1)
    return found


def _spacing(config: Config, channel: str, campaign: str | None, field: str) -> timedelta:
    """A campaign's min_gap or repeat_after; a post without a configured campaign takes the widest of the
    channel's campaigns (the rule book's meaning, restated here independently)."""
    if campaign in config.campaigns:
        return getattr(config.campaigns[campaign], field)
    return max((getattr(c, field) for c in config.campaigns.values() if channel in c.channels), default=timedelta(0))


def gap_of(config: Config, channel: str, campaign: str | None) -> timedelta:
    return _spacing(config, channel, campaign, "min_gap")


def repeat_of(config: Config, channel: str, campaign: str | None) -> timedelta:
    return _spacing(config, channel, campaign, "repeat_after")


def check_gaps_and_caps(config: Config, plan: Plan, history: Sequence[PastShare], fixed: Sequence[PastShare]) -> None:
    """Rule 2: min_gap between every pair that involves a planned post, daily_cap in every 24 hours."""
    by_channel: defaultdict[str, list[tuple[datetime, str | None, bool]]] = defaultdict(list)
    for share in (*history, *fixed):
        by_channel[share.channel].append((share.at, share.campaign, False))
    for post in plan.posts:
        by_channel[post.channel].append((post.at, post.campaign, True))
    for channel, posts in by_channel.items():
        posts.sort(key=lambda p: p[0])
        for index, (at, campaign, planned) in enumerate(posts):
            for other_at, other_campaign, other_planned in posts[index + 1 :]:
                wanted = max(gap_of(config, channel, campaign), gap_of(config, channel, other_campaign))
                if other_at - at >= timedelta(hours=6):
                    break
                if planned or other_planned:
                    assert other_at - at >= wanted, f"{channel}: {at} and {other_at} are closer than {wanted}"
        cap = config.channels[channel].daily_cap
        if cap is not None:
            planned_times = [p[0] for p in posts if p[2]]
            for at in [p[0] for p in posts]:
                within = [p for p in posts if at <= p[0] < at + timedelta(days=1)]
                if any(p[2] for p in within):
                    assert len(within) <= cap or not planned_times, f"{channel}: {len(within)} posts from {at}"


def full_days(config: Config, channel: str, now: datetime, days: int) -> list[date]:
    """Local dates whose every window, in every segment of the channel, lies inside the horizon."""
    end = now + timedelta(days=days)
    found = []
    day = now.date() - timedelta(days=2)
    while day <= end.date() + timedelta(days=1):
        inside = True
        for segment in config.audience_of(channel):
            tz = zone(segment.zone)
            first = datetime.combine(day, time(0), tz)
            last = datetime.combine(day + timedelta(days=2), time(0), tz)
            inside &= first >= now and last <= end
        if inside:
            found.append(day)
        day += timedelta(days=1)
    return found


def runs_on(campaign: CampaignConfig, day: date) -> bool:
    weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
    return (
        weekday in campaign.days
        and day not in campaign.blackout
        and (campaign.start is None or day >= campaign.start)
        and (campaign.end is None or day <= campaign.end)
    )


def daily_counts(config: Config, posts: Sequence[PlannedPost | PastShare], channel: str, name: str) -> Counter[date]:
    counted: Counter[date] = Counter()
    for post in posts:
        if post.channel == channel and post.campaign == name:
            # A pinned post outside every window counts for its local date.
            for segment in config.audience_of(channel):
                if segment.zone == post.zone:
                    counted[window_day(segment, post.at) or post.at.astimezone(zone(post.zone)).date()] += 1
    return counted


def check_daily_counts(setup: Setup, plan: Plan, *, exact: bool) -> None:
    """Rule 2: posts_per_day on every allowed day (judged in the target segment's local date), never more,
    never on a day the campaign does not run; a shortfall on a full day is always explained by a warning."""
    config = setup.config
    for name, campaign in config.campaigns.items():
        if campaign.slots:
            check_weekly_slots_filled(setup, plan, name)
            continue
        wanted = campaign.posts_per_day or 0
        for channel in campaign.channels:
            planned = daily_counts(config, plan.posts, channel, name)
            existing = daily_counts(config, [*setup.history, *setup.fixed], channel, name)
            for day, count in planned.items():
                assert runs_on(campaign, day), f"{name} posted on {channel} on {day}, a day it does not run"
                assert count + existing[day] <= wanted, f"{name} on {channel}: too many on {day}"
            for day in full_days(config, channel, setup.now, setup.days):
                if not runs_on(campaign, day) or planned[day] + existing[day] >= wanted:
                    continue
                problem = f"{name} on {channel}: {planned[day]} + {existing[day]} of {wanted} on {day}"
                assert not exact, f"{problem}; warnings: {plan.warnings}"
                assert any(f"campaign {name} on {channel}" in w for w in plan.warnings), f"{problem}, unexplained"


def check_weekly_slots_filled(setup: Setup, plan: Plan, name: str) -> None:
    """Every weekly slot in the horizon gets a post (within jitter), or a warning says why not."""
    campaign = setup.config.campaigns[name]
    end = setup.now + timedelta(days=setup.days)
    for channel in campaign.channels:
        posts = [p for p in plan.posts if (p.channel, p.campaign) == (channel, name)]
        taken = [s for s in (*setup.history, *setup.fixed) if (s.channel, s.campaign) == (channel, name)]
        for zone_name, instants in slot_instants(campaign, setup.now, end).items():
            local = zone(zone_name)
            for at in instants:
                planned_here = any(p.zone == zone_name and abs(p.at - at) <= campaign.jitter for p in posts)
                taken_that_day = any(
                    s.zone == zone_name and s.at.astimezone(local).date() == at.astimezone(local).date() for s in taken
                )
                explained = any(f"campaign {name} on {channel}" in w for w in plan.warnings)
                assert planned_here or taken_that_day or explained, f"{name} on {channel}: slot {at} empty, unexplained"


def check_shares(config: Config, plan: Plan, now: datetime, days: int) -> None:
    """Rule 3: each segment's count within 1 of its weighted share, per campaign and channel — give or take
    the posts of the first and last dates, which the horizon cuts: those go to the segments whose windows
    they still hold, and the whole days after them even the shares out again."""
    for name, campaign in config.campaigns.items():
        for channel in campaign.channels if campaign.posts_per_day else ():
            whole = set(full_days(config, channel, now, days))
            posts = [p for p in plan.posts if p.channel == channel and p.campaign == name]
            on_cut_dates = sum(
                1 for p in posts if not any(window_day(s, p.at) in whole for s in segments_for(config, p))
            )
            weights: Counter[str] = Counter()
            for segment in config.audience_of(channel):
                weights[segment.zone] += segment.weight  # type: ignore[assignment]
            total = sum(weights.values())
            counts = Counter(p.zone for p in posts)
            for zone_name, weight in weights.items():
                share = weight / total * len(posts)
                assert abs(counts[zone_name] - share) <= 1 + on_cut_dates + 1e-9, (
                    f"{name} on {channel}: {zone_name} got {counts[zone_name]} of {len(posts)}, share {share:.2f}"
                )


def check_texts(config: Config, plan: Plan, history: Sequence[PastShare], fixed: Sequence[PastShare]) -> None:
    """Rule 6: the text fits the channel and differs from the item's previous text there."""
    events = sorted(
        [(s.at, 0, s.channel, s.item_id, s.text, False) for s in (*history, *fixed)]
        + [(p.at, 1, p.channel, p.item_id, p.text, True) for p in plan.posts]
    )
    previous: dict[tuple[str, int], str] = {}
    for _, _, channel, item_id, text, planned in events:
        if planned:
            assert fits(text, config.channels[channel].kind), f"{text!r} is too long for {channel}"
            assert previous.get((channel, item_id)) != text, f"item {item_id} repeats {text!r} on {channel}"
        previous[(channel, item_id)] = text


def _accepts(item: ItemSnapshot, categories: Sequence[str | None], campaign: CampaignConfig) -> bool:
    tags = {tag.casefold() for tag in campaign.tags}
    return (
        (not categories or item.category in categories)
        and (not campaign.kinds or item.kind in campaign.kinds)
        and (not tags or bool({tag.casefold() for tag in item.tags} & tags))
    )


def _eligible(
    item: ItemSnapshot,
    post: PlannedPost,
    setup: Setup,
    pool: Sequence[str | None],
    on_channel: Sequence[PastShare | PlannedPost],
    usage: Counter[int],
) -> bool:
    config = setup.config
    own = repeat_of(config, post.channel, post.campaign)
    return (
        _accepts(item, pool, config.campaigns[post.campaign])
        and item.status == "active"
        and (item.expires_at is None or item.expires_at > post.at)
        and (item.max_shares is None or usage[item.id] < item.max_shares)
        and all(
            abs(post.at - s.at) >= max(own, repeat_of(config, s.channel, s.campaign))
            for s in on_channel
            if s.item_id == item.id
        )
    )


def _rank(
    item: ItemSnapshot, post: PlannedPost, on_channel: Sequence[PastShare | PlannedPost]
) -> tuple[int, int, float, int, int]:
    past = [s for s in on_channel if s.item_id == item.id and s.at <= post.at]
    reach = sum(1 for s in past if s.zone == post.zone)
    hour = post.at.astimezone(zone(post.zone)).hour
    at_hour = sum(1 for s in past if s.at.astimezone(zone(post.zone)).hour == hour)  # timed for any segment
    last = max((s.at.timestamp() for s in past), default=float("-inf"))
    return (reach, at_hour, last, -item.priority, item.id)


def check_choices(setup: Setup, plan: Plan) -> None:
    """Rules 4 and 5, replayed post by post in the plan's order: the item chosen is eligible (active, not
    expired at the slot, max_shares not reached counting planned shares, at least the wider repeat_after of
    the two from every other share on the channel, pinned ones included, in the campaign's pool) and no
    eligible item of the same pool ranks before it by (reach of the segment, shares at the post's local hour of
    the segment whichever segment they were timed for, last share with never first, −priority, id)."""
    earlier: list[PastShare | PlannedPost] = [*setup.history, *setup.fixed]
    usage = Counter(share.item_id for share in earlier)
    for post in plan.posts:
        campaign = setup.config.campaigns[post.campaign]
        chosen = next(item for item in setup.items if item.id == post.item_id)
        if campaign.mix:
            assert chosen.category in campaign.mix, f"{post}: category {chosen.category} is not in the mix"
        pool: Sequence[str | None] = (chosen.category,) if campaign.mix else campaign.categories
        on_channel = [share for share in earlier if share.channel == post.channel]
        assert _eligible(chosen, post, setup, pool, on_channel, usage), f"{post} uses an ineligible item"
        better = [
            item.id
            for item in setup.items
            if _eligible(item, post, setup, pool, on_channel, usage)
            and _rank(item, post, on_channel) < _rank(chosen, post, on_channel)
        ]
        assert not better, f"{post}: items {better} rank before item {chosen.id}"
        earlier.append(post)
        usage[chosen.id] += 1
