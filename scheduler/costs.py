"""What posting costs: a post's price on its channel, a plan's forecast, and the month's spend so far.

Prices come from each channel's ``cost:`` (X has its published prices by default, see
:data:`scheduler.config.channels.X_COST`). A post carries a link when the platform would find one in its text
(on X, by X's own rules: a bare ``example.com`` is a link too). Money is :class:`~decimal.Decimal` so that
thousands of posts at 0.015 add up to what the invoice says. Calendar months are UTC's, like the budget's.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, col, select

from scheduler.config import Config

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Spend:
    """Posts and what they cost on one channel; ``money`` None when the channel declares no cost."""

    posts: int
    money: Decimal | None
    currency: str = ""

    def words(self) -> str:
        if self.money is None:
            return f"{self.posts} post(s)"
        return f"{self.posts} post(s), {money(self.money)} {self.currency}"


def money(amount: Decimal) -> str:
    """Two decimals, half up as invoices round (19 posts at 0.015 are 0.29, not the banker's 0.28)."""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def post_cost(config: Config, channel: str, text: str) -> Decimal | None:
    """The price of posting ``text`` on ``channel``; None when the channel declares no cost."""
    settings = config.channels[channel]
    if settings.cost is None:
        return None
    from content_library.text_length import link_spans  # X's link rules: loaded only for a priced channel

    return settings.cost.of_post(bool(link_spans(text, settings.kind)))


def spend(config: Config, channel: str, texts: Iterable[str]) -> Spend:
    """What posting ``texts`` on ``channel`` costs in all."""
    settings = config.channels[channel]
    prices = [post_cost(config, channel, text) for text in texts]
    if settings.cost is None:
        return Spend(len(prices), None)
    return Spend(len(prices), sum((p or Decimal(0) for p in prices), Decimal(0)), settings.cost.currency)


def month_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_to_date(session: Session, config: Config, *, now: datetime) -> dict[str, Spend]:
    """Each configured channel's posts published since the start of this calendar month (UTC), and their cost."""
    from scheduler.queue.tables import Publication

    texts: dict[str, list[str]] = {name: [] for name in config.channels}
    rows = session.exec(
        select(Publication.channel, Publication.text).where(
            col(Publication.published_at) >= month_start(now), col(Publication.channel).in_(list(config.channels))
        )
    )
    for channel, text in rows:
        texts[channel].append(text)
    return {name: spend(config, name, found) for name, found in texts.items()}
