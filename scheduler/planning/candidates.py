"""Choosing the item for a slot without scanning the library.

Rule 5 ranks the eligible items for a slot by (how often the item reached the slot's segment on the channel,
how often it went out at the slot's local hour of that segment, whichever segment it was timed for (every
segment's people see every post, each at their own hour), its learned weight (:mod:`.learning`, 0 unless the
campaign learns), when it was last shared there with never-shared first, −priority, id). The hour comes
second so that an item's successive shares to a segment meet the people who look at other hours: among the
items least shared to the segment, one that has not been there at this hour goes first. An item never shared
on the channel has reach 0 everywhere and no last share, so *every* never-shared item ranks before every
shared one, and among them the order is (−priority, id) whatever the segment or channel. Hence two
structures per pool (a campaign on a channel, or one ``mix`` category of it):

- the **fresh stream**: :meth:`CandidateSource.fresh` yields the library's matching active items lazily in
  (−priority, id) order; items already known on the channel are skipped as they come by;
- the **shared heaps**: items with history on the channel (published, pinned or planned) wait in a cooldown
  heap keyed by the instant they become eligible again, then in one ready heap per segment and local hour
  keyed by rule 5 (made when a slot first asks for that hour, from the items ready then).

Both are bounded by what the plan consumes and by the history, never by the library's size, which is what
keeps planning time flat from ten thousand items to a million. Heap entries are invalidated lazily: each
share bumps the item's version on the channel, and entries carrying an older version are dropped on sight.
"""

import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from content_library.snapshot import ItemSnapshot
from scheduler.planning.eligibility import ItemFilter, permanent_block
from scheduler.planning.slots import local_wall
from scheduler.rules import repeat_clear_from

NEVER = -(2**62)  # "last shared" of an item never shared: sorts before every real instant
FRESH = float("-inf")  # the learned weight of an item not shared yet, or in a campaign that does not learn
Entry = tuple[int, int, float, int, int, int, int, int]  # rule 5's key, then item id, version, token


class ItemWeights(Protocol):
    """What a learning campaign's pool asks of :mod:`.learning` (the pools of other campaigns ask nothing)."""

    def rank(self, item_id: int, version: int) -> float:
        """The item's place among the items equally shared to the segment and hour (lower goes first), drawn
        again at each new version of its record."""
        ...

    def repeat_after(self, item_id: int, repeat_after: int) -> int:
        """The item's repeat_after in this pool: longer for an item flagged for its poor engagement."""
        ...


Prepared = TypeVar("Prepared")


class CandidateSource(Protocol):
    """Where the planner gets items: a database (:class:`content_library.candidates.DatabaseCandidates`) or a
    list in memory (:class:`InMemoryCandidates`)."""

    def fresh(
        self, categories: Sequence[str] = (), kinds: Sequence[str] = (), tags: Sequence[str] = ()
    ) -> Iterator[ItemSnapshot]:
        """Active items matching the filter (empty = any) lazily, in (−priority, id) order."""
        ...

    def get_many(self, item_ids: Collection[int]) -> dict[int, ItemSnapshot]:
        """The items with these ids, whatever their status; ids that name nothing are left out."""
        ...

    def get(self, item_id: int) -> ItemSnapshot | None:
        """One item whatever its status, or None."""
        ...


def rank(item: ItemSnapshot) -> tuple[int, int]:
    return (-item.priority, item.id)


class InMemoryCandidates:
    """A :class:`CandidateSource` over snapshots held in memory (tests, small libraries)."""

    def __init__(self, items: Iterable[ItemSnapshot]) -> None:
        self._by_id = {item.id: item for item in items}
        self._active = sorted((item for item in self._by_id.values() if item.status == "active"), key=rank)
        self._by_category: defaultdict[str | None, list[ItemSnapshot]] = defaultdict(list)
        for item in self._active:
            self._by_category[item.category].append(item)

    def fresh(
        self, categories: Sequence[str] = (), kinds: Sequence[str] = (), tags: Sequence[str] = ()
    ) -> Iterator[ItemSnapshot]:
        wanted = ItemFilter(tuple(categories), tuple(kinds), tuple(tags))
        streams = [self._by_category.get(category, []) for category in dict.fromkeys(categories)]
        ordered = heapq.merge(*streams, key=rank) if categories else iter(self._active)
        return (item for item in ordered if wanted.accepts(item))

    def get_many(self, item_ids: Collection[int]) -> dict[int, ItemSnapshot]:
        return {item_id: self._by_id[item_id] for item_id in item_ids if item_id in self._by_id}

    def get(self, item_id: int) -> ItemSnapshot | None:
        return self._by_id.get(item_id)


