"""The rule book: one meaning of min_gap, repeat_after and the caps, and its three questions agreeing."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.planning.candidates import InMemoryCandidates
from scheduler.planning.inputs import PlanInputs
from scheduler.planning.model import PastShare
from scheduler.planning.planner import plan
from scheduler.rules import Caps, Post, Rule, RuleBook, Spacing, Timeline
from tests.queue_helpers import config_in
from tests.strategies import plentiful_library

HOUR, DAY = 3600, 86400
T = 1_796_126_400  # 2026-12-01T12:00Z


def test_each_rule_names_itself_and_the_post_it_collides_with() -> None:
    timeline = Timeline(
        "outbox",
        Caps(daily=2),
        [Post(T, Spacing(2 * HOUR, 7 * DAY), 1, "entry 1"), Post(T + 5 * HOUR, Spacing(HOUR, DAY), 2, "entry 2")],
    )
    found = timeline.violations(Post(T + HOUR, Spacing(30 * 60, DAY), 1, "new"))
    assert [v.rule for v in found] == [Rule.MIN_GAP, Rule.REPEAT_AFTER, Rule.DAILY_CAP]
    assert found[0].text == "1h from entry 1 on outbox (min_gap 2h)"  # the wider of the two gaps
    assert found[1].text == "item 1 is also entry 1, 1h away (repeat_after 7d)"  # the wider of the two, too
    assert found[2].text == "outbox already has 2 posts within 1d of it (daily_cap 2)"
    assert timeline.violations(Post(T + 3 * HOUR, Spacing(HOUR, DAY), 3)) == [
        v for v in found if v.rule == Rule.DAILY_CAP
    ]


def test_a_post_without_a_campaign_keeps_the_widest_spacing_of_its_channel(tmp_path: Path) -> None:
    """Found: the planner gave such a post gap 0 while queue edits gave it the channel's largest gap."""
    config = config_in(tmp_path)  # campaign help on outbox: min_gap 2h, repeat_after 7d
    rules = RuleBook.from_config(config)
    assert rules.spacing("outbox", None) == rules.spacing("outbox", "gone") == Spacing(2 * HOUR, 7 * DAY)
    # a hand-made post with no campaign at 13:00 London; the planner keeps 2h from it, as an edit would
    fixed = [PastShare("outbox", 999, datetime(2026, 12, 2, 13, 0, tzinfo=UTC), "Europe/London", campaign=None)]
    now = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    result = plan(PlanInputs.of(config), InMemoryCandidates(plentiful_library(30)), now=now, days=3, fixed=fixed)
    assert result.posts
    assert all(abs(post.at - fixed[0].at) >= timedelta(hours=2) for post in result.posts)


posts = st.builds(
    Post,
    at=st.integers(T, T + 3 * DAY),
    spacing=st.builds(Spacing, st.sampled_from([0, 60, 1800, 3 * HOUR]), st.sampled_from([0, HOUR, DAY])),
    item_id=st.integers(1, 4),
)


@settings(max_examples=150, deadline=None)
@given(
    existing=st.lists(posts, max_size=12),
    candidate=posts,
    caps=st.builds(Caps, st.none() | st.integers(1, 5), st.none() | st.integers(3, 20)),
    window_start=st.integers(T, T + 2 * DAY),
    window_length=st.integers(60, 6 * HOUR),
)
def test_violations_free_and_next_fit_give_one_answer(
    existing: list[Post], candidate: Post, caps: Caps, window_start: int, window_length: int
) -> None:
    """The three questions are answered from the same forbidden stretches: the first instant next_fit gives is
    the first whole minute of the window with no violation (checked minute by minute), and free() holds
    exactly the minutes where min_gap and the caps are kept."""
    timeline = Timeline("c", caps, existing)
    window = (window_start, window_start + window_length)
    minutes = range(-(-window[0] // 60) * 60, window[1], 60)

    def clean(at: int, *, with_item: bool) -> bool:
        probe = Post(at, candidate.spacing, candidate.item_id if with_item else None)
        return not timeline.violations(probe)

    expected = next((at for at in minutes if clean(at, with_item=True)), None)
    assert timeline.next_fit(candidate, [window]) == expected
    free = timeline.free([window], candidate.spacing.min_gap)
    for at in minutes:
        assert any(low <= at < high for low, high in free) == clean(at, with_item=False)
        assert timeline.fits(at, candidate.spacing.min_gap) == clean(at, with_item=False)
