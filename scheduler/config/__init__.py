"""``config.yaml``: read once at the edge (:mod:`.source`), validated into frozen typed objects (:mod:`.model`,
one model per channel kind in :mod:`.channels`) from small value converters (:mod:`.values`); secrets stay
``${VAR}`` references, looked up in the environment and then the :mod:`.secrets_file`. :mod:`.checks` adds
what depends on the machine rather than the file (optional extras installed, variables set)."""

from scheduler.config.channels import (
    CHANNEL_MODELS,
    BlueskyChannel,
    BlueskyCredentials,
    ChannelConfig,
    ChannelKind,
    FileChannel,
    MastodonChannel,
    MastodonCredentials,
    WebhookChannel,
    XChannel,
    XCredentials,
)
from scheduler.config.checks import Finding, check_environment
from scheduler.config.model import (
    CampaignConfig,
    Config,
    ConfigError,
    FeedConfig,
    LinksConfig,
    MetricsConfig,
    Segment,
    config_path,
    load_config,
)
from scheduler.config.values import Secret, Text, UnsetVariable

__all__ = [
    "CHANNEL_MODELS",
    "BlueskyChannel",
    "BlueskyCredentials",
    "CampaignConfig",
    "ChannelConfig",
    "ChannelKind",
    "Config",
    "ConfigError",
    "FeedConfig",
    "FileChannel",
    "Finding",
    "LinksConfig",
    "MastodonChannel",
    "MastodonCredentials",
    "MetricsConfig",
    "Secret",
    "Segment",
    "Text",
    "UnsetVariable",
    "WebhookChannel",
    "XChannel",
    "XCredentials",
    "check_environment",
    "config_path",
    "load_config",
]
