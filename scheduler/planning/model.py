"""The data the planner takes and returns. Plain frozen values: no database, no clock."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class PastShare:
    """A post that already went out, or one fixed in the queue that the plan must work around (a pinned or
    hand-moved entry). The planner's cooldowns, rotation and segment shares all count these."""

    channel: str
    item_id: int
    at: datetime  # UTC
    zone: str  # the audience segment it targeted
    variant_id: int | None = None
    text: str = ""
    campaign: str | None = None
    template_key: str | None = None  # the template that worded it (variants.template_key), when one did


@dataclass(frozen=True)
class PlannedPost:
    """One post the planner proposes: where, when (UTC, plus the segment it is timed for), what and why."""

    channel: str
    campaign: str
    at: datetime  # UTC, aware
    zone: str
    item_id: int
    variant_id: int | None  # None when the campaign's template was used
    text: str
    reason: str = ""
    template_key: str | None = None  # which template (variants.template_key), when one was used


@dataclass(frozen=True)
class Plan:
    posts: tuple[PlannedPost, ...]
    warnings: tuple[str, ...] = field(default=())
