"""A whole-call deadline: HTTP clients time out per read, so a server dripping one byte at a time would hold a
call for ever. :func:`within` runs the call on a thread of its own and stops waiting at the deadline; the
caller then closes the client, which cuts the abandoned request's connection."""

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Overdue(Exception):
    """A call that did not finish within its deadline."""


def within(deadline: float | None, action: Callable[[], T], *, name: str) -> T:
    """``action()`` on a thread of its own, waited for at most ``deadline`` seconds (None: no limit). A
    daemon thread: an abandoned call never keeps the process from exiting."""
    if deadline is None:
        return action()
    outcome: list[tuple[bool, object]] = []
    finished = threading.Event()

    def run() -> None:
        try:
            outcome.append((True, action()))
        except BaseException as error:  # handed to the caller, who decides what it means
            outcome.append((False, error))
        finally:
            finished.set()

    threading.Thread(target=run, name=name, daemon=True).start()
    if not finished.wait(deadline):
        raise Overdue
    succeeded, value = outcome[0]
    if not succeeded:
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]
