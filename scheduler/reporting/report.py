"""``evertide report``: one self-contained HTML page that shows what goes out, when, to whom, and how it went.

The page has no script and loads nothing: inline CSS (light and dark, by the reader's setting), tables for
every chart, so it opens from a file, prints, and reads with a screen reader. Every piece of outside text
(titles, post words, reasons) is escaped. Sections:

- a calendar per channel: the last days' posts with their outcome and the coming days' queue, pinned posts
  marked, held channels shaded;
- a heatmap of posts by local hour and audience segment, the segment's active windows outlined;
- coverage: when each item last reached each segment, gaps first (:mod:`.stats`), at most
  :data:`COVERAGE_ROWS` items;
- volume and cost per channel: the coming 30 days against its caps, and this month's spend against its budget;
- what worked: items and wordings ranked by engagement per post, and the dead weight (:mod:`.engagement`).

:func:`gather` reads (pure apart from the session); :func:`render` writes the page from what was read.
"""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import escape

from sqlmodel import Session, col, select

from content_library.link_health import LinkReport, paused_links
from scheduler.config import Config
from scheduler.config.values import Window
from scheduler.costs import Spend, money, month_to_date, spend
from scheduler.outside_text import visible
from scheduler.planning.variants import known_templates
from scheduler.queue.tables import Hold, Publication, QueueEntry
from scheduler.reporting.engagement import WhatWorked
from scheduler.reporting.engagement import gather as gather_engagement
from scheduler.reporting.engagement import render as render_engagement
from scheduler.reporting.stats import Gap
from scheduler.zones import zone

COVERAGE_ROWS = 200  # items in the coverage table: a page a person reads, not a dump
POSTS_IN_A_CELL = 4
WORKED_DAYS = 90  # engagement looked at: a season of posts, enough shares per item to compare
PAST_DAYS = 3  # enough to see how the last posts went; the screen is for what comes
SHOWN_STATES = ("planned", "claimed", "published", "missed", "failed", "in_doubt")


@dataclass
class ReportData:
    now: datetime
    days: int
    display_zone: str
    channels: list[str]
    entries: list[QueueEntry]
    titles: dict[int, str]
    holds: list[Hold]
    hours: dict[str, Counter[int]]  # segment zone -> local hour -> posts (went out, or planned)
    windows: dict[str, list[Window]]
    gaps: list[Gap]
    volume: dict[str, Spend]  # the coming 30 days
    spent: dict[str, Spend]  # this calendar month (UTC) so far
    caps: dict[str, tuple[int | None, int | None]]
    budgets: dict[str, Decimal]
    worked: WhatWorked
    dead_links: list[LinkReport] = field(default_factory=list)
    reached: dict[tuple[int, str], datetime] = field(default_factory=dict)


def gather(session: Session, config: Config, *, now: datetime, days: int, channels: Sequence[str] = ()) -> ReportData:
    """What the page shows, for ``channels`` (all the config's when empty)."""
    from scheduler.queue.holds import active_holds
    from scheduler.queue.listing import titles_of
    from scheduler.reporting.stats import gather as gather_stats

    chosen = list(dict.fromkeys(channels or config.channels))
    display = zone(config.display_timezone)
    first_day = now.astimezone(display).date() - timedelta(days=PAST_DAYS)  # the calendar's first column, whole
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=display).astimezone(UTC)
    end = now + timedelta(days=days)
    entries = list(
        session.exec(
            select(QueueEntry)
            .where(
                col(QueueEntry.at) >= start,
                col(QueueEntry.at) < end,
                col(QueueEntry.state).in_(SHOWN_STATES),
                col(QueueEntry.channel).in_(chosen),
            )
            .order_by(col(QueueEntry.at))
        ).all()
    )
    found = gather_stats(session, config, since=now - timedelta(days=30), now=now)
    found.gaps = [g for g in found.gaps if g.channel in chosen] if channels else found.gaps
    hours: dict[str, Counter[int]] = defaultdict(Counter)
    for post in (p for p in found.posts if p.channel in chosen):
        hours[post.zone][post.published_at.astimezone(zone(post.zone)).hour] += 1
    for entry in entries:
        if entry.at >= now:
            hours[entry.zone][entry.at.astimezone(zone(entry.zone)).hour] += 1
    windows: dict[str, list[Window]] = defaultdict(list)
    for channel in chosen:
        for segment in config.audience_of(channel):
            windows[segment.zone] += [w for w in segment.windows if w not in windows[segment.zone]]
    reached: dict[tuple[int, str], datetime] = {}
    for item_id, segment_zone, at in session.exec(
        select(Publication.item_id, Publication.zone, Publication.published_at)
    ).all():
        reached[(item_id, segment_zone)] = max(at, reached.get((item_id, segment_zone), at))
    coming: dict[str, list[str]] = defaultdict(list)
    for channel, text in session.exec(
        select(QueueEntry.channel, QueueEntry.text).where(
            col(QueueEntry.state).in_(("planned", "claimed")),
            col(QueueEntry.at) >= now,
            col(QueueEntry.at) < now + timedelta(days=30),
            col(QueueEntry.channel).in_(chosen),
        )
    ):
        coming[channel].append(text)
    return ReportData(
        now=now,
        days=days,
        display_zone=config.display_timezone,
        channels=chosen,
        entries=entries,
        titles=titles_of(session, {e.item_id for e in entries} | {g.item_id for g in found.gaps}),
        holds=[h for h in active_holds(session, now=now) if h.scope != "channel" or h.name in chosen],
        hours=dict(hours),
        windows=dict(windows),
        gaps=found.gaps,
        volume={name: spend(config, name, coming[name]) for name in chosen},
        spent=month_to_date(session, config, now=now),
        caps={name: (c.daily_cap, c.monthly_cap) for name, c in config.channels.items()},
        budgets={name: c.budget.monthly for name, c in config.channels.items() if c.budget is not None},
        reached=reached,
        worked=gather_engagement(
            session, since=now - timedelta(days=WORKED_DAYS), templates=known_templates(config.campaigns.values())
        ),
        dead_links=paused_links(session),
    )


