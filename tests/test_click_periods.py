"""`evertide metrics import --since --until`: each import states the clicks of its period, and periods add up.

Found in review: a user importing each month's export lost the earlier months' clicks of every post a later
export also listed, because the latest import replaced a post's clicks.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from content_library.database import make_engine, transaction, upgrade
from scheduler.metrics.clicks import ImportBusy, import_clicks
from scheduler.metrics.latest import latest_engagement
from scheduler.metrics.periods import Period, PeriodOverlaps
from scheduler.metrics.tables import ClickCount
from scheduler.planning.attribution import ENTRY_MARK
from scheduler.queue.tables import Publication
from tests.cli import Cli
from tests.metrics_helpers import published

NOW = datetime.now(UTC).replace(microsecond=0)
TAGGED = f"Guide https://help.example.com/guide?utm_source=outbox&utm_content={ENTRY_MARK}"
FIRST = NOW - timedelta(days=61)  # two consecutive "months" of exports, the second ending yesterday
SECOND = FIRST + timedelta(days=30)
END = SECOND + timedelta(days=30)


def _when(at: datetime) -> str:
    return f"{at:%Y-%m-%dT%H:%M:%S}Z"


def _period(since: datetime, until: datetime) -> tuple[str, ...]:
    return ("--since", _when(since), "--until", _when(until))


def _post(db: Engine, at: datetime) -> int:
    return published(db, "outbox", f"at-{at.timestamp()}", at, text=TAGGED)


def _import(cli: Cli, rows: dict[int, int], *period: str, ok: bool = True) -> str:
    path = cli.directory / "clicks.csv"
    path.write_text("utm_content,clicks\n" + "".join(f"{entry},{count}\n" for entry, count in rows.items()))
    return str(cli("metrics", "import", str(path), *period, ok=ok).output)


def _clicks(cli: Cli) -> dict[int, int | None]:
    posts = cli.json("stats", "--since", "-90d")["posts"]
    return {post["entry_id"]: (post["engagement"] or {}).get("clicks") for post in posts}


def _rows(db: Engine) -> int:
    with transaction(db) as session:
        return session.exec(select(func.count()).select_from(ClickCount)).one()


def test_consecutive_months_add_up_and_importing_a_month_again_replaces_it(cli: Cli, db: Engine) -> None:
    evergreen, late = _post(db, FIRST + timedelta(days=1)), _post(db, SECOND + timedelta(days=1))
    unclicked = _post(db, SECOND + timedelta(days=2))
    _import(cli, {evergreen: 5}, *_period(FIRST, SECOND))
    said = _import(cli, {evergreen: 3, late: 4}, *_period(SECOND, END))
    assert "1 other post(s) published in the period counted as 0 clicks" in said
    assert _clicks(cli) == {evergreen: 8, late: 4, unclicked: 0}
    again = _import(cli, {evergreen: 3, late: 6}, *_period(SECOND, END))  # a corrected export of the same month
    assert f"They replace the earlier import of {SECOND:%Y-%m-%d %H:%MZ} to {END:%Y-%m-%d %H:%MZ}" in again
    assert _clicks(cli) == {evergreen: 8, late: 6, unclicked: 0}


def test_a_period_overlapping_one_already_imported_is_refused_and_nothing_is_written(cli: Cli, db: Engine) -> None:
    post = _post(db, FIRST + timedelta(days=1))
    _import(cli, {post: 5}, *_period(FIRST, SECOND))
    before = _rows(db)
    for since, until in ((FIRST + timedelta(days=15), SECOND + timedelta(days=15)), (FIRST, END)):
        refused = _import(cli, {post: 9}, *_period(since, until), ok=False)
        assert f"{since:%Y-%m-%d %H:%MZ} to {until:%Y-%m-%d %H:%MZ}" in refused
        assert f"overlaps {FIRST:%Y-%m-%d %H:%MZ} to {SECOND:%Y-%m-%d %H:%MZ}" in refused
    assert _rows(db) == before
    assert _clicks(cli) == {post: 5}


def test_a_month_imported_late_counts_its_zeros_without_hiding_a_later_months_clicks(cli: Cli, db: Engine) -> None:
    """The zero a month gives the posts its export leaves out is that month's count, not the post's."""
    post = _post(db, FIRST + timedelta(days=1))
    _import(cli, {post: 3}, *_period(SECOND, END))  # clicked only in the second month
    assert "1 other post(s) published in the period counted as 0" in _import(cli, {}, *_period(FIRST, SECOND))
    assert _clicks(cli) == {post: 3}


def test_a_total_counts_with_the_periods_that_begin_after_it_was_imported(cli: Cli, db: Engine) -> None:
    """A total imported before (a row from before periods were recorded) holds every click up to its import;
    a period that began earlier is in it already, one that begins after it adds to it."""
    post = _post(db, FIRST + timedelta(days=1))
    with transaction(db) as session:
        session.add(ClickCount(entry_id=post, clicks=10, imported_at=SECOND))
    _import(cli, {post: 5}, *_period(FIRST, SECOND))
    assert _clicks(cli) == {post: 10}
    _import(cli, {post: 3}, *_period(SECOND, END))
    assert _clicks(cli) == {post: 13}
    _import(cli, {post: 20})  # a newer total holds them all
    assert _clicks(cli) == {post: 20}


def test_periods_add_up_and_overlaps_are_refused_on_every_backend(engine: Engine, tmp_path: Path) -> None:
    """The same rule on SQLite and PostgreSQL: periods are grouped and compared as stored."""
    post = _post(engine, FIRST + timedelta(days=1))
    path = tmp_path / "clicks.csv"
    path.write_text(f"utm_content,clicks\n{post},5\n")
    for period in (Period(FIRST, SECOND), Period(SECOND, END), Period(SECOND, END)):
        with transaction(engine) as session:
            import_clicks(session, path, now=NOW, period=period)
    with pytest.raises(PeriodOverlaps, match="overlaps"), transaction(engine) as session:
        import_clicks(session, path, now=NOW, period=Period(FIRST, END))
    with transaction(engine) as session:
        posts = list(session.exec(select(Publication)).all())
        assert [known.clicks for known in latest_engagement(session, posts).values()] == [10]


def test_two_imports_at_once_take_turns_and_one_waits_no_longer_than_its_deadline(
    postgresql_url: str, tmp_path: Path
) -> None:
    """Found in review: on PostgreSQL two overlapping imports at the same moment could both pass the overlap
    check (each saw only what was committed) and both be stored. Imports now take turns; one that would wait
    past its deadline is refused, and writes nothing."""
    engine = make_engine(postgresql_url)
    upgrade(engine)
    try:
        post = _post(engine, FIRST + timedelta(days=1))
        path = tmp_path / "clicks.csv"
        path.write_text(f"utm_content,clicks\n{post},5\n")
        with transaction(engine) as session:  # the first import is still running…
            import_clicks(session, path, now=NOW, period=Period(FIRST, SECOND))
            with pytest.raises(ImportBusy, match="another metrics import"), transaction(engine) as other:
                import_clicks(other, path, now=NOW, period=Period(FIRST, END), wait=timedelta(milliseconds=200))
        assert _rows(engine) == 1
    finally:
        engine.dispose()


def test_a_corrected_export_of_a_period_replaces_it_whole_even_for_the_posts_it_leaves_out(
    cli: Cli, db: Engine
) -> None:
    """Found in review: importing a period again kept the first import's count of a post the corrected file no
    longer named (published before the period, so it gets no 0 row), and an import could not be undone."""
    older, newer = _post(db, FIRST - timedelta(days=3)), _post(db, FIRST - timedelta(days=2))
    _import(cli, {older: 3}, *_period(FIRST, SECOND))
    _import(cli, {newer: 1}, *_period(FIRST, SECOND))  # the corrected export: it was the other post
    assert _clicks(cli) == {older: None, newer: 1}  # published before the period: its earlier clicks are unknown
    _import(cli, {}, *_period(FIRST, SECOND))  # an empty export of the period takes it back
    assert _clicks(cli) == {older: None, newer: None}


def test_a_post_that_went_out_after_the_period_cannot_have_been_clicked_in_it(cli: Cli, db: Engine) -> None:
    """Found in review: a file for the wrong year credited its clicks to posts published since."""
    post = _post(db, SECOND + timedelta(days=1))
    said = _import(cli, {post: 7}, *_period(FIRST, SECOND))
    assert "1 row(s)" in said and "skipped" in said
    assert _clicks(cli) == {post: None}
    future = _import(cli, {post: 7}, *_period(NOW + timedelta(days=2), NOW + timedelta(days=3)), ok=False)
    assert "has not begun" in future and _clicks(cli) == {post: None}


def test_a_period_that_began_before_a_newer_total_says_its_clicks_are_left_out(cli: Cli, db: Engine) -> None:
    """Found in review: every upgraded database holds totals, and a period import after one was counted for
    nothing while the summary said it was imported."""
    post = _post(db, FIRST + timedelta(days=1))
    with transaction(db) as session:
        session.add(ClickCount(entry_id=post, clicks=10, imported_at=SECOND + timedelta(days=1)))
    said = _import(cli, {post: 5}, *_period(SECOND, END))
    assert "1 post(s) have a total imported after this period began" in said and "left out" in said
    assert _clicks(cli) == {post: 10}


def test_an_id_written_another_way_is_not_the_one_the_link_carried(cli: Cli, db: Engine) -> None:
    post = _post(db, FIRST + timedelta(days=1))
    _import(cli, {f"0{post}": 4}, *_period(FIRST, SECOND))  # type: ignore[dict-item]
    assert _clicks(cli) == {post: 0}
