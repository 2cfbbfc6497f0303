"""Which module publishes for which ``kind:`` of channel.

Adding a platform is one module with a ``build(channel_name, channel, *, timeout, base_dir)`` function
and one line in :data:`PUBLISHER_MODULES`. Modules are imported only when a channel of their kind is
built, because Mastodon.py and atproto are optional extras (``evertide[mastodon]``, ``evertide[bluesky]``).
"""

import importlib
from pathlib import Path
from typing import cast

from content_library.errors import EvertideError
from scheduler.config import ChannelConfig
from scheduler.publishers.base import Publisher

PUBLISHER_MODULES: dict[str, str] = {
    "x": "scheduler.publishers.x",
    "mastodon": "scheduler.publishers.mastodon",
    "bluesky": "scheduler.publishers.bluesky",
    "webhook": "scheduler.publishers.webhook",
    "file": "scheduler.publishers.file",
}
_EXTRAS = {"mastodon": "mastodon", "bluesky": "bluesky"}


def build_publisher(
    channel_name: str, channel: ChannelConfig, *, timeout: float = 10.0, base_dir: Path | None = None
) -> Publisher:
    """The publisher for one configured channel. Secrets are revealed here, so a variable that is not set
    fails now (with the variable's name, never a value) rather than at the first post. No network request
    is made. ``base_dir`` anchors a relative ``path:`` (the config file's folder; default: the current one).
    """
    module_name = PUBLISHER_MODULES[channel.kind]
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        extra = _EXTRAS.get(channel.kind)
        if extra is None or (error.name or "").startswith("scheduler"):
            raise  # our own bug, not a missing optional client
        raise EvertideError(
            f"channel {channel_name}: {channel.kind} support is not installed ({error.name} is missing)",
            hint=f"Install it with `pip install 'evertide[{extra}]'`.",
        ) from error
    return cast(Publisher, module.build(channel_name, channel, timeout=timeout, base_dir=base_dir or Path(".")))
