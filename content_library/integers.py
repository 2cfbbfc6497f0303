"""The whole numbers the database holds, and reading one written by a person or another program.

Every Integer column is 32-bit on PostgreSQL (int4), 64-bit on SQLite. A larger number from outside (a CSV
cell, an id on the command line, a platform's count) is a ``DataError`` on PostgreSQL and an
``OverflowError`` from SQLite's driver past 64 bits, so it is checked against :data:`LARGEST_INTEGER` before
any query sees it. Apart from :mod:`content_library.database` so that checking a command-line id loads no
database driver.
"""

LARGEST_INTEGER = 2**31 - 1
_DIGITS = len(str(LARGEST_INTEGER))


def whole_number(text: str) -> int | None:
    """``text`` as a non-negative whole number written in ASCII digits, else None (a sign, a space inside,
    ``١٢``). One with more digits than any the database holds is ``LARGEST_INTEGER + 1``, not parsed: Python
    refuses to parse over 4300 digits, and the caller needs only to know it is too large."""
    if not text.isascii() or not text.isdigit():
        return None
    digits = text.lstrip("0")
    return int(digits or "0") if len(digits) <= _DIGITS else LARGEST_INTEGER + 1
