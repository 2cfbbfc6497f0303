"""The planner, the queue edits and the daemon's claim check agree on the rules, for random timelines.

Each asks the same rule book, so what the planner proposes an edit accepts as it is, and the daemon publishes
on time when every earlier post went out on time; and nothing the planner adds breaks a rule against what was
there (history, pinned posts) or against its own other posts.
"""

import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from content_library.database import make_engine, transaction, upgrade
from content_library.store import add_item
from scheduler.planning.slots import to_seconds
from scheduler.queue import edits, states
from scheduler.queue.entries import get_entry, insert_entry
from scheduler.queue.timelines import pace
from scheduler.rules import Post, RuleBook, Timeline
from tests.strategies import Setup, setups


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(setups(feasible=False))
def test_nothing_the_planner_adds_breaks_a_rule_of_the_rule_book(setup: Setup) -> None:
    result = setup.plan()
    rules = RuleBook.from_config(setup.config)
    everything = [*setup.history, *setup.fixed, *result.posts]
    for post in result.posts:
        others = [
            Post(to_seconds(other.at), rules.spacing(other.channel, other.campaign), other.item_id)
            for other in everything
            if other.channel == post.channel and other is not post
        ]
        timeline = Timeline(post.channel, rules.caps_of(post.channel), others)
        planned = Post(to_seconds(post.at), rules.spacing(post.channel, post.campaign), post.item_id)
        assert timeline.violations(planned) == [], post


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(setups(feasible=True, with_past=False, plentiful=True))
def test_edits_accept_the_plan_and_the_claim_check_publishes_it_on_time(setup: Setup) -> None:
    result = setup.plan()
    rules = RuleBook.from_config(setup.config)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'evertide.db'}")
        upgrade(engine)
        with transaction(engine) as session:
            for item in setup.items:  # the same ids, 1 … n, in a fresh database
                add_item(session, {"title": item.title, "url": item.url}, now=setup.now)
            entries = [
                insert_entry(
                    session,
                    {
                        "channel": post.channel,
                        "campaign": post.campaign,
                        "zone": post.zone,
                        "at": post.at,
                        "item_id": post.item_id,
                        "text": post.text,
                    },
                    now=setup.now,
                )
                for post in result.posts
            ]
        for entry in entries:  # a move to where it already is keeps every rule
            with transaction(engine) as session:
                edits.move(session, setup.config, entry.id or 0, entry.at, now=setup.now)
        for entry in sorted(entries, key=lambda e: (e.at, e.id or 0)):  # …and each goes out on time
            with transaction(engine) as session:
                current = get_entry(session, entry.id or 0)
                assert pace(session, rules, current, current.at) is None, current
                claimed = states.claim(session, current, worker="test", now=current.at, lease=timedelta(minutes=1))
                states.publish(session, claimed, remote_id=None, remote_url=None, now=current.at)
        engine.dispose()
