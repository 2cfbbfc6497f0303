"""parse_feed on the 15 real feeds of tests/data/feeds (SOURCES.md lists the trap each one holds)."""

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content_library.errors import FeedError
from content_library.feeds import SUMMARY_LIMIT, ParsedFeed, parse_feed
from tests.conftest import DATA

FEEDS = DATA / "feeds"
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def parse(name: str, base_url: str | None = None) -> ParsedFeed:
    return parse_feed((FEEDS / name).read_bytes(), feed_name=name, base_url=base_url, now=NOW)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "count", "title"),
    [
        ("wordpress_natashatherobot.rss.xml", 10, "Natasha The Robot"),
        ("medium_emarley.rss.xml", 10, "Stories by Liz Marley on Medium"),
        ("substack_heated.rss.xml", 1, "HEATED"),
        ("ghost_cloudflare-blog.rss.xml", 1, "The Cloudflare Blog"),
        ("blogger_4fsodonline_podcast.atom.xml", 25, "4 Fighting Serpents of Death"),
        ("hugo_cowboyprogrammer.atom.xml", 15, "Cowboy Programmer"),
        ("jekyll_lineageos_relative-links.atom.xml", 10, "LineageOS"),
        ("podcast_theomnishow.rss.xml", 4, "The Omni Show"),
        ("rss10_slashdot_iso-8859-1.rdf.xml", 15, "Slashdot"),
        ("gb2312_kc0011.rss.xml", 20, "投资资讯网交易在线--流通纪念币最新20篇论坛主题-全文"),
        ("latin1-undeclared_le-cercle-psy.rss.xml", 9, "Flux RSS du magazine de psychologie Le Cercle Psy"),
        ("rutube_lowercase-pubdate_mediarss.rss.xml", 20, "Видеоролики Телеканал ТНТ на Rutube"),
        ("rss090_heise_no-dates.rdf.xml", 60, "heise online News"),
        ("odd-date_nbcnewyork.rss.xml", 1, "NBC New York"),
    ],
)
def test_every_real_feed_gives_clean_drafts(name: str, count: int, title: str) -> None:
    parsed = parse(name, base_url="https://feeds.example.org/feed.xml")
    assert parsed.title == title
    assert len(parsed.drafts) == count
    for draft in parsed.drafts:
        assert draft.title and draft.title == " ".join(draft.title.split())
        assert draft.url is None or draft.url.startswith(("http://", "https://"))
        assert "utm_" not in (draft.url or "") and "source=rss" not in (draft.url or "")
        assert len(draft.summary) <= SUMMARY_LIMIT
        assert "<" not in draft.summary or "<" in draft.summary.replace("<p", "")  # no tags left
        assert "&#" not in draft.title + draft.summary and "&amp;" not in draft.title + draft.summary
        assert draft.published_at is None or draft.published_at.tzinfo == UTC


def test_wordpress_guid_is_an_id_and_the_summary_is_the_excerpt() -> None:
    first = parse("wordpress_natashatherobot.rss.xml").drafts[0]
    assert first.guid == "https://www.natashatherobot.com/?p=6602"
    assert first.url == "https://www.natashatherobot.com/url-apple-wallet-passkit-pass/"
    assert first.summary.startswith("For try! Swift NYC, we are playing with the idea")
    assert len(first.summary) < 300  # the description, not the 4 KB content:encoded
    assert first.published_at == at(2017, 7, 7, 11, 6, 10)
    assert "passkit" in first.tags


def test_medium_links_lose_the_rss_tracking_query() -> None:
    drafts = parse("medium_emarley.rss.xml").drafts
    assert drafts[0].url == "https://medium.com/@emarley/ui-automation-screenshots-c44a41af38d1"
    assert all("?" not in (d.url or "") for d in drafts)
    assert drafts[0].guid == "https://medium.com/p/c44a41af38d1"
    assert drafts[0].summary.startswith("Here’s a partial collection of links from my talk")


def test_substack_and_ghost_html_becomes_plain_text() -> None:
    heated = parse("substack_heated.rss.xml").drafts[0]
    assert heated.url == "https://heated.world/p/a-conversation-about-keystone-xl"
    assert (
        heated.summary == "This past weekend, I was interviewed by Walt Hickey, the author and creator of Numlock News."
    )
    ghost = parse("ghost_cloudflare-blog.rss.xml").drafts[0]
    assert ghost.guid == "6166e7e065133e02a961145d"
    assert ghost.tags == ("Research", "Security", "Product News")


