"""A second ``library import URL`` asks the server whether anything changed, as ``feeds poll`` does.

Found: only ``feeds poll`` sent If-None-Match / If-Modified-Since; importing a URL again downloaded and parsed
the whole document every time.
"""

from tests.cli import Cli
from tests.conftest import DATA
from tests.http_server import LoopbackServer, Reply, Request

FEED = (DATA / "feeds" / "wordpress_natashatherobot.rss.xml").read_bytes()
VALIDATORS = {"ETag": '"v1"', "Last-Modified": "Tue, 01 Dec 2026 08:00:00 GMT"}


def conditional(request: Request) -> Reply:
    if request.headers.get("if-none-match") == VALIDATORS["ETag"]:
        return Reply(304)
    return Reply(body=FEED, headers={"Content-Type": "application/rss+xml", **VALIDATORS})


def test_a_second_import_of_a_url_is_conditional_and_a_304_changes_nothing(cli: Cli) -> None:
    with LoopbackServer() as server:
        server.route("/feed.xml", conditional)
        url = server.url("/feed.xml")
        assert "10 new" in cli("library", "import", url).stdout
        again = cli("library", "import", url).stdout
        first, second = server.requests
    assert "if-none-match" not in first.headers
    assert second.headers["if-none-match"] == '"v1"'
    assert second.headers["if-modified-since"] == VALIDATORS["Last-Modified"]
    assert "not modified since the last import" in again
    assert cli.json("library", "stats")["items"] == 10


def test_new_validators_replace_the_old_and_a_server_without_them_is_asked_plainly(cli: Cli) -> None:
    with LoopbackServer() as server:
        versions = [
            Reply(body=FEED, headers={"ETag": '"v1"'}),
            Reply(body=FEED, headers={"ETag": '"v2"'}),
            Reply(body=FEED),
            Reply(body=FEED),
        ]
        server.route("/feed.xml", versions)
        for _ in versions:
            cli("library", "import", server.url("/feed.xml"))
        sent = [request.headers.get("if-none-match") for request in server.requests]
    assert sent == [None, '"v1"', '"v2"', None]
