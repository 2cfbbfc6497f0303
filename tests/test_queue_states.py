"""The queue's state machine: every named transition from every state, on a real SQLite database.

For each (state, transition) pair the move either is in the table and lands in the table's state, or raises
IllegalTransition and leaves the entry exactly as it was.
"""

import itertools
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from content_library.database import make_engine, transaction, upgrade
from content_library.errors import EvertideError
from scheduler.queue import states
from scheduler.queue.entries import ConcurrentEdit, get_entry, insert_entry
from scheduler.queue.states import IllegalTransition, Transition
from scheduler.queue.tables import EntryState, Publication, QueueEntry
from tests.queue_helpers import T0

P, C, PUB, F, S, M, X, D = (
    EntryState.PLANNED,
    EntryState.CLAIMED,
    EntryState.PUBLISHED,
    EntryState.FAILED,
    EntryState.SKIPPED,
    EntryState.MISSED,
    EntryState.CANCELLED,
    EntryState.IN_DOUBT,
)

# The table as a person states it, written out again here so that a change to the real one is deliberate.
EXPECTED: dict[Transition, tuple[set[EntryState], EntryState]] = {
    Transition.CLAIM: ({P}, C),
    Transition.GIVE_BACK: ({C}, P),
    Transition.TAKE_OVER: ({C}, C),
    Transition.REWORD: ({C}, C),
    Transition.RELEASE: ({C}, P),
    Transition.PUBLISH: ({C}, PUB),
    Transition.MISS: ({P, C}, M),
    Transition.FAIL: ({C}, F),
    Transition.DOUBT: ({C}, D),
    Transition.DEFER: ({P}, P),
    Transition.EDIT: ({P}, P),
    Transition.SKIP: ({P}, S),
    Transition.YIELD: ({C}, S),
    Transition.CANCEL: ({P}, X),
    Transition.RESOLVE_PUBLISHED: ({D}, PUB),
    Transition.RESOLVE_RETRY: ({D}, P),
}

