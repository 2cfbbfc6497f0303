"""``metrics pull`` and the daemon's metrics job: read the counts of the posts that are due, one row per post.

Per channel: a channel with ``metrics: false`` is not read (X's default, because X bills every post read; the
line says what reading would cost, so nobody is charged by surprise); a channel whose reads are held after a
429 waits for the platform's reset; the others are read in the platform's batches (X 100 posts a call,
Bluesky 25, Mastodon one), each call within the channel's ``timeout``, whole, and at most
:data:`MAX_CALLS_PER_PULL` calls a pull. Each batch is recorded as it arrives, so a 429 half-way keeps what
was read, holds the channel's *reads* (never its posts) until the reset and ends that channel's pull without
failing the others. A post the platform no longer has is recorded as gone, once, and not read again. Anything else
that goes wrong is said on the channel's line and tried again at the next pull, or after an hour when the
platform refused for good (credentials, a missing scope, X's credits).
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import case, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from content_library.database import transaction
from scheduler.config import ChannelConfig, Config
from scheduler.dispatch.deadline import Overdue, within
from scheduler.metrics.counts import Counts, CountsReader
from scheduler.metrics.readers import Readers
from scheduler.metrics.schedule import is_due, oldest_worth_reading
from scheduler.metrics.tables import EngagementCount, ReadHold
from scheduler.planning.slots import format_duration
from scheduler.publishers.errors import PermanentError, PublishError, RateLimited
from scheduler.queue.tables import Publication

READABLE_KINDS = ("x", "mastodon", "bluesky")
MAX_POSTS_PER_PULL = 1000  # per channel; the rest are read at the next pull
MAX_CALLS_PER_PULL = 50  # per channel: Mastodon reads one post a call, and the job shares a thread with others
READ_HOLD_AFTER_REFUSAL = timedelta(hours=1)  # a permanent refusal: a person has to fix something
MAX_SAID = 200  # characters of a platform's answer kept in a line: its body can be a whole page
READ_HOLD_WITHOUT_RESET = timedelta(minutes=15)  # a 429 without a reset, or with one already past (skew)


@dataclass(frozen=True)
class ChannelPull:
    """What one pull did on one channel. ``note`` says why it read less than was due, or what it cost."""

    channel: str
    due: int = 0
    read: int = 0
    gone: int = 0
    note: str = ""

    def line(self) -> str:
        done = f"{self.channel}: {self.read} of {self.due} due post(s) read"
        done += f", {self.gone} gone" if self.gone else ""
        return done + (f"; {self.note}" if self.note else "")


def read_cost(settings: ChannelConfig, posts: int) -> str:
    """What reading ``posts`` posts costs at the channel's ``cost: per_read`` (X's price by default), in words;
    empty where reads are free."""
    if settings.cost is None or settings.cost.per_read == 0:
        return ""
    price, currency = settings.cost.per_read, settings.cost.currency
    return f"{(posts * price).normalize():f} {currency} at {price.normalize():f} {currency} a post read"


def readable_channels(config: Config) -> list[str]:
    return [name for name, channel in config.channels.items() if channel.kind in READABLE_KINDS]


def pull_counts(
    engine: Engine,
    config: Config,
    readers: Readers,
    *,
    now: datetime,
    channels: Sequence[str] | None = None,
) -> Iterator[ChannelPull]:
    """Read the due posts of ``channels`` (default: every channel of a kind that can be read back); yields one
    :class:`ChannelPull` per channel. ``readers`` hands out each channel's publisher, which reads its counts,
    and keeps it for the next pull: its owner closes it."""
    for name in channels if channels is not None else readable_channels(config):
        yield _pull_channel(engine, config, name, readers, now=now)


def _pull_channel(engine: Engine, config: Config, name: str, readers: Readers, *, now: datetime) -> ChannelPull:
    settings = config.channels[name]
    with transaction(engine) as session:
        due = due_posts(session, config, name, now=now)
        hold = session.get(ReadHold, name)
        held_until = hold.until if hold is not None and hold.until > now else None
    if not due:
        return ChannelPull(name)
    if not getattr(settings, "metrics", False):
        if settings.kind == "x":
            cost = read_cost(settings, len(due))
            note = f"not read: X bills reads ({cost}); set `metrics: true` on the channel to read them"
        else:
            note = "not read: the channel has `metrics: false`"
        return ChannelPull(name, due=len(due), note=note)
    if hold is not None and held_until is not None:
        note = f"reads held until {held_until:%Y-%m-%d %H:%MZ} ({_cut(hold.reason)})"
        return ChannelPull(name, due=len(due), note=note)
    try:
        reader = readers(name)
    except PublishError as error:
        return ChannelPull(name, due=len(due), note=f"not read: {_cut(error.detail)}")
    if not isinstance(reader, CountsReader):
        return ChannelPull(name, due=len(due), note="not read: this kind of channel cannot read its posts back")
    read, gone, note = _read(engine, readers, name, reader, due, deadline=settings.timeout.total_seconds(), now=now)
    if read and read_cost(settings, read):  # X bills the posts it returns
        note = "; ".join(filter(None, [note, f"cost about {read_cost(settings, read)}"]))
    return ChannelPull(name, due=len(due), read=read, gone=gone, note=note)


def _read(
    engine: Engine,
    readers: Readers,
    name: str,
    reader: CountsReader,
    due: list[Publication],
    *,
    deadline: float,
    now: datetime,
) -> tuple[int, int, str]:
    """Read and record ``due`` batch by batch; returns (counted, gone, why it stopped early or ""). A reader
    whose call was abandoned, or whose client library failed in a way nobody planned for, is discarded."""
    read = gone = 0
    for batch in _batches(due[: reader.batch_size * MAX_CALLS_PER_PULL], reader.batch_size):
        ids = [post.remote_id or "" for post in batch]
        try:
            found = within(deadline, partial(reader.read_counts, ids), name=f"evertide-read-{name}")
        except RateLimited as error:
            said = error.retry_at
            until = said if said is not None and said > now else now + READ_HOLD_WITHOUT_RESET
            _hold_reads(engine, name, until, error.detail)
            return read, gone, f"rate limited: reads held until {until:%Y-%m-%d %H:%MZ}"
        except PermanentError as error:  # refused credentials, a missing scope, no credits: not every 10 min
            until = now + READ_HOLD_AFTER_REFUSAL
            _hold_reads(engine, name, until, error.detail)
            return read, gone, f"stopped: {_cut(error.detail)}; reads held until {until:%Y-%m-%d %H:%MZ}"
        except PublishError as error:
            return read, gone, f"stopped: {_cut(error.detail)}"
        except Overdue:
            readers.discard(name)  # closing it cuts the abandoned call's connection
            return read, gone, f"stopped: no answer within {format_duration(deadline)} (the whole call)"
        except Exception as error:  # a client library's surprise must not stop the other channels
            readers.discard(name)
            return read, gone, f"stopped: unexpected {type(error).__name__} while reading the counts"
        read_now, gone_now = _record(engine, batch, found, now=now)
        read, gone = read + read_now, gone + gone_now
    return read, gone, ""


def _cut(said: str) -> str:
    return said if len(said) <= MAX_SAID else said[: MAX_SAID - 1] + "…"


def due_posts(session: Session, config: Config, channel: str, *, now: datetime) -> list[Publication]:
    """The channel's published posts whose counts are due now, oldest first, at most :data:`MAX_POSTS_PER_PULL`."""
    after = config.metrics.after
    recent = (
        Publication.channel == channel,
        col(Publication.remote_id).is_not(None),
        col(Publication.published_at) >= oldest_worth_reading(after, now),
    )
    posts = session.exec(select(Publication).where(*recent).order_by(col(Publication.published_at))).all()
    if not posts:
        return []
    last: dict[int, datetime] = {}
    gone: set[int] = set()
    for publication_id, pulled_at, was_gone in session.exec(
        select(
            EngagementCount.publication_id,
            func.max(EngagementCount.pulled_at),
            func.max(case((col(EngagementCount.gone), 1), else_=0)),  # PostgreSQL has no max(boolean)
        )
        .join(Publication, col(Publication.id) == EngagementCount.publication_id)
        .where(*recent)
        .group_by(col(EngagementCount.publication_id))
    ).all():
        last[publication_id] = pulled_at
        if was_gone:
            gone.add(publication_id)
    due = [
        post for post in posts if post.id not in gone and is_due(post.published_at, last.get(post.id or 0), after, now)
    ]
    return due[:MAX_POSTS_PER_PULL]


