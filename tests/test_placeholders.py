"""One list of the placeholders a post template may use, and every place a template or variant is written
(config templates, ``library add``, ``library variants add``, imports) refuses the others."""

from pathlib import Path

import pytest

from content_library.rendering import PLACEHOLDERS, RenderError, unknown_placeholders
from tests.cli import Cli


def test_the_known_placeholders_are_the_ones_rendering_fills() -> None:
    assert PLACEHOLDERS == ("title", "summary", "url", "hashtags", "category", "kind")


def test_unknown_placeholders_are_listed_as_written() -> None:
    assert unknown_placeholders("{title} {url}") == []
    assert unknown_placeholders("{{literal}} {title}") == []
    assert unknown_placeholders("{sumary} {url} {title:>9} {0} {sumary}") == ["{sumary}", "{title:>9}", "{0}"]


def test_malformed_braces_are_a_render_error() -> None:
    with pytest.raises(RenderError, match="malformed braces"):
        unknown_placeholders("{title {url}")


def test_library_add_refuses_a_variant_with_an_unknown_placeholder(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli("db", "upgrade")
    result = cli("library", "add", "--title", "Reset", "--variant", "Read {sumary} now", ok=False)
    assert result.exit_code == 1
    assert "unknown placeholder {sumary}" in result.output and "{summary}" in result.output
    assert cli.json("library", "list") == []


def test_variants_add_refuses_an_unknown_placeholder_naming_the_item(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli("db", "upgrade")
    cli("library", "add", "--title", "Reset")
    result = cli("library", "variants", "add", "1", "Read {tittle}", ok=False)
    assert result.exit_code == 1 and "item 1" in result.output and "{tittle}" in result.output


def test_an_import_refuses_a_row_whose_variant_has_an_unknown_placeholder(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli("db", "upgrade")
    rows = tmp_path / "items.csv"
    rows.write_text("title,variants\nReset,Read {title} now\nLogin,Read {sumary}|Fine {url}\n")
    result = cli("library", "import", str(rows), ok=False)
    assert result.exit_code == 1
    assert "line 3: variants: unknown placeholder {sumary}" in result.output
    assert cli.json("library", "list") == []
