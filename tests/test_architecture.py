"""The shape of the code, checked: who may import whom, and who may read the clock."""

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
CLOCK_READS = re.compile(r"datetime\.now\(|datetime\.utcnow\(|time\.time\(|date\.today\(")


def sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def test_the_content_library_never_imports_the_scheduler() -> None:
    offenders = [
        p for p in sources("content_library") if re.search(r"^\s*(from|import) scheduler\b", p.read_text(), re.M)
    ]
    assert offenders == []


def test_apscheduler_is_imported_in_one_module_only() -> None:
    imports = re.compile(r"^\s*(from|import) apscheduler\b", re.M)
    users = [
        p.relative_to(ROOT).as_posix() for p in sources("scheduler", "content_library") if imports.search(p.read_text())
    ]
    assert users == ["scheduler/daemon/runner.py"]


def test_only_the_daemon_the_cli_and_the_platform_calls_read_the_clock() -> None:
    """Publishers are the I/O edge too: a Bluesky record's ``createdAt`` and a webhook's ``Retry-After``
    seconds are facts of the moment of the call, not of the plan."""
    readers = {
        p.relative_to(ROOT).as_posix()
        for p in sources("scheduler", "content_library")
        if CLOCK_READS.search(p.read_text())
    }
    edge = {"scheduler/daemon/runner.py", "scheduler/cli/common.py"}
    assert {r for r in readers if not r.startswith("scheduler/publishers/")} <= edge
