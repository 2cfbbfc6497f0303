"""The rules a queue edit must keep: ``min_gap``, ``repeat_after``, ``daily_cap`` and ``monthly_cap``.

Pure: takes the candidate post and the other posts of its channel (queued and published) and returns the
broken rules as sentences. A person's choice of *time* wins over the audience windows, but not over these
rules, unless they pass ``--force``.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.config import Config

DAY = timedelta(hours=24)
MONTH = timedelta(days=30)


@dataclass(frozen=True)
class Post:
    """A post as the rules see it: a queue entry (``entry_id``) or a publication (``entry_id`` None)."""

    channel: str
    item_id: int
    at: datetime
    campaign: str | None = None
    entry_id: int | None = None

    def label(self) -> str:
        return (
            f"entry {self.entry_id}"
            if self.entry_id is not None
            else f"the post published at {self.at:%Y-%m-%d %H:%MZ}"
        )


def min_gap(config: Config, channel: str, campaign: str | None) -> timedelta:
    """The campaign's ``min_gap``; a post outside any campaign keeps the largest gap of the channel's campaigns."""
    if campaign in config.campaigns:
        return config.campaigns[campaign].min_gap
    return max((c.min_gap for c in config.campaigns.values() if channel in c.channels), default=timedelta(0))


def repeat_after(config: Config, channel: str, campaign: str | None) -> timedelta:
    if campaign in config.campaigns:
        return config.campaigns[campaign].repeat_after
    return max((c.repeat_after for c in config.campaigns.values() if channel in c.channels), default=timedelta(0))


def _fmt(delta: timedelta) -> str:
    """``2d 3h``, ``90m`` → ``1h 30m``: the largest two units, the way the config writes durations."""
    minutes = int(delta.total_seconds() // 60)
    parts = [(minutes // 1440, "d"), (minutes % 1440 // 60, "h"), (minutes % 60, "m")]
    shown = [f"{value}{unit}" for value, unit in parts if value][:2]
    return " ".join(shown) or "0m"


def violations(candidate: Post, others: Iterable[Post], config: Config) -> list[str]:
    """Every rule ``candidate`` would break among ``others`` (posts on any channel; other channels are ignored)."""
    same_channel = [
        p
        for p in others
        if p.channel == candidate.channel and (candidate.entry_id is None or p.entry_id != candidate.entry_id)
    ]
    problems: list[str] = []
    for other in same_channel:
        gap = max(
            min_gap(config, candidate.channel, candidate.campaign), min_gap(config, other.channel, other.campaign)
        )
        distance = abs(other.at - candidate.at)
        if distance < gap:
            problems.append(f"{_fmt(distance)} from {other.label()} on {candidate.channel} (min_gap {_fmt(gap)})")
    cooldown = repeat_after(config, candidate.channel, candidate.campaign)
    for other in same_channel:
        if other.item_id == candidate.item_id and abs(other.at - candidate.at) < cooldown:
            problems.append(
                f"item {candidate.item_id} is also {other.label()}, {_fmt(abs(other.at - candidate.at))} away "
                f"(repeat_after {_fmt(cooldown)})"
            )
    channel = config.channels.get(candidate.channel)
    if channel is not None:
        times = [p.at for p in same_channel]
        for cap, span, name in ((channel.daily_cap, DAY, "daily_cap"), (channel.monthly_cap, MONTH, "monthly_cap")):
            if cap is not None and busiest_window(times, candidate.at, span) >= cap:
                problems.append(f"{candidate.channel} already has {cap} posts within {_fmt(span)} of it ({name} {cap})")
    return problems


def busiest_window(times: Sequence[datetime], at: datetime, span: timedelta) -> int:
    """The most posts of ``times`` in any window of length ``span`` that also contains ``at``."""
    nearby = sorted(t for t in times if abs(t - at) < span)
    best = 0
    for start in [at - span + timedelta(microseconds=1), *(t for t in nearby if t <= at)]:
        end = start + span
        best = max(best, sum(1 for t in nearby if start <= t < end))
    return best
