"""The Alembic versions of the scheduler's own tables (queue, publications, holds).

They continue the library's history in the same database (``0003`` follows the library's ``0002``), in this
folder so that the scheduler owns its schema and the library never needs to know about it. Importing this
module registers the folder with :mod:`content_library.migrations`; ``scheduler/__init__.py`` imports it, so
every upgrade and schema check made by anything that uses the scheduler sees the whole history.
"""

from pathlib import Path

from content_library import migrations as _library_migrations

VERSIONS = Path(__file__).with_name("versions")
HEAD = "0015"  # the newest revision in VERSIONS

_library_migrations.register(VERSIONS, HEAD)

__all__ = ["HEAD", "VERSIONS"]
