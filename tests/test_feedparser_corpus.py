"""Every document of feedparser's own test corpus imports, or is refused in one line that names it.

The corpus (tests/data/feedparser-corpus, 2,107 files: every feed format, encodings from Big5 to UTF-32 with
and without byte order marks, entities, broken documents) goes through :func:`import_source`, the code behind
``evertide library import FILE``, into a real SQLite file. What must hold for each file: no exception but
evertide's own, an error or warning of one line naming the file, every stored field within its limit, and
well under 10 s. Found before: UTF-16/32 feeds were read as CSV, and a JSON Feed got a two-line refusal.
"""

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from content_library.database import make_engine, upgrade
from content_library.errors import EvertideError
from content_library.field_limits import LIMITS
from content_library.importing import import_source
from tests.conftest import DATA

CORPUS = DATA / "feedparser-corpus"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
DOCUMENTS = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".xml", ".json"))
FOLDERS = sorted({p.parent.relative_to(CORPUS).as_posix() for p in DOCUMENTS})
TOO_LONG = 10.0  # seconds; the slowest file takes well under a tenth of that


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('corpus') / 'evertide.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def outcome(engine: Engine, path: Path) -> tuple[list[str], bool]:
    """The lines ``library import`` would print for ``path`` (summary and warnings, or the error), and whether it
    was refused."""
    try:
        summary = import_source(engine, str(path), now=NOW)
    except EvertideError as error:
        return [str(error)], True
    return [summary.line(), *summary.warnings], False


def test_the_corpus_is_all_here() -> None:
    assert len(DOCUMENTS) == 2_107 and (CORPUS / "LICENSE").exists()


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_file_imports_or_is_refused_in_one_line_naming_it(engine: Engine, folder: str) -> None:
    problems = []
    for path in (p for p in DOCUMENTS if p.parent == CORPUS / folder):
        started = time.perf_counter()
        try:
            lines, refused = outcome(engine, path)
        except Exception as error:  # anything but evertide's own errors is a crash a person would see
            problems.append(f"{path.name}: crashed with {type(error).__name__}: {error}")
            continue
        took = time.perf_counter() - started
        if took > TOO_LONG:
            problems.append(f"{path.name}: took {took:.1f} s")
        if any("\n" in line for line in lines):
            problems.append(f"{path.name}: more than one line: {lines}")
        if refused and path.name not in lines[0]:
            problems.append(f"{path.name}: the refusal does not name the file: {lines[0]}")
    assert problems == []
    with engine.connect() as connection:
        longest = connection.execute(
            text("SELECT max(length(title)), max(length(summary)), max(length(url)) FROM item")
        ).one()
    assert all(
        size is None or size <= LIMITS[name] for size, name in zip(longest, ("title", "summary", "url"), strict=True)
    )
