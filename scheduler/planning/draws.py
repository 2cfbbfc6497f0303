"""Deterministic numbers for the planner: jitter, rotation and Thompson draws come from a hash of what is being
decided, never from ``random``, so the same inputs give the same plan whatever order decisions are taken in."""

import hashlib


def unit_hash(*parts: object) -> float:
    """A stable number in [0, 1) for ``parts``."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64
