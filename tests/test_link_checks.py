"""Link checks against a real HTTP server on 127.0.0.1: each answer's verdict, recorded in the library."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from content_library.candidates import DatabaseCandidates
from content_library.database import transaction
from content_library.drafts import ItemDraft
from content_library.ingest import import_drafts
from content_library.link_checks import HostPacer, check_links
from content_library.link_health import LinkPolicy, LinkState, link_reports, paused_links
from content_library.models import Item, ItemAlias, ItemStatus, LinkCheck
from content_library.store import add_item, get_item, set_status
from tests.http_server import LoopbackServer, Reply, Request
from tests.test_fetch import LOOKS_PUBLIC

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
POLICY = LinkPolicy(per_host_interval=timedelta(0), timeout=timedelta(seconds=3))
HTML = {"Content-Type": "text/html; charset=utf-8"}
CARD_PAGE = (
    b"<html><head><title>Backup</title>"
    b'<meta property="og:title" content="Back up your workspace">'
    b'<meta property="og:description" content="Three clicks.">'
    b'<meta property="og:image" content="/backup.png"></head><body>hello</body></html>'
)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


def add(engine: Engine, url: str, title: str = "An item") -> int:
    with transaction(engine) as session:
        item_id = add_item(session, {"title": title, "url": url}, now=NOW).id
    assert item_id is not None
    return item_id


def run(engine: Engine, *, now: datetime = NOW, every: bool = False, **given: object) -> dict[int, LinkState]:
    return {o.item_id: o.verdict.state for o in check_links(engine, POLICY, now=now, every=every, **given)}  # type: ignore[arg-type]


def check_of(engine: Engine, item_id: int) -> LinkCheck:
    with transaction(engine) as session:
        found = session.get(LinkCheck, item_id)
    assert found is not None
    return found


def item(engine: Engine, item_id: int) -> Item:
    with transaction(engine) as session:
        return get_item(session, item_id)


def test_each_answer_gets_its_verdict(sqlite_engine: Engine, server: LoopbackServer) -> None:
    server.route("/ok", Reply(body=CARD_PAGE, headers=HTML))
    server.route("/gone-404", Reply(404, b"nope", HTML))
    server.route("/gone-410", Reply(410, b"gone", HTML))
    server.route("/old-301", Reply(301, headers={"Location": "/new-301"}))
    server.route("/new-301", Reply(body=CARD_PAGE, headers=HTML))
    server.route("/old-308", Reply(308, headers={"Location": server.url("/new-308?utm_source=x")}))
    server.route("/new-308", Reply(body=b"<html><head></head></html>", headers=HTML))
    server.route("/temporary", Reply(302, headers={"Location": "/ok"}))
    server.route("/slow", Reply(body=CARD_PAGE, headers=HTML, delay=60))
    server.route("/flaky", [Reply(503, b"busy"), Reply(body=CARD_PAGE, headers=HTML)])
    server.route("/forbidden", Reply(403, b"bots go away"))
    paths = ["/ok", "/gone-404", "/gone-410", "/old-301", "/old-308", "/temporary", "/slow", "/flaky", "/forbidden"]
    ids = {path: add(sqlite_engine, server.url(path), title=path) for path in paths}
    started = time.monotonic()
    states = run(sqlite_engine)
    assert time.monotonic() - started < 20  # the slow page (60 s) was given up at its 3 s deadline
    assert {path: states[ids[path]] for path in paths} == {
        "/ok": LinkState.OK,
        "/gone-404": LinkState.DEAD,
        "/gone-410": LinkState.DEAD,
        "/old-301": LinkState.MOVED,
        "/old-308": LinkState.MOVED,
        "/temporary": LinkState.OK,
        "/slow": LinkState.FAILING,
        "/flaky": LinkState.FAILING,
        "/forbidden": LinkState.REFUSED,
    }
    ok = check_of(sqlite_engine, ids["/ok"])
    assert (ok.card_title, ok.card_description, ok.card_image) == (
        "Back up your workspace",
        "Three clicks.",
        server.url("/backup.png"),
    )
    dead = item(sqlite_engine, ids["/gone-404"])
    assert dead.status == "paused" and dead.status_reason == "link dead: HTTP 404 Not Found"
    assert item(sqlite_engine, ids["/gone-410"]).status_reason == "link dead: HTTP 410 Gone"
    assert item(sqlite_engine, ids["/old-301"]).url == server.url("/new-301")
    assert item(sqlite_engine, ids["/old-308"]).url == server.url("/new-308")  # tracking removed
    assert item(sqlite_engine, ids["/temporary"]).url == server.url("/temporary")
    for path in ("/slow", "/flaky", "/forbidden", "/ok", "/old-301"):
        assert item(sqlite_engine, ids[path]).status == "active", path
    with transaction(sqlite_engine) as session:
        aliases = {a.url: a.item_id for a in session.exec(select(ItemAlias))}
        assert aliases == {server.url("/old-301"): ids["/old-301"], server.url("/old-308"): ids["/old-308"]}
        assert {r.item_id for r in paused_links(session)} == {ids["/gone-404"], ids["/gone-410"]}
        planned = {c.id for c in DatabaseCandidates(session).fresh()}
    assert ids["/gone-404"] not in planned and ids["/gone-410"] not in planned and ids["/ok"] in planned

    # the retries come an hour later: the flaky page is back, the slow one still slow
    assert run(sqlite_engine, now=NOW + timedelta(minutes=30)) == {}
    again = run(sqlite_engine, now=NOW + timedelta(hours=1))
    assert again == {ids["/slow"]: LinkState.FAILING, ids["/flaky"]: LinkState.OK}
    assert check_of(sqlite_engine, ids["/flaky"]).failures == 0
    assert check_of(sqlite_engine, ids["/slow"]).failures == 2


def test_a_link_is_paused_after_three_failures_in_a_row(sqlite_engine: Engine, server: LoopbackServer) -> None:
    server.route("/down", Reply(503, b"down"))
    item_id = add(sqlite_engine, server.url("/down"))
    states = [run(sqlite_engine, now=NOW + timedelta(hours=hour)).get(item_id) for hour in range(4)]
    assert states == [LinkState.FAILING, LinkState.FAILING, LinkState.UNREACHABLE, None]
    paused = item(sqlite_engine, item_id)
    assert paused.status == "paused"
    assert paused.status_reason == "link unreachable: no answer 3 times in a row (last: HTTP 503 Service Unavailable)"
    with transaction(sqlite_engine) as session:  # a person resumes it: the count starts again
        set_status(session, item_id, ItemStatus.ACTIVE, now=NOW)
        assert get_item(session, item_id).status_reason is None
    assert run(sqlite_engine, now=NOW + timedelta(days=8)) == {item_id: LinkState.FAILING}


def test_checking_again_gives_the_same_results(engine: Engine, server: LoopbackServer) -> None:
    server.route("/ok", Reply(body=CARD_PAGE, headers=HTML))
    server.route("/old", Reply(301, headers={"Location": "/new"}))
    server.route("/new", Reply(body=CARD_PAGE, headers=HTML))
    ok, moved = add(engine, server.url("/ok")), add(engine, server.url("/old"))
    first = run(engine, every=True)
    second = run(engine, every=True, now=NOW + timedelta(minutes=1))
    assert first == {ok: LinkState.OK, moved: LinkState.MOVED}
    assert second == {ok: LinkState.OK, moved: LinkState.OK}  # it lives at the new link now
    with transaction(engine) as session:
        assert len(session.exec(select(ItemAlias)).all()) == 1
        assert len(session.exec(select(Item)).all()) == 2
        reports = link_reports(session)
    assert [r.check.state if r.check else None for r in reports] == ["ok", "ok"]


def test_a_fresh_result_is_kept_until_recheck_after(sqlite_engine: Engine, server: LoopbackServer) -> None:
    server.route("/ok", Reply(body=CARD_PAGE, headers=HTML))
    item_id = add(sqlite_engine, server.url("/ok"))
    assert run(sqlite_engine) == {item_id: LinkState.OK}
    assert run(sqlite_engine, now=NOW + timedelta(days=6)) == {}
    assert run(sqlite_engine, now=NOW + timedelta(days=7)) == {item_id: LinkState.OK}
    assert len(server.requests) == 2


def test_a_known_page_is_asked_with_head_and_get_when_head_is_refused(
    sqlite_engine: Engine, server: LoopbackServer
) -> None:
    def head_refused(request: Request) -> Reply:
        return Reply(405, b"") if request.method == "HEAD" else Reply(body=CARD_PAGE, headers=HTML)

    server.route("/ok", Reply(body=CARD_PAGE, headers=HTML))
    server.route("/no-head", head_refused)
    ok, no_head = add(sqlite_engine, server.url("/ok")), add(sqlite_engine, server.url("/no-head"))
    run(sqlite_engine)  # never checked: GET, for the card
    later = run(sqlite_engine, now=NOW + timedelta(days=8))
    assert later == {ok: LinkState.OK, no_head: LinkState.OK}
    asked = [(r.method, r.path) for r in server.requests]
    assert asked == [("GET", "/ok"), ("GET", "/no-head"), ("HEAD", "/ok"), ("HEAD", "/no-head"), ("GET", "/no-head")]
    agent = server.requests[0].headers["user-agent"]
    assert agent.startswith("evertide/") and "link checker" in agent
    assert check_of(sqlite_engine, ok).card_title == "Back up your workspace"  # a HEAD keeps the card


def test_a_head_that_says_not_found_is_confirmed_with_get(sqlite_engine: Engine, server: LoopbackServer) -> None:
    def head_lies(request: Request) -> Reply:
        return Reply(404, b"") if request.method == "HEAD" else Reply(body=CARD_PAGE, headers=HTML)

    server.route("/page", [Reply(body=CARD_PAGE, headers=HTML), Reply(body=CARD_PAGE, headers=HTML)])
    item_id = add(sqlite_engine, server.url("/page"))
    run(sqlite_engine)
    server.route("/page", head_lies)
    assert run(sqlite_engine, now=NOW + timedelta(days=8)) == {item_id: LinkState.OK}


def test_requests_to_one_host_are_spaced() -> None:
    moments = iter([0.0, 0.2, 1.0, 1.0, 5.0, 5.0])
    waits: list[float] = []
    pacer = HostPacer(1.0, clock=lambda: next(moments), sleep=waits.append)
    pacer.wait("https://a.example/1")  # first to a: no wait (reads the clock once)
    pacer.wait("https://a.example/2")  # 0.2 s later: waits 0.8 s
    pacer.wait("https://b.example/1")  # another host: no wait
    pacer.wait("https://A.example/3")  # same host, at 5.0: no wait
    assert waits == [pytest.approx(0.8)]


def test_an_import_of_the_old_link_finds_the_moved_item(sqlite_engine: Engine, server: LoopbackServer) -> None:
    server.route("/old", Reply(301, headers={"Location": "/new"}))
    server.route("/new", Reply(body=CARD_PAGE, headers=HTML))
    item_id = add(sqlite_engine, server.url("/old"), title="Backups")
    run(sqlite_engine)
    for source in ("manual", "https://feeds.example/help.xml"):
        with transaction(sqlite_engine) as session:
            draft = ItemDraft(title="Backups, again", url=server.url("/old?utm_source=feed"), guid=None)
            summary = import_drafts(session, [draft], source=source, now=NOW + timedelta(hours=1))
        assert (summary.new, summary.skipped) == (0, 0), source
    moved = item(sqlite_engine, item_id)
    assert moved.url == server.url("/new") and moved.title == "Backups, again"  # the same item, updated


def test_a_person_cannot_add_an_item_at_a_moved_item_s_old_link(sqlite_engine: Engine, server: LoopbackServer) -> None:
    from content_library.errors import EvertideError

    server.route("/old", Reply(301, headers={"Location": "/new"}))
    server.route("/new", Reply(body=CARD_PAGE, headers=HTML))
    item_id = add(sqlite_engine, server.url("/old"))
    run(sqlite_engine)
    with pytest.raises(EvertideError, match=f"item {item_id} already has this URL"):
        add(sqlite_engine, server.url("/old/"))


def test_a_move_to_another_item_s_link_is_not_taken(sqlite_engine: Engine, server: LoopbackServer) -> None:
    server.route("/old", Reply(301, headers={"Location": "/other"}))
    server.route("/other", Reply(body=CARD_PAGE, headers=HTML))
    moving, other = add(sqlite_engine, server.url("/old")), add(sqlite_engine, server.url("/other"))
    run(sqlite_engine)
    assert item(sqlite_engine, moving).url == server.url("/old")
    assert f"the link of item {other}" in (check_of(sqlite_engine, moving).detail or "")


# -- hostile pages ---------------------------------------------------------------------------------------------


def test_hostile_pages_cost_a_bounded_time_and_nothing_else(sqlite_engine: Engine, server: LoopbackServer) -> None:
    huge = b"<html><head>" + b"<!-- padding -->" * 2_000_000
    server.route("/huge", Reply(body=huge, headers=HTML))
    server.route("/drip", Reply(body=CARD_PAGE, headers=HTML, drip=0.05))
    server.route("/loop", Reply(301, headers={"Location": "/loop"}))
    ids = {path: add(sqlite_engine, server.url(path), title=path) for path in ("/huge", "/drip", "/loop")}
    started = time.monotonic()
    states = run(sqlite_engine)
    assert time.monotonic() - started < 20  # the drip goes on for ever
    assert states == {ids["/huge"]: LinkState.OK, ids["/drip"]: LinkState.FAILING, ids["/loop"]: LinkState.FAILING}
    assert "too many redirects" in (check_of(sqlite_engine, ids["/loop"]).detail or "")
    assert "took longer than" in (check_of(sqlite_engine, ids["/drip"]).detail or "")
    assert item(sqlite_engine, ids["/loop"]).url == server.url("/loop")


def test_a_public_page_redirecting_to_an_internal_address_is_not_followed(
    sqlite_engine: Engine, server: LoopbackServer
) -> None:
    with LoopbackServer(host="127.0.0.2") as inside:
        inside.route("/admin", Reply(body=CARD_PAGE, headers=HTML))
        server.route("/old", Reply(301, headers={"Location": inside.url("/admin")}))
        item_id = add(sqlite_engine, f"http://localhost:{server.port}/old")
        states = run(sqlite_engine, resolve=LOOKS_PUBLIC)
    assert states == {item_id: LinkState.FAILING} and inside.requests == []
    assert "refused the redirect" in (check_of(sqlite_engine, item_id).detail or "")
    assert item(sqlite_engine, item_id).url == f"http://localhost:{server.port}/old"


def test_a_run_stops_starting_checks_at_its_deadline(sqlite_engine: Engine, server: LoopbackServer) -> None:
    server.route("/ok", Reply(body=CARD_PAGE, headers=HTML))
    for n in range(3):
        add(sqlite_engine, server.url(f"/ok?n={n}"))
    assert run(sqlite_engine, stop=lambda: True) == {}
    assert len(run(sqlite_engine)) == 3


def test_links_on_reserved_example_names_are_never_checked(sqlite_engine: Engine) -> None:
    """The sample library lives on help.northwind.example: a demo must not pause its own items."""
    for url in ("https://help.northwind.example/faq", "http://intranet.test/x", "https://nowhere.invalid/"):
        add(sqlite_engine, url)
    assert run(sqlite_engine, every=True) == {}


def test_a_move_to_an_overlong_link_is_not_taken_and_details_stay_bounded(
    sqlite_engine: Engine, server: LoopbackServer
) -> None:
    target = "/new?" + "x" * 5_000
    server.route("/old", Reply(301, headers={"Location": target}))
    server.route("/new", Reply(body=CARD_PAGE, headers=HTML))
    item_id = add(sqlite_engine, server.url("/old"))
    run(sqlite_engine)
    assert item(sqlite_engine, item_id).url == server.url("/old")
    assert len(check_of(sqlite_engine, item_id).detail or "") <= 500


def test_a_public_feed_s_item_linking_to_an_internal_address_is_not_asked(
    sqlite_engine: Engine, server: LoopbackServer
) -> None:
    """Found in review: feeds are untrusted and may not redirect inward, yet the link checker asked whatever
    link a feed's item carried (an intranet page, a metadata service) and stored its card for Bluesky; then
    that an item imported from a URL (no feed row) or whose feed left the config still passed for a person's
    own, since the rule was looked up by the feed's name. It is kept on the item: where it came from."""
    from content_library.ingest import import_drafts

    server.route("/admin", Reply(body=CARD_PAGE, headers=HTML))
    with transaction(sqlite_engine) as session:
        draft = ItemDraft(title="From a feed", url=server.url("/admin"))
        import_drafts(session, [draft], source="Some feed", now=NOW, came_from="https://news.example.org/feed.xml")
    by_hand = add(sqlite_engine, server.url("/admin?by=hand"))  # a person's own intranet link is theirs to add
    with transaction(sqlite_engine) as session:
        from_feed = session.exec(select(Item).where(Item.title == "From a feed")).one()
    states = run(sqlite_engine)
    assert states[by_hand] == LinkState.OK and [r.path for r in server.requests] == ["/admin?by=hand"]
    assert states[from_feed.id or 0] != LinkState.OK
    assert "127.0.0.1" in (check_of(sqlite_engine, from_feed.id or 0).detail or "")


