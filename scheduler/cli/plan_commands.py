"""``evertide plan``: preview what the planner would post, without writing anything."""

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import typer

from scheduler.cli.common import load, now, open_database
from scheduler.cli.ids import id_option
from scheduler.cli.output import print_json, print_table, say, warn
from scheduler.cli.timefmt import iso_local, iso_utc, short_local
from scheduler.when_forms import FURTHEST_DAYS, WHEN_FORMS

if TYPE_CHECKING:
    from scheduler.config import Config
    from scheduler.planning.model import Plan


def plan(
    ctx: typer.Context,
    from_: str | None = typer.Option(None, "--from", help=f"Start (default: now): {WHEN_FORMS}."),
    days: int = typer.Option(7, min=1, max=FURTHEST_DAYS, help="How many days to plan."),
    channel: list[str] = typer.Option([], help="Only this channel (repeatable)."),
    campaign: list[str] = typer.Option([], help="Only this campaign (repeatable)."),
    explain: int | None = id_option("--explain", help="Say why this item is or is not planned."),
    json: bool = typer.Option(False, "--json", help="Print a JSON list of posts."),
) -> None:
    """Preview the plan: each post in its target zone and in display_timezone, then shares per segment.

    Example: evertide plan --days 3 --channel outbox
    """
    from content_library.candidates import DatabaseCandidates
    from content_library.database import transaction
    from scheduler.metrics.observations import observations
    from scheduler.planning.explain import explain_item
    from scheduler.planning.inputs import PlanInputs
    from scheduler.planning.planner import plan as make_plan
    from scheduler.queue.entries import active_entries, as_share, history_shares
    from scheduler.queue.fill import replaceable
    from scheduler.queue.when import parse_when

    config = load(ctx)
    start = now() if from_ is None else parse_when(from_, zone_name=config.display_timezone, now=now())
    with transaction(open_database(config)) as session:
        history = history_shares(session)
        fixed = [as_share(e) for e in active_entries(session) if not replaceable(e, start)]
        library = DatabaseCandidates(session)
        inputs = PlanInputs.of(config)
        if explain is not None:
            seen = observations(session, config, now=start)
            for line in explain_item(
                inputs, library, explain, now=start, history=history, fixed=fixed, observations=seen
            ):
                say(line)
            return
        result = make_plan(
            inputs,
            library,
            now=start,
            days=days,
            history=history,
            fixed=fixed,
            observations=observations(session, config, now=start),
            channels=channel or None,
            campaigns=campaign or None,
        )
    if json:
        print_json([post_json(p, config) for p in result.posts])
    else:
        _print_plan(config, result, start, days)
        queued = sum(1 for share in fixed if start <= share.at < start + timedelta(days=days))
        if queued:
            say(
                f"{queued} entr{'y' if queued == 1 else 'ies'} already queued in this period stay as they are "
                "(see `evertide queue list`); the plan above fills around them."
            )
    for warning in result.warnings:
        warn(warning)


def post_json(post: Any, config: "Config") -> dict[str, Any]:
    from scheduler.costs import post_cost

    price = post_cost(config, post.channel, post.text)
    return {
        "channel": post.channel,
        "campaign": post.campaign,
        "at": iso_utc(post.at),
        "zone": post.zone,
        "local": iso_local(post.at, post.zone),
        "item_id": post.item_id,
        "variant_id": post.variant_id,
        "template_key": post.template_key,  # the template that worded it (None: a variant, or a person's words)
        "text": post.text,
        "cost": None if price is None else float(price),  # in the channel's cost: currency; None: free
    }


def _print_plan(config: "Config", result: "Plan", start: datetime, days: int) -> None:
    print_table(
        f"{len(result.posts)} planned post(s)",
        ("target local time", config.display_timezone, "channel", "campaign", "item", "text"),
        (
            (
                short_local(p.at, p.zone),
                short_local(p.at, config.display_timezone),
                p.channel,
                p.campaign,
                p.item_id,
                p.text,
            )
            for p in result.posts
        ),
    )
    by_channel: dict[str, list[Any]] = defaultdict(list)
    for post in result.posts:
        by_channel[post.channel].append(post)
    for name, posts in sorted(by_channel.items()):
        segments = config.audience_of(name)
        total_weight = sum(s.weight for s in segments)
        counts = Counter(p.zone for p in posts)
        items = {zone: len({p.item_id for p in posts if p.zone == zone}) for zone in counts}
        rows = [
            (
                s.zone,
                counts[s.zone],
                f"{counts[s.zone] / len(posts):.0%}",
                f"{s.weight / total_weight:.0%}",
                items.get(s.zone, 0),
            )
            for s in segments
        ]
        columns = ("segment", "posts", "share", "weight", "distinct items")
        print_table(f"{name}: shares per segment", columns, rows, fill_width=False)
        say(_volume_line(name, config, posts, start, days))


def _volume_line(channel: str, config: "Config", posts: list[Any], start: datetime, days: int) -> str:
    """Posts in the next 24 h and 30 days of the plan, and what the period costs where the channel has a price
    (X charges per post, more with a link): the bill is seen before it happens."""
    from scheduler.costs import money, spend

    day = [p for p in posts if p.at < start + timedelta(hours=24)]
    month = [p for p in posts if p.at < start + timedelta(days=30)]
    line = f"{channel}: {len(day)} post(s) in the next 24 h, {len(month)} in the next 30 days"
    settings = config.channels[channel]
    cost = spend(config, channel, (p.text for p in posts))
    if cost.money is not None:
        line += f"; these {days} days cost {money(cost.money)} {cost.currency}"
    if settings.budget is not None and settings.cost is not None:
        line += (
            f" (budget {money(settings.budget.monthly)} {settings.cost.currency} a calendar month: "
            f"{settings.posts_in_budget} posts with a link)"
        )
    return line
