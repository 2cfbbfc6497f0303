"""Which module publishes for which ``kind:`` of channel.

Adding a platform is one module with a ``build(channel_name, channel, *, timeout, base_dir)`` function
and one line in :data:`PUBLISHER_MODULES`. Modules are imported only when a channel of their kind is
built, because Mastodon.py and atproto are optional extras (``evertide[mastodon]``, ``evertide[bluesky]``;
each channel model names its own, see :class:`scheduler.config.channels.Extra`).
"""

import importlib
from pathlib import Path
from typing import cast

from scheduler.config import ChannelConfig, UnsetVariable
from scheduler.publishers.base import Publisher
from scheduler.publishers.errors import ChannelMisconfigured

PUBLISHER_MODULES: dict[str, str] = {
    "x": "scheduler.publishers.x",
    "mastodon": "scheduler.publishers.mastodon",
    "bluesky": "scheduler.publishers.bluesky",
    "webhook": "scheduler.publishers.webhook",
    "file": "scheduler.publishers.file",
}


def build_publisher(
    channel_name: str, channel: ChannelConfig, *, timeout: float = 10.0, base_dir: Path | None = None
) -> Publisher:
    """The publisher for one configured channel. Secrets and ``${VAR}`` settings are filled here, so a
    variable that is not set fails now, as :class:`ChannelMisconfigured` naming the variable (never a value),
    rather than at the first post; so does a kind whose optional extra is not installed. Both are permanent:
    the daemon holds the channel instead of retrying. No network request is made. ``base_dir`` anchors a
    relative ``path:`` (the config file's folder; default: the current one).
    """
    for keys, message in channel.unfinished():  # a channel built in code; load_config refuses these
        raise ChannelMisconfigured(channel_name, f"{'.'.join(('channels', channel_name, *keys))}: {message}")
    module_name = PUBLISHER_MODULES[channel.kind]
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        extra = channel.extra
        if extra is None or (error.name or "").startswith("scheduler"):
            raise  # our own bug, not a missing optional client
        raise ChannelMisconfigured(
            channel_name,
            f"{channel.kind} support is not installed ({error.name} is missing)",
            hint=f"Install it with `{extra.remedy}`.",
        ) from error
    try:
        return cast(Publisher, module.build(channel_name, channel, timeout=timeout, base_dir=base_dir or Path(".")))
    except UnsetVariable as error:
        raise ChannelMisconfigured(channel_name, str(error), hint=error.hint) from error