def _batches(posts: list[Publication], size: int) -> Iterator[list[Publication]]:
    for start in range(0, len(posts), size):
        yield posts[start : start + size]


def _record(
    engine: Engine, batch: list[Publication], found: Mapping[str, Counts | None], *, now: datetime
) -> tuple[int, int]:
    """One row per post the platform answered for; returns (counted, gone)."""
    read = gone = 0
    with transaction(engine) as session:
        for post in batch:
            remote_id = post.remote_id or ""
            if remote_id not in found:
                continue  # not answered (hidden, protected): asked again at the next pull
            counts = found[remote_id]
            row = EngagementCount(
                publication_id=post.id or 0, entry_id=post.entry_id, channel=post.channel, pulled_at=now
            )
            if counts is None:
                row.gone = True
                gone += 1
            else:
                row.likes, row.reposts, row.replies = counts.likes, counts.reposts, counts.replies
                row.quotes, row.impressions = counts.quotes, counts.impressions
                read += 1
            session.add(row)
    return read, gone


def _hold_reads(engine: Engine, channel: str, until: datetime, reason: str) -> None:
    with transaction(engine) as session:
        hold = session.get(ReadHold, channel) or ReadHold(channel=channel, until=until)
        hold.until, hold.reason = until, reason
        session.add(hold)
