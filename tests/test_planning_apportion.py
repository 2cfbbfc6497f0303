"""Cumulative apportionment keeps every share within 1 of its exact quota after every single post."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.planning.apportion import Apportioner

weights = st.lists(st.one_of(st.sampled_from([0.1, 0.25, 1, 3, 7.5, 10]), st.floats(0.01, 100)), min_size=1, max_size=7)


@settings(max_examples=100, deadline=None)
@given(weights, st.integers(1, 300))
def test_every_prefix_stays_within_quota(shares: list[float], posts: int) -> None:
    counter = Apportioner(shares)
    exact = [Fraction(w) / sum(Fraction(x) for x in shares) for w in shares]
    for step in range(1, posts + 1):
        counter.add(counter.ranking()[0])
        for share, count in zip(exact, counter.counts, strict=True):
            assert math.floor(share * step) <= count <= math.ceil(share * step)


def test_a_ten_percent_segment_gets_its_turn_on_a_three_post_channel() -> None:
    counter = Apportioner([9, 1])
    days = []
    for _ in range(4):
        turns = counter.preview(3)
        for index in turns:
            counter.add(index)
        days.append(turns)
    assert sum(day.count(1) for day in days) == 1  # per-day rounding would give it 0 of 12


def test_a_late_start_is_caught_up_first() -> None:
    counter = Apportioner([1, 1])
    counter.add(0, 4)  # four posts already went to the first segment (history, pinned posts)
    assert counter.preview(4) == [1, 1, 1, 1]


def test_preview_changes_nothing() -> None:
    counter = Apportioner([2, 1])
    counter.add(1)
    counter.preview(5)
    assert counter.counts == [0, 1]


def test_weights_must_not_be_negative_and_one_must_be_positive() -> None:
    for weights in ([1, -1], [0, 0], []):
        with pytest.raises(ValueError, match="positive"):
            Apportioner(weights)


def test_a_share_of_weight_zero_is_never_due_but_ranks_last_for_room() -> None:
    counter = Apportioner([0, 1, 3])
    assert counter.preview(8).count(0) == 0
    assert counter.ranking()[-1] == 0
