"""Unique reach of evertide's plans against the anchors' schedule, without data and after learning.

Audience: 10,000 followers — New York 45 %, London 35 %, Tokyo 20 % — who each keep habitual session times.

Follower model (stated so the figures can be argued with):

* **Habits.** Each segment's followers fall into 24 habit cohorts, each with one hour-long session a day
  whose start is drawn (seeded) around the city's peaks (:data:`PEAKS`: commute, lunch, after work, evening,
  late), mixed differently in each city. A follower opens the app in their session (activity 1.0 a minute,
  relative), rarely at other waking hours (0.05) and almost never asleep, 01–07 (0.01).
* **Stream decay.** A post sits near the top of the stream with a half-life of 24 minutes: a follower who opens
  the app ``τ`` minutes after it was posted sees it with probability ``activity × 2^(−τ/24)``, summed over the
  next three hours in one-minute steps and capped at 1.
* **Unique reach.** What counts is whether a follower has seen an item at least once: the score is the expected
  number of distinct (follower, item) pairs reached over the run.
* **Engagement**, for learning: a follower who sees an item for the first time engages with it (a like, a
  repost, a reply or a click) with probability 3 %; the count of a post is a Poisson draw of that expectation.

Schedules, all with the same number of posts a day:

* **anchors** — fixed times in one zone, the account's (New York): 3 a day at 09:00, 13:00, 17:00; 8 a day
  every 90 minutes from 08:00; items in oldest-first rotation.
* **reference** — a plain planner: each day's posts apportioned to the segments by weight, spread evenly over
  the segment's windows with offsets that alternate day to day, each slot given the item least shared to that
  segment.
* **evertide, no data** — ``plan()`` over the same windows (07:00–23:00 in each segment: the user does not know
  the habits).
* **evertide, learned** — ``learn: true``, after four weeks planned a week at a time, each week's engagement
  simulated by the follower model, each week's posts published through the queue and their engagement imported
  as a clicks file (:func:`simulated_clicks`, ``metrics import``), read back by the plan through the metrics
  tables as a user's own data is; then the judged weeks are planned the same way. Learning is run three
  times with different engagement draws (:data:`LEARNING_SEEDS`): the mean is printed, and the range below.
* **oracle** — knows every follower's habits: each post goes greedily to the instant (15-minute steps, 30
  minutes apart) and item that add the most unique reach.

    python bench/reach.py [--days 28] [--items 40] [--no-oracle]
"""

import argparse
import math
import random
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path

from scheduler.planning import PlanInputs, PlannedPost
from scheduler.zones import zone