def test_a_new_link_or_a_resumed_dead_item_is_checked_anew(sqlite_engine: Engine, server: LoopbackServer) -> None:
    """Found in review: after `library edit --url` the item kept the old page's check and card (Bluesky would
    show the old page), and a dead item a person resumed stayed "dead" and unchecked for a week while its posts
    went back into the queue."""
    from content_library.store import edit_item, set_status

    server.route("/old", Reply(body=CARD_PAGE, headers=HTML))
    server.route("/gone", Reply(404, b"", HTML))
    moved, dead = add(sqlite_engine, server.url("/old")), add(sqlite_engine, server.url("/gone"))
    assert run(sqlite_engine) == {moved: LinkState.OK, dead: LinkState.DEAD}
    later = NOW + timedelta(minutes=5)
    with transaction(sqlite_engine) as session:
        edit_item(session, moved, {"url": server.url("/new")}, now=later)
        set_status(session, dead, ItemStatus.ACTIVE, now=later)
    with transaction(sqlite_engine) as session:
        assert session.get(LinkCheck, moved) is None and session.get(LinkCheck, dead) is None
    server.route("/new", Reply(404, b"", HTML))
    assert run(sqlite_engine, now=later) == {moved: LinkState.DEAD, dead: LinkState.DEAD}  # asked again, at once
