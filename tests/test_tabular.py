"""CSV, YAML and JSON item lists: reading, format detection, and all-or-nothing validation."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content_library.drafts import ItemDraft
from content_library.errors import ImportRejected
from content_library.tabular import detect_format, read_rows
from tests.conftest import DATA

IMPORT = DATA / "import"


def rows(name: str) -> list[ItemDraft]:
    return read_rows((IMPORT / name).read_bytes(), source_name=name)


def problems(data: bytes, source: str = "items") -> list[str]:
    with pytest.raises(ImportRejected) as raised:
        read_rows(data, source_name=source)
    assert raised.value.problems, "ImportRejected must list what is wrong"
    return raised.value.problems


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("library.csv", "csv"),
        ("library.yaml", "yaml"),
        ("library.json", "json"),
        ("bad.csv", "csv"),
        ("bad.yaml", "yaml"),
    ],
)
def test_detect_format_of_files(name: str, expected: str) -> None:
    assert detect_format((IMPORT / name).read_bytes()) == expected


@pytest.mark.parametrize(
    "feed", ["wordpress_natashatherobot.rss.xml", "hugo_cowboyprogrammer.atom.xml", "rss090_heise_no-dates.rdf.xml"]
)
def test_detect_format_of_feeds(feed: str) -> None:
    assert detect_format((DATA / "feeds" / feed).read_bytes()) == "feed"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbftitle,url\nA,https://a.org\n", "csv"),
        (b"title;url\nA;https://a.org\n", "csv"),
        (b"---\n- title: A\n", "yaml"),
        (b"items:\n  - title: A\n", "yaml"),
        (b"  [\n]", "json"),
        (b'\n<?xml version="1.0"?><rss/>', "feed"),
    ],
)
def test_detect_format_by_content(data: bytes, expected: str) -> None:
    assert detect_format(data) == expected


def test_csv_with_every_column() -> None:
    wallet, protocols, password, shortcuts = rows("library.csv")
    assert wallet == ItemDraft(
        title="How to get a URL for your Apple Wallet pass",
        url="https://www.natashatherobot.com/url-apple-wallet-passkit-pass/",
        summary="Add attendee contact cards to Wallet with a QR code.",
        kind="article",
        category="swift",
        tags=("swift", "passkit", "wallet"),
        variants=("New to PassKit? Start here.", "One URL is all a Wallet pass needs"),
        priority=2,
    )
    assert protocols.tags == ("swift", "protocols")  # comma-separated when there is no |
    assert protocols.expires_at == datetime(2027, 7, 1, tzinfo=UTC)  # through 30 June
    assert protocols.max_shares == 5 and protocols.priority is None
    assert password.url is None and password.kind == "faq"
    assert password.summary == 'Open Settings, then Account, then "Reset password".'
    assert password.variants == ("Forgot your password? Here is the fix.",)
    assert shortcuts.category is None and shortcuts.kind == "tip"


def test_yaml_list_of_mappings() -> None:
    export, pin, shortcuts = rows("library.yaml")
    assert export.url == "https://help.example.com/export"
    assert export.variants == (
        "Did you know you can take all your data with you? Here's how:",
        "Export everything in two clicks.",
    )
    assert export.tags == ("export", "data") and export.max_shares == 4
    assert export.expires_at == datetime(2027, 2, 1, tzinfo=UTC)
    assert pin.title == "Tip: pin your favourite projects" and pin.tags == ("pinning", "projects")
    assert pin.priority == 3 and pin.url is None
    assert shortcuts.expires_at == datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


def test_json_list_of_objects() -> None:
    migrations, handbook = rows("library.json")
    assert migrations.url == "https://blog.example.com/zero-downtime/"
    assert migrations.variants == ("How we migrate without downtime",)
    assert handbook.guid == "post-118" and handbook.max_shares == 3


def test_bad_csv_names_every_bad_row() -> None:
    assert problems((IMPORT / "bad.csv").read_bytes(), "bad.csv") == [
        "line 3: title: missing (every item needs a title)",
        "line 4: url: 'example.com/missing-scheme' is not an absolute http(s) URL",
        "line 5: max_shares: expected a whole number of at least 1, got 'lots'",
        "line 6: max_shares: expected a whole number of at least 1, got 0",
        "line 6: priority: expected a whole number, got 'high'",
        "line 6: expires: expected an ISO date like 2026-12-31 or datetime like 2026-12-31T18:00:00+01:00, "
        "got 'next week'",
        "line 7: url: the same url as line 2",
    ]


def test_bad_yaml_names_every_bad_item_by_line() -> None:
    found = problems((IMPORT / "bad.yaml").read_bytes(), "bad.yaml")
    assert found == [
        "line 3: title: missing (every item needs a title)",
        "line 4: variants: expected text, got a mapping",
        "line 4: max_shares: expected a whole number of at least 1, got True",
        "line 4: colour: unknown key (allowed: title, url, guid, summary, category, kind, tags, variants, "
        "expires, max_shares, priority, image)",
        "line 8: expected a mapping of keys (title, url, …), got 'just a string'",
    ]


def test_the_rejection_message_lists_the_problems() -> None:
    with pytest.raises(ImportRejected) as raised:
        read_rows(b"title,url\n,https://a.org\n", source_name="team.csv")
    assert str(raised.value).startswith("team.csv: 1 problem(s), nothing imported:\n  line 2: title: missing")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"title,url,catgory\nA,https://a.org,x\n", "line 1: 'catgory': unknown column"),
        (b"url,category\nhttps://a.org,x\n", "line 1: there is no title column"),
        (b"title,title\nA,B\n", "line 1: the header repeats column(s) title"),
        (b"title,url\nA,https://a.org,extra\n", "line 2: 3 values but the header has 2 columns"),
        (b"title\ncaf\xe9\n", "line 2: the file is not UTF-8 text (byte 0xe9); save it as UTF-8"),
        (b"- title: A\n  url: [unclosed\n", "not valid YAML"),
        (b"title: A\nurl: https://a.org\n", "expected a list of items"),
        (b'[{"title": "A"},\n {"title": }]', "line 2: not valid JSON"),
        (b'{"title": "A"}', "expected a JSON list of objects, got a mapping"),
        (b'[{"title": "A", "max_shares": 1.5}]', "item 1: max_shares: expected a whole number"),
        (b'[{"title": "A", "guid": "g"}, {"title": "B", "guid": "g"}]', "item 2: guid: the same guid as item 1"),
        (b'<?xml version="1.0"?><rss version="2.0"></rss>', "this is an RSS/Atom feed"),
    ],
)
def test_each_kind_of_problem_is_named(data: bytes, problem: str) -> None:
    assert any(problem in found for found in problems(data)), problems(data)


def test_empty_values_mean_not_given() -> None:
    (draft,) = read_rows(b"title,url,category,kind,priority\nA,,,,\n", source_name="x")
    assert draft == ItemDraft(title="A")


def test_semicolon_csv_from_a_european_spreadsheet() -> None:
    (draft,) = read_rows("title;url;tags\nCafé;https://a.org/x;a|b\n".encode(), source_name="x")
    assert (draft.title, draft.url, draft.tags) == ("Café", "https://a.org/x", ("a", "b"))


safe_text = st.text(
    st.characters(exclude_categories=["Cs", "Cc"], exclude_characters='",|;\t'), min_size=1, max_size=30
).filter(lambda t: t.strip() == t and t.strip())


@given(st.lists(st.tuples(safe_text, safe_text), min_size=1, max_size=10, unique_by=lambda pair: pair[0]))
def test_csv_round_trip_of_titles_and_categories(pairs: list[tuple[str, str]]) -> None:
    lines = ["title,category", *(f'"{title}","{category}"' for title, category in pairs)]
    drafts = read_rows("\n".join(lines).encode(), source_name="x")
    assert [(d.title, d.category) for d in drafts] == pairs


def test_an_image_is_an_http_link_kept_as_written() -> None:
    (tip,) = read_rows(
        b"title,image\nPin it,https://cdn.example.com/pin.png?sig=abc&utm_source=x\n", source_name="items.csv"
    )
    assert tip.image == "https://cdn.example.com/pin.png?sig=abc&utm_source=x"  # a signed link works only whole
    (bad,) = problems(b"title,image\nPin it,file:///etc/passwd\n")
    assert "image" in bad and "not an absolute http(s) URL" in bad
