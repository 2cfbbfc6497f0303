"""Rendering a post's text: placeholders, UTM links, hashtags, and shortening until the platform takes it."""

import string
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit

import pytest
import regex
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import content_library.rendering
import content_library.text_length
from content_library.errors import EvertideError
from content_library.rendering import RenderError, add_utm, fits, post_length, render_post
from content_library.snapshot import ItemSnapshot

LIMITED_KINDS = ("x", "mastodon", "bluesky")
UTM = {"source": "{channel}", "medium": "social", "campaign": "{campaign}", "content": "post-{post_id}"}
CONTEXT = {"channel": "x", "campaign": "evergreen", "post_id": "42"}
SEPARATORS = " ,;:.-–—([{/|·&"
T = TypeVar("T")
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


def item(**fields: object) -> ItemSnapshot:
    defaults: dict[str, object] = {"id": 1, "title": "Title", "url": "https://example.com/post"}
    return ItemSnapshot(**{**defaults, **fields})  # type: ignore[arg-type]


# --- filling the template -------------------------------------------------------------------------------


def test_fills_every_placeholder() -> None:
    snapshot = item(title="Ten tips", summary="Short.", category="Guides", kind="tip")
    text = render_post(
        snapshot,
        "[{kind}/{category}] {title}: {summary} {url} {hashtags}",
        channel_kind="file",
        hashtags=["a"],
    )
    assert text == "[tip/Guides] Ten tips: Short. https://example.com/post #a"


def test_url_gets_utm_parameters_filled_from_context() -> None:
    text = render_post(item(), "{url}", channel_kind="x", utm=UTM, utm_context=CONTEXT)
    assert text == (
        "https://example.com/post?utm_source=x&utm_medium=social&utm_campaign=evergreen&utm_content=post-42"
    )


def test_hashtags_are_rendered_with_hash_and_without_spaces() -> None:
    tags = ["open source", "#Python", "python", " ", "#", "日本語", "Dev Ops"]
    assert render_post(item(), "{hashtags}", channel_kind="x", hashtags=tags) == "#opensource #Python #日本語 #DevOps"


def test_whitespace_is_folded() -> None:
    snapshot = item(title="  Spaced\n out  title ", summary="", url=None, category=None)
    assert render_post(snapshot, "  {summary} {title}  {url}\t{category} ", channel_kind="x") == "Spaced out title"
    lines = render_post(snapshot, "{title}\n\n{summary}\n\n\n{url}\n{hashtags}\n", channel_kind="x")
    assert lines == "Spaced out title"
    paragraph = render_post(item(summary="Body"), "{title}\n\n\n\n{summary} \n{url}", channel_kind="x")
    assert paragraph == "Title\n\nBody\nhttps://example.com/post"


def test_variant_text_without_placeholders_is_kept() -> None:
    assert render_post(item(), "Evergreen: read it again!", channel_kind="mastodon") == "Evergreen: read it again!"


def test_literal_braces() -> None:
    assert render_post(item(), "{{not a field}} {title}", channel_kind="x") == "{not a field} Title"


@pytest.mark.parametrize(
    ("template", "named"),
    [
        ("{title} {author}", "{author}"),
        ("{}", "{}"),
        ("{0}", "{0}"),
        ("{title!r}", "{title!r}"),
        ("{title:>40}", "{title:>40}"),
        ("{title.upper}", "{title.upper}"),
    ],
)
def test_unknown_placeholder_names_template_and_channel(template: str, named: str) -> None:
    with pytest.raises(RenderError) as caught:
        render_post(item(), template, channel_kind="bluesky")
    message = str(caught.value)
    assert repr(template) in message and "bluesky" in message and named in message
    assert isinstance(caught.value, EvertideError) and caught.value.hint
    assert caught.value.template == template and caught.value.channel_kind == "bluesky"


def test_malformed_braces_are_a_render_error() -> None:
    with pytest.raises(RenderError, match="malformed braces"):
        render_post(item(), "{title", channel_kind="x")


