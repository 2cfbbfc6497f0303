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


def test_the_cli_starts_without_the_planner_or_x_s_counting_port() -> None:
    """Found: `evertide --help` took 1.7 s, importing the planner (plan_commands at module level) and building
    twitter-text's emoji table (the config model loads the text-length module): each command pays for what
    it uses, when it uses it."""
    import subprocess
    import sys

    script = (
        "import sys\nfrom scheduler.cli.app import app\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('twitter_text', 'sqlalchemy', 'feedparser')"
        " or m.startswith('scheduler.planning'))\nprint(heavy)\n"
    )
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert found.stdout.strip() == "[]"
