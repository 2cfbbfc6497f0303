"""Hypothesis strategies for the planner: zones, start instants, audiences, campaigns, libraries, history.

Start instants are drawn around the real 2026 transitions of the zones below (``tests/data/tz``, computed
with tzdata 2026f), so most examples plan across a spring-forward gap or a fall-back fold. ``feasible``
setups leave enough room in every window for every post (short min_gap, long windows, no daily cap), so the
checks can demand exact counts and exact shares; the other setups may be impossible and are checked for
warnings instead.

The rules a plan must keep are checked by :mod:`tests.planning_rules`.
"""

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from content_library.snapshot import ItemSnapshot, VariantSnapshot
from scheduler.config import Config, Segment
from scheduler.config.values import Window
from scheduler.planning.candidates import InMemoryCandidates
from scheduler.planning.inputs import PlanInputs
from scheduler.planning.learning import Observation
from scheduler.planning.model import PastShare, Plan
from scheduler.planning.planner import plan
from scheduler.planning.slots import format_duration

TZ_DATA = Path(__file__).parent / "data" / "tz"
ZONES = (
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/Santiago",
)
CATEGORIES = ("tips", "faq", "news")


def transitions_2026(zones: Sequence[str] = ZONES) -> list[datetime]:
    """The 2026 transition instants of ``zones`` (Kathmandu has none; the others two each)."""
    with (TZ_DATA / "transitions.csv").open() as handle:
        return sorted(
            datetime.fromisoformat(row["utc_instant"].replace("Z", "+00:00"))
            for row in csv.DictReader(handle)
            if row["zone"] in zones and row["utc_instant"].startswith("2026") and row["kind"] != "none"
        )


TRANSITIONS = transitions_2026()


@st.composite
def starts(draw: st.DrawFn) -> datetime:
    """An instant from 2.5 days before to 1 day after a 2026 transition, at any second."""
    transition = draw(st.sampled_from(TRANSITIONS))
    return transition + timedelta(seconds=draw(st.integers(-60 * 3600, 24 * 3600)))