@dataclass
class ChannelRecord:
    """One item's past on one channel, as far as the plan has got."""

    item: ItemSnapshot
    reach: Counter[str] = field(default_factory=Counter)  # shares per segment zone
    hours: Counter[tuple[str, int]] = field(default_factory=Counter)  # shares per (segment zone, local hour)
    last: int | None = None
    last_in: dict[str, int] = field(default_factory=dict)  # the last share per segment zone
    last_repeat: int = 0  # the repeat_after (seconds) of the last share's campaign
    longest: tuple[int, int] | None = None  # the share whose own repeat_after reaches furthest: (at, repeat_after)
    upcoming: list[tuple[int, int]] = field(default_factory=list)  # pinned shares ahead: (at, repeat_after)
    last_text: str | None = None
    last_option: tuple[str, object] | None = None  # which variant/template the last text came from
    version: int = 0

    def share_times(self) -> list[tuple[int, int]]:
        """The shares that repeat_after must keep clear of, as ``(at, repeat_after)``: the last one, the one
        whose own repeat_after reaches furthest, and the pinned ones ahead. From the last share on, no other
        past share can bind: each reaches at most ``at + max(r, its repeat_after)``, and those two cover both."""
        past = [(self.last, self.last_repeat)] if self.last is not None else []
        if self.longest is not None and self.longest not in past:
            past.append(self.longest)
        return past + self.upcoming


class ChannelShares:
    """Every item known on one channel and the pools that draw from the channel."""

    def __init__(self, channel: str, zones: Sequence[str] = ()) -> None:
        self.channel, self.zones = channel, tuple(zones)  # the zones of the channel's audience segments
        self.records: dict[int, ChannelRecord] = {}
        self.pools: list[Pool] = []

    def know(self, item: ItemSnapshot) -> ChannelRecord:
        record = self.records.get(item.id)
        if record is None:
            record = self.records[item.id] = ChannelRecord(item)
        return record

    def share(
        self, item: ItemSnapshot, at: int, repeat_after: int, zone: str, text: str, option: tuple[str, object] | None
    ) -> None:
        """Record a share (pinned or planned) at ``at`` and tell every pool that may use the item again."""
        record = self.know(item)
        if (at, repeat_after) in record.upcoming:
            record.upcoming.remove((at, repeat_after))
        record.reach[zone] += 1
        record.hours[(zone, local_hour(zone, at))] += 1
        for other in self.zones:  # every segment's people could see it, each at their own local hour
            if other != zone:
                record.hours[(other, local_hour(other, at))] += 1
        record.last_in[zone] = max(at, record.last_in.get(zone, at))
        if record.last is None or at > record.last:
            record.last, record.last_repeat = at, repeat_after
        elif at == record.last:
            record.last_repeat = max(record.last_repeat, repeat_after)
        if record.longest is None or at + repeat_after > sum(record.longest):
            record.longest = (at, repeat_after)
        record.last_text, record.last_option = text, option
        self.announce(record)

    def announce(self, record: ChannelRecord) -> None:
        record.version += 1
        for pool in self.pools:
            if pool.filter.accepts(record.item):
                pool.offer(record)


def local_hour(zone: str, at: int) -> int:
    """The hour on the wall clock of ``zone`` at ``at``: what an audience's habits are kept by."""
    return local_wall(zone, at).hour


