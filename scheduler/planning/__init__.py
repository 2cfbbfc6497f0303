"""The pure planner: which item goes where, when and in which words (see :mod:`.planner`).

The public names are loaded on first use (PEP 562): the queue's tables and ``status`` need only the small
:mod:`.model`, and importing it must not load the planner with it.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "CandidateSource": "candidates",
    "InMemoryCandidates": "candidates",
    "explain_item": "explain",
    "ChannelPlan": "inputs",
    "PlanInputs": "inputs",
    "Observation": "learning",
    "PastShare": "model",
    "Plan": "model",
    "PlannedPost": "model",
    "UnknownTarget": "planner",
    "plan": "planner",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'scheduler.planning' has no attribute {name!r}")
    return getattr(import_module(f"scheduler.planning.{_EXPORTS[name]}"), name)