def test_unknown_utm_placeholder_is_a_render_error() -> None:
    with pytest.raises(RenderError, match=r"utm value '\{medium\}'.*\{medium\}"):
        render_post(item(), "{url}", channel_kind="x", utm={"medium": "{medium}"}, utm_context=CONTEXT)


# --- shortening -----------------------------------------------------------------------------------------


def test_summary_is_cut_on_a_word_boundary_first() -> None:
    summary = "The quick brown fox jumps over the lazy dog, " * 20
    text = render_post(item(summary=summary), "{title} {summary} {url}", channel_kind="x", hashtags=["a"])
    assert fits(text, "x") and text.startswith("Title The quick brown fox")
    assert text.endswith("… https://example.com/post")
    assert not text.endswith(",… https://example.com/post")


def test_summary_goes_entirely_before_the_title_is_cut() -> None:
    title = "word " * 70
    text = render_post(item(title=title, summary="a summary"), "{title} {summary} {url}", channel_kind="x")
    assert "summary" not in text and text.endswith("word… https://example.com/post")
    assert post_length(text, "x") <= 280


def test_title_is_cut_before_hashtags_are_dropped() -> None:
    tags = ["one", "two", "three"]
    text = render_post(item(title="word " * 70), "{title} {url} {hashtags}", channel_kind="x", hashtags=tags)
    assert text.endswith("word… https://example.com/post #one #two #three")


def test_hashtags_are_dropped_from_the_end_and_the_title_takes_the_room_back() -> None:
    tags = [f"tag{n:03d}" + "x" * 40 for n in range(10)]
    text = render_post(item(title="A title"), "{title} {url} {hashtags}", channel_kind="x", hashtags=tags)
    kept = text.split("https://example.com/post ")[1].split()
    assert kept == ["#" + tag for tag in tags[: len(kept)]] and 0 < len(kept) < len(tags)
    assert text.startswith("A title https://")  # the title is whole again once hashtags made room


def test_cjk_text_is_cut_between_ideographs() -> None:
    title = "这是一个关于常青内容的很长的标题" * 20
    text = render_post(item(title=title), "{title} {url}", channel_kind="x")
    assert fits(text, "x") and text.endswith("… https://example.com/post")
    assert title.startswith(text.split("…")[0]) and len(text.split("…")[0]) > 100


def test_emoji_are_never_split() -> None:
    title = (FAMILY + " ") * 300
    text = render_post(item(title=title), "{title} {url}", channel_kind="mastodon")
    assert fits(text, "mastodon") and text.split("…")[0].rstrip().endswith(FAMILY)


def test_links_and_hashtags_inside_the_summary_are_not_cut() -> None:
    summary = "Read https://example.org/" + "a" * 40 + " and #evergreen " + "more words " * 60
    for kind in LIMITED_KINDS:
        text = render_post(item(summary=summary), "{summary}", channel_kind=kind)
        assert fits(text, kind)
        cut = text.removesuffix("…")
        assert "https://example.org/" + "a" * 40 in cut or "https://" not in cut


def test_bluesky_byte_cap_shortens_emoji_titles() -> None:
    text = render_post(item(title=(FAMILY + " ") * 200), "{title} {url}", channel_kind="bluesky")
    assert fits(text, "bluesky") and len(text.encode()) <= 3000


def test_a_template_that_cannot_fit_is_a_render_error() -> None:
    template = "x" * 270 + " {title} {url}"
    with pytest.raises(RenderError) as caught:
        render_post(item(), template, channel_kind="x", hashtags=["a"])
    assert "for x" in str(caught.value) and "allows 280" in str(caught.value)
    assert render_post(item(), template, channel_kind="webhook").endswith("Title https://example.com/post")


def test_long_url_on_bluesky_reports_the_overflow() -> None:
    url = "https://example.com/" + "a" * 290
    with pytest.raises(RenderError, match="bluesky"):
        render_post(item(url=url), "{title} {url}", channel_kind="bluesky")
    assert render_post(item(url=url), "{title} {url}", channel_kind="x") == f"Title {url}"


def test_bluesky_byte_overflow_is_explained() -> None:
    with pytest.raises(RenderError, match="3000-byte cap"):
        render_post(item(), FAMILY * 150 + " {title}", channel_kind="bluesky")


