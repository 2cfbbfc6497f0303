"""The report's "What worked" section: items and wordings ranked by engagement, when each segment answers, and
the dead weight.

:func:`gather` reads the posts published since an instant with their latest engagement
(:mod:`scheduler.metrics.latest`); :func:`render` is pure and returns the section's HTML. Titles, variant and
template texts come from outside (feeds, CSV files, the config) and are escaped, cut to a length; the section has
no script. A wording is a variant or a template (:mod:`.tallies`).
When nothing is known yet, it says how to collect the numbers instead of showing empty tables.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from sqlmodel import Session, col, select

from scheduler.metrics.latest import latest_engagement
from scheduler.outside_text import visible
from scheduler.queue.tables import Publication
from scheduler.reporting.tallies import (
    COUNTS,
    DEAD_WEIGHT_SHARES,
    UNKNOWN,
    Tally,
    dead_weight,
    ranked,
    tally,
    template_text,
)

SHOWN = 10  # rows per table
TITLE_CHARS = 100


@dataclass
class WhatWorked:
    since: datetime
    items: list[tuple[int, Tally]] = field(default_factory=list)  # ranked
    wordings: list[tuple[tuple[int, int | None, str | None], Tally]] = field(default_factory=list)  # ranked
    dead: list[tuple[int, Tally]] = field(default_factory=list)
    when: dict[tuple[str, int], Tally] = field(default_factory=dict)  # per (segment zone, local hour)
    titles: dict[int, str] = field(default_factory=dict)
    variant_texts: dict[int, str] = field(default_factory=dict)
    templates: Mapping[str, str] = field(default_factory=dict)  # the text of each template key in the config


def gather(session: Session, *, since: datetime, templates: Mapping[str, str]) -> WhatWorked:
    """``templates``: :func:`scheduler.planning.variants.known_templates` of the config."""
    from content_library.models import Item, Variant

    posts = list(session.exec(select(Publication).where(col(Publication.published_at) >= since)).all())
    tallies = tally(posts, latest_engagement(session, posts))
    found = WhatWorked(
        since=since,
        items=ranked(tallies.by_item),
        wordings=ranked(tallies.by_wording),
        dead=dead_weight(tallies.by_item),
        when=dict(tallies.by_segment_hour),
        templates=templates,
    )
    item_ids = list({post.item_id for post in posts})
    variant_ids = list({post.variant_id for post in posts if post.variant_id is not None})
    if item_ids:
        rows = session.exec(select(Item.id, Item.title).where(col(Item.id).in_(item_ids))).all()
        found.titles = {item_id: title for item_id, title in rows if item_id is not None}
    if variant_ids:
        rows = session.exec(select(Variant.id, Variant.text).where(col(Variant.id).in_(variant_ids))).all()
        found.variant_texts = {variant_id: text for variant_id, text in rows if variant_id is not None}
    return found


def render(data: WhatWorked) -> str:
    if not data.items:
        return (
            "<section><h2>What worked</h2><p>No engagement is known for the posts since "
            f"{data.since:%Y-%m-%d}: run <code>evertide metrics pull</code> (the daemon does it by itself), and "
            "<code>evertide metrics import</code> for clicks from your web analytics.</p></section>"
        )
    items = [(_title(data, item_id), t) for item_id, t in data.items[:SHOWN]]
    wordings = [(_wording(data, *wording), t) for wording, t in data.wordings[:SHOWN]]
    dead = (
        f"<p>Dead weight: {len(data.dead)} item(s) shared {DEAD_WEIGHT_SHARES} or more times with no engagement: "
        + ", ".join(_title(data, item_id) for item_id, _ in data.dead[:SHOWN])
        + ("…" if len(data.dead) > SHOWN else "")
        + ".</p>"
        if data.dead
        else ""
    )
    return (
        "<section><h2>What worked</h2><p>Likes, reposts, replies and clicks of the posts since "
        f"{data.since:%Y-%m-%d}, latest counts, per post counted.</p>"
        f"{_table('Items ranked by engagement per post', 'item', items)}"
        f"{_table('Wordings ranked by engagement per post', 'wording', wordings)}{_hours(data.when)}{dead}</section>"
    )


def _hours(when: Mapping[tuple[str, int], Tally]) -> str:
    """Per segment, the engagement per post at each local hour posted at (the best in bold): where and when
    the audience answers, what a learning campaign aims its posts at."""
    hours = sorted({hour for _, hour in when})
    if not hours:
        return ""
    head = '<th scope="col">segment</th>' + "".join(f'<th scope="col">{hour:02d}h</th>' for hour in hours)
    rows = []
    for zone_name in sorted({zone_name for zone_name, _ in when}):
        known = {h: t for (z, h), t in when.items() if z == zone_name and t.counted}
        best = max((t.per_post for t in known.values()), default=None)
        cells = "".join(_rate_cell(known.get(hour), best) for hour in hours)
        rows.append(f'<tr><th scope="row">{escape(visible(zone_name))}</th>{cells}</tr>')
    return (
        '<div class="scroll"><table><caption>Engagement per post by segment and local hour</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _rate_cell(tally: Tally | None, best: float | None) -> str:
    if tally is None:
        return "<td></td>"
    rate = tally.per_post
    shown = f"<strong>{rate:.1f}</strong>" if rate == best else f"{rate:.1f}"
    return f'<td title="{tally.counted} post{"" if tally.counted == 1 else "s"}">{shown}</td>'


def _title(data: WhatWorked, item_id: int) -> str:
    return f"{item_id} · <bdi>{escape(visible(data.titles.get(item_id, '(item removed)'))[:TITLE_CHARS])}</bdi>"


def _wording(data: WhatWorked, item_id: int, variant_id: int | None, template_key: str | None) -> str:
    if variant_id is None:
        template = template_text(template_key, data.templates)
        if template is None:  # recorded before templates were, or a person's own words
            return f"{_title(data, item_id)} <small>(campaign template)</small>"
        shown = escape(visible(template)[:TITLE_CHARS])
        return f"{_title(data, item_id)} <small>template: <bdi>{shown}</bdi></small>"
    text = escape(visible(data.variant_texts.get(variant_id, "(variant removed)"))[:TITLE_CHARS])
    return f"{_title(data, item_id)} <small>variant {variant_id}: <bdi>{text}</bdi></small>"


def _table(caption: str, what: str, rows: list[tuple[str, Tally]]) -> str:
    head = "".join(
        f'<th scope="col">{name}</th>' for name in (what, "posts", "likes", "reposts", "replies", "clicks", "per post")
    )
    body = "".join(
        f'<tr><th scope="row">{label}</th><td>{t.posts}</td>'
        + "".join(f"<td>{UNKNOWN if (value := t.count(name)) is None else value}</td>" for name in COUNTS)
        + f"<td>{t.per_post:.1f}</td></tr>"
        for label, t in rows
    )
    return (
        f'<div class="scroll"><table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )
