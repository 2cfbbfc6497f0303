"""Links as posted (canonical) and as recognised (url_key)."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content_library.urls import canonical_url, is_web_url, resolve, url_key


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTPS://Example.COM:443/a/?utm_source=x&b=2&a=1#top", "https://example.com/a/?b=2&a=1"),
        ("http://Example.com:80", "http://example.com/"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        ("  https://heated.world/p/a  \n", "https://heated.world/p/a"),  # substack's whitespace-wrapped URLs
        (
            "https://medium.com/@emarley/ui-automation-screenshots-c44a41af38d1?source=rss-b4981c59ffa5------2",
            "https://medium.com/@emarley/ui-automation-screenshots-c44a41af38d1",
        ),
        (
            "https://yro.slashdot.org/story/24/03/02/071229/x?utm_source=rss1.0mainlinkanon&utm_medium=feed",
            "https://yro.slashdot.org/story/24/03/02/071229/x",
        ),
        ("https://www.heise.de/m-4205274.html?wt_mc=rss.ho.beitrag.rdf", "https://www.heise.de/m-4205274.html"),
        ("https://a.org/x?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&igshid=5&ref_src=6&UTM_Campaign=7", "https://a.org/x"),
        ("https://www.natashatherobot.com/?p=6602", "https://www.natashatherobot.com/?p=6602"),  # not tracking
        ("https://a.org/search?source=home&q=%20a+b", "https://a.org/search?source=home&q=%20a+b"),  # kept as is
        ("https://user:pw@Host.org/x", "https://user:pw@host.org/x"),
        ("https://[::1]:443/x", "https://[::1]/x"),
        ("/Changelog-16/#x", "/Changelog-16/"),  # relative: passes through, only the fragment goes
        ("mailto:someone@example.com", "mailto:someone@example.com"),
    ],
)
def test_canonical_url(raw: str, canonical: str) -> None:
    assert canonical_url(raw) == canonical


def test_url_key_ignores_trailing_slash_and_query_order() -> None:
    assert url_key("https://a.org/x/?b=2&a=1") == url_key("https://A.org/x?a=1&b=2&utm_medium=feed#f")
    assert url_key("https://a.org/") == url_key("https://a.org") == "https://a.org"
    assert url_key("https://a.org/x") != url_key("http://a.org/x")  # a different scheme is another page


def test_resolve_against_the_feed_url() -> None:
    assert resolve("/Changelog-16/", "https://lineageos.org/feed.xml") == "https://lineageos.org/Changelog-16/"
    assert resolve("skins/a.gif", "http://www.kc0011.net/rss.asp") == "http://www.kc0011.net/skins/a.gif"
    assert resolve("https://b.org/x", "https://a.org/") == "https://b.org/x"
    assert resolve(" /x ", None) == "/x"


def test_is_web_url() -> None:
    assert is_web_url("https://a.org") and is_web_url("HTTP://a.org/x")
    assert not is_web_url("/x") and not is_web_url("ftp://a.org/") and not is_web_url("https:///x")


hosts = st.from_regex(r"[a-zA-Z][a-zA-Z0-9-]{0,10}(\.[a-zA-Z]{2,5}){1,2}", fullmatch=True)
segments = st.lists(st.from_regex(r"[a-zA-Z0-9._~%-]{1,8}", fullmatch=True), max_size=4)
names = st.sampled_from(["a", "b", "page", "q", "utm_source", "utm_medium", "fbclid", "source", "id"])
values = st.sampled_from(["1", "x", "rss-abc------2", "home", "%20", ""])


@st.composite
def web_urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTPS"]))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    path = "/" + "/".join(draw(segments)) + draw(st.sampled_from(["", "/"]))
    query = "&".join(f"{n}={v}" for n, v in draw(st.lists(st.tuples(names, values), max_size=4)))
    fragment = draw(st.sampled_from(["", "#top", "#"]))
    return f"{scheme}://{draw(hosts)}{port}{path}{'?' + query if query else ''}{fragment}"


@given(web_urls())
def test_canonical_is_idempotent_and_clean(url: str) -> None:
    canonical = canonical_url(url)
    assert canonical_url(canonical) == canonical
    assert "#" not in canonical and "utm_" not in canonical and "fbclid" not in canonical
    assert "source=rss-" not in canonical
    assert url_key(canonical) == url_key(url) == url_key(url_key(url))


@given(web_urls(), st.randoms(use_true_random=False))
def test_url_key_does_not_depend_on_query_order(url: str, rng: random.Random) -> None:
    base, _, query = url.partition("#")[0].partition("?")
    pairs = query.split("&") if query else []
    rng.shuffle(pairs)
    shuffled = base + ("?" + "&".join(pairs) if pairs else "")
    assert url_key(shuffled) == url_key(url)
