"""``config.yaml``: read once at the edge (:mod:`.source`), validated into frozen typed objects (:mod:`.model`)
from small value converters (:mod:`.values`); secrets stay ``${VAR}`` references (:mod:`.secrets_file`)."""

from scheduler.config.model import (
    CampaignConfig,
    ChannelConfig,
    ChannelKind,
    Config,
    ConfigError,
    FeedConfig,
    Segment,
    config_path,
    load_config,
)

__all__ = [
    "CampaignConfig",
    "ChannelConfig",
    "ChannelKind",
    "Config",
    "ConfigError",
    "FeedConfig",
    "Segment",
    "config_path",
    "load_config",
]
