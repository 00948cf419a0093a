"""Delta debugging (ddmin) of a failing case's main file: lines, then tokens, then bytes.

The predicate is "still fails at the same crash site"; every test runs in the pool, so a
minimisation step that hangs is bounded like any other input.  The number of tests is capped.
"""

from __future__ import annotations

import re

from .cases import Case

TOKENS = re.compile(rb'"(?:\\.|[^"\\\n])*"|[A-Za-z_0-9.]+|\s+|.', re.S)


def _ddmin(parts: list[bytes], fails, budget: list[int]) -> list[bytes]:
    n = 2
    while len(parts) >= 2 and budget[0] > 0:
        chunk = max(1, len(parts) // n)
        reduced = False
        for start in range(0, len(parts), chunk):
            if budget[0] <= 0:
                break
            rest = parts[:start] + parts[start + chunk:]
            budget[0] -= 1
            if rest and fails(b"".join(rest)):
                parts, n, reduced = rest, max(n - 1, 2), True
                break
        if not reduced:
            if n >= len(parts):
                break
            n = min(len(parts), n * 2)
    return parts


def minimise(case: Case, same_failure, max_tests: int = 300) -> Case:
    """``same_failure(case) -> bool``; returns the smallest case found within ``max_tests`` runs."""
    data = case.files[case.main]
    budget = [max_tests]

    def fails(candidate: bytes) -> bool:
        return same_failure(case.with_main(candidate))

    for split in (lambda d: d.splitlines(keepends=True), TOKENS.findall, lambda d: [bytes([b]) for b in d]):
        parts = split(data)
        if len(parts) > 4000 and split is not TOKENS.findall:
            continue  # byte-level on a big file costs more than it gives
        data = b"".join(_ddmin(parts, fails, budget))
    return case.with_main(data)
