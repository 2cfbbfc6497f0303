"""Names a person types to pick channels, campaigns or feeds, checked against those that exist.

A typo in a filter is an error that lists the real names: ``queue list --channel bogus`` used to print an
empty table and ``feeds poll zzz`` to poll nothing, both looking like "nothing to do". The planner, the queue
edits, the holds and the CLI's filters all ask :func:`require_known`, so the message reads the same from
every command.
"""

from collections.abc import Collection, Iterable

from content_library.errors import EvertideError


class UnknownName(EvertideError, LookupError):
    """A channel, campaign or feed name that is not defined; the hint lists those that are."""

    def __init__(self, what: str, names: Collection[str], known: Collection[str]) -> None:
        shown = ", ".join(f'"{name}"' for name in sorted(names))
        super().__init__(
            f"no {what} called {shown}", hint=f"Known {what}s: {', '.join(sorted(known)) or 'none defined'}."
        )
        self.names = tuple(sorted(names))


def require_known(what: str, given: Iterable[str | None], known: Collection[str]) -> None:
    """Raise :class:`UnknownName` naming every one of ``given`` (``None`` means no filter) not in ``known``."""
    unknown = {name for name in given if name is not None and name not in known}
    if unknown:
        raise UnknownName(what, unknown, known)
