"""What a platform says about one post, and the small interface of a channel that can say it.

A publisher that can read its posts back (X, Mastodon, Bluesky) is also a :class:`CountsReader`: it reads
one batch of at most ``batch_size`` posts per call, so the pull records each batch as it arrives and a 429
half-way loses nothing already read. Errors are the publishers' own (:mod:`scheduler.publishers.errors`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

from content_library.integers import LARGEST_INTEGER

# What the count columns hold. A larger count is stored as this: refusing it would fail the pull on that post
# at every checkpoint, and calling it 0 would tell learning the post did worst of all.
LARGEST_COUNT = LARGEST_INTEGER


@dataclass(frozen=True)
class Counts:
    """A post's counts at one instant. ``quotes`` and ``impressions`` are None where the platform has none."""

    likes: int
    reposts: int
    replies: int
    quotes: int | None = None
    impressions: int | None = None


@runtime_checkable
class CountsReader(Protocol):
    """``read_counts`` maps each remote id asked for to its counts, or to None when the platform no longer has
    the post (deleted). Ids it did not answer for are left out. Never more than ``batch_size`` ids a call."""

    batch_size: ClassVar[int]

    def read_counts(self, remote_ids: Sequence[str]) -> Mapping[str, Counts | None]: ...


def count(value: object) -> int:
    """A count from a platform's JSON: a non-negative int, at most :data:`LARGEST_COUNT` (a larger one is cut to
    it), else 0 (a missing, negative or non-integer value is no data)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return 0
    return min(value, LARGEST_COUNT)
