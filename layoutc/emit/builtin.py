"""The built-in emitters, registered by name (``layoutc emit NAME``, and ``layoutc build`` writes each).

``base.emitters()`` imports this module; plug-ins come from the ``layoutc.emitters``
entry-point group (docs/emitters.md).  The emitter modules are imported when an
emitter runs, so listing the registry stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterator

from .base import EmitOptions, Emitter, register


def _header(layout, options: EmitOptions) -> Iterator[str]:
    from .c_header import pieces

    return pieces(layout, options)


def _ld(layout, options: EmitOptions) -> Iterator[str]:
    from .linker_script import pieces

    return pieces(layout, options)


def _json(layout, options: EmitOptions) -> Iterator[str]:
    from .json_model import pieces

    return pieces(layout, options)


def _markdown(layout, options: EmitOptions) -> Iterator[str]:
    from .markdown import markdown_pieces

    return markdown_pieces(layout, options)


def _rst(layout, options: EmitOptions) -> Iterator[str]:
    from .markdown import rst_pieces

    return rst_pieces(layout, options)


HEADER = register(Emitter("header", ".h", "C header for C, C++, assembly and cpp-run linker scripts, "
                                          "with static assertions restating the layout's checks", _header))
LD = register(Emitter("ld", ".ld", "GNU ld fragment: MEMORY, PROVIDE()d symbols, ASSERT()s, kernel image placement "
                                   "(-O placement=no / memory=no leave SECTIONS / MEMORY out)", _ld))
JSON = register(Emitter("json", ".json", "the evaluated model as JSON (layoutc/schemas/layout.schema.json)", _json))
MARKDOWN = register(Emitter("markdown", ".md", "memory-map tables in Markdown, kernel-documentation style", _markdown))
RST = register(Emitter("rst", ".rst", "memory-map tables in reStructuredText, kernel-documentation style", _rst))

# The diagram emitters live with the drawing code; importing it registers `dot` (written by `build`) and `svg`.
from ..draw import dot as _diagrams  # noqa: E402,F401
