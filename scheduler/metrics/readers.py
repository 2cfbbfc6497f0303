"""The channels' count readers, kept from one pull to the next.

A reader is the channel's publisher, and building one each pull meant logging in each pull: Bluesky allows an
account 30 ``createSession`` calls in 5 minutes and 300 a day, and a daemon pulling every 10 minutes for weeks
spent them. Kept, a reader keeps its session: atproto refreshes the access token when it runs out, and the
publisher logs in again only when the PDS refuses the session (see :mod:`scheduler.publishers.bluesky`). A
reader whose call was abandoned at its deadline is closed at once (which cuts that call's connection) and
built afresh at the next pull. The owner (the daemon, or ``metrics pull`` for one run) closes the rest.
"""

from collections.abc import Callable
from types import TracebackType


class Readers:
    """Builds a channel's reader with ``build`` at its first pull and hands the same one out after that."""

    def __init__(self, build: Callable[[str], object]) -> None:
        self._build = build
        self._built: dict[str, object] = {}

    def __call__(self, channel: str) -> object:
        if channel not in self._built:
            self._built[channel] = self._build(channel)
        return self._built[channel]

    def discard(self, channel: str) -> None:
        """Close and forget the channel's reader: its client is in a state nobody should reuse."""
        reader = self._built.pop(channel, None)
        close = getattr(reader, "close", None)
        if close is not None:
            close()

    def close(self) -> None:
        for channel in list(self._built):
            self.discard(channel)

    def __enter__(self) -> "Readers":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
