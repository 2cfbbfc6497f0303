"""Rules 7 and 8: the same inputs give the same plan; impossible setups give what fits plus the numbers."""

import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content_library.snapshot import ItemSnapshot
from scheduler.config import Config
from scheduler.planning import InMemoryCandidates, PlanInputs, UnknownTarget, plan
from tests.planning_rules import check_gaps_and_caps, check_local_times
from tests.strategies import Setup, plentiful_library, setups

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def items(count: int) -> list[ItemSnapshot]:
    return [ItemSnapshot(id=n, title=f"Item {n}", url=f"https://example.org/{n}") for n in range(1, count + 1)]


def config_with(
    campaign: dict[str, object],
    *,
    audience: list[dict[str, object]] | None = None,
    channel: dict[str, object] | None = None,
) -> Config:
    return Config.model_validate(
        {
            "channels": {"x-main": {"kind": "x", **({"audience": "people"} if audience else {}), **(channel or {})}},
            "audiences": {"people": audience} if audience else {},
            "campaigns": {"support": {"channels": ["x-main"], **campaign}},
        }
    )


@settings(max_examples=40, deadline=None)
@given(setups(feasible=False))
def test_the_same_inputs_give_the_same_plan_whatever_their_order(setup: Setup) -> None:
    first = setup.plan()
    shuffled = random.Random(7)
    library, history, fixed = list(setup.items), list(setup.history), list(setup.fixed)
    for listing in (library, history, fixed):
        shuffled.shuffle(listing)
    again = plan(
        PlanInputs.of(setup.config),
        InMemoryCandidates(library),
        now=setup.now,
        days=setup.days,
        history=history,
        fixed=fixed,
    )
    assert again == first


@settings(max_examples=40, deadline=None)
@given(setups(feasible=False))
def test_jitter_keeps_posts_in_their_windows_and_apart(setup: Setup) -> None:
    jittered = setup.config.model_copy(
        update={
            "campaigns": {
                name: campaign.model_copy(update={"jitter": timedelta(minutes=50)})
                for name, campaign in setup.config.campaigns.items()
            }
        }
    )
    result = plan(
        PlanInputs.of(jittered),
        InMemoryCandidates(setup.items),
        now=setup.now,
        days=setup.days,
        history=setup.history,
        fixed=setup.fixed,
    )
    check_local_times(jittered, result)
    check_gaps_and_caps(jittered, result, setup.history, setup.fixed)


def test_a_window_too_short_for_posts_per_day_gives_what_fits_and_says_why() -> None:
    config = config_with(
        {"posts_per_day": 3, "min_gap": "1h", "repeat_after": "1d"},
        audience=[{"zone": "Europe/London", "weight": 1, "windows": ["07:30-09:30"]}],
    )
    result = plan(PlanInputs.of(config), InMemoryCandidates(items(20)), now=NOW, days=3)
    assert len(result.posts) == 6
    assert result.warnings == (
        "campaign support on x-main: 2 of 3 posts/day fit on 2026-12-01 and 2 more days"
        " (window 07:30-09:30 Europe/London is 2h, min_gap 1h)",
    )


def test_too_few_items_for_repeat_after_leaves_slots_empty_and_says_how_many_are_needed() -> None:
    config = config_with({"posts_per_day": 3, "min_gap": "1h", "repeat_after": "30d"})
    result = plan(PlanInputs.of(config), InMemoryCandidates(items(4)), now=NOW, days=5)
    assert sorted(p.item_id for p in result.posts) == [1, 2, 3, 4]
    (warning,) = result.warnings
    assert warning.startswith("campaign support on x-main: 11 posts left empty, the first at 2026-12-02T")
    assert "only 4 eligible items for repeat_after 30d at 3 posts a day, which needs about 90" in warning


def test_no_eligible_item_at_all_is_a_warning_not_an_error() -> None:
    config = config_with({"posts_per_day": 2, "categories": ["faq"]})
    result = plan(PlanInputs.of(config), InMemoryCandidates(items(5)), now=NOW, days=2)
    assert result.posts == ()
    (warning,) = result.warnings
    assert re.fullmatch(
        r"campaign support on x-main: 4 posts left empty, the first at 2026-12-01T\d\d:\d\dZ: "
        r"no eligible items \(categories faq\)",
        warning,
    )


def test_a_daily_cap_below_posts_per_day_is_reported() -> None:
    config = config_with({"posts_per_day": 5, "min_gap": "30m"}, channel={"daily_cap": 3})
    result = plan(PlanInputs.of(config), InMemoryCandidates(items(50)), now=NOW, days=3)
    assert len(result.posts) == 9
    assert "3 of 5 posts/day fit" in result.warnings[0] and "daily_cap 3 per 24h" in result.warnings[0]


