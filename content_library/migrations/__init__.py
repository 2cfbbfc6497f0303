"""The database's one Alembic history, whose versions live in more than one folder.

The library's own migrations are in ``versions/`` here; a package that keeps tables of its own in the same
database (the scheduler's queue) registers its folder with :func:`register`, so that ``upgrade`` and the
schema check see the whole history while the library never imports that package. The revision ids form one
linear chain across the folders, so a database made before the split upgrades without change.

This module stays light (no SQLAlchemy): registering happens when the CLI starts.
"""

from pathlib import Path

__all__ = ["VERSIONS", "folders", "register"]

VERSIONS = Path(__file__).with_name("versions")

_folders: list[Path] = [VERSIONS]


def register(folder: Path) -> None:
    """Add ``folder`` of Alembic versions to the history; registering it again changes nothing."""
    if folder not in _folders:
        _folders.append(folder)


def folders() -> tuple[Path, ...]:
    """Every folder of versions, the library's first."""
    return tuple(_folders)