@st.composite
def windows(draw: st.DrawFn, *, shortest: int, longest: int) -> Window:
    """Local hours on 15-minute steps, often starting late in the evening or in the small hours (where the
    transitions are), sometimes crossing midnight."""
    start = draw(st.one_of(st.integers(20 * 4, 24 * 4 - 1), st.integers(0, 4 * 4), st.integers(0, 24 * 4 - 1)))
    length = draw(st.integers(shortest // 15, longest // 15))
    end = (start + length) % (24 * 4)
    return Window(time(start // 4, start % 4 * 15), time(end // 4, end % 4 * 15))


@st.composite
def window_sets(draw: st.DrawFn, *, shortest: int) -> tuple[Window, ...]:
    """One or two windows that never overlap, not even across midnight (else a post's local date would be
    ambiguous: a window belongs to the date it starts on)."""
    first = draw(windows(shortest=shortest, longest=14 * 60))
    if draw(st.booleans()):
        return (first,)
    length = (_minutes(first.end) - _minutes(first.start)) % 1440
    room = 1440 - length - 2 * 60  # an hour of space on either side
    if room < shortest:
        return (first,)
    gap = 60 + draw(st.integers(0, (room - shortest) // 15)) * 15
    start = (_minutes(first.end) + gap) % 1440
    second_length = draw(st.integers(shortest // 15, (1440 - length - gap - 60) // 15)) * 15
    end = (start + second_length) % 1440
    return (first, Window(time(start // 60, start % 60), time(end // 60, end % 60)))


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


@st.composite
def audiences(draw: st.DrawFn, *, feasible: bool) -> list[Segment]:
    """One to three segments in different zones (a post names its segment by zone)."""
    shortest = 6 * 60 if feasible else 60
    return [
        Segment(
            zone=zone_name,
            weight=draw(st.sampled_from([0.1, 0.25, 1, 1.5, 2, 3, 10])),
            windows=draw(window_sets(shortest=shortest)),
        )
        for zone_name in draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True))
    ]


@st.composite
def weekly_slots(draw: st.DrawFn) -> str:
    """``sun 02:30 America/New_York``: often a Sunday (most transitions are) in the small hours."""
    days = draw(st.sampled_from(["sun", "sat", "daily", "weekdays", "mon,sun"]))
    at = draw(st.one_of(st.integers(0, 4 * 4), st.integers(0, 24 * 4 - 1)))
    return f"{days} {at // 4:02d}:{at % 4 * 15:02d} {draw(st.sampled_from(ZONES))}"


@st.composite
def campaigns(draw: st.DrawFn, channels: Sequence[str], around: date, *, feasible: bool) -> dict[str, object]:
    chosen = draw(st.lists(st.sampled_from(channels), min_size=1, max_size=len(channels), unique=True))
    cadence: dict[str, object] = {"posts_per_day": draw(st.integers(1, 2 if feasible else 6))}
    if draw(st.integers(0, 3)) == 0:
        cadence = {"slots": draw(st.lists(weekly_slots(), min_size=1, max_size=2, unique=True))}
    campaign: dict[str, object] = {
        "channels": sorted(chosen),
        **cadence,
        "min_gap": f"{draw(st.integers(1, 20 if feasible else 240))}m",
        "repeat_after": f"{draw(st.integers(1, 96))}h",
        "jitter": f"{draw(st.sampled_from([0, 0, 10, 45]))}m",
    }
    if draw(st.booleans()):
        campaign["days"] = draw(
            st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1, unique=True)
        )
    if draw(st.integers(0, 3)) == 0:
        campaign["blackout"] = [around + timedelta(days=draw(st.integers(-1, 3)))]
    if draw(st.integers(0, 3)) == 0:
        campaign["mix"] = {
            c: draw(st.sampled_from([1, 2, 5]))
            for c in draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, unique=True))
        }
    elif draw(st.integers(0, 3)) == 0:
        campaign["categories"] = draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, unique=True))
    if draw(st.integers(0, 4)) == 0:
        campaign["templates"] = ["{title} {url}", "New: {title} — {summary} {url}"]
    return campaign


@st.composite
def configs(draw: st.DrawFn, *, feasible: bool = True, around: date = date(2026, 4, 1)) -> Config:
    audience = draw(audiences(feasible=feasible))
    channel_names = ["x-main", "toot"][: draw(st.integers(1, 2))]
    channels: dict[str, object] = {}
    for name in channel_names:
        channel: dict[str, object] = {"kind": "x" if name == "x-main" else "mastodon", "audience": "people"}
        if not feasible and draw(st.booleans()):
            channel["daily_cap"] = draw(st.integers(1, 6))
        channels[name] = channel
    names = ["alpha", "beta"][: draw(st.integers(1, 2))]
    return Config.model_validate(
        {
            "channels": channels,
            "audiences": {"people": [s.model_dump() for s in audience]},
            "campaigns": {n: draw(campaigns(channel_names, around, feasible=feasible)) for n in names},
        }
    )


@st.composite
def libraries(draw: st.DrawFn, around: datetime, *, max_size: int = 25) -> list[ItemSnapshot]:
    items = []
    for item_id in range(1, draw(st.integers(0, max_size)) + 1):
        variants = tuple(
            VariantSnapshot(
                id=item_id * 10 + n,
                text=f"Variant {n} of {item_id}: {{url}}",
                channel_kind=draw(st.sampled_from([None, None, "x", "mastodon"])),
            )
            for n in range(draw(st.integers(0, 2)))
        )
        expires = draw(st.one_of(st.none(), st.integers(-24, 96)))
        items.append(
            ItemSnapshot(
                id=item_id,
                title=f"Item {item_id}",
                url=f"https://example.org/{item_id}",
                summary=draw(st.sampled_from(["", "A short summary."])),
                kind=draw(st.sampled_from(["article", "faq"])),
                category=draw(st.sampled_from([*CATEGORIES, None])),
                status=draw(st.sampled_from(["active"] * 6 + ["paused", "retired"])),
                priority=draw(st.integers(-1, 2)),
                max_shares=draw(st.one_of(st.none(), st.none(), st.integers(1, 3))),
                expires_at=None if expires is None else around + timedelta(hours=expires),
                variants=variants,
            )
        )
    return items


@st.composite
def shares(
    draw: st.DrawFn, config: Config, items: Sequence[ItemSnapshot], low: datetime, high: datetime, *, pinned: bool
) -> list[PastShare]:
    """Published (``pinned=False``) or pinned posts between ``low`` and ``high``, on whole minutes."""
    if not items:
        return []
    found = []
    span = int((high - low).total_seconds() // 60)
    for _ in range(draw(st.integers(0, 6))):
        channel = draw(st.sampled_from(sorted(config.channels)))
        on_channel = [n for n, c in config.campaigns.items() if channel in c.channels]
        found.append(
            PastShare(
                channel=channel,
                item_id=draw(st.sampled_from(items)).id,
                at=low + timedelta(minutes=draw(st.integers(0, span))),
                zone=draw(st.sampled_from([s.zone for s in config.audience_of(channel)])),
                text=f"earlier text {draw(st.integers(0, 3))}",
                campaign=draw(st.sampled_from([*on_channel, None])) if pinned or on_channel else None,
            )
        )
    return found


def plentiful_library(size: int = 150) -> list[ItemSnapshot]:
    """Enough plain active items for every slot of a small plan, whatever the repeat_after."""
    return [
        ItemSnapshot(
            id=n,
            title=f"Item {n}",
            url=f"https://example.org/{n}",
            category=CATEGORIES[n % 3],
            kind=("article", "faq")[n % 2],
            priority=n % 3,
        )
        for n in range(1, size + 1)
    ]


@dataclass(frozen=True)
class Setup:
    """Everything one planning example needs."""

    config: Config
    items: list[ItemSnapshot]
    now: datetime
    days: int
    history: list[PastShare]
    fixed: list[PastShare]
    observations: tuple[Observation, ...] = ()
    seed: int = 0

    def __repr__(self) -> str:
        """Short enough for hypothesis to print: the config as written, and the library unless it is the
        plentiful one."""
        items = "plentiful_library()" if len(self.items) > 50 else repr(self.items)
        config = _as_written(self.config.model_dump(exclude_defaults=True))
        learned = f", observations={self.observations!r}, seed={self.seed}" if self.observations else ""
        return (
            f"Setup(config={config}, items={items}, now={self.now!r}, days={self.days}, "
            f"history={self.history!r}, fixed={self.fixed!r}{learned})"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis prints examples with this
        printer.text(repr(self))

    def plan(self) -> Plan:
        """The plan of this example, from an in-memory library."""
        return plan(
            PlanInputs.of(self.config),
            InMemoryCandidates(self.items),
            now=self.now,
            days=self.days,
            history=self.history,
            fixed=self.fixed,
            observations=self.observations,
            seed=self.seed,
        )


def _as_written(value: Any) -> Any:
    """A dumped config back in the notation config.yaml uses (``"45m"``, ``"07:30-09:30"``, dates as text)."""
    if isinstance(value, dict):
        return {key: _as_written(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_as_written(inner) for inner in value]
    if isinstance(value, timedelta):
        return format_duration(value.total_seconds())
    if isinstance(value, Window | date):
        return str(value)
    return value


@st.composite
def setups(draw: st.DrawFn, *, feasible: bool = True, with_past: bool = True, plentiful: bool = False) -> Setup:
    now = draw(starts())
    config = draw(configs(feasible=feasible, around=now.date()))
    items = plentiful_library() if plentiful else draw(libraries(now))
    days = draw(st.integers(1, 4))
    history = draw(shares(config, items, now - timedelta(days=4), now, pinned=False)) if with_past else []
    fixed = draw(shares(config, items, now, now + timedelta(days=days), pinned=True)) if with_past else []
    return Setup(config, items, now, days, history, fixed)


@st.composite
def observations(draw: st.DrawFn, config: Config, items: Sequence[ItemSnapshot], now: datetime) -> list[Observation]:
    """Engagement of posts in the four weeks before ``now``, on whole minutes, some of them of variants."""
    if not items:
        return []
    found = []
    for _ in range(draw(st.integers(1, 40))):
        channel = draw(st.sampled_from(sorted(config.channels)))
        item = draw(st.sampled_from(items))
        found.append(
            Observation(
                channel=channel,
                item_id=item.id,
                zone=draw(st.sampled_from([s.zone for s in config.audience_of(channel)])),
                published_at=now - timedelta(minutes=draw(st.integers(1, 28 * 1440))),
                engagement=draw(st.integers(0, 60)),
                variant_id=draw(st.sampled_from([None, *(v.id for v in item.variants)])),
            )
        )
    return found


@st.composite
def learning_setups(draw: st.DrawFn, *, feasible: bool = True, plentiful: bool = False) -> Setup:
    """A setup whose campaigns all learn, with engagement observed for some of its items."""
    setup = draw(setups(feasible=feasible, plentiful=plentiful))
    campaigns = {name: c.model_copy(update={"learn": True}) for name, c in setup.config.campaigns.items()}
    config = setup.config.model_copy(update={"campaigns": campaigns})
    seen = tuple(draw(observations(config, setup.items, setup.now)))
    return Setup(config, setup.items, setup.now, setup.days, setup.history, setup.fixed, seen, draw(st.integers(0, 9)))