class Pool:
    """The items one campaign (or one mix category of it) may post on one channel; see the module doc."""

    def __init__(
        self,
        shares: ChannelShares,
        item_filter: ItemFilter,
        repeat_after: int,
        fresh: Iterator[ItemSnapshot],
        usage: Counter[int],
        weights: ItemWeights | None = None,
    ) -> None:
        self.shares, self.filter, self.repeat_after, self.weights = shares, item_filter, repeat_after, weights
        self._fresh: Iterator[ItemSnapshot] | None = fresh
        self._fresh_head: ItemSnapshot | None = None
        self._usage = usage
        self._cooldown: list[tuple[int, int, int]] = []  # (eligible again at, item id, version)
        self._ready: dict[tuple[str, int], list[Entry]] = {}  # per (segment zone, local hour)
        self._waiting: dict[int, tuple[int, int]] = {}  # ready items: (version, token), for a heap made later
        self._token: Counter[int] = Counter()  # bumped whenever an item's ready entries become void
        self.members: set[int] = set()
        shares.pools.append(self)

    def _repeat_after(self, item_id: int) -> int:
        return self.weights.repeat_after(item_id, self.repeat_after) if self.weights else self.repeat_after

    def offer(self, record: ChannelRecord) -> None:
        self.members.add(record.item.id)
        since = record.last if record.last is not None else NEVER
        again = repeat_clear_from(record.share_times(), since, self._repeat_after(record.item.id))
        heapq.heappush(self._cooldown, (again, record.item.id, record.version))

    @property
    def fresh_exhausted(self) -> bool:
        return self._fresh is None

    def cooling(self, at: int) -> list[int]:
        """When the items still cooling down at ``at`` become eligible again (for warnings)."""
        return sorted(
            ready_at
            for ready_at, item_id, version in self._cooldown
            if ready_at > at and self.shares.records[item_id].version == version
        )

    def _void(self, item_id: int) -> None:
        """The item's ready entries, in every heap, are no longer valid."""
        self._token[item_id] += 1
        self._waiting.pop(item_id, None)

    def _entry(self, record: ChannelRecord, zone: str, hour: int) -> Entry:
        item_id, last = record.item.id, record.last if record.last is not None else NEVER
        weight = self.weights.rank(item_id, record.version) if self.weights and last != NEVER else FRESH
        key = (record.reach[zone], record.hours[(zone, hour)], weight, last, -record.item.priority, item_id)
        return (*key, record.version, self._token[item_id])

    def _promote(self, at: int) -> None:
        while self._cooldown and self._cooldown[0][0] <= at:
            _, item_id, version = heapq.heappop(self._cooldown)
            record = self.shares.records[item_id]
            if version != record.version:
                continue
            self._void(item_id)
            self._waiting[item_id] = (version, self._token[item_id])
            for (zone, hour), heap in self._ready.items():
                heapq.heappush(heap, self._entry(record, zone, hour))

    def _heap(self, zone: str, hour: int) -> list[Entry]:
        """The ready heap of a segment at a local hour, made from the items ready now on first use."""
        heap = self._ready.get((zone, hour))
        if heap is None:
            records = self.shares.records
            heap = [
                self._entry(records[item_id], zone, hour)
                for item_id, (version, token) in self._waiting.items()
                if records[item_id].version == version and self._token[item_id] == token
            ]
            heapq.heapify(heap)
            self._ready[(zone, hour)] = heap
        return heap

    def _peek_fresh(self, at: int) -> ItemSnapshot | None:
        """The best fresh item still usable at ``at``, left at the head of the stream."""
        while self._fresh is not None:
            if self._fresh_head is None:
                self._fresh_head = next(self._fresh, None)
                if self._fresh_head is None:
                    self._fresh = None
                    break
            item = self._fresh_head
            if item.id in self.shares.records or permanent_block(item, at, self._usage[item.id]):
                self._fresh_head = None  # known on the channel (its record is in the heaps), or used up for good
                continue
            return item
        return None

    def _peek_shared(self, at: int, heap: list[Entry]) -> Entry | None:
        """The best shared item eligible at ``at`` in ``heap``, left on top of it."""
        while heap:
            *_, item_id, version, token = heap[0]
            record = self.shares.records[item_id]
            if version != record.version or token != self._token[item_id]:
                heapq.heappop(heap)
                continue
            if permanent_block(record.item, at, self._usage[item_id]):
                heapq.heappop(heap)
                self._void(item_id)
                continue
            again = repeat_clear_from(record.share_times(), at, self._repeat_after(item_id))
            if again > at:  # a pinned share ahead is too close: wait until after it
                heapq.heappop(heap)
                self._void(item_id)
                heapq.heappush(self._cooldown, (again, item_id, version))
                continue
            return heap[0]
        return None

    def take(
        self, at: int, zone: str, prepare: Callable[[ItemSnapshot], Prepared | None]
    ) -> tuple[ItemSnapshot, Prepared] | None:
        """The best eligible item for a slot at ``at`` aimed at ``zone``, with what ``prepare`` made of it
        (its text); ``prepare`` returning None means the item cannot be posted here and it is passed over.

        A fresh item's rule-5 key is (0, 0, fresh, never, −priority, id); the only shared items that can beat
        it are ones known here through a pinned share still ahead, so the two heads are compared, not assumed.
        """
        self._promote(at)
        heap = self._heap(zone, local_hour(zone, at))
        while True:
            fresh = self._peek_fresh(at)
            shared = self._peek_shared(at, heap)
            if fresh is None and shared is None:
                return None
            if shared is None or (fresh is not None and (0, 0, FRESH, NEVER, -fresh.priority, fresh.id) < shared[:6]):
                assert fresh is not None
                item, self._fresh_head = fresh, None
            else:
                heapq.heappop(heap)
                self._void(shared[5])  # this readiness is used up in every segment and hour
                item = self.shares.records[shared[5]].item
            prepared = prepare(item)
            if prepared is not None:
                return item, prepared
