"""The 2026 DST days, one by one: windows, weekly slots and whole plans against tzdata 2026f's real instants."""

import csv
from datetime import UTC, date, datetime, time, timedelta

import pytest

from content_library.snapshot import ItemSnapshot
from scheduler.config import Config
from scheduler.config.values import parse_weekly_slot, parse_window
from scheduler.planning import InMemoryCandidates, PlanInputs, plan
from scheduler.planning.slots import first_instant_at, slot_instant, to_datetime, window_intervals
from scheduler.zones import zone
from tests.planning_rules import check_local_times, window_day
from tests.strategies import TZ_DATA

with (TZ_DATA / "scheduler_cases.csv").open() as handle:
    CASES = list(csv.DictReader(handle))
with (TZ_DATA / "transitions.csv").open() as handle:
    TRANSITIONS = list(csv.DictReader(handle))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['zone']}-{c['kind']}-{c['transition_utc'][:10]}")
def test_a_local_time_resolves_to_its_first_occurrence_or_to_the_end_of_the_gap(case: dict[str, str]) -> None:
    probe = datetime.fromisoformat(case["probe_local_wall"])
    found = to_datetime(first_instant_at(case["zone"], probe.date(), probe.time()))
    expected = utc(case["utc_fold0"]) if case["kind"] == "fold" else utc(case["transition_utc"])
    assert found == expected


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['zone']}-{c['kind']}-{c['transition_utc'][:10]}")
def test_daily_0900_lands_on_the_real_instants_either_side_of_a_transition(case: dict[str, str]) -> None:
    for column in ("daily_0900_run_before_utc", "daily_0900_run_after_utc"):
        expected = utc(case[column])
        local_day = expected.astimezone(zone(case["zone"])).date()
        assert to_datetime(first_instant_at(case["zone"], local_day, time(9))) == expected


@pytest.mark.parametrize(
    ("zone_name", "day", "window", "expected"),
    [
        ("America/New_York", date(2026, 3, 8), "01:00-04:00", [("06:00", "08:00")]),  # 02:00-03:00 skipped
        ("America/New_York", date(2026, 3, 8), "02:00-02:30", []),  # the window does not exist that day
        ("America/New_York", date(2026, 11, 1), "00:30-03:00", [("04:30", "06:00"), ("07:00", "08:00")]),
        ("Europe/London", date(2026, 3, 29), "00:30-02:30", [("00:30", "01:30")]),
        ("Europe/London", date(2026, 10, 25), "00:30-02:30", [("23:30", "01:00"), ("02:00", "02:30")]),
        ("Australia/Lord_Howe", date(2026, 4, 5), "01:00-03:00", [("14:00", "15:00"), ("15:30", "16:30")]),
        ("Australia/Lord_Howe", date(2026, 10, 4), "01:30-03:00", [("15:00", "16:00")]),  # 02:00-02:30 skipped
        ("Pacific/Chatham", date(2026, 4, 5), "02:00-05:00", [("12:15", "14:00"), ("15:00", "16:15")]),
        ("Pacific/Chatham", date(2026, 9, 27), "02:00-05:00", [("13:15", "15:15")]),
        ("America/Santiago", date(2026, 4, 4), "22:00-01:00", [("01:00", "03:00"), ("04:00", "05:00")]),
        ("America/Santiago", date(2026, 9, 5), "22:00-01:00", [("02:00", "04:00")]),  # midnight never happens
        ("Asia/Kathmandu", date(2026, 3, 8), "07:30-09:30", [("01:45", "03:45")]),
    ],
)
def test_windows_on_transition_days(zone_name: str, day: date, window: str, expected: list[tuple[str, str]]) -> None:
    pieces = window_intervals(zone_name, day, parse_window(window))
    assert [(f"{to_datetime(a):%H:%M}", f"{to_datetime(b):%H:%M}") for a, b in pieces] == expected
    for low, high in pieces:
        for instant in range(low, high, 300):
            local = to_datetime(instant).astimezone(zone(zone_name))
            assert local.fold == 0


@pytest.mark.parametrize(
    ("slot", "day", "expected"),
    [
        ("sun 02:30 America/New_York", date(2026, 3, 8), "2026-03-08T07:00Z"),  # 03:00 EDT, after the gap
        ("sun 01:30 America/New_York", date(2026, 11, 1), "2026-11-01T05:30Z"),  # the first 01:30 (EDT)
        ("sun 00:00 America/Santiago", date(2026, 9, 6), "2026-09-06T04:00Z"),  # 01:00, midnight is skipped
        ("sat 23:30 America/Santiago", date(2026, 4, 4), "2026-04-05T02:30Z"),  # the first 23:30 (-03)
        ("sun 00:00 America/Santiago", date(2026, 4, 5), "2026-04-05T04:00Z"),
        ("sun 02:15 Australia/Lord_Howe", date(2026, 10, 4), "2026-10-03T15:30Z"),
        ("sun 01:45 Australia/Lord_Howe", date(2026, 4, 5), "2026-04-04T14:45Z"),
    ],
)
def test_weekly_slots_on_transition_days(slot: str, day: date, expected: str) -> None:
    instant = slot_instant(parse_weekly_slot(slot), day)
    assert instant is not None and to_datetime(instant) == utc(expected)


