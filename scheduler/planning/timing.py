"""When each post goes: the first half of planning, done per channel before any item is chosen.

For every local date of the plan and every campaign on the channel (in name order), the campaign's
``posts_per_day`` are apportioned over the channel's audience segments (:mod:`.apportion`) and put inside
that segment's windows on that date; explicit weekly ``slots`` are placed first, as written. Existing posts
(history and pinned entries) count against the day's ``posts_per_day``, the segment shares, min_gap and the
daily cap. A day is judged in the target segment's local date (weekdays, blackout, start/end).

Within a window, a segment's posts of the day sit at evenly spaced fractions of the window, rotated from day
to day by the golden ratio so that the same audience sees a campaign at a different local hour each day. A
campaign that learns (``learn: true``) and has engagement observed on the channel puts each post in the
local quarter hour of the windows, still free of every post so far by min_gap, that wins a Thompson draw
(:mod:`.learning`, :mod:`.times_of_day`).
Jitter (deterministic: a hash of channel, campaign, date and post) moves the target, and the post then
goes to the nearest instant that keeps every min_gap and the daily cap. If the spread-out targets leave no
room for all of them, the day is packed from the start of the window instead, which fits the most.

At the two ends of the horizon a segment whose windows are cut off by it stops the campaign's day there
(the next plan fills it); a post that does not fit for any other reason is tried in the next most due
segment and, if it fits nowhere, reported with the numbers.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from scheduler.config import CampaignConfig, Segment
from scheduler.planning.apportion import Apportioner
from scheduler.planning.draws import unit_hash
from scheduler.planning.inputs import PlanInputs
from scheduler.planning.intervals import nearest, overlap, point_at
from scheduler.planning.learning import Learning
from scheduler.planning.slots import (
    Interval,
    clip,
    describe_windows,
    format_duration,
    local_dates,
    local_wall,
    segment_intervals,
    slot_instant,
    wall_stretches,
    weekday_name,
    window_date,
)
from scheduler.planning.times_of_day import QUARTER_MIN
from scheduler.rules import Post, RuleBook, Timeline
from scheduler.rules.timeline import MINUTE

GOLDEN = 0.6180339887498949


@dataclass(frozen=True)
class Slot:
    """A post's time and audience, before an item is chosen for it."""

    at: int
    channel: str
    campaign: str
    zone: str
    day: date


@dataclass(frozen=True)
class Existing:
    """A post the plan works around: published history or a pinned queue entry."""

    at: int
    campaign: str | None
    zone: str


class Warnings:
    """Problems found while planning, one line per kind of problem with the dates it happened on.

    A campaign whose window is too short fails every day; the person needs one line with the numbers and the
    dates, not 28 copies of it.
    """

    def __init__(self) -> None:
        self._dates: dict[tuple[str, str], list[date]] = {}
        self._notes: list[str] = []

    def note(self, line: str) -> None:
        """A problem that is not tied to particular dates."""
        self._notes.append(line)

    def add(self, what: str, day: date, detail: str) -> None:
        self._dates.setdefault((what, detail), []).append(day)

    def lines(self) -> list[str]:
        found = []
        for (what, detail), days in self._dates.items():
            unique = sorted(set(days))
            more = f" and {len(unique) - 1} more day{'s' if len(unique) > 2 else ''}" if len(unique) > 1 else ""
            found.append(f"{what} on {unique[0]}{more} ({detail})")
        return found + self._notes


