"""Feed HTML to plain text, and cutting text to a length."""

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content_library.plain_text import html_to_text, shorten


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ("plain   text\n here", "plain text here"),
        ("Fish &amp; chips &#8217;n&#x2019; &eacute;t&eacute; &#8471;", "Fish & chips ’n’ été ℗"),
        ("<p>One</p>\n  <p>Two <b>bold</b>,<i> italic</i></p>", "One\n\nTwo bold, italic"),
        ("line<br>break<br/>again", "line\nbreak\nagain"),
        ("<ul>\n <li>one</li>\n <li>two</li>\n</ul>after", "one\ntwo\nafter"),
        ("<h2>Title</h2><div>body</div>", "Title\n\nbody"),
        ("a<script>alert('x')</script>b<style>p{color:red}</style>c", "abc"),
        ("<p>unclosed <b>bold", "unclosed bold"),
        ('<img src="x.png" alt="an image">caption', "caption"),
        ("<!-- comment -->text<![CDATA[ignored]]>", "text"),
        ("non&nbsp;breaking&#160;space", "non breaking space"),
        ("", ""),
        # Medium's feed-item markup (from medium_emarley.rss.xml)
        (
            '<div class="medium-feed-item"><p class="medium-feed-snippet">Here&#x2019;s a partial collection'
            '</p><p class="medium-feed-link"><a href="https://medium.com/x">Continue reading on Medium »</a>'
            "</p></div>",
            "Here’s a partial collection\n\nContinue reading on Medium »",
        ),
    ],
)
def test_html_to_text(fragment: str, text: str) -> None:
    assert html_to_text(fragment) == text


words = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=80)


@given(words)
def test_escaped_text_comes_back_folded(text: str) -> None:
    folded = " ".join(text.split())
    assert html_to_text(html.escape(text)) == folded
    assert html_to_text(f"<span>{html.escape(text)}</span>") == folded


@given(words, words)
def test_script_content_never_leaks(before: str, secret: str) -> None:
    text = html_to_text(f"{html.escape(before)}<script>{html.escape(secret)}XSECRETX</script>")
    assert "XSECRETX" not in text


@given(st.text(max_size=300), st.integers(min_value=2, max_value=200))
def test_shorten_respects_the_limit(text: str, limit: int) -> None:
    short = shorten(text, limit)
    assert len(short) <= limit
    if short != text:
        assert short.endswith("…")
        assert text.startswith(short[:-1])


def test_shorten_cuts_on_a_word_boundary() -> None:
    assert shorten("The quick brown fox jumps over the lazy dog", 20) == "The quick brown fox…"
    assert shorten("short", 20) == "short"
    assert shorten("x" * 30, 10) == "x" * 9 + "…"  # one long word is cut mid-word rather than dropped
