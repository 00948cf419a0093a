"""Emitters: pure functions from the model to text, found by name in one registry.

An emitter is registered once with ``register(Emitter(...))``.  Third-party
emitters are found through the entry-point group ``layoutc.emitters``: each
entry point names an ``Emitter`` object.  File I/O lives in the CLI; an emitter
only returns text (or bytes), deterministically: a string, or the text in pieces (an
iterable of strings, usually a generator) so that a large output is written as it is made
and never held whole.  An emitter with pieces checks its options before the first piece:
the CLI takes the first piece before it writes anything, so a bad ``-O`` value writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Callable, Union

from ..model.types import Layout

Made = Union[str, bytes, Iterable[str]]  # what an emitter returns


def as_bytes(made: Made) -> Iterator[bytes]:
    """An emitter's output as bytes to write, in runs of about 64 KiB when it came in pieces."""
    from ..files import in_runs

    if isinstance(made, bytes):
        return iter((made,))
    if isinstance(made, str):
        return iter((made.encode("utf-8"),))
    return in_runs(made)


def as_text(made: Made) -> str:
    """An emitter's output as one string (the library API; tests)."""
    if isinstance(made, bytes):
        return made.decode("utf-8")
    return made if isinstance(made, str) else "".join(made)


@dataclass(frozen=True)
class EmitOptions:
    prefix: str = "LAYOUT"  # identifier prefix in C headers / linker scripts
    source: str = ""  # the layout file as the user named it (relative, never absolute)
    overrides: tuple[tuple[str, str], ...] = ()  # -D NAME=VALUE, in order
    extra: tuple[tuple[str, str], ...] = field(default=())  # emitter-specific options, sorted pairs

    def option(self, name: str, default: str | None = None) -> str | None:
        return dict(self.extra).get(name, default)


@dataclass(frozen=True)
class Emitter:
    name: str  # `layoutc emit NAME`
    suffix: str  # file name suffix `layoutc build` uses: ".h", ".ld", ".json"...
    description: str
    emit: Callable[[Layout, EmitOptions], Made]
    in_build: bool = True  # written by `layoutc build`
    binary: bool = False


_REGISTRY: dict[str, Emitter] = {}
_PLUGINS_LOADED = False


def register(emitter: Emitter) -> Emitter:
    if emitter.name in _REGISTRY and _REGISTRY[emitter.name] is not emitter:
        raise ValueError(f"emitter `{emitter.name}` registered twice")
    _REGISTRY[emitter.name] = emitter
    return emitter


def _load_plugins() -> None:
    global _PLUGINS_LOADED
    if _PLUGINS_LOADED:
        return
    _PLUGINS_LOADED = True
    from importlib.metadata import entry_points

    for entry in entry_points(group="layoutc.emitters"):
        emitter = entry.load()
        if isinstance(emitter, Emitter):
            register(emitter)


def emitters() -> dict[str, Emitter]:
    """Every emitter: the built-in ones (imported in emit/__init__.py) and plug-ins."""
    from . import builtin  # noqa: F401  (registers the built-in emitters)

    _load_plugins()
    return dict(sorted(_REGISTRY.items()))
