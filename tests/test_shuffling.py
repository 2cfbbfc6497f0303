"""The shuffle's search: any deal that keeps repeat_after is found, from any starting deal, or a clear no."""

from collections import Counter

import pytest

from scheduler.queue.shuffling import Assignment, NoAssignment, assign
from scheduler.rules import Caps, Post, Spacing, Timeline

DAY = 86400
T = 1_796_126_400
NINE_DAYS = Spacing(5400, 9 * DAY)


def dense_queue(items: list[int]) -> list[Assignment]:
    """Two posts a day for fourteen days, holding ``items`` in that order."""
    return [
        Assignment("outbox", "help", Post(T + (n // 2) * DAY + (n % 2) * 8 * 3600, NINE_DAYS, item, f"entry {n}"))
        for n, item in enumerate(items)
    ]


def keeps_repeat_after(entries: list[Assignment], items: list[int]) -> bool:
    return all(
        abs(a.post.at - b.post.at) >= 9 * DAY
        for i, a in enumerate(entries)
        for j, b in enumerate(entries)
        if i < j and items[i] == items[j]
    )


@pytest.mark.parametrize("seed", range(8))
def test_a_dense_queue_that_breaks_the_rule_now_is_dealt_into_one_that_keeps_it(seed: int) -> None:
    # 20 items, 8 of them twice, over 28 entries: a nine-day cooldown leaves few good deals. The starting
    # deal puts each repeated item on two neighbouring entries, so the walk cannot start from it.
    items = [n for n in range(1, 9) for _ in range(2)] + list(range(9, 21))
    entries = dense_queue(items)
    dealt = assign(entries, {"outbox": Timeline("outbox", Caps())}, seed=seed)
    assert Counter(dealt) == Counter(items)
    assert keeps_repeat_after(entries, dealt)


def test_the_walk_reshuffles_a_queue_that_keeps_the_rule_and_the_seed_decides() -> None:
    items = list(range(1, 11)) + list(range(11, 19)) + list(range(1, 11))  # repeats nine days apart
    entries = dense_queue(items)
    assert keeps_repeat_after(entries, items)
    settled = {"outbox": Timeline("outbox", Caps())}
    deals = [assign(entries, settled, seed=seed) for seed in range(5)]
    assert deals[0] == assign(entries, settled, seed=0)
    assert all(Counter(dealt) == Counter(items) and keeps_repeat_after(entries, dealt) for dealt in deals)
    assert len({tuple(dealt) for dealt in deals}) == 5 and tuple(items) not in {tuple(d) for d in deals}


def test_no_deal_names_the_rule() -> None:
    entries = dense_queue([1, 1, 2])[:2]  # one item twice, eight hours apart: no deal keeps nine days
    with pytest.raises(NoAssignment, match="repeat_after"):
        assign(entries, {"outbox": Timeline("outbox", Caps())}, seed=0)
