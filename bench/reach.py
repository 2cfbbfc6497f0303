"""Reach of evertide's plan against the schedule most tools make, on one library and one audience.

Audience: 10,000 followers — New York 45 %, London 35 %, Tokyo 20 %.

Audience model (stated so the figures can be argued with):

* **Habits.** Followers of each segment fall into four habit cohorts — morning (07–10), midday (11–14),
  evening (18–22) and night owls (22–01) — of 30 / 25 / 35 / 10 %. A cohort scrolls mostly in its own hours
  (activity 1.0 there, 0.08 at other waking hours, 0.01 while asleep, 01–07). So the people who look at 08:00
  are not the ones who look at 20:00.
* **Stream decay.** A post sits near the top of the stream with a half-life of 24 minutes: a follower who opens
  the app ``τ`` minutes after it was posted sees it with probability ``activity × 2^(−τ/24)``, summed over the
  next three hours in one-minute steps and capped at 1.
* **Diminishing value.** What counts is whether a follower has seen an item at least once: a second showing of
  the same item to someone who saw it adds nothing. The score is the expected number of distinct
  (follower, item) pairs reached over the run — how much of the library actually reached how much of the
  audience.

Baseline ("most tools"): the same number of posts a day at fixed daily times in one zone — the account's,
New York — spread over its business day (09:00, 11:30, 14:00, 16:30), items in oldest-first rotation.
evertide: the plan of the same campaign (posts_per_day 4, repeat_after 7d) over the audience's windows.

    python bench/reach.py [--days 28] [--items 40]
"""

import argparse
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from scheduler.planning.inputs import PlanInputs
from scheduler.zones import zone

FOLLOWERS = 10_000
SEGMENTS = {"America/New_York": 0.45, "Europe/London": 0.35, "Asia/Tokyo": 0.20}
COHORTS = {  # share of each segment, and the local hours the cohort scrolls in
    "morning": (0.30, {7, 8, 9}),
    "midday": (0.25, {11, 12, 13}),
    "evening": (0.35, {18, 19, 20, 21}),
    "night": (0.10, {22, 23, 0}),
}
HALF_LIFE_MIN = 24
HORIZON_MIN = 180
BASELINE_TIMES = (time(9, 0), time(11, 30), time(14, 0), time(16, 30))
START = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)

CONFIG = """\
database: {database}
audiences:
  followers:
    - {{zone: America/New_York, weight: 45, windows: ["07:00-10:00", "11:00-14:00", "18:00-22:00"]}}
    - {{zone: Europe/London, weight: 35, windows: ["07:00-10:00", "11:00-14:00", "18:00-22:00"]}}
    - {{zone: Asia/Tokyo, weight: 20, windows: ["07:00-10:00", "11:00-14:00", "18:00-22:00"]}}
channels:
  main: {{kind: file, path: outbox.jsonl, audience: followers}}
campaigns:
  evergreen:
    channels: [main]
    posts_per_day: 4
    min_gap: 90m
    repeat_after: 7d
"""


def activity(cohort: str, local_hour: float) -> float:
    """Probability that a follower of ``cohort`` opens the app in a given minute at ``local_hour``, relative."""
    if int(local_hour) in COHORTS[cohort][1]:
        return 1.0
    return 0.01 if 1 <= local_hour < 7 else 0.08


def reach_fraction(at: datetime, zone_name: str, cohort: str) -> float:
    """Share of a cohort that sees a post made at ``at`` (stream decay over the next three hours)."""
    tz = zone(zone_name)
    total = 0.0
    for minute in range(HORIZON_MIN):
        local = (at + timedelta(minutes=minute)).astimezone(tz)
        total += activity(cohort, local.hour + local.minute / 60) * 2 ** (-minute / HALF_LIFE_MIN) / 60
    return min(total, 1.0)


def score(posts: Iterable[tuple[datetime, int]]) -> tuple[float, dict[str, float]]:
    """Expected distinct (follower, item) pairs reached, in all and per segment."""
    seen: dict[tuple[str, str, int], float] = defaultdict(float)  # share of a cohort that saw an item
    for at, item in posts:
        for zone_name in SEGMENTS:
            for cohort in COHORTS:
                key = (zone_name, cohort, item)
                seen[key] += (1 - seen[key]) * reach_fraction(at, zone_name, cohort)
    per_segment: dict[str, float] = defaultdict(float)
    for (zone_name, cohort, _item), share in seen.items():
        per_segment[zone_name] += share * FOLLOWERS * SEGMENTS[zone_name] * COHORTS[cohort][0]
    return sum(per_segment.values()), dict(per_segment)


def baseline(days: int, items: int) -> list[tuple[datetime, int]]:
    tz = zone("America/New_York")
    posts, next_item = [], 0
    for day in range(days):
        local_day = (START + timedelta(days=day)).astimezone(tz).date()
        for at in BASELINE_TIMES:
            posts.append((datetime.combine(local_day, at, tzinfo=tz).astimezone(UTC), next_item % items + 1))
            next_item += 1
    return posts


def evertide(days: int, items: int) -> list[tuple[datetime, int]]:
    from content_library.candidates import DatabaseCandidates
    from content_library.database import make_engine, transaction, upgrade
    from content_library.store import add_item
    from scheduler.config import load_config
    from scheduler.planning.planner import plan

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "config.yaml"
        path.write_text(CONFIG.format(database=Path(directory) / "reach.db"))
        config = load_config(path)
        engine = make_engine(config.database_url())
        upgrade(engine)
        with transaction(engine) as session:
            for n in range(items):
                add_item(
                    session, {"title": f"Evergreen guide {n + 1}", "url": f"https://example.com/{n + 1}"}, now=START
                )
        with transaction(engine) as session:
            result = plan(PlanInputs.of(config), DatabaseCandidates(session), now=START, days=days)
        engine.dispose()
    return [(post.at, post.item_id) for post in result.posts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--items", type=int, default=40)
    args = parser.parse_args()
    theirs = baseline(args.days, args.items)
    ours = sorted(evertide(args.days, args.items))[: len(theirs)]  # the same number of posts, to be fair
    ours_total, ours_segments = score(ours)
    theirs_total, theirs_segments = score(theirs)
    possible = FOLLOWERS * args.items
    print(f"{args.days} days, {args.items} items, {FOLLOWERS:,} followers")
    print(f"posts: evertide {len(ours)}, baseline {len(theirs)}")
    print(f"{'segment':20s} {'evertide':>12s} {'baseline':>12s}")
    for zone_name in SEGMENTS:
        print(f"{zone_name:20s} {ours_segments.get(zone_name, 0):12,.0f} {theirs_segments.get(zone_name, 0):12,.0f}")
    print(f"{'total':20s} {ours_total:12,.0f} {theirs_total:12,.0f}   (of {possible:,} follower-item pairs)")
    print(f"ratio evertide / baseline: {ours_total / theirs_total:.2f}")


if __name__ == "__main__":
    main()
