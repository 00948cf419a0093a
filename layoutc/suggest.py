"""Did-you-mean: the one helper every "unknown X" diagnostic uses."""

from __future__ import annotations

import difflib
import heapq
from typing import Iterable

from .limits import MAX_FINDINGS_PER_RULE

# The cost of a suggestion is bounded twice, because a generated layout with thousands of unknown
# names among thousands of definitions compared every unknown name with every definition (30 s for
# a 54 KB file): a pool of more than POOL names is cut to the POOL that start with the same letter and
# are nearest in length, and a Suggester makes at most MAX_FINDINGS_PER_RULE suggestions per check
# (no more findings of one code are shown).
POOL = 200


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """``help:`` text naming the closest candidate, or None when nothing is close."""
    unique = set(candidates)
    if len(unique) > POOL:
        first, size = word[:1].lower(), len(word)
        alike = [c for c in unique if c[:1].lower() == first]
        unique = set(heapq.nsmallest(POOL, alike, key=lambda c: (abs(len(c) - size), c)))
    pool = sorted(unique)
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        if word.lower() in lowered:
            matches = [lowered[word.lower()]]
    return f"did you mean `{matches[0]}`?" if matches else None


class Suggester:
    """``did_you_mean`` with a budget: the first ``budget`` calls suggest, the rest return None."""

    def __init__(self, budget: int = MAX_FINDINGS_PER_RULE) -> None:
        self.left = budget

    def __call__(self, word: str, candidates: Iterable[str]) -> str | None:
        if self.left <= 0:
            return None
        self.left -= 1
        return did_you_mean(word, candidates)
