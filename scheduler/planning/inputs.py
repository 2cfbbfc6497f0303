"""What the planner needs from the config, as small frozen values built once.

The planner never sees the YAML model: not the database URL, the feeds, the credentials or the secrets file,
only each channel's platform kind and audience, each campaign's planning settings and the rule book. A caller
builds :class:`PlanInputs` once per config it loaded (the daemon once per start, a CLI command once) and
hands it to :func:`scheduler.planning.plan` as often as it likes.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType

from scheduler.config import CampaignConfig, Config, Segment
from scheduler.rules import RuleBook


@dataclass(frozen=True)
class ChannelPlan:
    """A channel as the planner sees it: which platform's rules its texts must fit, and who follows it."""

    kind: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class PlanInputs:
    channels: Mapping[str, ChannelPlan]
    campaigns: Mapping[str, CampaignConfig]
    rules: RuleBook
    horizon: timedelta

    @classmethod
    def of(cls, config: Config) -> "PlanInputs":
        channels = {name: ChannelPlan(c.kind, config.audience_of(name)) for name, c in config.channels.items()}
        return cls(
            channels=MappingProxyType(channels),
            campaigns=MappingProxyType(dict(config.campaigns)),
            rules=RuleBook.from_config(config),
            horizon=config.horizon,
        )
