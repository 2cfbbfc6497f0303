"""Rules 1-3 as properties: local windows across DST, min_gap/daily_cap/posts_per_day, segment shares."""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hypothesis import given, settings

from scheduler.config import Config
from scheduler.planning import InMemoryCandidates, PastShare, PlanInputs, plan
from scheduler.zones import zone
from tests.planning_rules import check_daily_counts, check_gaps_and_caps, check_local_times, check_shares, window_day
from tests.strategies import Setup, plentiful_library, setups

FAST = settings(max_examples=60, deadline=None)


@FAST
@given(setups(feasible=False))
def test_posts_fall_inside_their_segments_windows_on_wall_times_that_exist_once(setup: Setup) -> None:
    check_local_times(setup.config, setup.plan())


@FAST
@given(setups(feasible=False))
def test_min_gap_and_daily_cap_hold_on_every_channel_across_campaigns(setup: Setup) -> None:
    check_gaps_and_caps(setup.config, setup.plan(), setup.history, setup.fixed)


@FAST
@given(setups(feasible=True, plentiful=True))
def test_every_allowed_day_gets_its_posts_per_day_when_they_fit(setup: Setup) -> None:
    result = setup.plan()
    check_daily_counts(setup, result, exact=True)
    check_local_times(setup.config, result)


@FAST
@given(setups(feasible=False))
def test_a_day_that_falls_short_is_always_explained(setup: Setup) -> None:
    check_daily_counts(setup, setup.plan(), exact=False)


@FAST
@given(setups(feasible=True, with_past=False, plentiful=True))
def test_each_segment_gets_its_weighted_share_within_one(setup: Setup) -> None:
    result = setup.plan()
    check_shares(setup.config, result, setup.now, setup.days)
    assert not [w for w in result.warnings if "fewer posts than its share" in w]


NOW = datetime(2026, 12, 1, tzinfo=UTC)
TWO_SEGMENTS: dict[str, Any] = {
    "channels": {"x-main": {"kind": "x", "audience": "world"}, "quiet": {"kind": "mastodon"}},
    "audiences": {
        "world": [
            {"zone": "Europe/London", "weight": 1, "windows": ["08:00-20:00"]},
            {"zone": "America/New_York", "weight": 1, "windows": ["08:00-20:00"]},
        ]
    },
    "campaigns": {"support": {"channels": ["x-main"], "posts_per_day": 2, "min_gap": "1h", "repeat_after": "1d"}},
}
SEGMENTS = {s.zone: s for s in Config.model_validate(TWO_SEGMENTS).audience_of("x-main")}


def test_pinned_posts_count_for_the_day_and_the_segment_shares_and_stay_where_they_are() -> None:
    config = Config.model_validate(TWO_SEGMENTS)
    pinned = [
        PastShare("x-main", 1, datetime(2026, 12, 1, 9, tzinfo=UTC), "Europe/London", campaign="support"),
        PastShare("x-main", 2, datetime(2026, 12, 1, 10, tzinfo=UTC), "Europe/London", campaign="support"),
    ]
    result = plan(PlanInputs.of(config), InMemoryCandidates(plentiful_library()), now=NOW, days=4, fixed=pinned)
    by_day = Counter(window_day(SEGMENTS[p.zone], p.at) for p in result.posts)
    assert by_day[date(2026, 12, 1)] == 0  # both of the first day's posts are the pinned ones
    zones = Counter([p.zone for p in result.posts] + [p.zone for p in pinned])
    assert abs(zones["Europe/London"] - zones["America/New_York"]) <= 1  # New York catches up
    assert all(abs(p.at - q.at) >= timedelta(hours=1) for p in result.posts for q in pinned)


def test_history_in_the_lookback_evens_out_the_segment_shares() -> None:
    config = Config.model_validate(TWO_SEGMENTS)
    history = [
        PastShare("x-main", n, datetime(2026, 11, 30, 9 + n, tzinfo=UTC), "Europe/London", campaign="support")
        for n in range(1, 5)
    ]
    result = plan(PlanInputs.of(config), InMemoryCandidates(plentiful_library()), now=NOW, days=3, history=history)
    assert [p.zone for p in result.posts[:4]] == ["America/New_York"] * 4


def test_only_the_channels_and_campaigns_asked_for_are_planned() -> None:
    config = Config.model_validate(
        {
            **TWO_SEGMENTS,
            "campaigns": {**TWO_SEGMENTS["campaigns"], "other": {"channels": ["quiet"], "posts_per_day": 1}},
        }
    )
    library = InMemoryCandidates(plentiful_library())
    assert {p.channel for p in plan(PlanInputs.of(config), library, now=NOW, days=2, channels=["quiet"]).posts} == {
        "quiet"
    }
    assert {p.campaign for p in plan(PlanInputs.of(config), library, now=NOW, days=2, campaigns=["support"]).posts} == {
        "support"
    }


def test_a_channel_in_no_campaign_gets_nothing_and_one_without_audience_uses_the_display_zone() -> None:
    config = Config.model_validate(
        {
            **TWO_SEGMENTS,
            "display_timezone": "Asia/Kathmandu",
            "campaigns": {"quiet": {"channels": ["quiet"], "posts_per_day": 3, "min_gap": "2h"}},
        }
    )
    result = plan(PlanInputs.of(config), InMemoryCandidates(plentiful_library()), now=NOW, days=2)
    assert {p.channel for p in result.posts} == {"quiet"} and len(result.posts) == 6
    for post in result.posts:
        local = post.at.astimezone(zone("Asia/Kathmandu"))
        assert post.zone == "Asia/Kathmandu" and time(8) <= local.time() < time(20)


def test_a_window_across_midnight_belongs_to_the_day_it_starts_on() -> None:
    config = Config.model_validate(
        {
            "channels": {"c": {"kind": "mastodon", "audience": "night"}},
            "audiences": {"night": [{"zone": "America/Santiago", "weight": 1, "windows": ["22:00-01:00"]}]},
            "campaigns": {"k": {"channels": ["c"], "posts_per_day": 2, "min_gap": "1h", "days": ["sat"]}},
        }
    )
    result = plan(
        PlanInputs.of(config), InMemoryCandidates(plentiful_library()), now=datetime(2026, 9, 5, tzinfo=UTC), days=2
    )
    local = [p.at.astimezone(zone("America/Santiago")) for p in result.posts]
    assert len(local) == 2  # Saturday 2026-09-05's window; its midnight never happens (clocks jump to 01:00)
    assert all(t.date() == date(2026, 9, 5) and t.time() >= time(22) for t in local)
