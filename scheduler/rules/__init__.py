"""One rule book for every post: the spacing and caps that the planner, each queue edit and the daemon's
check at claim time all keep, with one meaning (:mod:`.book` for the numbers, :mod:`.timeline` for the rules)."""

from scheduler.rules.book import Caps, RuleBook, Spacing
from scheduler.rules.timeline import Post, Rule, Timeline, Violation, repeat_clear_from

__all__ = ["Caps", "Post", "Rule", "RuleBook", "Spacing", "Timeline", "Violation", "repeat_clear_from"]