# --- properties -----------------------------------------------------------------------------------------

WORDS = st.one_of(
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=12),
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=8).map(lambda word: word + ","),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=12),
    st.text(alphabet=st.characters(min_codepoint=0x3041, max_codepoint=0x30FF), min_size=1, max_size=6),
    st.sampled_from(
        [
            FAMILY,
            "\U0001f1ef\U0001f1f5",
            "\U0001f44d\U0001f3fd",
            "1\ufe0f\u20e3",
            "\u00a9",
            "e\u0301t\u00e9",
            "—",
        ]
    ),
    st.sampled_from(["https://example.org/guide", "#inline", "Booking.com", "(aside)", "end."]),
)


def sized(most: int, build: Callable[[int], st.SearchStrategy[T]]) -> st.SearchStrategy[T]:
    """Sizes drawn evenly up to ``most``: long texts, which need shortening, are as common as short ones."""
    return st.integers(0, most).flatmap(build)


TEXTS = sized(160, lambda size: st.lists(WORDS, min_size=size, max_size=size).map(" ".join))
TAG = st.one_of(
    st.integers(1, 40).flatmap(
        lambda size: st.text(alphabet=string.ascii_letters + string.digits, min_size=size, max_size=size)
    ),
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=8).map(lambda tag: f"#{tag} two"),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=6),
)
HASHTAGS = sized(
    30,
    lambda size: st.lists(
        TAG,
        max_size=size,
        min_size=size,
        unique_by=lambda tag: "".join(tag.split()).lstrip("#").casefold(),
    ),
)
URLS = sized(
    220,
    lambda size: st.text(alphabet=string.ascii_letters + string.digits + "-_/", min_size=size, max_size=size),
).map(lambda path: "https://example.com/" + path + "x")
MARKED = "T:{title}\nS:{summary}\nU:{url}\nH:{hashtags}"


def expected_hashtags(tags: list[str]) -> list[str]:
    joined = ["".join(tag.split()) for tag in tags]
    return [tag if tag.startswith("#") else "#" + tag for tag in joined]


def marked(title: str, summary: str, url: str, tags: list[str]) -> str:
    return f"T:{title}\nS:{summary}\nU:{url}\nH:{' '.join(tags)}"


def is_word_boundary(text: str, position: int) -> bool:
    return regex.compile(r"(?w)\b").match(text, position) is not None


def assert_proper_cut(shortened: str, original: str) -> None:
    """Whole, gone, or a word-boundary prefix that keeps graphemes, links and hashtags whole, plus '…'."""
    if shortened in (original, ""):
        return
    assert shortened.endswith("…")
    kept = shortened[:-1]
    assert kept and original.startswith(kept) and kept == kept.rstrip(SEPARATORS)
    graphemes = regex.findall(r"\X", kept)
    assert regex.findall(r"\X", original)[: len(graphemes)] == graphemes
    rest = original[len(kept) :]
    run = len(rest) - len(rest.lstrip(SEPARATORS))
    assert any(is_word_boundary(original, len(kept) + step) for step in range(run + 1))
    for token in ("https://example.org/guide", "#inline"):
        for match in regex.finditer(regex.escape(token), original):
            assert not match.start() < len(kept) < match.end()


