"""Times people type, parsed in their zone, right across daylight-saving changes."""

from datetime import UTC, datetime

import pytest

from scheduler.queue.when import BadTime, parse_when

NY = "America/New_York"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_iso_with_offset_or_z_is_taken_as_is() -> None:
    now = at("2026-11-22T10:00Z")
    assert parse_when("2026-12-01T09:30+01:00", zone_name=NY, now=now) == at("2026-12-01T08:30Z")
    assert parse_when("2026-12-01T09:30Z", zone_name=NY, now=now) == at("2026-12-01T09:30Z")


def test_iso_without_offset_is_a_wall_time_in_the_given_zone() -> None:
    assert parse_when("2026-12-01T09:30", zone_name=NY, now=at("2026-11-22T10:00Z")) == at("2026-12-01T14:30Z")


def test_offsets_from_now() -> None:
    now = at("2026-11-22T10:00Z")
    assert parse_when("+2h", zone_name=NY, now=now) == at("2026-11-22T12:00Z")
    assert parse_when("+45m", zone_name=NY, now=now) == at("2026-11-22T10:45Z")
    with pytest.raises(BadTime):
        parse_when("+soon", zone_name=NY, now=now)


def test_tomorrow_across_the_spring_forward_change() -> None:
    # Saturday 2026-03-07 12:00 in New York (EST); tomorrow 09:30 is already EDT (UTC-4).
    now = at("2026-03-07T17:00Z")
    assert parse_when("tomorrow 09:30", zone_name=NY, now=now) == at("2026-03-08T13:30Z")
    assert parse_when("today 18:00", zone_name=NY, now=now) == at("2026-03-07T23:00Z")


def test_a_wall_time_in_the_gap_is_refused_with_the_reason() -> None:
    with pytest.raises(BadTime, match="does not exist in America/New_York"):
        parse_when("2026-03-08T02:30", zone_name=NY, now=at("2026-03-01T00:00Z"))


def test_a_wall_time_in_the_fold_means_its_first_occurrence() -> None:
    # 01:30 happens twice on 2026-11-01 in New York: first at EDT (05:30Z), then at EST (06:30Z).
    assert parse_when("2026-11-01T01:30", zone_name=NY, now=at("2026-10-30T00:00Z")) == at("2026-11-01T05:30Z")


def test_weekday_means_the_next_one_in_the_future() -> None:
    now = at("2026-11-23T15:00Z")  # Monday 10:00 in New York
    assert parse_when("mon 12:00", zone_name=NY, now=now) == at("2026-11-23T17:00Z")
    assert parse_when("mon 09:00", zone_name=NY, now=now) == at("2026-11-30T14:00Z")
    assert parse_when("fri 08:00", zone_name="Asia/Tokyo", now=now) == at("2026-11-26T23:00Z")


def test_a_bare_time_is_the_next_occurrence() -> None:
    now = at("2026-11-23T15:00Z")
    assert parse_when("09:00", zone_name=NY, now=now) == at("2026-11-24T14:00Z")
    assert parse_when("11:00", zone_name=NY, now=now) == at("2026-11-23T16:00Z")


def test_lord_howe_half_hour_shift() -> None:
    # Lord Howe moves from +10:30 to +11 at 02:00 local on 2026-10-04: 02:15 does not exist.
    with pytest.raises(BadTime):
        parse_when("2026-10-04T02:15", zone_name="Australia/Lord_Howe", now=at("2026-10-01T00:00Z"))
    assert parse_when("2026-10-04T09:00", zone_name="Australia/Lord_Howe", now=at("2026-10-01T00:00Z")) == at(
        "2026-10-03T22:00Z"
    )


def test_nonsense_is_refused_with_the_forms_that_work() -> None:
    with pytest.raises(BadTime) as caught:
        parse_when("next blue moon", zone_name=NY, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert "tomorrow 12:30" in caught.value.hint and "-2h" in caught.value.hint


@pytest.mark.parametrize("text", ["25:61", "mon 24:00", "tomorrow 9:99", "9999-12-31T23:59Z", "+99999999d", "+4000d"])
def test_impossible_or_absurd_times_are_a_clear_refusal_not_a_traceback(text: str) -> None:
    """Found: 25:61 and mon 24:00 raised a bare ValueError, 9999-12-31T23:59Z and +99999999d an OverflowError."""
    with pytest.raises(BadTime):
        parse_when(text, zone_name="Europe/London", now=datetime(2026, 12, 1, 12, tzinfo=UTC))


def test_every_form_of_the_one_parser() -> None:
    """Found: `history --since` refused -2h and yesterday, and `plan --from` wanted ISO with an offset; every
    time option now reads the same forms, through this one function."""
    now = at("2026-11-23T15:00Z")  # Monday 10:00 in New York
    forms = {
        "now": now,
        "-2h": at("2026-11-23T13:00Z"),
        "- 30m": at("2026-11-23T14:30Z"),
        "+1d": at("2026-11-24T15:00Z"),
        "today": at("2026-11-23T05:00Z"),
        "yesterday": at("2026-11-22T05:00Z"),
        "Tomorrow": at("2026-11-24T05:00Z"),
        "tomorrow 12:30": at("2026-11-24T17:30Z"),
        "yesterday 18:00": at("2026-11-22T23:00Z"),
        "wednesday": at("2026-11-25T05:00Z"),
        "2026-11-01": at("2026-11-01T04:00Z"),
        "2026-11-30 09:00": at("2026-11-30T14:00Z"),
    }
    for text, expected in forms.items():
        assert parse_when(text, zone_name=NY, now=now) == expected, text
    for nonsense in ("whenever", "-soon", "someday 09:00", "tomorrow 25:00", ""):
        with pytest.raises(BadTime):
            parse_when(nonsense, zone_name=NY, now=now)


def test_a_day_whose_midnight_the_clocks_skip_starts_when_they_jump() -> None:
    # Santiago springs forward at 00:00 on 2026-09-06: the day begins at 01:00 local, 04:00Z.
    now = at("2026-09-06T12:00Z")
    assert parse_when("today", zone_name="America/Santiago", now=now) == at("2026-09-06T04:00Z")
