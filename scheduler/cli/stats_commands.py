"""``evertide stats``: what went out since a given time, where, and what did not."""

from collections import Counter
from typing import Any

import typer

from scheduler.cli.common import load, now, open_database
from scheduler.cli.output import print_json, print_table, say
from scheduler.when_forms import WHEN_FORMS

SHOWN_GAPS = 20  # the text lists this many gaps
LISTED_GAPS = 1000  # --json lists this many (with the total and a count per channel): a big library has millions
SHOWN_RANKED = 10  # items ranked by engagement in the text; --json lists them all


def stats(
    ctx: typer.Context,
    since: str = typer.Option("-30d", help=f"From this time: {WHEN_FORMS}."),
    json: bool = typer.Option(False, "--json", help="Print one JSON object with stable keys."),
) -> None:
    """Posts per channel and audience segment, shares per item, coverage gaps (items that have not reached a
    segment within repeat_after times the number of segments) and missed or failed posts with their reasons;
    items and wordings (each variant and each template) ranked by engagement (likes, reposts, replies and
    imported clicks) and the dead weight: items shared 3 or more times with none.

    Example: evertide stats --since -7d
    """
    from content_library.database import transaction
    from scheduler.queue.when import parse_when
    from scheduler.reporting.stats import add_engagement, gather

    config = load(ctx)
    current = now()
    start = parse_when(since, now=current, zone_name=config.display_timezone)
    with transaction(open_database(config)) as session:
        found = add_engagement(session, gather(session, config, since=start, now=current))
    if json:
        print_json(_as_json(found))
        return
    say(f"Since {start:%Y-%m-%d %H:%MZ}: {len(found.posts)} post(s) published.")
    if found.posts:
        print_table("Posts per channel", ("channel", "posts"), sorted(found.by_channel.items()), fill_width=False)
        print_table("Posts per segment", ("segment", "posts"), sorted(found.by_segment.items()), fill_width=False)
        print_table(
            "Shares per item",
            ("item", "shares", "title"),
            [(i, n, found.titles.get(i, "(item removed)")) for i, n in found.by_item.most_common()],
        )
    _say_engagement(found)
    say(f"{len(found.gaps)} coverage gap(s){':' if found.gaps else '.'}")
    if found.gaps:
        print_table(
            None,
            ("campaign", "channel", "segment", "item", "last reached", "title"),
            [
                (g.campaign, g.channel, g.zone, g.item_id, f"{g.last:%Y-%m-%d}" if g.last else "never", g.title)
                for g in found.gaps[:SHOWN_GAPS]
            ],
        )
        if len(found.gaps) > SHOWN_GAPS:
            say(f"… and {len(found.gaps) - SHOWN_GAPS} more (`evertide stats --json` lists the first {LISTED_GAPS}).")
    say(f"{len(found.problems)} missed or failed post(s){':' if found.problems else '.'}")
    if found.problems:
        print_table(
            None,
            ("entry", "channel", "state", "due", "reason"),
            [(p.entry_id, p.channel, p.state, f"{p.at:%Y-%m-%d %H:%MZ}", p.reason) for p in found.problems],
        )


def _say_engagement(found: Any) -> None:
    from scheduler.reporting.tallies import DEAD_WEIGHT_SHARES, dead_weight, ranked

    items = ranked(found.tallies.by_item)
    if not items:
        say("No engagement known yet: run `evertide metrics pull` (and `evertide metrics import` for clicks).")
        return
    print_table(
        "Items by engagement per post",
        ("item", "posts", "likes", "reposts", "replies", "clicks", "per post", "title"),
        [
            (i, t.posts, *_counts(t), _per_post(t), found.titles.get(i, "(item removed)"))
            for i, t in items[:SHOWN_RANKED]
        ],
    )
    _say_wordings(found)
    where = [(z, h, t) for (z, h), t in sorted(found.tallies.by_segment_hour.items()) if t.counted]
    if where:  # what works where: each segment's local hours, best first
        where.sort(key=lambda row: (row[0], -row[2].per_post))
        print_table(
            "Engagement per post by segment and local hour",
            ("segment", "local hour", "posts", "per post"),
            [(z, f"{h:02d}h", t.counted, _per_post(t)) for z, h, t in where],
            fill_width=False,
        )
    dead = dead_weight(found.tallies.by_item)
    say(
        f"{len(dead)} item(s) of dead weight (shared {DEAD_WEIGHT_SHARES} or more times, no engagement)"
        + (":" if dead else ".")
    )
    if dead:
        print_table(None, ("item", "shares", "title"), [(i, t.posts, found.titles.get(i, "")) for i, t in dead])


