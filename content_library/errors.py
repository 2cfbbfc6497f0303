"""The error hierarchy shared by the whole of evertide.

::

    EvertideError                  anything evertide reports to a person
    ├── ItemNotFound (LookupError)   an id that names nothing
    ├── SchemaOutdated               the database needs `evertide db upgrade`
    ├── ImportRejected               a CSV/YAML file with bad rows; nothing was imported
    ├── FeedError                    a feed that could not be fetched or read at all
    └── RenderError                  a template that cannot be filled or cannot fit its platform
                                     (content_library.rendering)

Every error carries a ``hint``: the command or change that gets the person unstuck. Only the CLI turns
errors into exit codes.
"""


class EvertideError(Exception):
    """Root of every error evertide raises on purpose."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        if hint:
            self.hint = hint


class ItemNotFound(EvertideError, LookupError):
    """A library item, variant or feed id that does not exist."""

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"there is no {what} with id {ident}", hint="List them with `evertide library list`.")
        self.ident = ident


class SchemaOutdated(EvertideError):
    """The database was made by an older (or newer) evertide."""

    hint = "Run `evertide db upgrade` (back up the database first if it matters to you)."


class ImportRejected(EvertideError):
    """A file whose rows do not all validate. ``problems`` lists every bad row; nothing was written."""

    def __init__(self, source: str, problems: list[str]) -> None:
        listing = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            f"{source}: {len(problems)} problem(s), nothing imported:\n{listing}",
            hint="Fix those rows and import the file again.",
        )
        self.problems = problems


class FeedError(EvertideError):
    """A feed that gave nothing usable: unreachable, not a feed, or too broken to read any entry."""

    def __init__(self, feed: str, problem: str) -> None:
        super().__init__(f"feed {feed}: {problem}", hint="Check the URL, or run again later if the site is down.")
        self.feed = feed
        self.problem = problem