LATER = T0 + timedelta(hours=1)
Move = Callable[[Session, QueueEntry], QueueEntry]
CALLS: dict[Transition, Move] = {
    Transition.CLAIM: lambda s, e: states.claim(s, e, worker="w1", now=LATER, lease=timedelta(seconds=60)),
    Transition.GIVE_BACK: lambda s, e: states.give_back(s, e, now=LATER),
    Transition.TAKE_OVER: lambda s, e: states.take_over(s, e, worker="w2", now=LATER, lease=timedelta(seconds=60)),
    Transition.REWORD: lambda s, e: states.reword(
        s, e, text="Other words", variant_id=None, template_key=None, now=LATER
    ),
    Transition.RELEASE: lambda s, e: states.release(s, e, retry_at=LATER, error="503", now=LATER),
    Transition.PUBLISH: lambda s, e: states.publish(s, e, remote_id="r1", remote_url=None, now=LATER),
    Transition.MISS: lambda s, e: states.miss(s, e, reason="late", now=LATER),
    Transition.FAIL: lambda s, e: states.fail(s, e, reason="refused", now=LATER),
    Transition.DOUBT: lambda s, e: states.doubt(s, e, reason="crash", now=LATER),
    Transition.DEFER: lambda s, e: states.defer(s, e, until=LATER, reason="cap", now=LATER),
    Transition.EDIT: lambda s, e: states.edit(s, e, now=LATER, text="Edited", pinned=True),
    Transition.SKIP: lambda s, e: states.skip(s, e, now=LATER),
    Transition.YIELD: lambda s, e: states.give_way(s, e, reason="a post by hand", now=LATER),
    Transition.CANCEL: lambda s, e: states.cancel(s, e, now=LATER),
    Transition.RESOLVE_PUBLISHED: lambda s, e: states.resolve_published(s, e, now=LATER),
    Transition.RESOLVE_RETRY: lambda s, e: states.resolve_retry(s, e, now=LATER),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One SQLite file for the whole product: each case makes an entry of its own."""
    engine = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('states')) / 'evertide.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def entry_in(engine: Engine, state: EntryState) -> QueueEntry:
    fields: dict[str, Any] = {
        "channel": "outbox",
        "campaign": "help",
        "zone": "Europe/London",
        "at": T0,
        "item_id": 1,
        "text": "Guide 1",
        "state": state.value,
        "claimed_by": "w0" if state == C else None,
        "lease_until": T0 if state == C else None,
    }
    with transaction(engine) as session:
        return insert_entry(session, fields, now=T0)


def test_the_table_is_the_one_people_were_told() -> None:
    assert {t: (set(sources), target) for t, (sources, target) in states.MOVES.items()} == EXPECTED
    assert set(CALLS) == set(Transition)  # a new transition needs a case here


@pytest.mark.parametrize(("state", "transition"), list(itertools.product(EntryState, Transition)))
def test_every_transition_from_every_state(db: Engine, state: EntryState, transition: Transition) -> None:
    entry = entry_in(db, state)
    sources, target = EXPECTED[transition]
    assert states.can(entry, transition) == (state in sources)
    if state in sources:
        with transaction(db) as session:
            moved = CALLS[transition](session, entry)
        with transaction(db) as session:
            stored = get_entry(session, entry.id or 0)
        assert moved.state == stored.state == target.value
        assert stored.version == entry.version + 1
        return
    with pytest.raises(IllegalTransition) as refused, transaction(db) as session:
        CALLS[transition](session, entry)
    message = str(refused.value)
    assert f"queue entry {entry.id}" in message and state.value in message and transition.value in message
    assert isinstance(refused.value, EvertideError) and refused.value.hint
    with transaction(db) as session:
        unchanged = get_entry(session, entry.id or 0)
    assert (unchanged.state, unchanged.version) == (state.value, entry.version)


def test_what_each_move_writes_besides_the_state(db: Engine) -> None:
    entry = entry_in(db, P)
    with transaction(db) as session:
        claimed = states.claim(session, entry, worker="w1", now=LATER, lease=timedelta(seconds=60))
    assert (claimed.claimed_by, claimed.lease_until, claimed.attempts) == ("w1", LATER + timedelta(seconds=60), 1)
    with transaction(db) as session:
        taken = states.take_over(session, claimed, worker="w2", now=LATER, lease=timedelta(seconds=30))
    assert (taken.claimed_by, taken.lease_until, taken.attempts) == ("w2", LATER + timedelta(seconds=30), 2)
    with transaction(db) as session:
        released = states.release(session, taken, retry_at=LATER + timedelta(minutes=2), error="503", now=LATER)
    assert (released.claimed_by, released.lease_until, released.next_attempt_at, released.last_error) == (
        None,
        None,
        LATER + timedelta(minutes=2),
        "503",
    )
    with transaction(db) as session:
        claimed = states.claim(session, released, worker="w1", now=LATER, lease=timedelta(seconds=60))
        doubted = states.doubt(session, claimed, reason="crash", now=LATER)
    assert (doubted.state, doubted.claimed_by, doubted.last_error) == ("in_doubt", None, "crash")
    later = LATER + timedelta(hours=2)
    with transaction(db) as session:
        retried = states.resolve_retry(session, doubted, now=later)
    assert (retried.state, retried.at, retried.next_attempt_at) == ("planned", later, None)


def test_claiming_several_is_one_move_each_and_giving_back_uncounts_the_attempt(db: Engine) -> None:
    first, second, published = entry_in(db, P), entry_in(db, P), entry_in(db, PUB)
    with pytest.raises(IllegalTransition), transaction(db) as session:
        states.claim_all(session, [first, published], worker="w1", now=LATER, lease=timedelta(seconds=60))
    with transaction(db) as session:
        claimed = states.claim_all(session, [second, first], worker="w1", now=LATER, lease=timedelta(seconds=60))
    assert [(e.id, e.state, e.claimed_by, e.attempts, e.version) for e in claimed] == [
        (first.id, "claimed", "w1", 1, first.version + 1),
        (second.id, "claimed", "w1", 1, second.version + 1),
    ]
    with transaction(db) as session:
        back = states.give_back(session, claimed[0], now=LATER)
    assert (back.state, back.claimed_by, back.lease_until, back.attempts) == ("planned", None, None, 0)
    with pytest.raises(ConcurrentEdit), transaction(db) as session:  # a stale read claims nothing
        states.claim_all(session, [first, second], worker="w2", now=LATER, lease=timedelta(seconds=60))
    with transaction(db) as session:
        assert get_entry(session, first.id or 0).claimed_by is None


def test_publishing_writes_the_history_row_in_the_same_transaction(db: Engine) -> None:
    claimed, doubted = entry_in(db, C), entry_in(db, D)
    with transaction(db) as session:
        states.publish(session, claimed, remote_id="r1", remote_url="https://x.example/r1", now=LATER)
        states.resolve_published(session, doubted, now=LATER)
    with transaction(db) as session:
        rows = {
            p.entry_id: (p.remote_id, p.published_at, p.scheduled_at)
            for p in session.exec(select(Publication).where(Publication.entry_id.in_([claimed.id, doubted.id])))  # type: ignore[union-attr]
        }
    assert rows == {claimed.id: ("r1", LATER, T0), doubted.id: (None, LATER, T0)}


def test_a_legal_move_on_a_stale_read_is_refused_as_a_concurrent_edit(db: Engine) -> None:
    entry = entry_in(db, P)
    with transaction(db) as session:
        states.edit(session, entry, now=LATER, pinned=True)
    with pytest.raises(ConcurrentEdit), transaction(db) as session:
        states.skip(session, entry, now=LATER)


def test_edit_refuses_to_change_the_state_or_the_claim_behind_the_tables_back(db: Engine) -> None:
    entry = entry_in(db, P)
    with pytest.raises(ValueError, match="state"), transaction(db) as session:
        states.edit(session, entry, now=LATER, state="published")