def test_zones_whose_rules_changed_in_2026_are_planned_with_the_current_rules() -> None:
    """tzdata 2026b/2026c: Vancouver stays at -07 after 2026-11-01; Morocco goes to permanent +00 on
    2026-09-20. A host on tzdata 2025b would put these posts an hour off."""
    offsets = {
        row["zone"]: row["offset_after"]
        for row in TRANSITIONS
        if (row["zone"], row["utc_instant"][:10])
        in {("America/Vancouver", "2026-11-01"), ("Africa/Casablanca", "2026-09-20")}
    }
    assert offsets == {"America/Vancouver": "-07:00", "Africa/Casablanca": "+00:00"}
    config = Config.model_validate(
        {
            "channels": {"c": {"kind": "mastodon"}},
            "campaigns": {
                "k": {
                    "channels": ["c"],
                    "repeat_after": "1h",
                    "slots": ["mon 09:00 America/Vancouver", "mon 09:00 Africa/Casablanca"],
                }
            },
        }
    )
    library = InMemoryCandidates([ItemSnapshot(id=n, title=f"Item {n}", url=f"https://e.org/{n}") for n in (1, 2)])
    vancouver = plan(PlanInputs.of(config), library, now=datetime(2026, 11, 2, tzinfo=UTC), days=1)
    casablanca = plan(PlanInputs.of(config), library, now=datetime(2026, 9, 21, tzinfo=UTC), days=1)
    assert [(p.zone, p.at) for p in vancouver.posts if p.zone == "America/Vancouver"] == [
        ("America/Vancouver", datetime(2026, 11, 2, 16, tzinfo=UTC))  # 09:00 at -07:00
    ]
    assert [(p.zone, p.at) for p in casablanca.posts if p.zone == "Africa/Casablanca"] == [
        ("Africa/Casablanca", datetime(2026, 9, 21, 9, tzinfo=UTC))  # 09:00 at +00:00
    ]


@pytest.mark.parametrize(
    ("zone_name", "day", "window", "fits"),
    [
        ("America/New_York", date(2026, 3, 8), "01:00-04:00", 3),  # 2h of window: 3 posts 40 minutes apart
        ("America/New_York", date(2026, 11, 1), "01:00-04:00", 4),  # 3h once the repeat is cut out
        ("Europe/London", date(2026, 3, 29), "00:30-03:30", 3),  # 01:00-02:00 skipped: 2h
        ("Europe/London", date(2026, 10, 25), "00:30-03:30", 4),
        ("Australia/Lord_Howe", date(2026, 10, 4), "01:30-03:00", 2),  # 1h
        ("Australia/Lord_Howe", date(2026, 4, 5), "01:00-03:00", 4),  # the repeat cut out leaves room
        ("Pacific/Chatham", date(2026, 9, 27), "02:00-05:00", 3),
        ("America/Santiago", date(2026, 9, 5), "22:00-01:00", 3),
        ("America/Santiago", date(2026, 4, 4), "22:00-01:00", 4),
    ],
)
def test_a_whole_plan_across_a_transition_day(zone_name: str, day: date, window: str, fits: int) -> None:
    config = Config.model_validate(
        {
            "channels": {"c": {"kind": "mastodon", "audience": "a"}},
            "audiences": {"a": [{"zone": zone_name, "weight": 1, "windows": [window]}]},
            "campaigns": {"k": {"channels": ["c"], "posts_per_day": 4, "min_gap": "40m", "repeat_after": "1h"}},
        }
    )
    library = InMemoryCandidates([ItemSnapshot(id=n, title=f"Item {n}", url=f"https://e.org/{n}") for n in range(9)])
    start = datetime.combine(day - timedelta(days=1), time(12), zone(zone_name)).astimezone(UTC)
    result = plan(PlanInputs.of(config), library, now=start, days=3)
    check_local_times(config, result)
    (segment,) = config.audience_of("c")
    on_day = [post for post in result.posts if window_day(segment, post.at) == day]
    assert len(on_day) == fits
    if fits < 4:
        assert any(f"{fits} of 4 posts/day fit on {day}" in w for w in result.warnings), result.warnings


@pytest.mark.parametrize("channel", [f"c{n}" for n in range(12)])
def test_a_jittered_weekly_slot_never_lands_on_the_second_pass_of_a_fall_back(channel: str) -> None:
    """Found by the jitter property: Santiago's clocks go back from 00:00 to 23:00 on 2026-04-05, and a
    ``sun 00:15`` slot jittered by up to 50 minutes could land on the repeated hour's second pass."""
    config = Config.model_validate(
        {
            "channels": {channel: {"kind": "mastodon"}},
            "campaigns": {
                "k": {"channels": [channel], "slots": ["sun 00:15 America/Santiago"], "jitter": "50m", "min_gap": "1m"}
            },
        }
    )
    library = InMemoryCandidates([ItemSnapshot(id=1, title="Item 1", url="https://e.org/1")])
    result = plan(PlanInputs.of(config), library, now=datetime(2026, 4, 4, tzinfo=UTC), days=2)
    assert result.posts
    for post in result.posts:
        assert post.at.astimezone(zone("America/Santiago")).fold == 0