def test_blogger_dates_with_an_offset_become_utc() -> None:
    first = parse("blogger_4fsodonline_podcast.atom.xml").drafts[0]
    assert first.published_at == at(2007, 12, 15, 7, 15)  # 2007-12-14T23:15:00-08:00
    assert first.summary == "Even the 4 Fighting Serpents of Death don't always get it right on the first take!"


def test_hugo_entries_use_updated_when_there_is_no_published_date() -> None:
    first = parse("hugo_cowboyprogrammer.atom.xml").drafts[0]
    assert first.url == "https://cowboyprogrammer.org/2018/03/fixed-vs-variable-interest-rates/"
    assert first.published_at == at(2018, 3, 5, 21, 0)


def test_jekyll_relative_links_resolve_against_the_feed_url() -> None:
    parsed = parse("jekyll_lineageos_relative-links.atom.xml", base_url="https://lineageos.org/feed.xml")
    assert parsed.warnings == []
    assert parsed.drafts[0].url == "https://lineageos.org/Changelog-16/"
    assert all((d.url or "").startswith("https://lineageos.org/") for d in parsed.drafts)


def test_jekyll_without_its_url_imports_entries_without_links_and_says_so() -> None:
    parsed = parse("jekyll_lineageos_relative-links.atom.xml")
    assert all(d.url is None for d in parsed.drafts)
    assert all(d.guid for d in parsed.drafts)  # still recognisable on the next import
    assert len(parsed.warnings) == 1 and "10 entries have relative links" in parsed.warnings[0]


def test_podcast_numeric_entities_are_decoded() -> None:
    drafts = parse("podcast_theomnishow.rss.xml").drafts
    assert drafts[3].summary.startswith("For our first episode we interview Kristina Sontag, who runs Omni’s test")


def test_slashdot_rss10_iso_8859_1_with_dc_date() -> None:
    first = parse("rss10_slashdot_iso-8859-1.rdf.xml").drafts[0]
    assert first.url == (
        "https://yro.slashdot.org/story/24/03/02/071229/"
        "ransomware-attack-hampers-prescription-drug-sales-at-90-of-us-pharmacies"
    )
    assert first.published_at == at(2024, 3, 2, 15, 34)


def test_gb2312_is_decoded_and_its_date_read_as_written() -> None:
    first = parse("gb2312_kc0011.rss.xml").drafts[0]
    assert first.title == "建国35周年纪念，华表，和平鸽"
    assert first.summary.startswith("建国35周年纪念，华表，和平鸽\n\n35周年1套520")
    # feedparser alone says 2020-11-01; the string is 2020/1/10 14:33:00 with no zone (taken as UTC).
    assert first.published_at == at(2020, 1, 10, 14, 33)
    assert first.guid is None and first.url == "http://www.kc0011.net/dispbbs.asp?BoardID=10&ID=25164257&Page=1"


def test_undeclared_latin1_is_decoded_with_a_warning_and_the_empty_entry_skipped() -> None:
    parsed = parse("latin1-undeclared_le-cercle-psy.rss.xml")
    assert parsed.drafts[0].summary.startswith("Si leur impact semble discret au premier abord, nombre d'études")
    assert parsed.drafts[2].title == "La criminalité liée surtout à... l'ennui ?"
    assert any("windows-1252" in w for w in parsed.warnings)
    assert any("entry 4 has neither a title nor a summary" in w for w in parsed.warnings)


def test_rutube_lowercase_pubdate_with_offset() -> None:
    first = parse("rutube_lowercase-pubdate_mediarss.rss.xml").drafts[0]
    assert first.published_at == at(2022, 9, 3, 6, 37, 11)
    assert first.title == "Камеди Клаб: «3 сентября»"


def test_heise_items_are_undated_and_lose_the_tracking_parameter() -> None:
    drafts = parse("rss090_heise_no-dates.rdf.xml").drafts
    assert all(d.published_at is None and d.guid is None for d in drafts)
    assert drafts[0].url == (
        "https://www.heise.de/newsticker/meldung/OLED-TVs-Vorsichtsmassnahmen-gegen-Einbrennen-4205274.html"
    )
    assert drafts[0].title == "OLED-TVs: Vorsichtsmaßnahmen gegen Einbrennen"


