"""Publishing due entries exactly once, through outages, rate limits and crashes, with a driven clock.

The platforms are the loopback emulators, reached through the real tweepy and httpx clients; the file
outbox is a real file. Nothing of evertide's own is mocked: the clock is simply a parameter.
"""

import itertools
import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from content_library.database import transaction
from content_library.store import add_variant, get_item
from scheduler.config import Config
from scheduler.dispatch.claims import claim_due
from scheduler.dispatch.publishing import Dispatcher
from scheduler.planning.attribution import ENTRY_MARK
from scheduler.publishers.registry import build_publisher
from scheduler.queue.entries import get_entry
from scheduler.queue.holds import active_holds
from scheduler.queue.tables import HoldCause, Publication
from tests.emulators import Reply
from tests.emulators.webhook_sink import WebhookSink, unavailable
from tests.emulators.x_api import XApi, duplicate, rate_limited, unauthorized
from tests.queue_helpers import T0, add_items, config_in, queue

CONFIG = """\
database: evertide.db
grace: 15m
channels:
  outbox: {{kind: file, path: outbox.jsonl, daily_cap: 3}}
  hook: {{kind: webhook, url: "{hook}", secret: "${{EVT_HOOK_SECRET}}"}}
  x-main:
    kind: x
    base_url: "{x}"
    credentials: {{bearer_token: "${{EVT_X_BEARER}}"}}
campaigns:
  help:
    channels: [outbox, hook, x-main]
    posts_per_day: 2
    min_gap: 1m
    templates: ["{{title}} {{url}}", "{{summary}} {{url}}"]
"""


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def hook() -> Iterator[WebhookSink]:
    with WebhookSink(secret="hook-secret") as sink:
        yield sink


@pytest.fixture
def x_api() -> Iterator[XApi]:
    with XApi(bearer_token="x-bearer") as api:
        yield api