def _say_wordings(found: Any) -> None:
    """The best wordings, most engagement per post first: each variant, each template with its text (shown as
    typed), and "templates" for the posts whose template was not recorded."""
    from scheduler.planning.variants import wording_label
    from scheduler.reporting.tallies import ranked

    print_table(
        "Wordings by engagement per post",
        ("item", "wording", "posts", "per post", "title"),
        [
            (i, wording_label(v, k, found.templates), t.posts, _per_post(t), found.titles.get(i, "(item removed)"))
            for (i, v, k), t in ranked(found.tallies.by_wording)[:SHOWN_RANKED]
        ],
    )


def _counts(tally: Any) -> list[str]:
    """Likes, reposts, replies and clicks, each "–" where no post of the row had it (not 0: nobody knows)."""
    from scheduler.reporting.tallies import COUNTS, UNKNOWN

    return [UNKNOWN if (value := tally.count(name)) is None else str(value) for name in COUNTS]


def _per_post(tally: Any) -> str:
    return f"{tally.per_post:.1f}" if tally.counted else "-"


def _engagement_json(found: Any, post: Any) -> dict[str, Any] | None:
    known = found.engagement.get(post.id)
    if known is None:
        return None
    shown: dict[str, Any] = {"likes": known.likes, "reposts": known.reposts, "replies": known.replies}
    shown |= {"clicks": known.clicks} if known.clicks is not None else {}
    return shown | ({"gone": True} if known.gone else {})  # deleted on the platform: its last counts, if any


def _tallies_json(found: Any) -> dict[str, Any]:
    from scheduler.reporting.tallies import dead_weight, ranked, template_text

    tallies = found.tallies
    return {
        "engagement_by_item": [
            {"item_id": i, "title": found.titles.get(i)} | t.as_json() for i, t in ranked(tallies.by_item)
        ],
        "engagement_by_variant": [
            {"item_id": i, "variant_id": v, "template_key": k, "template": template_text(k, found.templates)}
            | t.as_json()
            for (i, v, k), t in ranked(tallies.by_wording)
        ],
        "engagement_by_segment": [{"zone": z} | t.as_json() for z, t in ranked(tallies.by_segment)],
        "engagement_by_hour": [{"hour": h} | t.as_json() for h, t in sorted(tallies.by_hour.items()) if t.counted],
        "engagement_by_segment_hour": [
            {"zone": z, "hour": h} | t.as_json() for (z, h), t in sorted(tallies.by_segment_hour.items()) if t.counted
        ],
        "dead_weight": [
            {"item_id": i, "title": found.titles.get(i)} | t.as_json() for i, t in dead_weight(tallies.by_item)
        ],
    }


def _as_json(found: Any) -> dict[str, Any]:
    from scheduler.cli.timefmt import iso_utc

    return {
        "since": iso_utc(found.since),
        "posts": [
            {
                "entry_id": p.entry_id,
                "channel": p.channel,
                "item_id": p.item_id,
                "at": iso_utc(p.published_at),
                "zone": p.zone,
                "engagement": _engagement_json(found, p),
            }
            for p in found.posts
        ],
        "by_channel": dict(sorted(found.by_channel.items())),
        "by_segment": dict(sorted(found.by_segment.items())),
        "by_item": [{"item_id": i, "shares": n, "title": found.titles.get(i)} for i, n in found.by_item.most_common()],
        "gaps": [
            {
                "campaign": g.campaign,
                "channel": g.channel,
                "zone": g.zone,
                "item_id": g.item_id,
                "last": g.last and iso_utc(g.last),
            }
            for g in found.gaps[:LISTED_GAPS]
        ],
        "gaps_total": len(found.gaps),
        "gaps_by_channel": dict(sorted(Counter(g.channel for g in found.gaps).items())),
        "problems": [
            {"entry_id": p.entry_id, "channel": p.channel, "state": p.state, "at": iso_utc(p.at), "reason": p.reason}
            for p in found.problems
        ],
        **_tallies_json(found),
    }
