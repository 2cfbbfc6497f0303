"""A post's picture, downloaded for the platform that posts it.

Each platform has its own size limit, so each publisher downloads the picture itself with its limit as the
download's ``max_bytes`` (a bigger picture is refused before it is read whole), through the link checker's
download (:func:`content_library.link_fetch.fetch_image`: JPEG, PNG, WebP or GIF only, a total deadline, and a
page's picture on an internal address only for a page on one). A picture that cannot be had is left out and
the text posted without it: the words are the post, the picture only dresses it, and a picture gone from its
site should not hold the queue. The publisher logs why, once per post.
"""

import logging

from content_library.errors import FeedError
from content_library.link_fetch import ImageResult, fetch_image
from scheduler.publishers.base import PostImage

log = logging.getLogger("evertide.publishers")


def downloaded(channel: str, image: PostImage, *, max_bytes: int, deadline: float) -> ImageResult | None:
    """The picture's bytes and type, or None (logged) when it cannot be had within ``max_bytes`` and
    ``deadline`` seconds."""
    try:
        return fetch_image(image.url, max_bytes=max_bytes, deadline=deadline, origin=image.named_by or image.url)
    except FeedError as error:
        left_out(channel, image, error.problem)
        return None


def left_out(channel: str, image: PostImage, why: str) -> None:
    log.warning("%s: posting without the picture %s: %s", channel, image.url, why)