FOLLOWERS = 10_000
SEGMENTS = {"America/New_York": 0.45, "Europe/London": 0.35, "Asia/Tokyo": 0.20}
PEAKS = {  # per segment: when its followers' sessions start (local time, spread in minutes, share of people)
    "America/New_York": (
        (time(7, 30), 40, 0.20),
        (time(12, 20), 30, 0.15),
        (time(17, 45), 45, 0.20),
        (time(21, 0), 60, 0.45),
    ),
    "Europe/London": (
        (time(7, 45), 40, 0.30),
        (time(12, 45), 30, 0.20),
        (time(19, 30), 60, 0.35),
        (time(22, 15), 30, 0.15),
    ),
    "Asia/Tokyo": ((time(7, 30), 30, 0.35), (time(12, 15), 25, 0.15), (time(21, 30), 60, 0.50)),
}
COHORTS = 24  # habit cohorts drawn per segment; a cohort scrolls in one session of SESSION_MIN a day
SESSION_MIN = 60
WINDOWS = ("07:00-23:00",)  # the user does not know the habits: every waking hour
HALF_LIFE_MIN = 24
HORIZON_MIN = 180
ENGAGE = 0.03
ANCHORS = {
    3: (time(9), time(13), time(17)),
    8: tuple(time(8 + (90 * n) // 60, (90 * n) % 60) for n in range(8)),
}
LEARNING_WEEKS = 4
LEARNING_SEEDS = (20261207, 20261208, 20261209)  # the engagement draws of each learning run: luck varies
START = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)  # learning starts here; the judged days follow it
GAP = timedelta(minutes=30)
Post = tuple[datetime, int]  # (instant, item id)


def habits(seed: int = 7) -> dict[str, list[tuple[int, float]]]:
    """Per segment, its cohorts as (session start in local minutes, share of the segment's followers)."""
    rng = random.Random(seed)
    drawn: dict[str, list[tuple[int, float]]] = {}
    for zone_name, peaks in PEAKS.items():
        drawn[zone_name] = []
        for _ in range(COHORTS):
            at, spread, _share = rng.choices(peaks, weights=[p[2] for p in peaks])[0]
            start = round(rng.gauss(at.hour * 60 + at.minute, spread)) % 1440
            drawn[zone_name].append((start, 1 / COHORTS))
    return drawn


HABITS = habits()


def activity(start: int, local_minute: int) -> float:
    """How likely a follower whose session starts at ``start`` opens the app in a given minute, relative."""
    if (local_minute - start) % 1440 < SESSION_MIN:
        return 1.0
    return 0.01 if 60 <= local_minute < 420 else 0.05


@cache
def reach_fraction(at: datetime, zone_name: str, cohort: int) -> float:
    """Share of a cohort that sees a post made at ``at`` (stream decay over the next three hours)."""
    return min(sum(activity(HABITS[zone_name][cohort][0], m) * w for m, w in _decay(at, zone_name)), 1.0)


@cache
def _decay(at: datetime, zone_name: str) -> tuple[tuple[int, float], ...]:
    """The local minute of the day and the stream-decay weight of each minute of the three hours after ``at``."""
    tz = zone(zone_name)
    return tuple(
        (local.hour * 60 + local.minute, 2 ** (-minute / HALF_LIFE_MIN) / 60)
        for minute in range(HORIZON_MIN)
        for local in ((at + timedelta(minutes=minute)).astimezone(tz),)
    )


def cohorts() -> Iterable[tuple[str, int, float]]:
    """Every (segment, cohort, number of followers)."""
    for zone_name, share in SEGMENTS.items():
        for cohort, (_, part) in enumerate(HABITS[zone_name]):
            yield zone_name, cohort, FOLLOWERS * share * part


class Audience:
    """Who has seen which item: the state unique reach and engagement are judged on."""

    def __init__(self) -> None:
        self.seen: defaultdict[tuple[str, int, int], float] = defaultdict(float)  # share of a cohort

    def show(self, at: datetime, item: int) -> float:
        """Show a post; returns the expected number of followers who saw the item for the first time."""
        new = 0.0
        for zone_name, cohort, people in cohorts():
            key = (zone_name, cohort, item)
            fresh = (1 - self.seen[key]) * reach_fraction(at, zone_name, cohort)
            self.seen[key] += fresh
            new += fresh * people
        return new


def unique_reach(posts: Iterable[Post]) -> float:
    """Expected distinct (follower, item) pairs the posts reach."""
    audience = Audience()
    return sum(audience.show(at, item) for at, item in sorted(posts))


def simulated_clicks(posts: Sequence[tuple[int, PlannedPost]], audience: Audience, rng: random.Random) -> str:
    """The engagement the follower model gives published ``posts`` (queue entry id, post), as the clicks file
    a user exports from web analytics (``utm_content,clicks``): the bench feeds it to ``metrics import``, and
    the planner reads it back through the metrics tables like a user's own data."""
    lines = ["utm_content,clicks"]
    for entry_id, post in sorted(posts, key=lambda pair: pair[1].at):
        expected = ENGAGE * audience.show(post.at, post.item_id)
        lines.append(f"{entry_id},{_poisson(rng, expected)}")
    return "\n".join(lines) + "\n"


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw: Knuth's method for small means, the normal approximation for large ones."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


# The other schedules ------------------------------------------------------------------------------------------


def local_days(start: datetime, days: int, zone_name: str) -> list[date]:
    first = start.astimezone(zone(zone_name)).date() + timedelta(days=1)  # the first whole local day
    return [first + timedelta(days=n) for n in range(days)]


def anchors(start: datetime, days: int, per_day: int, items: int) -> list[Post]:
    tz, posts, turn = zone("America/New_York"), [], 0
    for day in local_days(start, days, "America/New_York"):
        for at in ANCHORS[per_day]:
            posts.append((datetime.combine(day, at, tzinfo=tz).astimezone(UTC), turn % items + 1))
            turn += 1
    return posts


def _windows(zone_name: str, day: date) -> list[tuple[datetime, datetime]]:
    tz, found = zone(zone_name), []
    for window in WINDOWS:
        low, high = (time.fromisoformat(edge) for edge in window.split("-"))
        found.append((datetime.combine(day, low, tzinfo=tz), datetime.combine(day, high, tzinfo=tz)))
    return found


def _point_at(windows: list[tuple[datetime, datetime]], fraction: float) -> datetime:
    """The instant ``fraction`` of the way through the windows' total length."""
    left = sum((high - low for low, high in windows), timedelta()) * fraction
    for low, high in windows:
        if left < high - low:
            return low + left
        left -= high - low
    return windows[-1][1]


def reference(start: datetime, days: int, per_day: int, items: int) -> list[Post]:
    """The plain planner of the module doc."""
    owed: Counter[str] = Counter()
    shared: Counter[tuple[str, int]] = Counter()  # shares per (segment, item)
    overall: Counter[int] = Counter()
    posts = []
    for n, day in enumerate(local_days(start, days, "UTC")):
        counts: Counter[str] = Counter()
        for _ in range(per_day):  # cumulative apportionment: the segment furthest behind its weight
            zone_name = max(SEGMENTS, key=lambda z: (SEGMENTS[z] * (owed.total() + 1) - owed[z], SEGMENTS[z]))
            owed[zone_name] += 1
            counts[zone_name] += 1
        for zone_name, count in counts.items():
            offset = 0.25 if n % 2 else 0.75
            for k in range(count):
                at = _point_at(_windows(zone_name, day), (k + offset) / count)
                item = min(range(1, items + 1), key=lambda i: (shared[(zone_name, i)], overall[i], i))
                shared[(zone_name, item)] += 1
                overall[item] += 1
                posts.append((at.astimezone(UTC).replace(second=0, microsecond=0), item))
    return posts


def oracle(start: datetime, days: int, per_day: int, items: int) -> list[Post]:
    """Greedy with full knowledge: each post to the instant and item that add the most unique reach."""
    groups = list(cohorts())
    unseen = [[1.0] * len(groups) for _ in range(items + 1)]  # per item and cohort: the share not reached yet
    posts = []
    for day in local_days(start, days, "UTC"):
        day_start = datetime.combine(day, time(0), tzinfo=UTC)
        instants = [day_start + timedelta(minutes=15 * q) for q in range(96)]
        instants = [at for at in instants if any(_in_window(at, z) for z in SEGMENTS)]
        reached = {at: [reach_fraction(at, z, c) * people for z, c, people in groups] for at in instants}
        taken: list[datetime] = []
        for _ in range(per_day):
            free = [at for at in instants if all(abs(at - other) >= GAP for other in taken)]
            at, item = max(
                ((at, i) for at in free for i in range(1, items + 1)),
                key=lambda pair: sum(u * r for u, r in zip(unseen[pair[1]], reached[pair[0]], strict=True)),
            )
            unseen[item] = [
                u * (1 - reach_fraction(at, z, c)) for u, (z, c, _) in zip(unseen[item], groups, strict=True)
            ]
            taken.append(at)
            posts.append((at, item))
    return posts


def _in_window(at: datetime, zone_name: str) -> bool:
    local = at.astimezone(zone(zone_name))
    return any(low <= local < high for low, high in _windows(zone_name, local.date()))


# evertide ---------------------------------------------------------------------------------------------------


@dataclass
class Evertide:
    """evertide's planner over a SQLite library, planning as ``queue fill`` would: a week at a time."""

    directory: Path
    per_day: int
    items: int

    def config_text(self) -> str:
        segments = "\n".join(
            f"    - {{zone: {z}, weight: {round(w * 100)}, windows: {list(WINDOWS)}}}" for z, w in SEGMENTS.items()
        )
        return (
            f"database: {self.directory / 'reach.db'}\naudiences:\n  followers:\n{segments}\n"
            "channels:\n  main: {kind: file, path: outbox.jsonl, audience: followers}\n"
            f"campaigns:\n  evergreen:\n    channels: [main]\n    posts_per_day: {self.per_day}\n"
            f"    min_gap: 30m\n    repeat_after: 4d\n    learn: true\n"
            # links tagged with utm_content=<entry id>: the clicks import counts only posts that carried it
            '    utm: {source: "{channel}", medium: social}\n'
        )

    def run(self, start: datetime, days: int, *, learn: bool, seed: int = 20261207) -> list[Post]:
        """Plan a week at a time as the daemon's refill would, publish each week's posts through the queue,
        and (learning) import the week's simulated clicks; the next week's plan reads them back."""
        from content_library.candidates import DatabaseCandidates
        from content_library.database import make_engine, transaction, upgrade
        from content_library.store import add_item
        from scheduler.config import load_config
        from scheduler.metrics.clicks import import_clicks
        from scheduler.metrics.observations import observations
        from scheduler.planning import plan
        from scheduler.queue import states
        from scheduler.queue.entries import history_shares, insert_entry
        from scheduler.queue.fill import _fields

        path = self.directory / "config.yaml"
        path.write_text(self.config_text())
        config = load_config(path)
        (self.directory / "reach.db").unlink(missing_ok=True)
        engine = make_engine(config.database_url())
        upgrade(engine)
        with transaction(engine) as session:
            for n in range(self.items):
                add_item(session, {"title": f"Guide {n + 1}", "url": f"https://example.com/{n + 1}"}, now=START)
        inputs, audience, rng = PlanInputs.of(config), Audience(), random.Random(seed)
        judged: list[Post] = []
        weeks = (LEARNING_WEEKS if learn else 0) + math.ceil(days / 7)
        for week in range(weeks):
            now = start - timedelta(days=7 * (weeks - math.ceil(days / 7) - week))
            with transaction(engine) as session:
                seen = observations(session, config, now=now) if learn else []
                result = plan(
                    inputs,
                    DatabaseCandidates(session),
                    now=now,
                    days=7,
                    history=history_shares(session),
                    observations=seen,
                )
            published = []
            with transaction(engine) as session:
                for post in result.posts:
                    entry = insert_entry(session, _fields(post), now=now)
                    claimed = states.claim(session, entry, worker="bench", now=post.at, lease=timedelta(minutes=1))
                    states.publish(session, claimed, remote_id=str(entry.id), remote_url=None, now=post.at)
                    published.append((entry.id or 0, post))
            if learn:
                clicks = self.directory / "clicks.csv"
                clicks.write_text(simulated_clicks(published, audience, rng))
                with transaction(engine) as session:
                    done = import_clicks(session, clicks, now=now + timedelta(days=7))
                if done.unknown:  # the posts' links did not carry their ids: the bench would learn from nothing
                    raise SystemExit(f"bench: {done.line()}")
            if now >= start:
                judged.extend((p.at, p.item_id) for p in result.posts)
        engine.dispose()
        return judged


def judged_span(posts: Sequence[Post], start: datetime, days: int, count: int) -> list[Post]:
    """The posts of the judged days, the first ``count`` of them (every schedule is judged on as many)."""
    end = start + timedelta(days=days + 1)
    return sorted(post for post in posts if start <= post[0] < end)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--no-oracle", action="store_true", help="Skip the (slow) oracle.")
    args = parser.parse_args()
    start = START + timedelta(days=7 * LEARNING_WEEKS)
    print(f"{args.days} judged days, {args.items} items, {FOLLOWERS:,} followers, windows {', '.join(WINDOWS)}")
    spreads: list[str] = []
    print(f"{'posts/day':>9s} {'anchors':>9s} {'reference':>10s} {'no data':>9s} {'learned':>9s} {'oracle':>9s}")
    for per_day in sorted(ANCHORS):
        base = anchors(start, args.days, per_day, args.items)
        count = len(base)
        with tempfile.TemporaryDirectory() as directory:
            runner = Evertide(Path(directory), per_day, args.items)
            schedules = {
                "reference": reference(start, args.days, per_day, args.items),
                "no data": runner.run(start, args.days, learn=False),
            }
            learned = [runner.run(start, args.days, learn=True, seed=seed) for seed in LEARNING_SEEDS]
        if not args.no_oracle:
            schedules["oracle"] = oracle(start, args.days, per_day, args.items)
        baseline = unique_reach(base)
        ratios = {
            name: unique_reach(judged_span(posts, start, args.days, count)) / baseline
            for name, posts in schedules.items()
        }
        runs = [unique_reach(judged_span(posts, start, args.days, count)) / baseline for posts in learned]
        ratios["learned"] = sum(runs) / len(runs)
        spreads.append(f"{per_day} a day {min(runs):.2f}×–{max(runs):.2f}×")
        shown = " ".join(
            f"{ratios[name]:>{w}.2f}×" if name in ratios else " " * (w + 1)
            for name, w in (("reference", 9), ("no data", 8), ("learned", 8), ("oracle", 8))
        )
        print(f"{per_day:>9d} {baseline:>9,.0f} {shown}")
    print("(anchors: expected unique follower-item pairs; the others: their ratio to the anchors)")
    print(f"(learned: the mean of {len(LEARNING_SEEDS)} simulated engagement histories; range {', '.join(spreads)})")


if __name__ == "__main__":
    main()
