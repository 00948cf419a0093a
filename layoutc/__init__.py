"""layoutc: a declarative memory-layout compiler and linter for kernel and board bring-up.

The Python API (docs/api.md)::

    import layoutc

    result = layoutc.load("layouts/arm32.kl", {"vmsplit": "2G"})
    for diagnostic in result.diagnostics:
        print(diagnostic.code, diagnostic.message)

``import layoutc`` stays cheap (the CLI starts through it): the names below are imported on
first use, by the module ``__getattr__`` (PEP 562).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers treat the name as true)

__version__ = "0.1.0"

# name -> module that defines it; one list, read by __getattr__, __dir__ and __all__
_API = {
    "load": "layoutc.api",
    "check": "layoutc.api",
    "emit_text": "layoutc.api",
    "emitters": "layoutc.api",
    "Result": "layoutc.session",
    "Layout": "layoutc.model.types",
    "Space": "layoutc.model.types",
    "Region": "layoutc.model.types",
    "Hole": "layoutc.model.types",
    "Param": "layoutc.model.types",
    "Const": "layoutc.model.types",
    "Origin": "layoutc.model.types",
    "Assertion": "layoutc.model.types",
    "Waiver": "layoutc.model.types",
    "Diagnostic": "layoutc.diagnostics",
    "Label": "layoutc.diagnostics",
    "Severity": "layoutc.diagnostics",
    "SourceFile": "layoutc.source",
    "Span": "layoutc.source",
}

__all__ = ["__version__", *_API]

if TYPE_CHECKING:  # what type checkers and editors see (`X as X`: re-exported); at run time __getattr__ imports
    from typing import Any

    from .api import check as check
    from .api import emit_text as emit_text
    from .api import emitters as emitters
    from .api import load as load
    from .diagnostics import Diagnostic as Diagnostic
    from .diagnostics import Label as Label
    from .diagnostics import Severity as Severity
    from .model.types import Assertion as Assertion
    from .model.types import Const as Const
    from .model.types import Hole as Hole
    from .model.types import Layout as Layout
    from .model.types import Origin as Origin
    from .model.types import Param as Param
    from .model.types import Region as Region
    from .model.types import Space as Space
    from .model.types import Waiver as Waiver
    from .session import Result as Result
    from .source import SourceFile as SourceFile
    from .source import Span as Span


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'layoutc' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
