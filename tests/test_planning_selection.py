"""Rules 4 and 5 as properties: eligibility, cooldowns, category mix, rotation over segments and hours."""

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from content_library.snapshot import ItemSnapshot
from scheduler.config import Config
from scheduler.planning import InMemoryCandidates, PastShare, PlanInputs, plan
from scheduler.zones import zone
from tests.planning_rules import check_choices
from tests.strategies import Setup, setups

FAST = settings(max_examples=60, deadline=None)


@FAST
@given(setups(feasible=False))
def test_every_choice_is_eligible_and_ranks_first_in_its_pool(setup: Setup) -> None:
    check_choices(setup, setup.plan())


@FAST
@given(setups(feasible=True))
def test_every_choice_is_eligible_and_ranks_first_when_everything_fits(setup: Setup) -> None:
    check_choices(setup, setup.plan())


@st.composite
def rotation_setups(draw: st.DrawFn) -> tuple[Config, list[ItemSnapshot], datetime, int]:
    """One campaign with enough items that at least half are eligible at any time (n ≥ 2 × posts/day ×
    repeat_after days), planned long enough for the smallest segment to see every item twice over."""
    zones = draw(
        st.lists(
            st.sampled_from(
                ["Europe/London", "America/New_York", "Asia/Kathmandu", "Pacific/Chatham", "America/Santiago"]
            ),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    weights = [draw(st.sampled_from([1, 2, 3])) for _ in zones]
    per_day, cooldown = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    count = 2 * per_day * cooldown + draw(st.integers(0, 4))
    segments = []
    for zone_name, weight in zip(zones, weights, strict=True):
        start = draw(st.integers(0, 23))
        segments.append(
            {
                "zone": zone_name,
                "weight": weight,
                "windows": [f"{start:02d}:00-{(start + draw(st.integers(4, 10))) % 24:02d}:00"],
            }
        )
    config = Config.model_validate(
        {
            "channels": {"c": {"kind": "mastodon", "audience": "a"}},
            "audiences": {"a": segments},
            "campaigns": {
                "k": {"channels": ["c"], "posts_per_day": per_day, "min_gap": "20m", "repeat_after": f"{cooldown}d"}
            },
        }
    )
    smallest = min(weights) / sum(weights)
    days = min(150, int(2 * count / (per_day * smallest)) + 3)
    items = [ItemSnapshot(id=n, title=f"Item {n}", url=f"https://example.org/{n}") for n in range(1, count + 1)]
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=draw(st.integers(0, 24 * 300)))
    return config, items, now, days


@settings(max_examples=25, deadline=None)
@given(rotation_setups())
def test_every_item_visits_every_segment_at_changing_local_hours(
    case: tuple[Config, list[ItemSnapshot], datetime, int],
) -> None:
    config, items, start, days = case
    result = plan(PlanInputs.of(config), InMemoryCandidates(items), now=start, days=days)
    segments = {segment.zone for segment in config.audience_of("c")}
    visited: defaultdict[int, set[str]] = defaultdict(set)
    hours: defaultdict[tuple[int, str], list[str]] = defaultdict(list)
    for post in result.posts:
        visited[post.item_id].add(post.zone)
        hours[(post.item_id, post.zone)].append(f"{post.at.astimezone(zone(post.zone)):%H:%M}")
    assert {item.id for item in items} == set(visited)
    assert all(zones == segments for zones in visited.values()), dict(visited)
    for (item_id, zone_name), times in hours.items():
        assert len(times) < 3 or len(set(times)) > 1, f"item {item_id} always at {times[0]} in {zone_name}"


@FAST
@given(setups(feasible=True, with_past=False, plentiful=True))
def test_the_category_mix_is_followed_within_one(setup: Setup) -> None:
    result = setup.plan()
    categories = {item.id: item.category for item in setup.items}
    for name, campaign in setup.config.campaigns.items():
        for channel in campaign.channels if campaign.mix else ():
            counts = Counter(categories[p.item_id] for p in result.posts if (p.channel, p.campaign) == (channel, name))
            total, weight = sum(counts.values()), sum(campaign.mix.values())
            for category, share in campaign.mix.items():
                assert abs(counts[category] - share / weight * total) <= 1 + 1e-9, (category, counts)


def test_a_category_that_runs_dry_leaves_its_turns_to_the_others() -> None:
    config = Config.model_validate(
        {
            "channels": {"c": {"kind": "mastodon"}},
            "campaigns": {
                "k": {
                    "channels": ["c"],
                    "posts_per_day": 4,
                    "min_gap": "1h",
                    "repeat_after": "30d",
                    "mix": {"tips": 1, "faq": 1},
                }
            },
        }
    )
    items = [ItemSnapshot(id=1, title="Only FAQ", url="https://example.org/1", category="faq")] + [
        ItemSnapshot(id=n, title=f"Tip {n}", url=f"https://example.org/{n}", category="tips") for n in range(2, 30)
    ]
    result = plan(PlanInputs.of(config), InMemoryCandidates(items), now=datetime(2026, 5, 1, tzinfo=UTC), days=3)
    assert len(result.posts) == 12
    assert Counter(p.item_id == 1 for p in result.posts) == {False: 11, True: 1}


def test_paused_retired_expired_and_used_up_items_are_never_planned() -> None:
    config = Config.model_validate(
        {
            "channels": {"c": {"kind": "mastodon"}},
            "campaigns": {"k": {"channels": ["c"], "posts_per_day": 3, "min_gap": "1h", "repeat_after": "1d"}},
        }
    )
    now = datetime(2026, 5, 1, tzinfo=UTC)
    items = [
        ItemSnapshot(id=1, title="Paused", url="https://example.org/1", status="paused", priority=9),
        ItemSnapshot(id=2, title="Retired", url="https://example.org/2", status="retired", priority=9),
        ItemSnapshot(
            id=3,
            title="Expires tomorrow noon",
            url="https://example.org/3",
            priority=9,
            expires_at=now + timedelta(days=1, hours=12),
        ),
        ItemSnapshot(id=4, title="Twice only", url="https://example.org/4", priority=8, max_shares=2),
        *(ItemSnapshot(id=n, title=f"Plain {n}", url=f"https://example.org/{n}") for n in range(5, 15)),
    ]
    history = [PastShare("elsewhere", 4, now - timedelta(days=3), "UTC")]
    result = plan(PlanInputs.of(config), InMemoryCandidates(items), now=now, days=5, history=history)
    used = Counter(p.item_id for p in result.posts)
    assert not used[1] and not used[2]
    assert used[4] == 1  # one share left: max_shares counts shares on every channel
    assert used[3] >= 1 and all(p.at < items[2].expires_at for p in result.posts if p.item_id == 3)  # type: ignore[operator]


def test_an_items_shares_to_one_segment_spread_over_its_windows_hours_and_the_weekdays() -> None:
    """Without any engagement data, each share of an item meets the people who look at another hour."""
    config = Config.model_validate(
        {
            "channels": {"c": {"kind": "mastodon", "audience": "a"}},
            "audiences": {"a": [{"zone": "Europe/London", "weight": 1, "windows": ["07:00-10:00", "18:00-22:00"]}]},
            "campaigns": {"k": {"channels": ["c"], "posts_per_day": 3, "min_gap": "30m", "repeat_after": "3d"}},
        }
    )
    items = [ItemSnapshot(id=n, title=f"Item {n}", url=f"https://example.org/{n}") for n in range(1, 13)]
    result = plan(PlanInputs.of(config), InMemoryCandidates(items), now=datetime(2026, 1, 5, tzinfo=UTC), days=56)
    hours: defaultdict[int, Counter[int]] = defaultdict(Counter)
    weekdays: defaultdict[int, set[int]] = defaultdict(set)
    for post in result.posts:
        local = post.at.astimezone(zone(post.zone))
        hours[post.item_id][local.hour] += 1
        weekdays[post.item_id].add(local.weekday())
    for item_id, used in hours.items():
        shares = sum(used.values())  # 14 each: 7 hours in the windows, so each hour about twice
        assert shares >= 12 and len(used) == 7 and max(used.values()) <= 3, (item_id, dict(used))
        assert len(weekdays[item_id]) >= 6, (item_id, weekdays[item_id])
