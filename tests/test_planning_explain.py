"""`explain_item`: why an item is or is not in the plan, in the planner's own terms."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from content_library.errors import ItemNotFound
from content_library.snapshot import ItemSnapshot, VariantSnapshot
from scheduler.config import Config
from scheduler.planning import InMemoryCandidates, PastShare, PlanInputs, explain_item
from scheduler.planning.learning import Observation

NOW = datetime(2026, 11, 10, tzinfo=UTC)
CONFIG = Config.model_validate(
    {
        "horizon": "3d",
        "channels": {"x-main": {"kind": "x"}, "toot": {"kind": "mastodon"}},
        "campaigns": {
            "support": {
                "channels": ["x-main", "toot"],
                "categories": ["faq"],
                "posts_per_day": 2,
                "repeat_after": "30d",
            },
            "tips": {"channels": ["toot"], "mix": {"tips": 1}, "posts_per_day": 1},
        },
    }
)


def item(item_id: int, **fields: Any) -> ItemSnapshot:
    return ItemSnapshot(
        id=item_id, title=f"Item {item_id}", url=f"https://example.org/{item_id}", **{"category": "faq", **fields}
    )


def explain(items: list[ItemSnapshot], item_id: int, **kwargs: Any) -> list[str]:
    return explain_item(PlanInputs.of(CONFIG), InMemoryCandidates(items), item_id, now=NOW, **kwargs)


def test_a_fresh_item_is_eligible_and_shows_its_planned_posts() -> None:
    lines = explain([item(1)], 1)
    assert lines[0] == "item 1 \"Item 1\": active, category 'faq', kind article, priority 0"
    assert "eligible on x-main for campaign support" in lines and "eligible on toot for campaign support" in lines
    assert any(
        line.startswith("planned on x-main at 2026-11-10 ")
        and " UTC (2026-11-10T" in line
        and "first post on x-main" in line
        for line in lines
    )


def test_a_recent_share_means_cooling_down_until_repeat_after_has_passed() -> None:
    history = [PastShare("x-main", 1, datetime(2026, 11, 1, 9, tzinfo=UTC), "UTC", campaign="support")]
    lines = explain([item(1)], 1, history=history)
    assert "shared on x-main at 2026-11-01 09:00 UTC (2026-11-01T09:00Z) for UTC" in lines
    assert "cooling down on x-main until 2026-12-01T09:00Z (repeat_after 30d, campaign support)" in lines
    assert "eligible on toot for campaign support" in lines


def test_each_segment_of_a_channel_says_when_the_item_last_reached_it_and_at_which_local_hours() -> None:
    history = [
        PastShare("x-main", 1, datetime(2026, 10, 1, 9, 10, tzinfo=UTC), "UTC", campaign="support"),
        PastShare("x-main", 1, datetime(2026, 10, 2, 9, 50, tzinfo=UTC), "UTC", campaign="support"),
        PastShare("x-main", 1, datetime(2026, 10, 5, 18, tzinfo=UTC), "Europe/London", campaign="support"),
        PastShare("toot", 1, datetime(2026, 10, 3, 14, tzinfo=UTC), "UTC", campaign="support"),
    ]
    lines = explain([item(1)], 1, history=history)
    assert "on toot for UTC: last shared 2026-10-03 14:00 UTC (2026-10-03T14:00Z); local hours used 14h UTC" in lines
    assert (
        "on x-main for UTC: last shared 2026-10-02 09:50 UTC (2026-10-02T09:50Z); local hours used 09h ×2 UTC" in lines
    )
    assert (  # x-main's one segment is UTC (display_timezone): a zone it no longer targets is still listed
        "on x-main for Europe/London (no longer its segment): last shared 2026-10-05 19:00 BST (2026-10-05T18:00Z); "
        "local hours used 19h Europe/London"
    ) in lines


@pytest.mark.parametrize(
    ("fields", "history", "expected"),
    [
        ({"status": "paused"}, [], "paused (only active items are planned)"),
        ({"status": "retired"}, [], "retired (only active items are planned)"),
        ({"expires_at": NOW - timedelta(hours=1)}, [], "expired at 2026-11-09T23:00Z"),
        (
            {"max_shares": 1},
            [PastShare("elsewhere", 1, NOW - timedelta(days=90), "UTC")],
            "max shares reached (1 of 1, counting planned ones)",
        ),
        ({"category": "misc"}, [], "category 'misc' is in no campaign"),
    ],
)
def test_why_an_item_is_never_planned(fields: dict[str, object], history: list[PastShare], expected: str) -> None:
    assert explain([item(1, **fields)], 1, history=history)[-1] == expected


def test_an_item_that_matches_no_filter_says_which_filter_refuses_it() -> None:
    config = CONFIG.model_copy(
        update={
            "campaigns": {"all": CONFIG.campaigns["support"].model_copy(update={"categories": (), "kinds": ("faq",)})}
        }
    )
    lines = explain_item(PlanInputs.of(config), InMemoryCandidates([item(1)]), 1, now=NOW)
    assert lines[-1] == "not in campaign all: kind 'article' is not one of faq"


def test_an_unknown_item_is_an_item_not_found() -> None:
    with pytest.raises(ItemNotFound, match="no item with id 99"):
        explain([item(1)], 99)


def test_a_learning_campaign_shows_its_learned_weights_and_the_observations_behind_them() -> None:
    config = Config.model_validate(
        {
            "horizon": "2d",
            "channels": {"toot": {"kind": "mastodon"}},
            "campaigns": {"k": {"channels": ["toot"], "posts_per_day": 1, "learn": True}},
        }
    )
    library = [item(1, variants=(VariantSnapshot(id=11, text="One {url}"),)), item(2)]
    seen = [
        Observation("toot", 1, "UTC", datetime(2026, 11, 1, 9, tzinfo=UTC), 8, variant_id=11),
        Observation("toot", 1, "UTC", datetime(2026, 11, 2, 9, tzinfo=UTC), 6, variant_id=11),
        Observation("toot", 1, "UTC", datetime(2026, 11, 3, 19, tzinfo=UTC), 1),
        Observation("toot", 2, "UTC", datetime(2026, 11, 3, 19, tzinfo=UTC), 3),
    ]
    lines = explain_item(PlanInputs.of(config), InMemoryCandidates(library), 1, now=NOW, observations=seen)
    assert "learned on toot (campaign k): item 1 5.0 engagement per share over 3 shares (channel 4.5 over 4)" in lines
    assert "learned wordings on toot: variant 11 7.0 over 2 shares; templates 1.0 over 1 share" in lines
    assert "learned hours on toot for UTC: 09h 7.0 over 2 shares, 19h 2.0 over 2 shares" in lines
    assert (
        "learned best times on toot for UTC (its posts go to the best inside its windows): 09:00 7.0 per share "
        "(2.0 shares near it), 19:00 2.0 per share (2.0 shares near it)"
    ) in lines


def test_the_learned_wordings_name_each_template_and_one_that_left_the_config() -> None:
    from scheduler.planning.variants import template_key

    config = Config.model_validate(
        {
            "horizon": "2d",
            "channels": {"toot": {"kind": "mastodon"}},
            "campaigns": {"k": {"channels": ["toot"], "posts_per_day": 1, "learn": True, "templates": ["A {url}"]}},
        }
    )
    at = datetime(2026, 11, 1, 9, tzinfo=UTC)
    seen = [
        Observation("toot", 1, "UTC", at, 8, template_key=template_key("A {url}")),
        Observation("toot", 1, "UTC", at, 6, template_key=template_key("A {url}")),
        Observation("toot", 1, "UTC", at, 4, template_key=template_key("Gone [b]{url}[/b]")),
        Observation("toot", 1, "UTC", at, 1),  # recorded before templates were
    ]
    lines = explain_item(PlanInputs.of(config), InMemoryCandidates([item(1)]), 1, now=NOW, observations=seen)
    assert (
        'learned wordings on toot: template "A {url}" 7.0 over 2 shares; '
        f"template {template_key('Gone [b]{url}[/b]')} (no longer in config) 4.0 over 1 share; "
        "templates 1.0 over 1 share"
    ) in lines