@settings(deadline=None)  # a long text on a slow machine may take a while; correctness is what is tested
@given(title=TEXTS, summary=TEXTS, tags=HASHTAGS, url=URLS, kind=st.sampled_from(LIMITED_KINDS))
def test_rendered_posts_always_fit_and_keep_url_and_whole_hashtags(
    title: str, summary: str, tags: list[str], url: str, kind: str
) -> None:
    snapshot = item(title=title, summary=summary, url=url)
    context = {**CONTEXT, "channel": kind}
    full_url = add_utm(url, UTM, context)
    try:
        text = render_post(snapshot, MARKED, channel_kind=kind, hashtags=tags, utm=UTM, utm_context=context)
    except RenderError:
        assert not fits(marked("", "", full_url, []), kind)
        return
    assert fits(text, kind)
    lines = text.split("\n")
    assert len(lines) == 4 and lines[2] == "U:" + full_url
    got_title, got_summary = lines[0].removeprefix("T:"), lines[1].removeprefix("S:")
    got_tags = lines[3].removeprefix("H:").split()
    wanted_tags = expected_hashtags(tags)
    assert got_tags == wanted_tags[: len(got_tags)]
    full_title, full_summary = " ".join(title.split()), " ".join(summary.split())
    assert_proper_cut(got_title, full_title)
    assert_proper_cut(got_summary, full_summary)
    # Priorities: hashtags over the title over the summary, each cut only as far as needed.
    if len(got_tags) < len(wanted_tags):
        assert not fits(marked("", "", full_url, wanted_tags[: len(got_tags) + 1]), kind)
    if got_title != full_title:
        assert got_summary == ""
        assert not fits(marked(full_title, "", full_url, got_tags), kind)
    if got_summary != full_summary:
        assert not fits(marked(full_title, full_summary, full_url, got_tags), kind)


@given(
    title=st.lists(WORDS, max_size=30).map(" ".join),
    summary=st.lists(WORDS, max_size=30).map(" ".join),
    kind=st.sampled_from((*LIMITED_KINDS, "webhook", "file")),
)
def test_text_that_fits_is_left_alone(title: str, summary: str, kind: str) -> None:
    expected = " ".join(f"{' '.join(title.split())} {' '.join(summary.split())}".split())
    assume(fits(expected, kind))
    assert render_post(item(title=title, summary=summary), "{title} {summary}", channel_kind=kind) == expected


# --- add_utm ---------------------------------------------------------------------------------------------

PARAM_TEXT = st.text(alphabet=string.ascii_letters + string.digits + "%+-._~", min_size=1, max_size=10)
PARAMS = st.lists(st.tuples(PARAM_TEXT.filter(lambda key: not key.lower().startswith("utm_")), PARAM_TEXT), max_size=6)


@given(params=PARAMS, fragment=st.sampled_from(["", "#top", "#a?b=c"]))
def test_add_utm_keeps_other_params_in_order_and_is_idempotent(params: list[tuple[str, str]], fragment: str) -> None:
    query = "&".join(f"{key}={value}" for key, value in params)
    url = "https://example.com/a/b" + (f"?{query}" if query else "") + fragment
    tagged = add_utm(url, UTM, CONTEXT)
    assert add_utm(tagged, UTM, CONTEXT) == tagged
    assert tagged.endswith(fragment)
    tagged_query = urlsplit(tagged).query
    assert tagged_query.startswith(query)
    assert parse_qsl(tagged_query)[-4:] == [
        ("utm_source", "x"),
        ("utm_medium", "social"),
        ("utm_campaign", "evergreen"),
        ("utm_content", "post-42"),
    ]


def test_add_utm_replaces_existing_utm_of_the_same_name_in_place() -> None:
    url = "https://example.com/?utm_source=old&a=1&UTM_Medium=old&utm_source=again&utm_term=kept"
    assert add_utm(url, {"utm_source": "new", "medium": "social"}, {}) == (
        "https://example.com/?utm_source=new&a=1&utm_medium=social&utm_term=kept"
    )


def test_add_utm_encodes_values_and_drops_empty_ones() -> None:
    url = "https://example.com/p?utm_term=old&q=a+b"
    tagged = add_utm(url, {"campaign": "{campaign} 2026/Q1", "term": ""}, {"campaign": "spring & summer"})
    assert tagged == "https://example.com/p?q=a+b&utm_campaign=spring%20%26%20summer%202026%2FQ1"


def test_add_utm_without_parameters_changes_nothing() -> None:
    assert add_utm("https://example.com/x?b=2&a=1#f", {}, {}) == "https://example.com/x?b=2&a=1#f"


# --- purity ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", [content_library.rendering, content_library.text_length])
def test_rendering_is_pure(module: object) -> None:
    source = Path(str(getattr(module, "__file__", ""))).read_text(encoding="utf-8")
    for forbidden in ("datetime.now(", "time.time(", "random.", "open(", "import os"):
        assert forbidden not in source
