"""Rules: every diagnostic code, its documentation, and the model checks.

The imports below are the whole registration: each module registers its
family's rules with ``@rule``.  Nothing is discovered by name.
"""

from . import (  # noqa: F401
    alignment,
    asserts,
    bounds,
    canonical,
    emit_names,
    fidelity,
    frontend,
    limits,
    overlap,
    permissions,
    split,
    usage,
)
from .registry import RULES, Rule, all_rules, lookup  # noqa: F401
from .runner import run_rules  # noqa: F401