def test_a_monthly_cap_is_never_exceeded_and_is_reported() -> None:
    config = config_with({"posts_per_day": 3, "min_gap": "30m"}, channel={"monthly_cap": 20})
    result = plan(PlanInputs.of(config), InMemoryCandidates(items(200)), now=NOW, days=45)
    times = sorted(post.at for post in result.posts)
    busiest = max(sum(1 for t in times if start <= t < start + timedelta(days=30)) for start in times)
    assert busiest == 20
    assert any("monthly_cap 20 per 30d" in warning for warning in result.warnings)


def test_a_huge_infeasible_setup_still_finishes() -> None:
    config = config_with(
        {"posts_per_day": 500, "min_gap": "3h", "repeat_after": "300d", "mix": {"a": 1, "b": 2}},
        audience=[
            {"zone": z, "weight": w, "windows": ["09:00-09:15", "23:50-00:05"]}
            for z, w in (("Pacific/Chatham", 1), ("America/Santiago", 0.01))
        ],
        channel={"daily_cap": 2},
    )
    result = plan(PlanInputs.of(config), InMemoryCandidates(items(3)), now=datetime(2026, 4, 3, tzinfo=UTC), days=30)
    assert result.posts == () and result.warnings


def test_unknown_channel_or_campaign_names_are_refused_by_name() -> None:
    config = config_with({"posts_per_day": 1})
    with pytest.raises(UnknownTarget, match='no channel called "nope"') as caught:
        plan(PlanInputs.of(config), InMemoryCandidates([]), now=NOW, days=1, channels=["nope"])
    assert "x-main" in caught.value.hint
    with pytest.raises(UnknownTarget, match='no campaign called "other"'):
        plan(PlanInputs.of(config), InMemoryCandidates([]), now=NOW, days=1, campaigns=["other"])


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        plan(PlanInputs.of(config_with({"posts_per_day": 1})), InMemoryCandidates([]), now=datetime(2026, 1, 1), days=1)  # noqa: DTZ001


def test_a_mix_whose_categories_are_all_filtered_out_plans_nothing_and_says_so() -> None:
    config = config_with({"posts_per_day": 1, "categories": ["faq"], "mix": {"tips": 1}})
    result = plan(PlanInputs.of(config), InMemoryCandidates(items(5)), now=NOW, days=1)
    assert result.posts == () and "no eligible items" in result.warnings[0]


SOUTH = {
    "channels": {"c": {"kind": "mastodon", "audience": "south"}},
    "audiences": {
        "south": [
            {"zone": "Pacific/Auckland", "weight": 25, "windows": ["07:00-09:00", "19:00-22:00"]},
            {"zone": "Pacific/Fiji", "weight": 10, "windows": ["12:00-13:00"]},
            {"zone": "Pacific/Chatham", "weight": 5, "windows": ["20:00-23:00"]},
            {"zone": "Africa/Johannesburg", "weight": 30, "windows": ["07:00-09:00", "17:00-20:00"]},
            {"zone": "America/Sao_Paulo", "weight": 30, "windows": ["08:00-10:00", "22:00-01:00"]},
        ]
    },
    "campaigns": {"k": {"channels": ["c"], "posts_per_day": 6, "min_gap": "20m", "repeat_after": "2d"}},
}


@settings(max_examples=40, deadline=None)
@given(start=st.integers(0, 365 * 24 * 60 - 1), days=st.sampled_from([1, 2, 3, 7, 21]))
def test_a_plan_of_n_days_holds_n_days_of_posts_from_any_instant(start: int, days: int) -> None:
    """Found: 6 posts a day for 21 days on five southern-hemisphere zones gave 121, the first day 3 and the
    second 5: a date the horizon cut was abandoned at the first segment it cut."""
    config = Config.model_validate(SOUTH)
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=start)
    result = plan(PlanInputs.of(config), InMemoryCandidates(plentiful_library(200)), now=now, days=days)
    assert abs(len(result.posts) - 6 * days) <= 1, result.warnings
    first_day = [p for p in result.posts if p.at < now + timedelta(days=1)]
    assert abs(len(first_day) - 6) <= 2
    assert not result.warnings


def test_a_weekly_campaign_short_of_items_is_described_in_posts_a_week() -> None:
    """Found: "0.285714 post(s)/day" in the warning of a campaign with two weekly slots."""
    config = Config.model_validate(
        {
            "channels": {"c": {"kind": "mastodon"}},
            "campaigns": {
                "k": {"channels": ["c"], "slots": ["tue,thu 12:00 UTC"], "repeat_after": "30d", "min_gap": "1h"}
            },
        }
    )
    items = [ItemSnapshot(id=1, title="Only one", url="https://e.org/1")]
    result = plan(PlanInputs.of(config), InMemoryCandidates(items), now=datetime(2026, 12, 1, tzinfo=UTC), days=21)
    [warning] = result.warnings
    assert "only 1 eligible item for repeat_after 30d at 2 posts a week, which needs about 9" in warning
    assert "(s)" not in warning and "0.28" not in warning