@pytest.fixture
def config(tmp_path: Path, hook: WebhookSink, x_api: XApi, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.setenv("EVT_HOOK_SECRET", "hook-secret")
    monkeypatch.setenv("EVT_X_BEARER", "x-bearer")
    return config_in(tmp_path, CONFIG.format(hook=hook.url, x=x_api.base_url))


OPEN: list[Dispatcher] = []


@pytest.fixture(autouse=True)
def close_dispatchers() -> Iterator[None]:
    """Publishers hold HTTP connections: close every dispatcher a test made."""
    yield
    while OPEN:
        OPEN.pop().close()


def dispatcher(engine: Engine, config: Config, worker: str = "test") -> Dispatcher:
    def build(channel: str):  # type: ignore[no-untyped-def]
        return build_publisher(channel, config.channels[channel], base_dir=config.base_dir, timeout=1.0)

    OPEN.append(Dispatcher(engine, config, build, worker=worker))
    return OPEN[-1]


def outbox_lines(config: Config) -> list[dict[str, object]]:
    path = config.base_dir / "outbox.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def states(engine: Engine, *ids: int) -> list[str]:
    with transaction(engine) as session:
        return [get_entry(session, entry_id).state for entry_id in ids]


def run(engine: Engine, config: Config, clock: Callable[[], datetime]) -> list[tuple[str, int | None, str]]:
    events = dispatcher(engine, config).publish_due(clock)
    return [(e.channel, e.entry_id, e.outcome) for e in events]


def test_due_entries_go_out_once_and_are_recorded(engine: Engine, config: Config) -> None:
    first, second, later = add_items(engine, 3)
    a = queue(engine, first, T0)
    b = queue(engine, second, T0 + timedelta(minutes=5))
    c = queue(engine, later, T0 + timedelta(hours=1))
    clock = Clock(T0 + timedelta(minutes=6))
    # both are due, but min_gap (1m) holds at publish time too: the second one follows a minute later
    assert run(engine, config, clock) == [("outbox", a.id, "published"), ("outbox", b.id, "deferred")]
    assert run(engine, config, clock) == []
    clock.advance(minutes=1)
    assert run(engine, config, clock) == [("outbox", b.id, "published")]
    assert [line["entry_id"] for line in outbox_lines(config)] == [a.id, b.id]
    assert states(engine, a.id, b.id, c.id) == ["published", "published", "planned"]
    with transaction(engine) as session:
        history = session.exec(select(Publication).order_by(Publication.id)).all()  # type: ignore[arg-type]
    assert [(p.entry_id, p.scheduled_at, p.published_at) for p in history] == [
        (a.id, T0, T0 + timedelta(minutes=6)),
        (b.id, T0 + timedelta(minutes=5), T0 + timedelta(minutes=7)),
    ]


def test_an_entry_later_than_grace_is_missed_never_sent_late(sqlite_engine: Engine, config: Config) -> None:
    [item] = add_items(sqlite_engine, 1)
    entry = queue(sqlite_engine, item, T0)
    assert run(sqlite_engine, config, Clock(T0 + timedelta(minutes=16))) == [("outbox", entry.id, "missed")]
    assert outbox_lines(config) == []


def test_the_daily_cap_is_never_exceeded(sqlite_engine: Engine, config: Config) -> None:
    """The fourth post would wait a day for the cap, far beyond grace: it is missed at once, with the cap as
    its reason (it used to wait a day as "deferred", the channel shown failing, to be missed then)."""
    items = add_items(sqlite_engine, 4)
    entries = [queue(sqlite_engine, item, T0 + timedelta(minutes=n)) for n, item in enumerate(items)]
    clock = Clock(T0 + timedelta(minutes=5))
    published = []
    for _ in range(4):  # one a minute (min_gap 1m) until the cap of 3 is reached
        published += [entry_id for _, entry_id, outcome in run(sqlite_engine, config, clock) if outcome == "published"]
        clock.advance(minutes=1)
    assert published == [e.id for e in entries[:3]]
    with transaction(sqlite_engine) as session:
        last = get_entry(session, entries[-1].id or 0)
    assert last.state == "missed" and "daily_cap 3" in (last.last_error or "")
    assert "cannot go out within grace" in (last.last_error or "")
    assert len(outbox_lines(config)) == 3


def test_a_crash_after_the_post_but_before_its_record_is_settled_without_posting_twice(
    engine: Engine, config: Config
) -> None:
    [item] = add_items(engine, 1)
    entry = queue(engine, item, T0)
    with transaction(engine) as session:  # the dead daemon's claim, committed before it called the platform
        [claimed], _ = claim_due(session, config, now=T0, worker="dead", limit=100)
    dead = dispatcher(engine, config, "dead")
    dead.publisher("outbox").publish(dead._outgoing(claimed))  # it posted, then died before recording
    events = dispatcher(engine, config).settle(Clock(T0 + timedelta(hours=2)), every_claim=True)
    assert [(e.entry_id, e.outcome) for e in events] == [(entry.id, "already_published")]
    assert len(outbox_lines(config)) == 1
    assert states(engine, entry.id) == ["published"]


def test_a_crash_before_the_post_is_settled_by_posting_once(sqlite_engine: Engine, config: Config) -> None:
    [item] = add_items(sqlite_engine, 1)
    entry = queue(sqlite_engine, item, T0)
    with transaction(sqlite_engine) as session:
        claim_due(session, config, now=T0, worker="dead", limit=100)
    # A lease still running belongs to a live daemon (PostgreSQL, several daemons): left alone.
    assert dispatcher(sqlite_engine, config).settle(Clock(T0 + timedelta(seconds=30))) == []
    events = dispatcher(sqlite_engine, config).settle(Clock(T0 + timedelta(seconds=61)))
    assert [(e.entry_id, e.outcome) for e in events] == [(entry.id, "published")]
    assert [line["entry_id"] for line in outbox_lines(config)] == [entry.id]


def test_x_entries_in_doubt_are_looked_up_before_any_retry(sqlite_engine: Engine, config: Config, x_api: XApi) -> None:
    from tests.emulators.x_api import unavailable as x_unavailable

    posted, unknown, lost = add_items(sqlite_engine, 3)
    timeline = ("GET", f"/2/users/{x_api.me['id']}/tweets")
    x_api.now = T0

    def crash_mid_publish(item_id: int, at: datetime) -> int:
        entry = queue(sqlite_engine, item_id, at, channel="x-main")
        with transaction(sqlite_engine) as session:
            claim_due(session, config, now=at, worker="dead", limit=100)
        return entry.id or 0

    def settle(at: datetime) -> list[str]:
        return [e.outcome for e in dispatcher(sqlite_engine, config).settle(Clock(at), every_claim=True)]

    one = crash_mid_publish(posted, T0)
    with transaction(sqlite_engine) as session:
        x_api.add_tweet(get_entry(session, one).text, T0)  # it did reach X before the crash
    assert settle(T0 + timedelta(minutes=1)) == ["already_published"]

    two = crash_mid_publish(unknown, T0 + timedelta(minutes=2))
    x_api.script(*timeline, x_unavailable())  # X cannot say whether it went out
    assert settle(T0 + timedelta(minutes=3)) == ["in_doubt"]
    assert states(sqlite_engine, two) == ["in_doubt"]

    three = crash_mid_publish(lost, T0 + timedelta(minutes=4))  # X says it is not there: post it now
    assert settle(T0 + timedelta(minutes=5)) == ["published"]
    assert states(sqlite_engine, one, three) == ["published", "published"]
    assert len(x_api.requests_to("POST", "/2/tweets")) == 1  # never posted blindly


def test_the_url_field_is_the_tagged_link_the_text_carries(engine: Engine, config: Config, hook: WebhookSink) -> None:
    """Found in review: the file and webhook channels' ``url`` was the item's bare link, so a click through
    whatever consumed them could not be told from any other visit. A text without the link keeps the item's."""
    first, second, third = add_items(engine, 3)
    tags = f"utm_source=outbox&utm_campaign=help&utm_content={ENTRY_MARK}"
    on_file = queue(engine, first, T0, text=f"Guide (see https://help.example.com/guide-{first}/?{tags}).")
    on_hook = queue(engine, second, T0, channel="hook", text=f"Guide https://help.example.com/guide-{second}?{tags}")
    bare = queue(engine, third, T0 + timedelta(minutes=1), text="Guide https://elsewhere.example.org/?utm_content=4")
    run(engine, config, Clock(T0 + timedelta(minutes=1)))
    run(engine, config, Clock(T0 + timedelta(minutes=2)))
    tagged = "utm_source=outbox&utm_campaign=help&utm_content="
    assert [(line["entry_id"], line["url"]) for line in outbox_lines(config)] == [
        (on_file.id, f"https://help.example.com/guide-{first}/?{tagged}{on_file.id}"),
        (bare.id, f"https://help.example.com/guide-{third}"),
    ]
    assert [d["url"] for d in hook.deliveries] == [f"https://help.example.com/guide-{second}?{tagged}{on_hook.id}"]


def test_an_outage_longer_than_grace_misses_the_entry_and_causes_no_burst(
    sqlite_engine: Engine, config: Config, hook: WebhookSink
) -> None:
    items = add_items(sqlite_engine, 3)
    first = queue(sqlite_engine, items[0], T0, channel="hook")
    second = queue(sqlite_engine, items[1], T0 + timedelta(minutes=10), channel="hook")
    third = queue(sqlite_engine, items[2], T0 + timedelta(hours=2), channel="hook")
    hook.script("POST", "/hooks/evertide", *[unavailable() for _ in range(200)])
    clock = Clock(T0)
    outcomes: list[str] = []
    while clock.now < T0 + timedelta(minutes=40):
        outcomes += [o for _, _, o in run(sqlite_engine, config, clock)]
        clock.advance(seconds=10)
    assert "retry" in outcomes
    assert states(sqlite_engine, first.id, second.id, third.id) == ["missed", "missed", "planned"]
    hook.clear_scripts()  # the platform recovers
    clock.now = T0 + timedelta(hours=2, seconds=1)
    assert run(sqlite_engine, config, clock) == [("hook", third.id, "published")]
    assert [d["entry_id"] for d in hook.deliveries] == [third.id]


def test_a_rate_limit_holds_only_its_channel_until_the_reset(
    sqlite_engine: Engine, config: Config, x_api: XApi
) -> None:
    a, b = add_items(sqlite_engine, 2)
    on_x = queue(sqlite_engine, a, T0, channel="x-main")
    on_file = queue(sqlite_engine, b, T0)
    reset = int((T0 + timedelta(minutes=5)).timestamp())
    x_api.script("POST", "/2/tweets", rate_limited(reset=reset))
    outcomes = run(sqlite_engine, config, Clock(T0))
    assert ("x-main", on_x.id, "retry") in outcomes and ("outbox", on_file.id, "published") in outcomes
    with transaction(sqlite_engine) as session:
        [hold] = active_holds(session, now=T0)
        assert (hold.name, hold.until) == ("x-main", T0 + timedelta(minutes=5))
    assert run(sqlite_engine, config, Clock(T0 + timedelta(minutes=4))) == []
    assert run(sqlite_engine, config, Clock(T0 + timedelta(minutes=5))) == [("x-main", on_x.id, "published")]


def test_an_auth_failure_pauses_the_channel_and_keeps_its_entries(
    sqlite_engine: Engine, config: Config, x_api: XApi
) -> None:
    [item] = add_items(sqlite_engine, 1)
    entry = queue(sqlite_engine, item, T0, channel="x-main")
    x_api.script("POST", "/2/tweets", unauthorized())
    events = dispatcher(sqlite_engine, config).publish_due(Clock(T0))
    assert [(e.outcome) for e in events] == ["held"]
    assert "credentials" in events[0].detail
    assert states(sqlite_engine, entry.id) == ["planned"]
    with transaction(sqlite_engine) as session:
        assert [(h.name, h.until) for h in active_holds(session, now=T0 + timedelta(days=30))] == [("x-main", None)]


def test_duplicate_content_on_a_first_attempt_tries_the_next_variant_once(
    sqlite_engine: Engine, config: Config, x_api: XApi
) -> None:
    [item] = add_items(sqlite_engine, 1)
    entry = queue(sqlite_engine, item, T0, channel="x-main", campaign="help")
    x_api.script("POST", "/2/tweets", duplicate())
    assert run(sqlite_engine, config, Clock(T0)) == [("x-main", entry.id, "published")]
    [sent] = [r.json()["text"] for r in x_api.requests_to("POST", "/2/tweets")][1:]
    assert sent != entry.text and sent.startswith("How to do thing 1.")


def test_duplicate_content_with_no_other_wording_fails_with_a_remedy(
    sqlite_engine: Engine, config: Config, x_api: XApi
) -> None:
    [item] = add_items(sqlite_engine, 1)
    entry = queue(sqlite_engine, item, T0, channel="x-main", campaign=None)
    x_api.script("POST", "/2/tweets", duplicate(), duplicate())
    events = dispatcher(sqlite_engine, config).publish_due(Clock(T0))
    assert [e.outcome for e in events] == ["failed"]
    assert states(sqlite_engine, entry.id) == ["failed"]


# -- regressions found in review -------------------------------------------------------------------------------


def test_a_worker_whose_lease_ran_out_mid_call_cannot_record_or_post_again(
    sqlite_engine: Engine, config: Config, x_api: XApi
) -> None:
    import threading

    [item] = add_items(sqlite_engine, 1)
    entry = queue(sqlite_engine, item, T0, channel="x-main", campaign="help")
    # A's call hangs past its lease; meanwhile B settles the claim and posts. X then refuses A's text.
    x_api.script("POST", "/2/tweets", Reply(403, duplicate().body, duplicate().headers, delay=1.5))
    slow = dispatcher(sqlite_engine, config, "A")
    worker_a = threading.Thread(target=slow.publish_due, args=(Clock(T0),))
    worker_a.start()
    deadline = T0  # wait (bounded) until A's request reached X
    for _ in range(200):
        if x_api.requests_to("POST", "/2/tweets"):
            break
        threading.Event().wait(0.01)
    # the lease covers two calls of the channel's timeout (30 s) and a margin: 90 s
    settled = dispatcher(sqlite_engine, config, "B").settle(Clock(deadline + timedelta(seconds=91)))
    worker_a.join(timeout=30)
    assert [(e.entry_id, e.outcome) for e in settled] == [(entry.id, "published")]
    assert len(x_api.tweets) == 1 and len(x_api.requests_to("POST", "/2/tweets")) == 2
    assert states(sqlite_engine, entry.id) == ["published"]
    with transaction(sqlite_engine) as session:
        assert len(session.exec(select(Publication)).all()) == 1


def test_a_duplicate_after_a_crash_counts_as_published_not_as_a_reason_to_reword(
    sqlite_engine: Engine, config: Config, x_api: XApi
) -> None:
    [item] = add_items(sqlite_engine, 1)
    entry = queue(sqlite_engine, item, T0, channel="x-main", campaign="help")
    x_api.now = T0
    x_api.add_tweet(entry.text, T0)  # it went out before the crash…
    with transaction(sqlite_engine) as session:
        claim_due(session, config, now=T0, worker="dead", limit=100)
    empty = Reply(200, {"meta": {"result_count": 0}})
    x_api.script("GET", f"/2/users/{x_api.me['id']}/tweets", empty)  # …but the timeline does not show it yet
    events = dispatcher(sqlite_engine, config).settle(Clock(T0 + timedelta(minutes=2)), every_claim=True)
    assert [e.outcome for e in events] == ["already_published"]
    assert len(x_api.tweets) == 1


def test_a_duplicate_of_the_next_variant_too_fails_the_entry_rather_than_calling_it_published(
    sqlite_engine: Engine, config: Config, x_api: XApi
) -> None:
    [item] = add_items(sqlite_engine, 1)
    entry = queue(sqlite_engine, item, T0, channel="x-main", campaign="help")
    x_api.script("POST", "/2/tweets", duplicate(), duplicate())
    events = dispatcher(sqlite_engine, config).publish_due(Clock(T0))
    assert [e.outcome for e in events] == ["failed"]
    assert states(sqlite_engine, entry.id) == ["failed"] and x_api.tweets == []
    assert "variants add" in events[0].detail
    with transaction(sqlite_engine) as session:  # not planned again in the same words until a variant is added
        assert get_item(session, item).status == "needs_variant"
        add_variant(session, item, "Fresh words for {title} {url}", now=T0)
        assert get_item(session, item).status == "active"


def test_an_item_removed_while_its_entry_is_published_fails_the_entry_instead_of_sticking(
    sqlite_engine: Engine, config: Config, x_api: XApi
) -> None:
    from content_library.store import remove_item

    [item] = add_items(sqlite_engine, 1)
    entry = queue(sqlite_engine, item, T0, channel="x-main", campaign="help")
    with transaction(sqlite_engine) as session:
        remove_item(session, item)
    x_api.script("POST", "/2/tweets", duplicate())
    events = dispatcher(sqlite_engine, config).publish_due(Clock(T0))
    assert [e.outcome for e in events] == ["failed"]
    assert states(sqlite_engine, entry.id) == ["failed"]
    assert len(x_api.requests_to("POST", "/2/tweets")) == 1


def test_a_held_channel_gives_the_daemon_no_reason_to_wake(sqlite_engine: Engine, config: Config) -> None:
    from scheduler.dispatch.claims import next_wake
    from scheduler.queue.holds import pause

    items = add_items(sqlite_engine, 2)
    queue(sqlite_engine, items[0], T0 - timedelta(minutes=1))
    queue(sqlite_engine, items[1], T0 + timedelta(hours=3), channel="ghost")  # a channel no longer configured
    with transaction(sqlite_engine) as session:
        pause(session, config, "channel", "outbox", now=T0, until=T0 + timedelta(hours=1))
        assert next_wake(session, config, T0) == T0 + timedelta(hours=1)  # the hold's end, not "now"
        pause(session, config, "channel", "outbox", now=T0)
        assert next_wake(session, config, T0) is None


def test_a_past_reset_instant_never_makes_the_daemon_spin(sqlite_engine: Engine, config: Config, x_api: XApi) -> None:
    [item] = add_items(sqlite_engine, 1)
    queue(sqlite_engine, item, T0, channel="x-main")
    x_api.script("POST", "/2/tweets", rate_limited(reset=int((T0 - timedelta(minutes=1)).timestamp())))
    outcomes = run(sqlite_engine, config, Clock(T0))
    assert outcomes[0][2] == "retry" and len(x_api.requests_to("POST", "/2/tweets")) == 1


def test_a_long_backlog_after_downtime_is_missed_in_one_pass_and_the_fresh_entry_still_goes_out(
    sqlite_engine: Engine, config: Config
) -> None:
    items = add_items(sqlite_engine, 26)
    stale = [queue(sqlite_engine, item, T0 - timedelta(hours=5, minutes=n)) for n, item in enumerate(items[:-1])]
    fresh = queue(sqlite_engine, items[-1], T0 - timedelta(minutes=2))
    outcomes = run(sqlite_engine, config, Clock(T0))
    assert [o for _, _, o in outcomes].count("missed") == len(stale)
    assert ("outbox", fresh.id, "published") in outcomes


def test_a_platform_that_drips_its_answer_costs_one_call_deadline_then_the_entry_waits_for_a_retry(
    sqlite_engine: Engine, tmp_path: Path, hook: WebhookSink, x_api: XApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found: a receiver that sent one byte every 5 s held the publishing thread for 3 min 20 s (httpx and
    requests time out per read, not per call). Every platform call now has a total deadline, per channel."""
    monkeypatch.setenv("EVT_HOOK_SECRET", "hook-secret")
    monkeypatch.setenv("EVT_X_BEARER", "x-bearer")
    text = CONFIG.format(hook=hook.url, x=x_api.base_url).replace(
        'secret: "${EVT_HOOK_SECRET}"}', 'secret: "${EVT_HOOK_SECRET}", timeout: 1s}'
    )
    config = config_in(tmp_path, text)
    [item] = add_items(sqlite_engine, 1)
    entry = queue(sqlite_engine, item, T0, channel="hook")
    hook.script("POST", "/hooks/evertide", Reply(201, {"id": "late"}, drip=0.2))
    started = time.monotonic()
    [(channel, entry_id, outcome)] = run(sqlite_engine, config, Clock(T0))
    assert time.monotonic() - started < 3
    assert (channel, entry_id, outcome) == ("hook", entry.id, "retry")
    with transaction(sqlite_engine) as session:
        waiting = get_entry(session, entry.id or 0)
    assert waiting.state == "planned" and "no answer within 1s" in (waiting.last_error or "")


def test_after_a_503_outage_late_entries_go_out_at_the_channel_s_pace_and_the_rest_are_missed(
    sqlite_engine: Engine, config: Config, hook: WebhookSink
) -> None:
    """Found: after an outage, everything still inside grace went out back to back (23 posts in 2 s)."""
    items = add_items(sqlite_engine, 10)  # one a minute, as min_gap (1m) allows
    entries = [queue(sqlite_engine, item, T0 + timedelta(minutes=n), channel="hook") for n, item in enumerate(items)]
    hook.script("POST", "/hooks/evertide", *[unavailable() for _ in range(500)])
    clock = Clock(T0)
    while clock.now < T0 + timedelta(minutes=40):
        if clock.now >= T0 + timedelta(minutes=16):  # the first entry's grace (15m) has run out
            hook.clear_scripts()  # the platform is back
        run(sqlite_engine, config, clock)
        clock.advance(seconds=5)
    with transaction(sqlite_engine) as session:
        history = session.exec(select(Publication).order_by(Publication.published_at)).all()  # type: ignore[arg-type]
    sent = [p.published_at for p in history]
    assert sent[0] >= T0 + timedelta(minutes=16) and len(sent) >= 3
    assert all(later - earlier >= timedelta(minutes=1) for earlier, later in itertools.pairwise(sent)), sent  # min_gap
    assert all(p.published_at - p.scheduled_at <= timedelta(minutes=15) for p in history)  # within grace
    settled = states(sqlite_engine, *(e.id for e in entries))
    assert settled[0] == "missed" and set(settled) == {"published", "missed"}
    assert settled.count("published") == len(sent)
    assert [d["entry_id"] for d in hook.deliveries] == [p.entry_id for p in history]


def test_a_channel_held_for_a_missing_variable_is_released_once_it_builds_and_only_that_hold(
    sqlite_engine: Engine, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found in review: nothing lifted a "variable not set" hold, though the README says a fixed config does;
    a person's pause and a refusal's hold must stay."""
    from scheduler.queue.holds import pause
    from scheduler.queue.tables import HoldScope

    [item] = add_items(sqlite_engine, 1)
    entry = queue(sqlite_engine, item, T0, channel="x-main")
    monkeypatch.delenv("EVT_X_BEARER")
    assert [e.outcome for e in dispatcher(sqlite_engine, config).publish_due(Clock(T0))] == ["held"]
    with transaction(sqlite_engine) as session:
        [hold] = active_holds(session, now=T0)
        assert (hold.name, hold.cause) == ("x-main", "misconfigured")
        pause(session, config, HoldScope.CHANNEL, "outbox", now=T0)  # a person's
        pause(session, config, HoldScope.CHANNEL, "hook", now=T0, reason="401", cause=HoldCause.REFUSED)
    assert dispatcher(sqlite_engine, config).prepare(Clock(T0)) == []  # still cannot be built
    monkeypatch.setenv("EVT_X_BEARER", "x-bearer")
    assert dispatcher(sqlite_engine, config).prepare(Clock(T0 + timedelta(minutes=1))) == ["x-main"]
    with transaction(sqlite_engine) as session:
        assert sorted(h.name for h in active_holds(session, now=T0)) == ["hook", "outbox"]
    assert states(sqlite_engine, entry.id) == ["planned"]


def test_a_rate_limit_never_replaces_a_person_s_pause_nor_shortens_a_longer_hold(
    sqlite_engine: Engine, config: Config
) -> None:
    """Found in review: a 429 answered while a person paused the channel turned the pause into an 8-second
    rate-limit hold, and the channel published 13 posts afterwards."""
    from sqlmodel import Session

    from scheduler.queue.holds import pause
    from scheduler.queue.tables import HoldScope

    def rate_limited(session: Session, channel: str, until: timedelta) -> None:
        limit = HoldCause.RATE_LIMIT
        pause(session, config, HoldScope.CHANNEL, channel, now=T0, until=T0 + until, reason="429", cause=limit)

    with transaction(sqlite_engine) as session:
        pause(session, config, HoldScope.CHANNEL, "x-main", now=T0)  # a person's, until resumed
        rate_limited(session, "x-main", timedelta(seconds=8))
        rate_limited(session, "hook", timedelta(hours=1))
        rate_limited(session, "hook", timedelta(minutes=1))
    with transaction(sqlite_engine) as session:
        holds = {h.name: (h.cause, h.until) for h in active_holds(session, now=T0)}
    assert holds == {"x-main": ("person", None), "hook": ("rate_limit", T0 + timedelta(hours=1))}
