"""Whether an item may be posted: the rules, each with the words that explain a "no".

The planner asks these questions for every item it considers and :mod:`.explain` asks the same ones for one
item, so the two can never disagree. Each check returns ``None`` for "yes" or a short reason for "no".
"""

from dataclasses import dataclass

from content_library.snapshot import ItemSnapshot
from scheduler.config import CampaignConfig
from scheduler.planning.slots import format_instant, to_seconds


@dataclass(frozen=True)
class ItemFilter:
    """A campaign's (or one ``mix`` category's) choice of items; an empty tuple accepts everything.

    ``tags`` accepts an item carrying any one of them, compared case-insensitively.
    """

    categories: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def mismatch(self, item: ItemSnapshot) -> str | None:
        if self.categories and item.category not in self.categories:
            shown = f"'{item.category}'" if item.category else "(none)"
            return f"category {shown} is not one of {', '.join(self.categories)}"
        if self.kinds and item.kind not in self.kinds:
            return f"kind '{item.kind}' is not one of {', '.join(self.kinds)}"
        if self.tags and not {tag.casefold() for tag in item.tags} & {tag.casefold() for tag in self.tags}:
            return f"it has none of the tags {', '.join(self.tags)}"
        return None

    def accepts(self, item: ItemSnapshot) -> bool:
        return self.mismatch(item) is None


def campaign_filters(campaign: CampaignConfig) -> dict[str | None, ItemFilter]:
    """The item pools of a campaign: one per ``mix`` category, or a single pool (key None) without a mix.

    With a mix, its categories are the pools (restricted to ``categories`` when both are given).
    """
    if not campaign.mix:
        return {None: ItemFilter(campaign.categories, campaign.kinds, campaign.tags)}
    return {
        category: ItemFilter((category,), campaign.kinds, campaign.tags)
        for category in sorted(campaign.mix)
        if not campaign.categories or category in campaign.categories
    }


def permanent_block(item: ItemSnapshot, at: int, shares: int) -> str | None:
    """Reasons that do not wear off with time: status, expiry (at instant ``at``), max_shares reached."""
    if item.status != "active":
        return f"{item.status} (only active items are planned)"
    if item.expires_at is not None and to_seconds(item.expires_at) <= at:
        return f"expired at {format_instant(to_seconds(item.expires_at))}"
    if item.max_shares is not None and shares >= item.max_shares:
        return f"max shares reached ({shares} of {item.max_shares}, counting planned ones)"
    return None
