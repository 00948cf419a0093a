"""Misuse of the simulated kernel: raised, with the function and the broken condition.

Out-of-memory is *not* an error (allocators return ``None`` / a fault); these are
bugs in the caller -- double free, unaligned pfn, kunmap of an unmapped page.
"""


class SimError(Exception):
    """`function: condition` -- like xv6's `panic("mappages: remap")`."""

    def __init__(self, function: str, condition: str) -> None:
        super().__init__(f"{function}: {condition}")
        self.function = function
        self.condition = condition
