"""The period a clicks import covers, and how a post's imported clicks add up over imports.

An import without a period states each listed post's total clicks so far. An import with a period (an
analytics export of a month, say) states the clicks during it. A post's clicks are:

- its newest total (0 if it has none), plus
- for each distinct period imported for it that begins no earlier than that total was imported, the count of
  the newest import of that period.

So importing a period again replaces it, consecutive periods add up, and a newer total replaces everything
before it: it holds every click up to its import, the earlier periods' included. A period that began before
the newest total was imported is left out whole, even its part after the import: that part cannot be told
apart from the part the total already holds, and an undercount is better than counting clicks twice.

Periods must not partly overlap: summing two would count the overlap twice, and letting one replace the other
would lose the rest of it. An import whose period overlaps one already imported, other than the very same
period, is refused whole (:func:`refuse_overlap`). The check is per import, against every period imported for
any post, so the answer does not depend on which posts a file happens to list.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from content_library.errors import EvertideError
from scheduler.metrics.tables import ClickCount


@dataclass(frozen=True)
class Period:
    """The instants an export counted clicks in: from ``since`` up to, not including, ``until`` (aware UTC)."""

    since: datetime
    until: datetime

    def __post_init__(self) -> None:
        if self.until <= self.since:
            raise EvertideError(
                f"--until ({self.until:%Y-%m-%d %H:%MZ}) is not after --since ({self.since:%Y-%m-%d %H:%MZ})",
                hint="Give the export's first day as --since and the day after its last as --until.",
            )

    def __str__(self) -> str:
        return f"{self.since:%Y-%m-%d %H:%MZ} to {self.until:%Y-%m-%d %H:%MZ}"

    def overlaps(self, other: "Period") -> bool:
        """Whether an instant is in both; periods that only meet (one's ``until`` the other's ``since``) do not."""
        return self.since < other.until and other.since < self.until


class PeriodOverlaps(EvertideError):
    """An import's period partly overlaps one already imported; nothing was written."""

    def __init__(self, period: Period, imported: Period) -> None:
        super().__init__(
            f"the period {period} overlaps {imported}, already imported: adding them up would count the clicks "
            "of the overlap twice, and replacing one with the other would lose the rest of it",
            hint=f"To replace that import, give exactly --since {imported.since:%Y-%m-%dT%H:%MZ} --until "
            f"{imported.until:%Y-%m-%dT%H:%MZ}; otherwise export a period that ends by its start or begins at its "
            "end or later.",
        )


def refuse_overlap(period: Period, imported: Iterable[Period]) -> None:
    """Raise :class:`PeriodOverlaps` naming the earliest of ``imported`` that overlaps ``period`` without being
    the same period (the same period is imported again, and replaces the earlier import)."""
    for earlier in sorted(imported, key=lambda p: (p.since, p.until)):
        if earlier != period and period.overlaps(earlier):
            raise PeriodOverlaps(period, earlier)


def period_of(row: ClickCount) -> Period | None:
    """The period ``row`` was imported for; None for a total."""
    if row.period_since is None or row.period_until is None:
        return None
    return Period(row.period_since, row.period_until)


def summed_clicks(rows: Iterable[ClickCount]) -> int:
    """One post's clicks from its rows, by the rule in this module's docstring. ``rows`` may be all of the
    post's rows or only the newest of each period and the newest total; an older import of a period changes
    nothing."""
    total: ClickCount | None = None
    newest: dict[Period, ClickCount] = {}
    for row in sorted(rows, key=lambda r: r.id or 0):  # ids grow with each import
        period = period_of(row)
        if period is None:
            total = row
        else:
            newest[period] = row
    if total is None:
        return sum(row.clicks for row in newest.values())
    counted = total.imported_at
    return total.clicks + sum(row.clicks for period, row in newest.items() if period.since >= counted)
