"""The one interface every platform implements, and the values that cross it.

A publisher turns an :class:`OutgoingPost` into a :class:`Published` or raises one of the errors in
:mod:`scheduler.publishers.errors`. It never retries by itself, never sleeps on a rate limit and never
reads the queue: the daemon decides what an error means for the entry.

Delivery rests on ``idempotency_key``, which is stable for a queue entry across retries and restarts.
Each platform uses it as well as it can: Mastodon's ``Idempotency-Key`` header and a Bluesky record key
derived from it (exactly once), the file outbox's own scan (exactly once), the webhook's ``webhook-id``
(at-least-once: the receiver deduplicates on it). X has no such mechanism; its refusal of duplicate text
(:class:`~scheduler.publishers.errors.DuplicateContent`) and :meth:`Publisher.find_published` stand in.

A picture (:class:`PostImage`) is uploaded anew on every attempt and only that attempt's upload is attached:
the post itself is made once, so it carries the picture once, and an upload a failed attempt left unattached is
removed by the platform (X and Mastodon expire unattached media within a day, a PDS collects unreferenced
blobs, which are content-addressed anyway). Remembering media ids per entry would save an upload per retry
but an id can expire between attempts; retries are few (see :mod:`scheduler.dispatch.retry`), so uploads are
bounded by them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar, Protocol, runtime_checkable

# Remote timestamps come from the platform's clock, ours from the daemon's: allow this much disagreement
# when deciding whether a remote post is recent enough to be the one we sent.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class LinkCard:
    """The preview of the post's link that a link check read from its page's OpenGraph / Twitter Card tags
    (:mod:`content_library.link_cards`): text from outside, already folded and capped. A platform that shows
    link previews built by the poster (Bluesky's external embed) sends it; the others ignore it."""

    uri: str
    title: str
    description: str
    image: str | None = None


@dataclass(frozen=True)
class PostImage:
    """A picture to post with the text (a campaign with ``attach_image: true``): its http(s) link and its alt
    text, plain text from outside (the item's title or its page's description), already folded and capped at
    :data:`ALT_MAX`. The publisher downloads it; one it cannot have or that is over the platform's size is
    left out and the text posted without it (see :mod:`scheduler.publishers.pictures`)."""

    url: str
    alt: str
    named_by: str | None = None  # the page whose og:image it is: an internal picture only for an internal page


ALT_MAX = 1_000  # X's limit on alt text, the smallest of the platforms' (Mastodon 1,500)


@dataclass(frozen=True)
class OutgoingPost:
    """One queue entry, rendered and ready to send.

    ``first_attempt_at`` (aware UTC) is when a publisher was first asked to send this entry. Platforms
    that look for an interrupted post by its text ignore remote posts older than it (less
    :data:`CLOCK_SKEW`), so a text recycled from weeks ago is not taken for this one. ``None`` means
    "every recent post counts".
    """

    entry_id: int
    channel: str
    text: str
    item_id: int
    url: str | None
    idempotency_key: str
    first_attempt_at: datetime | None = None
    card: LinkCard | None = None
    image: PostImage | None = None


@dataclass(frozen=True)
class Published:
    """Where the post ended up. ``already_existed`` is True when a retry found it already posted."""

    remote_id: str
    remote_url: str | None = None
    already_existed: bool = False


class Publisher(Protocol):
    """A channel's connection to its platform. Building one makes no network request."""

    kind: ClassVar[str]

    def publish(self, post: OutgoingPost) -> Published:
        """Post the text once. Raises a :class:`~scheduler.publishers.errors.PublishError` subclass."""
        ...

    def find_published(self, post: OutgoingPost) -> Published | None:
        """After a crash: did an earlier attempt reach the platform?

        Returns the post if it is there; ``None`` when it is not there, or when the platform deduplicates a
        retry by ``idempotency_key`` so publishing again is safe. Raises
        :class:`~scheduler.publishers.errors.CannotTell` when the lookup itself fails.
        """
        ...

    def check(self) -> str:
        """A harmless authenticated call for ``evertide doctor``; returns who we post as."""
        ...

    def close(self) -> None:
        """Release connections. The publisher is not used afterwards."""
        ...


@dataclass(frozen=True)
class OwnPost:
    """A post of the channel's account, as the platform lists it (replies and reposts left out)."""

    remote_id: str
    created_at: datetime


@runtime_checkable
class ReadsOwnPosts(Protocol):
    """A publisher that can list the account's own recent posts cheaply (Mastodon, Bluesky; X charges per
    read), so a slot can yield to what a person posted by hand (``quiet_after_manual:``)."""

    def recent_own_posts(self, since: datetime) -> list[OwnPost]:
        """The account's posts created at or after ``since``, newest first (a bounded first page)."""
        ...
