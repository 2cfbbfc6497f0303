"""Post lengths as X (twitter-text v3), Mastodon and Bluesky count them."""

import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from content_library.text_length import CHANNEL_LIMITS, fits, link_spans, post_length

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # man, woman, girl, boy joined by ZWJ
FLAG_JP = "\U0001f1ef\U0001f1f5"
THUMB_MEDIUM = "\U0001f44d\U0001f3fd"
ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
KEYCAP_ONE = "1\ufe0f\u20e3"
E_COMBINING = "e\u0301"
LONG_URL = "https://example.com/" + "a" * 200 + "?utm_source=x"


@pytest.mark.parametrize(
    ("text", "x", "mastodon", "bluesky"),
    [
        ("", 0, 0, 0),
        ("hello world", 11, 11, 11),
        ("你好", 4, 2, 2),  # CJK weighs 2 on X
        ("こんにちは", 10, 5, 5),
        (FAMILY, 2, 1, 1),  # a ZWJ sequence is one emoji on X and one grapheme elsewhere
        (FLAG_JP, 2, 1, 1),
        (THUMB_MEDIUM, 2, 1, 1),
        (ENGLAND, 2, 1, 1),  # subdivision flag with tag characters
        (KEYCAP_ONE, 2, 1, 1),
        ("\u00a9", 2, 1, 1),  # X counts a plain © as text (1); the port calls it an emoji: 1 too many, safe
        ("\u00a9\ufe0f", 2, 1, 1),  # …and an emoji with VS16
        ("\u2764\ufe0e", 4, 1, 1),  # text-presentation heart: two heavy code points on X
        (E_COMBINING, 1, 1, 1),  # NFC makes it é on X; one grapheme everywhere
        ("q\u0301", 2, 1, 1),  # no precomposed form: two light code points on X
        ("\u2014 \u201cquoted\u201d", 10, 10, 10),  # em dash and curly quotes are in X's light ranges
        ("\u2026", 2, 1, 1),  # the ellipsis is not
        ("https://a.co", 23, 23, 12),
        (LONG_URL, 23, 23, len(LONG_URL)),
        ("see https://example.com/page.", 4 + 23 + 1, 4 + 23 + 1, 29),  # trailing dot is text
        ("(https://example.com/a_b)", 25, 25, 25),
        ("HTTPS://EXAMPLE.COM/X", 23, 23, 21),
        ("nohttps://example.com/path", 26, 26, 26),  # glued to a word: not a link
        ("http://localhost:8000/admin", 27, 27, 27),  # no TLD: X does not link it
        ("Booking.com", 23, 11, 11),  # X links bare domains; counted at least as a URL there
        ("#python is fun", 14, 14, 14),
    ],
)
def test_known_lengths(text: str, x: int, mastodon: int, bluesky: int) -> None:
    assert post_length(text, "x") == x
    assert post_length(text, "mastodon") == mastodon
    assert post_length(text, "bluesky") == bluesky
    assert post_length(text, "webhook") == post_length(text, "file") == len(text)


def test_two_urls_count_23_each() -> None:
    text = "a https://example.com/one and https://example.org/" + "x" * 90
    assert post_length(text, "x") == post_length(text, "mastodon") == 2 + 23 + 5 + 23


def test_cjk_glued_bare_domains_count_as_x_counts_them() -> None:
    # X links each "example.com" after the ideograph (23) and weighs the ideograph 2: 12 * 25 = 300.
    text = "日example.com" * 12
    assert post_length(text, "x") == 300
    assert not fits(text, "x")


def test_x_refuses_the_characters_it_forbids_but_the_empty_text_fits() -> None:
    assert fits("", "x")  # X refuses an empty post, but it is not too long: shortening relies on that
    for forbidden in "\ufffe\ufeff\uffff":
        assert post_length("hello" + forbidden, "x") == 7 and not fits("hello" + forbidden, "x")


def test_links_are_the_ones_each_platform_finds() -> None:
    text = "Book at Booking.com or read https://example.com/a."
    assert [text[start:end] for start, end in link_spans(text, "x")] == ["Booking.com", "https://example.com/a"]
    for kind in ("mastodon", "bluesky", "webhook", "file"):
        assert [text[start:end] for start, end in link_spans(text, kind)] == ["https://example.com/a"]


def test_limits() -> None:
    assert dict(CHANNEL_LIMITS) == {"x": 280, "mastodon": 500, "bluesky": 300, "webhook": None, "file": None}
    assert fits("a" * 280, "x") and not fits("a" * 281, "x")
    assert fits("你" * 140, "x") and not fits("你" * 141, "x")
    assert fits(FAMILY * 140, "x") and not fits(FAMILY * 141, "x")
    assert fits("a" * 500, "mastodon") and not fits("a" * 501, "mastodon")
    assert fits(E_COMBINING * 300, "bluesky") and not fits(E_COMBINING * 301, "bluesky")
    assert fits("a" * 100_000, "webhook") and fits("a" * 100_000, "file")


def test_bluesky_byte_cap_applies_beyond_graphemes() -> None:
    text = FAMILY * 300  # 300 graphemes, but 25 bytes each
    assert post_length(text, "bluesky") == 300
    assert not fits(text, "bluesky")


def test_unknown_channel_kind_is_named() -> None:
    with pytest.raises(ValueError, match=r"'myspace'.*x, mastodon, bluesky"):
        post_length("hi", "myspace")


URL_PATHS = st.text(alphabet=string.ascii_letters + string.digits + "-_/.~%", max_size=400)


@given(path=URL_PATHS, query=st.text(alphabet=string.ascii_lowercase + "=&", max_size=80))
def test_a_url_of_any_length_counts_23_on_x_and_mastodon(path: str, query: str) -> None:
    # X ends a path or a query early on a character that cannot end one ("/~?a"); a letter always can.
    url = f"https://example.com/{path}x" + (f"?{query}x" if query else "")
    text = f"Read {url} today"
    assert post_length(text, "x") == post_length(text, "mastodon") == 5 + 23 + 6
    assert post_length(text, "bluesky") == len(text)


@given(st.text(alphabet=string.ascii_letters + string.digits + " ,!?'()", max_size=400))
def test_plain_ascii_counts_one_per_character_everywhere(text: str) -> None:
    for kind in CHANNEL_LIMITS:
        assert post_length(text, kind) == len(text)


@given(st.lists(st.sampled_from([FAMILY, FLAG_JP, THUMB_MEDIUM, ENGLAND, KEYCAP_ONE, "\U0001f600"]), max_size=50))
def test_every_emoji_sequence_counts_two_on_x_and_one_elsewhere(emoji: list[str]) -> None:
    text = "".join(emoji)
    assert post_length(text, "x") == 2 * len(emoji)
    assert post_length(text, "mastodon") == post_length(text, "bluesky") == len(emoji)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(st.characters(min_codepoint=0, max_codepoint=127), max_size=40),
            st.sampled_from(["https://example.com/a?b=c", "example.org", "http://t.co/x", " Booking.com ", "#tag"]),
        ),
        max_size=12,
    ).map("".join)
)
@example("a\r\nb\rc")  # X counts a CRLF once
def test_the_ascii_fast_path_counts_exactly_what_the_port_counts(text: str) -> None:
    from content_library.twitter_text_port import parse_tweet, twitter_text_configs

    parsed = parse_tweet(text, twitter_text_configs["version3"])
    assert post_length(text, "x") == parsed.weightedLength
    assert fits(text, "x") == (not text or parsed.valid)
