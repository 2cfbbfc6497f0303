"""The pure planner: which item goes where, when and in which words (see :mod:`.planner`)."""

from scheduler.planning.candidates import CandidateSource, InMemoryCandidates
from scheduler.planning.explain import explain_item
from scheduler.planning.inputs import ChannelPlan, PlanInputs
from scheduler.planning.model import PastShare, Plan, PlannedPost
from scheduler.planning.planner import UnknownTarget, plan

__all__ = [
    "CandidateSource",
    "ChannelPlan",
    "InMemoryCandidates",
    "PastShare",
    "Plan",
    "PlanInputs",
    "PlannedPost",
    "UnknownTarget",
    "explain_item",
    "plan",
]
