"""The planner is a pure core: no clock, no randomness, no database or files inside scheduler/planning."""

import re
from pathlib import Path

import pytest

import scheduler.planning

PLANNING = Path(scheduler.planning.__file__).parent
FORBIDDEN = {
    r"datetime\.now\(|datetime\.utcnow\(|date\.today\(": "reads the clock (take `now` as an argument)",
    r"\btime\.time\(|\btime\.monotonic\(|\btime\.perf_counter\(": "reads the clock",
    r"^\s*import random|^\s*from random import|\brandom\.": "uses randomness (derive jitter from a hash)",
    r"^\s*(import|from) (sqlalchemy|sqlmodel|content_library\.database|content_library\.candidates)\b": "does I/O",
    r"\bopen\(": "does I/O",
}


@pytest.mark.parametrize("path", sorted(PLANNING.glob("*.py")), ids=lambda p: p.name)
def test_planning_modules_stay_pure(path: Path) -> None:
    source = path.read_text()
    for pattern, problem in FORBIDDEN.items():
        found = re.search(pattern, source, re.MULTILINE)
        assert found is None, f"{path.name} {problem}: {found.group(0) if found else ''!r}"


def test_the_package_exports_its_api() -> None:
    exported = set(scheduler.planning.__all__)
    assert {"plan", "explain_item", "CandidateSource", "InMemoryCandidates", "Plan", "PlannedPost"} <= exported
    assert all(hasattr(scheduler.planning, name) for name in exported)
