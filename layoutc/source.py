"""Source text and spans: the one place positions come from.

A ``SourceFile`` keeps the text in memory; a ``Span`` is a pair of offsets into
it.  Line and column are computed only when a diagnostic is rendered, so no
stage ever re-reads a file to show an error.
"""

from __future__ import annotations

import bisect
from array import array
from typing import Any, Callable

from .frozen import field, frozen


@frozen(eq=False, slots=False)
class SourceFile:
    """One text the pipeline read: a layout file, or a ``-D`` override."""

    name: str  # as the user gave it (relative paths stay relative)
    text: str
    _line_starts: array[int] = field(init=False, repr=False, compare=False)  # 4 bytes a line, not ~36

    @property
    def is_argument(self) -> bool:
        """A `-D`/`--vary` text (named `<-D ...>`, `<--vary ...>`): a command-line argument, no file."""
        return self.name.startswith("<-")

    def __post_init__(self) -> None:
        # 4 bytes a line for any text an input limit lets through (16 MiB of line breaks: 64 MB, not 128)
        starts = array("i" if len(self.text) < 2**31 else "q", [0])
        find = self.text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        object.__setattr__(self, "_line_starts", starts)

    def __repr__(self) -> str:  # never the text: a layout file is tens of kilobytes
        return f"SourceFile({self.name!r}, {self.line_count} lines)"

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; columns count characters."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def line_text(self, line: int) -> str:
        start = self._line_starts[line - 1]
        end = self._line_starts[line] - 1 if line < len(self._line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r")

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def span(self, start: int, end: int | None = None) -> Span:
        return Span(self, start, start if end is None else end)

    def whole(self) -> Span:
        return Span(self, 0, 0)


@frozen
class Span:
    """Half-open character range ``[start, end)`` in ``file``."""

    file: SourceFile
    start: int
    end: int
    # the integer a SpanField keeps for it, when it was read from one: storing it again elsewhere (the
    # model's region keeps five spans of its declaration) shares that integer instead of making another
    packed: int | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        line, column = self.start_position()
        end_line, end_column = self.end_position()
        return f"Span({self.file.name}:{line}:{column}-{end_line}:{end_column})"

    @property
    def text(self) -> str:
        return self.file.text[self.start : self.end]

    def start_position(self) -> tuple[int, int]:
        return self.file.position(self.start)

    def end_position(self) -> tuple[int, int]:
        return self.file.position(self.end)

    def where(self) -> str:
        line, column = self.start_position()
        return f"{self.file.name}:{line}:{column}"

    def join(self, other: Span) -> Span:
        if other.file is not self.file:
            return self
        return Span(self.file, min(self.start, other.start), max(self.end, other.end))


_PACKED = 32  # a span's end fits in the low bits: files are at most 16 MiB (L001)
_LOW = (1 << _PACKED) - 1


class SpanField:
    """How a slotted ``@frozen`` class keeps a ``Span`` field (``field(stored=SpanField)``): the file in
    one slot and both offsets in one integer in another, the Span made again each time it is read.

    A syntax tree has a span per node and most nodes are a name or a number: the Span object and
    its two offsets were ~115 bytes a node, over half of a large layout's tree (issue 10); kept
    like this they are one shared pointer and one integer (10,000 generated regions parse into
    20.8 MB instead of 28.6).  A span that does not pack (offsets past
    2^32) is kept as it is.  ``None`` is kept for an optional span.
    """

    __slots__ = ("file", "file_of", "name", "pos", "slots")

    def __init__(self, name: str, file_of: str | None = None) -> None:
        self.name = name
        self.file_of = file_of
        self.slots = (f"_{name}_pos",) if file_of else (f"_{name}_file", f"_{name}_pos")

    @classmethod
    def sharing(cls, first: str) -> Callable[[str], SpanField]:
        """For a span that lies in the same file as field ``first`` (declared before it): its file slot
        is ``first``'s (the model's region keeps five spans of one declaration: four slots fewer).
        A span in another file is kept as it is."""
        return lambda name: cls(name, first)

    def __set_name__(self, owner: type, name: str) -> None:
        self.pos = owner.__dict__[self.slots[-1]]  # the slots' member descriptors
        self.file = owner.__dict__[f"_{self.file_of or name}_file"]

    def __get__(self, node: object, owner: type | None = None) -> Any:
        if node is None:
            return self
        pos = self.pos.__get__(node)
        if pos.__class__ is not int:
            return pos  # None, or a span kept as it is
        return Span(self.file.__get__(node), pos >> _PACKED, pos & _LOW, pos)

    def __set__(self, node: object, span: Span | None) -> None:
        if span is not None and 0 <= span.start and 0 <= span.end <= _LOW and self._file_fits(node, span.file):
            packed = span.packed
            if packed is None or packed >> _PACKED != span.start or packed & _LOW != span.end:
                packed = span.start << _PACKED | span.end
            self.pos.__set__(node, packed)
        else:
            if not self.file_of:
                self.file.__set__(node, None)
            self.pos.__set__(node, span)

    def _file_fits(self, node: object, file: SourceFile) -> bool:
        """Whether ``file`` can be kept in the file slot: this field's own (set now), or the one it shares."""
        if not self.file_of:
            self.file.__set__(node, file)
            return True
        try:
            return self.file.__get__(node) is file
        except AttributeError:  # the field it shares has not been set (or kept its span as it is)
            return False


def start_of(node: object) -> int:
    """Where the span of ``node`` (a class with ``span = field(stored=SpanField)``) starts, without making it."""
    pos = node._span_pos  # type: ignore[attr-defined]
    return pos >> _PACKED if pos.__class__ is int else node.span.start  # type: ignore[attr-defined]


def end_of(node: object) -> int:
    """Where the span of ``node`` ends, without making it."""
    pos = node._span_pos  # type: ignore[attr-defined]
    return pos & _LOW if pos.__class__ is int else node.span.end  # type: ignore[attr-defined]
