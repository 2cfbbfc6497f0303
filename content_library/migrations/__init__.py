"""The database's one Alembic history, whose versions live in more than one folder.

The library's own migrations are in ``versions/`` here; a package that keeps tables of its own in the same
database (the scheduler's queue) registers its folder with :func:`register`, so that ``upgrade`` and the
schema check see the whole history while the library never imports that package. The revision ids form one
linear chain across the folders (the library's ``0006`` follows the scheduler's ``0005``), numbered in order,
so a database made before the split upgrades without change.

Each folder is registered with its newest revision, written down in code: checking a database's schema is then
one query of its ``alembic_version`` table against :func:`head`, with no Alembic loaded (reading the scripts
costs every command ~0.1 s). A test compares each written-down head with what Alembic finds in the scripts.

This module stays light (no SQLAlchemy): registering happens when the CLI starts.
"""

from pathlib import Path

__all__ = ["HEAD", "VERSIONS", "folders", "head", "register"]

VERSIONS = Path(__file__).with_name("versions")
HEAD = "0013"  # the newest revision in VERSIONS

_folders: dict[Path, str] = {VERSIONS: HEAD}


def register(folder: Path, head: str) -> None:
    """Add ``folder`` of Alembic versions, whose newest revision is ``head``, to the history. Registering a
    folder again changes nothing."""
    _folders.setdefault(folder, head)


def folders() -> tuple[Path, ...]:
    """Every folder of versions, the library's first."""
    return tuple(_folders)


def head() -> str:
    """The newest revision of the whole history: the highest of the folders' newest (ids are numbered in
    order)."""
    return max(_folders.values())
