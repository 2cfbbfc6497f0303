"""Which item goes in which entry when a person shuffles the queue: a search, not a sample.

The entries keep their instants; their items are dealt out again so that every rule still holds, against each
other and against every post that is not being shuffled (history, pinned and other queued entries). Times do
not move, so of the rule book's rules only ``repeat_after`` depends on the deal. Sampling permutations and
hoping one keeps it fails on any dense queue (a campaign whose items come back every nine days over a
fourteen-day queue has few good deals among millions), so:

- when the queue keeps the rules now (the usual case), the deal is a seeded random walk of swaps, each
  swap kept only if both entries still keep every rule: it never fails, and enough swaps make every valid
  deal reachable;
- otherwise (a forced edit broke a rule), a backtracking search with forward checking: the entry with the
  fewest items it may still take is dealt next, items with the most copies left first. It fails only when
  no deal exists — or, on a huge queue, when its budget of steps runs out — and says which rule blocked.
"""

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scheduler.rules import Post, Rule, Timeline
from scheduler.rules.timeline import repeat_kept

SEARCH_BUDGET = 200_000  # dealing steps before the search gives up (far beyond any queue a person shuffles)
SWAPS_PER_ENTRY = 20  # swaps tried per entry in the random walk: enough to forget the starting deal


@dataclass(frozen=True)
class Assignment:
    """An entry to deal an item to: its channel and campaign (an item only moves within these) and the entry
    as the rules see it, holding its current item."""

    channel: str
    campaign: str | None
    post: Post


class NoAssignment(Exception):
    """No deal keeps the rules; the message says which rule and where."""


def assign(entries: Sequence[Assignment], settled: Mapping[str, Timeline], *, seed: int) -> list[int]:
    """An item for every entry, in order: the entries' own items dealt again, each within its (channel,
    campaign) group, keeping repeat_after among the entries and against ``settled`` (per channel)."""
    rng = random.Random(seed)
    stock: dict[tuple[str, str | None], Counter[int]] = {}
    for entry in entries:
        stock.setdefault((entry.channel, entry.campaign), Counter())[entry.post.item_id or 0] += 1
    options: list[list[int]] = []
    for entry in entries:
        group = stock[(entry.channel, entry.campaign)]
        allowed = [item for item in sorted(group) if _clear_of_settled(entry, item, settled[entry.channel])]
        if not allowed:
            raise NoAssignment(
                f"{Rule.REPEAT_AFTER}: {entry.post.label} can take none of the items {sorted(group)}, each is "
                "posted too close to it outside the shuffle"
            )
        rng.shuffle(allowed)
        options.append(allowed)
    deal = _Deal(entries, stock, options)
    if deal.start_from_current():
        return deal.walk(rng, swaps=SWAPS_PER_ENTRY * len(entries))
    return deal.run()


class _Deal:
    """The search's state: what each entry got so far, what each group has left, where each item already
    went on each channel. Iterative (an explicit stack), so a long queue cannot hit Python's recursion limit."""

    def __init__(
        self,
        entries: Sequence[Assignment],
        stock: dict[tuple[str, str | None], Counter[int]],
        options: list[list[int]],
    ) -> None:
        self.entries, self.stock, self.options = entries, stock, options
        self.dealt: list[int | None] = [None] * len(entries)
        self.placed: dict[tuple[str, int], list[Post]] = {}  # (channel, item) → the entries dealt that item

    def _group(self, index: int) -> Counter[int]:
        entry = self.entries[index]
        return self.stock[(entry.channel, entry.campaign)]

    def _fits(self, index: int, item: int) -> bool:
        entry = self.entries[index]
        return all(repeat_kept(entry.post, other) for other in self.placed.get((entry.channel, item), ()))

    def _choices(self, index: int) -> list[int]:
        """The items entry ``index`` may take now, those with the most copies left to deal first (they are
        the hardest to spread out), in the seeded order among equals."""
        group = self._group(index)
        fitting = [item for item in self.options[index] if group[item] > 0 and self._fits(index, item)]
        return sorted(fitting, key=lambda item: -group[item])

    def start_from_current(self) -> bool:
        """Deal every entry its current item; True if that keeps every rule (else start from nothing)."""
        for index, entry in enumerate(self.entries):
            item = entry.post.item_id or 0
            if item not in self.options[index] or not self._fits(index, item):
                for dealt in range(index):
                    self._take_back(dealt)
                return False
            self._put(index, item)
        return True

    def walk(self, rng: random.Random, *, swaps: int) -> list[int]:
        """Swap the items of two random entries of one group, ``swaps`` times, keeping only the swaps after
        which both still keep every rule."""
        groups: dict[tuple[str, str | None], list[int]] = {}
        for index, entry in enumerate(self.entries):
            groups.setdefault((entry.channel, entry.campaign), []).append(index)
        swappable = [members for members in groups.values() if len(members) > 1]
        for _ in range(swaps if swappable else 0):
            first, second = rng.sample(rng.choice(swappable), 2)
            mine, theirs = self.dealt[first], self.dealt[second]
            if mine is None or theirs is None or mine == theirs:
                continue
            self._take_back(first)
            self._take_back(second)
            if theirs in self.options[first] and mine in self.options[second] and self._fits(first, theirs):
                self._put(first, theirs)
                if self._fits(second, mine):
                    self._put(second, mine)
                    continue
                self._take_back(first)
            self._put(first, mine)
            self._put(second, theirs)
        return [item or 0 for item in self.dealt]

    def _put(self, index: int, item: int) -> None:
        self.dealt[index] = item
        self._group(index)[item] -= 1
        self.placed.setdefault((self.entries[index].channel, item), []).append(self.entries[index].post)

    def _take_back(self, index: int) -> None:
        item = self.dealt[index]
        if item is None:
            return
        self.dealt[index] = None
        self._group(index)[item] += 1
        self.placed[(self.entries[index].channel, item)].remove(self.entries[index].post)

    def run(self) -> list[int]:
        stack: list[tuple[int, list[int], list[int]]] = []  # (entry, its choices, [next choice to try])
        steps = 0
        while None in self.dealt:
            steps += 1
            if steps > SEARCH_BUDGET:
                raise NoAssignment(f"{Rule.REPEAT_AFTER}: gave up after {SEARCH_BUDGET} steps without a deal")
            open_entries = [index for index, item in enumerate(self.dealt) if item is None]
            index, items = min(((i, self._choices(i)) for i in open_entries), key=lambda f: (len(f[1]), f[0]))
            stack.append((index, items, [0]))
            while True:  # try the next choice of the newest entry; backtrack while an entry has none left
                if not stack:
                    raise NoAssignment(
                        f"{Rule.REPEAT_AFTER}: the {len(self.entries)} entries hold too few different items to keep "
                        "each one repeat_after from its other posts"
                    )
                index, items, position = stack[-1]
                self._take_back(index)
                if position[0] < len(items):
                    self._put(index, items[position[0]])
                    position[0] += 1
                    break
                stack.pop()
        return [item or 0 for item in self.dealt]


def _clear_of_settled(entry: Assignment, item: int, settled: Timeline) -> bool:
    candidate = Post(entry.post.at, entry.post.spacing, item, entry.post.label)
    return all(violation.rule != Rule.REPEAT_AFTER for violation in settled.violations(candidate))