def counted(count: int, noun: str) -> str:
    """``1 post``, ``3 posts``: how a person writes a count."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _rounded(value: float) -> int:
    """Half up, never to even: the running totals of posts due must round the same way every time."""
    return int(value + 0.5)


def campaign_runs_on(campaign: CampaignConfig, day: date) -> bool:
    """Weekdays, blackout dates and start/end, judged on a local date."""
    return (
        weekday_name(day) in campaign.days
        and day not in campaign.blackout
        and (campaign.start is None or day >= campaign.start)
        and (campaign.end is None or day <= campaign.end)
    )


class ChannelTiming:
    """Places every post of one channel between ``start`` and ``end`` (epoch seconds)."""

    def __init__(
        self,
        config: PlanInputs,
        rules: RuleBook,
        channel: str,
        *,
        start: int,
        end: int,
        existing: Sequence[Existing],
        warnings: Warnings,
        learning: Learning | None = None,
    ) -> None:
        self.config, self.rules, self.channel, self.start, self.end = config, rules, channel, start, end
        self.warnings, self.learning = warnings, learning
        self.timeline = Timeline(channel, rules.caps_of(channel))
        self.segments: tuple[Segment, ...] = config.channels[channel].segments
        self.existing = existing
        for post in existing:
            self.timeline.add(self._post(post.at, post.campaign))
        self.slots: list[Slot] = []

    def _post(self, at: int, campaign: str | None) -> Post:
        """A post of ``campaign`` at ``at`` as the rule book sees it (its item is chosen later)."""
        return Post(at, self.rules.spacing(self.channel, campaign))

    def gap(self, campaign: str | None) -> int:
        return self.rules.spacing(self.channel, campaign).min_gap

    def _segment_of(self, zone_name: str) -> int | None:
        return next((index for index, s in enumerate(self.segments) if s.zone == zone_name), None)

    def run(self, campaigns: Sequence[str]) -> list[Slot]:
        by_slots = [name for name in campaigns if self.config.campaigns[name].slots]
        daily = [name for name in campaigns if self.config.campaigns[name].posts_per_day]
        for name in by_slots:
            self._place_weekly(name, self.config.campaigns[name])
        if daily:
            self._place_daily(daily)
        return sorted(self.slots, key=lambda slot: (slot.at, slot.campaign))

    # Explicit weekly slots ------------------------------------------------------------------------------

    def _place_weekly(self, name: str, campaign: CampaignConfig) -> None:
        gap, jitter = self.gap(name), int(campaign.jitter.total_seconds())
        zones = {slot.zone for slot in campaign.slots}
        served = Counter(
            (post.zone, local_wall(post.zone, post.at).date())
            for post in self.existing
            if post.campaign == name and post.zone in zones
        )
        for slot in campaign.slots:
            for day in local_dates(slot.zone, self.start, self.end):
                at = slot_instant(slot, day)
                if at is None or not campaign_runs_on(campaign, day) or not self.start <= at < self.end:
                    continue
                if served[(slot.zone, day)]:
                    served[(slot.zone, day)] -= 1  # a published or pinned post already took this slot
                    continue
                offset = round((2 * unit_hash(self.channel, name, day, str(slot)) - 1) * jitter / MINUTE) * MINUTE
                # Jitter never lands on the second pass through a repeated hour (a slot just after a fall-back).
                choice = next(
                    (
                        t
                        for t in (at + offset, at)
                        if self.start <= t < self.end
                        and local_wall(slot.zone, t).fold == 0
                        and self.timeline.fits(t, gap)
                    ),
                    None,
                )
                if choice is None:
                    self.warnings.add(
                        f"campaign {name} on {self.channel}: slot {slot} skipped",
                        day,
                        f"too close to another post for min_gap {format_duration(gap)}{self._cap_words()}",
                    )
                    continue
                self.timeline.add(self._post(choice, name))
                self.slots.append(Slot(choice, self.channel, name, slot.zone, day))

    # posts_per_day ----------------------------------------------------------------------------------------

    def _place_daily(self, names: Sequence[str]) -> None:
        """Each local date gets the campaign's posts_per_day times the share of that date's audience time
        that lies inside the horizon, rounded so that the running total never drifts: a plan of N days from
        any instant holds N × posts_per_day posts (give or take one where a DST change makes a day longer or
        shorter), its first and last, partial, dates included. Existing posts count against their date."""
        weights = [segment.weight for segment in self.segments]
        shares = {name: Apportioner(weights) for name in names}
        used: Counter[tuple[str, date]] = Counter()  # existing posts per (campaign, window date)
        used_inside: Counter[tuple[str, date]] = Counter()  # …of them, those inside the horizon
        lookback = self.start - (self.end - self.start)
        for post in self.existing:
            index = self._segment_of(post.zone)
            if post.campaign not in shares or index is None:
                continue
            day = window_date(self.segments[index], post.at)
            if lookback <= post.at < self.end:
                shares[post.campaign].add(index)
            used[(post.campaign, day)] += 1
            used_inside[(post.campaign, day)] += self.start <= post.at < self.end
        days = sorted({day for s in self.segments for day in local_dates(s.zone, self.start, self.end)})
        owed = {name: 0.0 for name in names}  # posts due so far, unrounded
        for day in days:
            inside = self._inside_share(day)
            for name in names:
                campaign = self.config.campaigns[name]
                assert campaign.posts_per_day is not None
                if not campaign_runs_on(campaign, day) or inside == 0:
                    continue
                before = _rounded(owed[name])
                owed[name] += campaign.posts_per_day * inside
                due = _rounded(owed[name]) - before
                wanted = min(due - used_inside[(name, day)], campaign.posts_per_day - used[(name, day)])
                if wanted > 0:
                    # A date the horizon cuts gives its posts to the segments whose windows it still holds
                    # (by weight and by how much of their windows is left). They count in the running shares
                    # like any post, so a refill that finds them queued plans the later days the same way.
                    if self._cut(day):
                        self._place_day(name, campaign, day, self._edge_shares(day), wanted, also=shares[name])
                    else:
                        self._place_day(name, campaign, day, shares[name], wanted)

    def _inside_fractions(self, day: date) -> list[float | None]:
        """Per segment, the part of its windows on ``day`` that lies inside the horizon (None: no window)."""
        fractions: list[float | None] = []
        for segment in self.segments:
            windows = segment_intervals(segment, day)
            length = sum(high - low for low, high in windows)
            room = clip(windows, self.start, self.end)
            fractions.append(sum(high - low for low, high in room) / length if length else None)
        return fractions

    def _cut(self, day: date) -> bool:
        """Whether the horizon cuts ``day``: some of its windows inside, some not."""
        fractions = {fraction for fraction in self._inside_fractions(day) if fraction is not None}
        return not (fractions <= {1.0} or fractions <= {0.0})

    def _inside_share(self, day: date) -> float:
        """How much of ``day``'s audience time lies inside the horizon, each segment counted by its weight:
        1.0 for a date wholly inside, 0.0 for one wholly outside."""
        pairs = [
            (s.weight, f) for s, f in zip(self.segments, self._inside_fractions(day), strict=True) if f is not None
        ]
        total = sum(weight for weight, _ in pairs)
        return sum(weight * fraction for weight, fraction in pairs) / total if total else 0.0

    def _edge_shares(self, day: date) -> Apportioner:
        """Shares for a date the horizon cuts: each segment's weight times the part of its windows left."""
        fractions = self._inside_fractions(day)
        return Apportioner([s.weight * (f or 0.0) for s, f in zip(self.segments, fractions, strict=True)])

    def _place_day(
        self,
        name: str,
        campaign: CampaignConfig,
        day: date,
        shares: Apportioner,
        wanted: int,
        *,
        also: Apportioner | None = None,
    ) -> None:
        """``wanted`` posts of ``name`` on ``day``, in the segments ``shares`` makes due; each post placed is
        counted in ``shares`` and in ``also`` (the running shares, when ``shares`` is a cut date's own)."""
        windows = [segment_intervals(segment, day) for segment in self.segments]
        room = [clip(w, self.start, self.end) for w in windows]
        turns = shares.preview(wanted)
        placed = {
            index: self._place_segment(name, campaign, index, day, room[index], count)
            for index, count in sorted(Counter(turns).items())
        }
        short: set[int] = set()
        missing = 0
        for index in turns:
            if placed[index]:
                self._commit(name, index, day, placed[index].pop(), shares, also)
            else:
                short.add(index)
                missing += 1
        if short:
            cut = {index for index in short if room[index] != windows[index]}  # the horizon took its room
            self._fill_elsewhere(name, campaign, day, shares, also, room, cut, short, wanted, missing)

    def _commit(self, name: str, index: int, day: date, at: int, shares: Apportioner, also: Apportioner | None) -> None:
        shares.add(index)
        if also is not None:
            also.add(index)
        self.slots.append(Slot(at, self.channel, name, self.segments[index].zone, day))

    def _fill_elsewhere(
        self,
        name: str,
        campaign: CampaignConfig,
        day: date,
        shares: Apportioner,
        also: Apportioner | None,
        room: list[tuple[Interval, ...]],
        cut: set[int],
        short: set[int],
        wanted: int,
        missing: int,
    ) -> None:
        """Posts that fit nowhere in their due segment go to the next most due one with room, else warn.
        A segment whose room the horizon took is no news (the next plan reaches it): only crowding is."""
        full, moved_to = set(short), set()
        while missing > 0:
            for index in shares.ranking():
                if index in full:
                    continue
                got = self._place_segment(name, campaign, index, day, room[index], 1, turn=shares.counts[index])
                if got:
                    self._commit(name, index, day, got[0], shares, also)
                    moved_to.add(self.segments[index].zone)
                    missing -= 1
                    break
                full.add(index)
            else:
                break
        limits = f"min_gap {format_duration(self.gap(name))}{self._cap_words()}"
        crowded = sorted(short - cut, key=lambda index: self.segments[index].zone)
        if moved_to and crowded:
            self.warnings.add(
                f"campaign {name} on {self.channel}: "
                + ", ".join(self.segments[index].zone for index in crowded)
                + f" got fewer posts than its share, the rest went to {', '.join(sorted(moved_to))}",
                day,
                "; ".join(describe_windows(self.segments[index], day).text for index in crowded) + f", {limits}",
            )
        if missing > 0:
            assert campaign.posts_per_day is not None
            details = (
                "; ".join(
                    describe_windows(segment, day).text for segment, r in zip(self.segments, room, strict=True) if r
                )
                or "no window of the audience is open that day"
            )
            fitted = (
                f"{wanted - missing} of {wanted} posts/day fit"
                if wanted == campaign.posts_per_day
                else f"{wanted - missing} of the {wanted} posts still due that day fit"
            )
            self.warnings.add(f"campaign {name} on {self.channel}: {fitted}", day, f"{details}, {limits}")

    def _learned_times(
        self, campaign: CampaignConfig, index: int, room: tuple[Interval, ...]
    ) -> dict[int, tuple[Interval, ...]]:
        """The local quarter hours of ``room`` a learning campaign chooses among (empty: by the rules alone)."""
        zone_name = self.segments[index].zone
        if self.learning is None or not campaign.learn or not self.learning.knows(self.channel):
            return {}
        return wall_stretches(zone_name, room, QUARTER_MIN)

    def _cap_words(self) -> str:
        caps = self.rules.caps_of(self.channel)
        words = [f", daily_cap {caps.daily} per 24h"] if caps.daily else []
        words += [f", monthly_cap {caps.monthly} per 30d"] if caps.monthly else []
        words += [f", budget: {caps.budgeted} posts per calendar month (UTC)"] if caps.budgeted is not None else []
        return "".join(words)

    def _place_segment(
        self,
        name: str,
        campaign: CampaignConfig,
        index: int,
        day: date,
        room: tuple[Interval, ...],
        count: int,
        *,
        turn: int = 0,
    ) -> list[int]:
        """Up to ``count`` instants for ``name`` in segment ``index`` on ``day``, added to the timeline."""
        if not room:
            return []
        gap, jitter = self.gap(name), campaign.jitter.total_seconds()
        base = (unit_hash(self.channel, name, index) + day.toordinal() * GOLDEN) % 1
        learned = self._learned_times(campaign, index, room)
        spread: list[int] = []
        for post in range(count):
            fraction = (base + (post + turn * GOLDEN) / count) % 1
            offset = (2 * unit_hash(self.channel, name, day, index, post, turn) - 1) * jitter
            target = point_at(room, fraction)
            free = self.timeline.free(room, gap)
            # A learning campaign draws among the times of day still free (min_gap from every post so far):
            # drawing first and moving the post to the nearest free minute put it far off the drawn time.
            still_free = {q: shared for q, pieces in learned.items() if (shared := overlap(pieces, free))}
            if still_free and self.learning:
                zone_name = self.segments[index].zone
                quarter = self.learning.best_time(self.channel, zone_name, still_free, name, day, post, turn)
                target = point_at(still_free[quarter], 0.5)
            at = nearest(free, target + int(offset))
            if at is None:
                break
            self.timeline.add(self._post(at, name))
            spread.append(at)
        if len(spread) == count:
            return spread
        for at in spread:
            self.timeline.remove(self._post(at, name))
        packed: list[int] = []
        for _ in range(count):
            free = self.timeline.free(room, gap)
            if not free:
                break
            self.timeline.add(self._post(free[0][0], name))
            packed.append(free[0][0])
        if len(packed) >= len(spread):
            return packed
        for at in packed:
            self.timeline.remove(self._post(at, name))
        for at in spread:
            self.timeline.add(self._post(at, name))
        return spread