def render(data: ReportData) -> str:
    sections = [
        _calendar(data),
        _heatmap(data),
        _coverage(data),
        _dead_links(data),
        _volume(data),
        render_engagement(data.worked),
    ]
    generated = f"{data.now.astimezone(zone(data.display_zone)):%a %d %b %Y %H:%M %Z}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>evertide report</title><style>{STYLE}</style></head><body>"
        f"<header><h1>evertide report</h1><p>Generated {escape(generated)}; times in "
        f"{escape(data.display_zone)} unless a segment is named. The past {PAST_DAYS} days and the next "
        f"{data.days}.</p></header>" + "".join(sections) + "</body></html>\n"
    )


def _shown(text: str) -> str:
    """Outside text (titles, post words, reasons, names) for the page: control, bidi and zero-width characters
    written as visible escapes, as the terminal shows them, then HTML-escaped."""
    return escape(visible(text))


def _local_day(instant: datetime, zone_name: str) -> date:
    return instant.astimezone(zone(zone_name)).date()


def _calendar(data: ReportData) -> str:
    today = _local_day(data.now, data.display_zone)
    days = [today + timedelta(days=n) for n in range(-PAST_DAYS, data.days)]
    held = {h.name: h for h in data.holds if h.scope == "channel"}
    cells: dict[tuple[str, date], list[QueueEntry]] = defaultdict(list)
    for entry in data.entries:
        cells[(entry.channel, _local_day(entry.at, data.display_zone))].append(entry)
    marked = {today: ' class="today"'}
    head = "".join(f'<th scope="col"{marked.get(day, "")}>{day:%a %d %b}</th>' for day in days)
    rows = []
    for channel in data.channels:
        hold = held.get(channel)
        until = f" until {hold.until.astimezone(zone(data.display_zone)):%a %d %b %H:%M}" if hold and hold.until else ""
        label = f"<bdi>{_shown(channel)}</bdi>" + (
            f"<br><small>held{until}: {_shown(hold.reason)}</small>" if hold else ""
        )
        posts = "".join(f"<td>{_cell(cells[(channel, day)], data)}</td>" for day in days)
        shaded = ' class="held"' if hold else ""
        rows.append(f'<tr{shaded}><th scope="row">{label}</th>{posts}</tr>')
    return (
        "<section><h2>Calendar</h2><p>Each post with its local time; past ones with their outcome. "
        '<b class="pin">pinned</b> marks a post no refill moves; a shaded row is a held channel.</p>'
        '<div class="scroll"><table class="calendar">'
        f'<caption>Posts per channel and day</caption><thead><tr><th scope="col">channel</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _cell(entries: list[QueueEntry], data: ReportData) -> str:
    """A day's posts on a channel; beyond :data:`POSTS_IN_A_CELL` the rest fold away behind their count, so a
    busy channel's row stays as tall as a quiet one's."""
    shown = "".join(_post(e, data) for e in entries[:POSTS_IN_A_CELL])
    rest = entries[POSTS_IN_A_CELL:]
    if not rest:
        return shown
    return f"{shown}<details><summary>{len(rest)} more</summary>{''.join(_post(e, data) for e in rest)}</details>"


def _post(entry: QueueEntry, data: ReportData) -> str:
    clock = entry.at.astimezone(zone(data.display_zone)).strftime("%H:%M")
    title = visible(data.titles.get(entry.item_id, "(item removed)"))
    pin = ' <b class="pin">pinned</b>' if entry.pinned else ""  # a word: without emoji fonts 📌 is a box
    state = entry.state.replace("_", " ")
    if entry.state == "planned" and any(h.scope == "campaign" and h.name == entry.campaign for h in data.holds):
        state = "planned, campaign paused"
    return (
        f'<div class="post {escape(entry.state)}" title="{_shown(entry.text)}">{clock}{pin} '
        f'<bdi>{escape(title[:80])}</bdi><span class="state"> · {escape(state)}</span></div>'
    )


def _heatmap(data: ReportData) -> str:
    peak = max((n for counts in data.hours.values() for n in counts.values()), default=0) or 1
    head = "".join(f'<th scope="col">{hour:02d}</th>' for hour in range(24))
    rows = []
    for segment_zone in sorted(set(data.hours) | set(data.windows)):
        counts = data.hours.get(segment_zone, Counter())
        cells = []
        for hour in range(24):
            count = counts.get(hour, 0)
            inside = any(_window_has_hour(w, hour) for w in data.windows.get(segment_zone, []))
            shade = round(100 * count / peak)
            cells.append(
                f'<td class="{"window" if inside else ""}" style="--shade:{shade}%" '
                f'aria-label="{count} post(s) at {hour:02d}:00">{count or ""}</td>'
            )
        rows.append(f'<tr><th scope="row">{escape(segment_zone)}</th>{"".join(cells)}</tr>')
    return (
        f"<section><h2>Local hours</h2><p>Posts of the past 30 days and the next {data.days}, by the local hour "
        'of the segment they were aimed at; outlined cells are the segment\'s active windows.</p><div class="scroll">'
        f'<table class="heatmap"><caption>Posts by local hour and segment</caption><thead><tr>'
        f'<th scope="col">segment</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div></section>'
    )


def _window_has_hour(window: Window, hour: int) -> bool:
    start, end = window.start.hour, window.end.hour if window.end.minute == 0 else window.end.hour + 1
    return start <= hour < end if not window.crosses_midnight else hour >= start or hour < end


def _coverage(data: ReportData) -> str:
    zones = sorted(data.windows)
    # the matrix is the audience's view, whichever channel brought the item: a cell is a gap when the item has
    # not reached the segment on any channel since it was due there (stats lists the gaps per channel)
    missing: dict[tuple[int, str], None] = {}
    for g in data.gaps:
        reached = data.reached.get((g.item_id, g.zone))
        if reached is None or reached < g.due_since:
            missing[(g.item_id, g.zone)] = None
    gap_items = list(dict.fromkeys(item_id for item_id, _ in missing))
    shown = gap_items[:COVERAGE_ROWS]
    head = "".join(f'<th scope="col">{escape(z)}</th>' for z in zones)
    rows = []
    for item_id in shown:
        cells = []
        for segment_zone in zones:
            last = data.reached.get((item_id, segment_zone))
            text = f"{last:%Y-%m-%d}" if last else "never"
            cells.append(f'<td class="{"gap" if (item_id, segment_zone) in missing else ""}">{text}</td>')
        title = escape(visible(data.titles.get(item_id, "(item removed)"))[:100])
        rows.append(f'<tr><th scope="row">{item_id} · <bdi>{title}</bdi></th>{"".join(cells)}</tr>')
    more = f"<p>… and {len(gap_items) - len(shown)} more items with gaps.</p>" if len(gap_items) > len(shown) else ""
    summary = (
        f"{len(gap_items)} item(s) have not reached {len(missing)} segment(s) in time on any channel: within "
        "their campaign's repeat_after times the number of segments. Highlighted cells; `evertide stats` "
        "lists the gaps per channel."
        if missing
        else "No gaps: every item older than its campaign's repeat_after times the number of segments has "
        "reached every segment in time (newer items are still having their turns)."
    )
    table = (
        f'<div class="scroll"><table class="coverage"><caption>When each item last reached each segment'
        f'</caption><thead><tr><th scope="col">item</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
        "</table></div>"
        if rows
        else ""
    )
    return f"<section><h2>Coverage</h2><p>{summary}</p>{table}{more}</section>"


def _dead_links(data: ReportData) -> str:
    """Items a link check paused: a dead page is never re-shared, and a person decides what becomes of it."""
    if not data.dead_links:
        return (
            "<section><h2>Links to fix</h2><p>No item is paused for its link (<code>evertide library "
            "check-links</code> checks them; the daemon does it by itself).</p></section>"
        )
    rows = "".join(
        f'<tr><th scope="row">{link.item_id} · <bdi>{_shown(link.title[:100])}</bdi></th>'
        f"<td><bdi>{_shown(link.url[:200])}</bdi></td><td>{_shown(link.status_reason or '')}</td></tr>"
        for link in data.dead_links[:COVERAGE_ROWS]
    )
    more = len(data.dead_links) - COVERAGE_ROWS
    return (
        f"<section><h2>Links to fix</h2><p>{len(data.dead_links)} item(s) paused because their page is gone or "
        "has not answered: they are not shared until fixed (<code>evertide library edit</code>) and resumed, "
        'or retired.</p><div class="scroll"><table><caption>Items paused for their link</caption><thead><tr>'
        '<th scope="col">item</th><th scope="col">link</th><th scope="col">why</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>{f'<p>… and {more} more.</p>' if more > 0 else ''}</section>"
    )


def _volume(data: ReportData) -> str:
    rows = []
    for channel in data.channels:
        daily, monthly = data.caps.get(channel, (None, None))
        caps = ", ".join(filter(None, [f"{daily}/day" if daily else "", f"{monthly}/30 days" if monthly else ""]))
        coming, spent, budget = data.volume[channel], data.spent[channel], data.budgets.get(channel)
        rows.append(
            f'<tr><th scope="row">{_shown(channel)}</th><td>{coming.posts}</td><td>{caps or "none"}</td>'
            f"<td>{_money(coming)}</td><td>{_money(spent)} ({spent.posts} posts)</td>"
            f"<td>{f'{money(budget)} {escape(spent.currency)}' if budget is not None else '—'}</td></tr>"
        )
    month = f"{data.now.astimezone(UTC):%B}"
    return (
        "<section><h2>Volume and cost</h2><table><caption>Posts queued for the coming 30 days, what they cost, and "
        f"what went out in {month} (UTC)</caption><thead><tr>"
        '<th scope="col">channel</th><th scope="col">posts, next 30 days</th><th scope="col">caps</th>'
        f'<th scope="col">cost, next 30 days</th><th scope="col">spent in {month}</th>'
        f'<th scope="col">monthly budget</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
        "<p>Cost is shown where a channel has prices (X has its published prices unless its <code>cost:</code> "
        "says otherwise); a post with a link is counted at the price of one.</p></section>"
    )


def _money(spent: Spend) -> str:
    return "free" if spent.money is None else f"{money(spent.money)} {escape(spent.currency)}"


STYLE = """
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#59636e;--line:#d1d9e0;--hot:#0969da;
--gap:#ffebe9;--held:#fff8c5;--ok:#1a7f37;--bad:#cf222e}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;
--hot:#4493f8;--gap:#3c1618;--held:#3b2e00;--ok:#3fb950;--bad:#f85149}}
body{font:14px/1.45 system-ui,sans-serif;background:var(--bg);color:var(--fg);margin:1.5rem;max-width:120rem}
h1{font-size:1.5rem;margin:0}h2{font-size:1.15rem;margin:2rem 0 .3rem}p{color:var(--muted);margin:.3rem 0}
table{border-collapse:collapse;margin:.5rem 0}caption{text-align:left;color:var(--muted);padding:.2rem 0}
th,td{border:1px solid var(--line);padding:.25rem .4rem;vertical-align:top;text-align:left;
overflow-wrap:anywhere}th[scope=row]{min-width:8rem}.coverage th{max-width:28rem}
.calendar thead th{min-width:8rem}
.scroll{overflow-x:auto}.calendar td{min-width:9rem}.today{color:var(--hot)}
tr.held th,tr.held td{background:var(--held)}
.post{margin:.1rem 0;font-size:.85rem}
.pin{font-size:.75rem;color:var(--hot)}.post .state{color:var(--muted)}.post.published .state{color:var(--ok)}
.post.missed .state,.post.failed .state,.post.in_doubt .state{color:var(--bad)}
.heatmap td{text-align:center;min-width:1.6rem;
background:color-mix(in srgb,var(--hot) var(--shade),transparent)}
.heatmap td.window{outline:2px solid var(--ok);outline-offset:-2px}td.gap{background:var(--gap)}
"""
