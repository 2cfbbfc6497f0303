"""Link cards: the OpenGraph / Twitter Card metadata of a page's head, read as untrusted text."""

from content_library.link_cards import CARD_LIMITS, read_card

PAGE = "https://help.example.com/guides/backup"


def head(*tags: str, charset: str = "utf-8") -> bytes:
    return f"<!doctype html><html><head><title>Ignored</title>{''.join(tags)}</head><body>".encode(charset)


def test_opengraph_tags_make_the_card() -> None:
    card = read_card(
        head(
            '<meta property="og:title" content="Back up your workspace">',
            '<meta property="og:description" content="Three clicks &amp; done.">',
            '<meta property="og:image" content="/img/backup.png">',
        ),
        page_url=PAGE,
        content_type="text/html; charset=utf-8",
    )
    assert card is not None
    assert (card.title, card.description) == ("Back up your workspace", "Three clicks & done.")
    assert card.image == "https://help.example.com/img/backup.png"


def test_twitter_tags_fill_what_opengraph_leaves_out() -> None:
    card = read_card(
        head(
            '<meta name="twitter:title" content="From twitter">',
            '<meta property="og:description" content="From og">',
            '<meta name="twitter:description" content="Not this one">',
            '<meta name="twitter:image:src" content="https://cdn.example.com/a.jpg">',
        ),
        page_url=PAGE,
        content_type="text/html",
    )
    assert card is not None
    assert (card.title, card.description, card.image) == ("From twitter", "From og", "https://cdn.example.com/a.jpg")


def test_a_page_without_metadata_has_no_card() -> None:
    assert read_card(head(), page_url=PAGE, content_type="text/html") is None
    assert read_card(b"\x00\xff garbage <meta", page_url=PAGE, content_type="text/html") is None


def test_the_charset_of_the_page_is_honoured() -> None:
    body = head('<meta property="og:title" content="Déjà vu">', charset="latin-1")
    card = read_card(body, page_url=PAGE, content_type="text/html; charset=iso-8859-1")
    assert card is not None and card.title == "Déjà vu"


def test_hostile_values_are_capped_folded_and_kept_off_other_schemes() -> None:
    huge = "A" * 50_000
    card = read_card(
        head(
            f'<meta property="og:title" content="{huge}">',
            '<meta property="og:description" content="line one\n\n\tline\x00 two">',
            '<meta property="og:image" content="javascript:alert(1)">',
        ),
        page_url=PAGE,
        content_type="text/html",
    )
    assert card is not None
    assert len(card.title or "") <= CARD_LIMITS["title"]
    assert card.description == "line one line two"
    assert card.image is None


def test_escape_codes_and_markup_in_a_title_are_kept_as_data() -> None:
    """Stored as the page wrote it (the CLI shows it through outside_text); only NUL, which PostgreSQL cannot
    store, and line breaks go."""
    card = read_card(
        head('<meta property="og:title" content="\x1b]0;pwned\x07[red]boom[/red] :x:">'),
        page_url=PAGE,
        content_type="text/html",
    )
    assert card is not None and card.title == "\x1b]0;pwned\x07[red]boom[/red] :x:"