def test_nbc_zoneless_12_hour_date_takes_the_channels_offset() -> None:
    first = parse("odd-date_nbcnewyork.rss.xml").drafts[0]
    # "Sat, Dec 16 2023 02:02:33 PM" with the channel's -0500; feedparser alone says 02:02:33Z.
    assert first.published_at == at(2023, 12, 16, 19, 2, 33)
    assert first.guid == "4956764"


def test_truncated_reuters_raises_instead_of_looking_empty() -> None:
    with pytest.raises(FeedError) as raised:
        parse("malformed_reuters_truncated.rss.xml")
    assert raised.value.feed == "malformed_reuters_truncated.rss.xml"
    assert "no element found" in raised.value.problem


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "not an RSS or Atom feed"),
        (b"<!doctype html><html><body><p>Hello</p></body></html>", "not an RSS or Atom feed"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not an RSS or Atom feed"),
        (b'<rss version="2.0"><channel><title>x</title><ite', "not a readable feed"),
        (b'<rss version="2.0"><channel><title>x</title><item><ti', "no readable entry"),
    ],
)
def test_documents_without_entries_that_are_not_feeds_raise(body: bytes, problem: str) -> None:
    with pytest.raises(FeedError, match=problem):
        parse_feed(body, feed_name="f", now=NOW)


def test_a_body_naming_a_local_file_is_not_opened(tmp_path: object) -> None:
    secret = FEEDS / "substack_heated.rss.xml"
    with pytest.raises(FeedError):
        parse_feed(str(secret).encode(), feed_name="f", now=NOW)


def test_a_valid_feed_with_no_items_is_empty_not_an_error() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    parsed = parse_feed(body, feed_name="f", now=NOW)
    assert parsed.drafts == [] and parsed.title == "Quiet"


def test_broken_feed_with_entries_gives_them_and_a_warning() -> None:
    body = (
        b'<rss version="2.0"><channel><title>T</title>'
        b"<item><title>First</title><link>https://a.org/1</link></item>"
        b"<item><title>Second</title><link>https://a.org/2</link></item><item><tit"
    )
    parsed = parse_feed(body, feed_name="broken", now=NOW)
    assert [d.title for d in parsed.drafts][:2] == ["First", "Second"]
    assert parsed.warnings and parsed.warnings[0].startswith("SAXParseException")


def test_entry_without_title_takes_the_start_of_its_summary() -> None:
    body = (
        b'<rss version="2.0"><channel><title>T</title><item><link>https://a.org/1</link>'
        b"<description>&lt;p&gt;A tip about &lt;b&gt;Swift&lt;/b&gt; generics.&lt;/p&gt;</description>"
        b"</item></channel></rss>"
    )
    assert parse_feed(body, feed_name="f", now=NOW).drafts[0].title == "A tip about Swift generics."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tue, 10 Jun 2003 04:00:00 GMT", at(2003, 6, 10, 4)),
        ("Tue, 10 Jun 2003 04:00:00 EDT", at(2003, 6, 10, 8)),
        ("2003-06-10T04:00:00+02:00", at(2003, 6, 10, 2)),
        ("2003-06-10", at(2003, 6, 10)),
        ("2020/1/10 14:33:00", at(2020, 1, 10, 14, 33)),
        ("Sat, Dec 16 2023 02:02:33 PM", at(2023, 12, 16, 14, 2, 33)),
        ("mer, 16 nov 2022 00:38:15 +0100", None),  # Italian names: neither parser reads it
        ("not a date", None),
        ("Episode 12", None),  # dateutil alone would make it the 12th of this month
        ("Sat, 07 May 16 23:53:30 +0000", at(2016, 5, 7, 23, 53, 30)),  # two-digit year, read by feedparser
    ],
)
def test_entry_dates(raw: str, expected: datetime | None) -> None:
    body = (
        '<rss version="2.0"><channel><title>T</title><item><title>x</title><link>https://a.org/</link>'
        f"<pubDate>{raw}</pubDate></item></channel></rss>"
    ).encode()
    assert parse_feed(body, feed_name="f", now=NOW).drafts[0].published_at == expected


WORDPRESS = (FEEDS / "wordpress_natashatherobot.rss.xml").read_bytes()


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=len(WORDPRESS) - 200))
def test_a_cut_off_feed_never_passes_for_an_empty_one(cut: int) -> None:
    try:
        parsed = parse_feed(WORDPRESS[:cut], feed_name="f", now=NOW)
    except FeedError:
        return
    assert parsed.drafts  # some entries were readable
    assert parsed.warnings  # and the breakage was reported
