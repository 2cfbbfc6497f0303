"""What :func:`scheduler.outside_text.visible` writes out, and what it leaves alone."""

from scheduler.outside_text import inert, visible


def test_ordinary_text_is_unchanged() -> None:
    for text in ("Reset your password", "Café — naïve 日本語 👍🏽", "non\u00a0breaking", "[bold]x[/bold] :x:"):
        assert visible(text) == text


def test_c0_and_c1_controls_are_written_out() -> None:
    assert visible("a\x1b]0;title\x07b") == "a\\x1b]0;title\\x07b"
    assert visible("csi\x9b2J del\x7f") == "csi\\x9b2J del\\x7f"
    assert visible("one\ntwo\r\tthree") == "one\\ntwo\\r\\tthree"


def test_a_message_keeps_its_line_breaks_and_tabs_but_not_the_rest() -> None:
    assert visible("one\n\ttwo\x1b[2J\r", lines=True) == "one\n\ttwo\\x1b[2J\\r"


def test_bidi_overrides_and_zero_width_characters_are_written_out() -> None:
    assert visible("invoice\u202efdp.exe") == "invoice\\u202efdp.exe"
    assert visible("\u2066isolate\u2069 \u200fmark") == "\\u2066isolate\\u2069 \\u200fmark"
    assert (
        visible("pay\u200bpal \u2060joined \ufeffbom \u00adsoft") == "pay\\u200bpal \\u2060joined \\ufeffbom \\xadsoft"
    )
    assert visible("line\u2028separator") == "line\\u2028separator"
    assert visible("tag\U000e0041") == "tag\\U000e0041"


def test_a_zero_width_joiner_inside_an_emoji_is_kept_and_elsewhere_written_out() -> None:
    assert visible("👩\u200d💻 and 👍🏽\u200d") == "👩\u200d💻 and 👍🏽\\u200d"
    assert visible("pa\u200dypal") == "pa\\u200dypal"


def test_inert_is_a_rich_text_that_is_never_parsed() -> None:
    text = inert("[link=https://evil.example]Docs[/link] :x: \x1b[2J")
    assert text.plain == "[link=https://evil.example]Docs[/link] :x: \\x1b[2J"
    assert not text.spans


def test_a_daemon_log_line_shows_a_platform_message_as_typed() -> None:
    import logging

    from scheduler.daemon.logs import TextFormatter

    record = logging.LogRecord("evertide", logging.WARNING, __file__, 1, "publish failed", None, None)
    record.detail = "503 \x1b]0;pwned\x07\nerror fake line"
    line = TextFormatter().format(record)
    assert line.endswith("publish failed detail=503 \\x1b]0;pwned\\x07\\nerror fake line")
