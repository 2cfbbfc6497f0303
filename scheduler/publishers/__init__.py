"""Publishers: send one rendered post to one channel, exactly once, and say precisely why not.

The interface and its values are in :mod:`.base`, the errors in :mod:`.errors`, and
:func:`build_publisher` picks the module for a channel's ``kind:``. The platform modules themselves are
imported on demand, so this package imports without the optional Mastodon and Bluesky clients.
"""

from scheduler.publishers.base import CLOCK_SKEW, LinkCard, OutgoingPost, PostImage, Published, Publisher
from scheduler.publishers.errors import (
    AuthFailed,
    CannotTell,
    ChannelMisconfigured,
    DuplicateContent,
    PermanentError,
    PublishError,
    RateLimited,
    Rejected,
    TransientError,
    Unavailable,
    UsageCapped,
)
from scheduler.publishers.registry import PUBLISHER_MODULES, build_publisher

__all__ = [
    "CLOCK_SKEW",
    "PUBLISHER_MODULES",
    "AuthFailed",
    "CannotTell",
    "ChannelMisconfigured",
    "DuplicateContent",
    "LinkCard",
    "OutgoingPost",
    "PermanentError",
    "PostImage",
    "PublishError",
    "Published",
    "Publisher",
    "RateLimited",
    "Rejected",
    "TransientError",
    "Unavailable",
    "UsageCapped",
    "build_publisher",
]
