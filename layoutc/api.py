"""The Python API: what ``import layoutc`` gives a script (documented in docs/api.md).

A thin front door over the same pipeline the CLI runs (text -> AST -> model -> rules), so a
script sees exactly the values and findings ``layoutc check`` reports::

    result = layoutc.load("layouts/arm32.kl", {"vmsplit": "2G"})
    result.layout.region("virtual", "lowmem")      # a frozen Region: start, end, size, spans
    result.layout.provenance("PAGE_OFFSET")       # where the value came from (Origin, ...)
    result.diagnostics                            # Diagnostic values, policy applied

Like the rest of the library it never prints and never exits: an unreadable file or a bad
override is a diagnostic in the result (``result.usage_error`` says which kind), as the CLI
would report it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .diagnostics import Diagnostic
from .model.types import Layout
from .session import Policy, Result, load_layout


def load(path: str, overrides: Mapping[str, str] | Sequence[str] = (), *, text: str | bytes | None = None,
         select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Result:
    """Read, evaluate and check one layout.

    ``overrides`` are the ``-D`` values, as ``{"vmsplit": "2G"}`` or ``["vmsplit=2G"]`` (same
    literal syntax as the command line).  ``text`` is the layout's content when it is not on disk
    (an editor buffer): ``path`` then only names it in diagnostics and anchors its ``extends``.
    ``select`` / ``ignore`` take rule codes, names or code prefixes, as ``--select`` / ``--ignore``.

    ``result.layout`` is None when the layout could not be evaluated (the reasons are in
    ``result.diagnostics``).
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    return load_layout(path, overrides, Policy(tuple(select), tuple(ignore)), data)


def check(path: str, overrides: Mapping[str, str] | Sequence[str] = (), *, text: str | bytes | None = None,
          select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Diagnostic]:
    """The findings ``layoutc check`` reports for one layout, in file order (waived ones left out)."""
    return load(path, overrides, text=text, select=select, ignore=ignore).diagnostics


def emit_text(layout: Layout, kind: str, *, prefix: str | None = None, source: str | None = None) -> str:
    """The text ``layoutc emit KIND`` writes: ``header``, ``ld``, ``json``, ``markdown``, ``dot`` ...

    ``prefix`` starts every generated identifier (default: from the layout's name, as the CLI
    does); ``source`` is the file name the provenance comment names (default: the file loaded).
    Raises ``KeyError`` for an unknown kind (``emitters()`` lists them), ``ValueError`` for a
    binary one or when the generated names clash (the clash diagnostics are ``args[1]``).
    """
    from .emit.base import EmitOptions, as_text, emitters
    from .emit.commands import default_prefix
    from .emit.symbols import check_names

    emitter = emitters()[kind]
    if emitter.binary:
        raise ValueError(f"emitter `{kind}` writes bytes, not text")
    chosen = prefix if prefix is not None else default_prefix(layout.name)
    clashes = check_names(layout, chosen)
    if clashes:
        raise ValueError(f"generated names clash with prefix {chosen}: {clashes[0].message}", clashes)
    named = source if source is not None else (layout.files[-1].name if layout.files else "")
    return as_text(emitter.emit(layout, EmitOptions(prefix=chosen, source=named, overrides=layout.overrides)))


def emitters() -> list[str]:
    """The kinds ``emit_text`` takes: the built-in emitters and installed plug-ins."""
    from .emit.base import emitters as registry

    return [name for name, emitter in registry().items() if not emitter.binary]
