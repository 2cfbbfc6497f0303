"""A channel's ``budget:``: the plan never spends more in a calendar month (UTC) than the budget, counting what
already went out that month and the pinned posts, across month boundaries and whatever the audience's zones;
and it says so when the budget leaves posts out."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from content_library.snapshot import ItemSnapshot
from scheduler.config import Config
from scheduler.planning import InMemoryCandidates, PlanInputs, plan
from scheduler.planning.model import PastShare

FIRST_START = datetime(2026, 12, 20, tzinfo=UTC)  # starts over the turns of December, the year and February
ZONES = ["Pacific/Kiritimati", "Pacific/Pago_Pago", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe"]


def config(budget: float, per_day: int, zone: str, price: str | None = None) -> Config:
    channel: dict[str, object] = {"kind": "x", "audience": "people", "budget": {"monthly": budget}}
    if price is not None:
        channel["cost"] = {"per_post": price, "per_post_with_url": price}
    return Config.model_validate(
        {
            "channels": {"x-main": channel},
            "audiences": {"people": [{"zone": zone, "weight": 1, "windows": ["00:00-23:59"]}]},
            "campaigns": {"help": {"channels": ["x-main"], "posts_per_day": per_day, "min_gap": "30m"}},
        }
    )


def library() -> InMemoryCandidates:
    return InMemoryCandidates(
        [ItemSnapshot(id=n, title=f"Guide {n}", url=f"https://example.org/{n}") for n in range(1, 200)]
    )


def month_of(at: datetime) -> tuple[int, int]:
    at = at.astimezone(UTC)
    return at.year, at.month


@settings(max_examples=40, deadline=None)
@given(
    budget=st.integers(min_value=1, max_value=30),
    per_day=st.integers(min_value=1, max_value=6),
    zone=st.sampled_from(ZONES),
    start=st.integers(min_value=0, max_value=75 * 24 * 60).map(lambda m: FIRST_START + timedelta(minutes=m)),
    spent=st.integers(min_value=0, max_value=40),
)
def test_no_calendar_month_holds_more_posts_than_the_budget_pays_for(
    budget: int, per_day: int, zone: str, start: datetime, spent: int
) -> None:
    settings_ = config(budget, per_day, zone)
    posts_paid = int(Decimal(budget) // Decimal("0.20"))  # X's price of a post with a link
    month_start = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    history = [
        PastShare(channel="x-main", item_id=500 + n, at=month_start + timedelta(minutes=n), zone=zone)
        for n in range(spent)
        if month_start + timedelta(minutes=n) < start
    ]
    result = plan(PlanInputs.of(settings_), library(), now=start, days=45, history=history)
    per_month = Counter(month_of(p.at) for p in result.posts) + Counter(month_of(h.at) for h in history)
    assert all(count <= max(posts_paid, Counter(month_of(h.at) for h in history)[m]) for m, count in per_month.items())
    # a budget that pays for fewer posts than the plan wants says so
    if posts_paid < per_day * 28:
        assert any("budget" in w for w in result.warnings), result.warnings


def test_the_budget_counts_posts_at_the_channel_s_own_price() -> None:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    result = plan(PlanInputs.of(config(3, 4, "Europe/London", price="0.5")), library(), now=start, days=31)
    assert len(result.posts) == 6  # 3.00 at 0.50 a post
    february = plan(PlanInputs.of(config(3, 4, "Europe/London", price="0.5")), library(), now=start, days=40)
    assert Counter(month_of(p.at) for p in february.posts) == {(2027, 1): 6, (2027, 2): 6}
