"""The forms every time option accepts (``--to``, ``--at``, ``--until``, ``--since``, ``--from``), said once:
each option's ``--help`` and the parser's hint quote this, and the README repeats it. The parser is
:func:`scheduler.queue.when.parse_when`; this module stays import-free so a command's help costs nothing.
:data:`FURTHEST_DAYS` bounds every time and every ``--days``."""

FURTHEST_DAYS = 3660  # ten years: further than anyone plans a post, nearer than datetime's end

WHEN_FORMS = (
    "ISO 8601 (2026-12-01T09:30Z; 2026-12-01T09:30 or 2026-12-01 is a wall time), now, today, yesterday, "
    "tomorrow (each at 00:00, or with a time: 'tomorrow 12:30'), 'mon 09:00' (the next Monday), "
    "'09:30' (the next 09:30), or an offset from now: -2h, +45m, +1d"
)
