"""Code actions: the `help:` texts of diagnostics that name an exact edit, as edits.

A help text stays prose for the terminal; only these shapes are read as edits
(each tested with the diagnostic that writes it):

    did you mean `X`?                         replace the diagnostic's span with X
    ... declare it: `overlaps A "why"` in `B`   add that line to region B
    start `B` at ADDR ... / end `B` at ADDR ... move region B's start / end
    nearest aligned addresses: X or Y (and the other "nearest ...: X or Y" forms)
                                              replace a literal number with X or Y

Anything else (a help that explains) gets no action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..diagnostics import Diagnostic
from ..model.types import Layout
from ..source import Span
from ..syntax import ast
from .index import Index

_DID_YOU_MEAN = re.compile(r"did you mean `([^`]+)`\?")
_DECLARE = re.compile(r"declare it: `(overlaps [^`]+)` in `([^`]+)`")
_MOVE = re.compile(r"^(start|end) `([^`]+)` at (0x[0-9a-fA-F_]+)")
_EITHER = re.compile(r"(?:nearest [a-z ]+: |load the kernel at )(0x[0-9a-fA-F_]+) or (0x[0-9a-fA-F_]+)")
_LITERAL = re.compile(r"(?:0x[0-9A-Fa-f_]+|0b[01_]+|[0-9][0-9_]*)(?:[KMGTPE](?:iB)?)?")
_WORDISH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[tuple[Span, str], ...]
    preferred: bool = False


def _misspelt(diagnostic: Diagnostic, span: Span, suggestion: str) -> Span | None:
    """The part of ``span`` the suggestion replaces: all of it when it is one word; the last part of a
    dotted path when the suggestion is one name; else the one word of the span that the message quotes."""
    text = span.text
    if _WORDISH.fullmatch(text):
        if "." in text and "." not in suggestion:
            cut = text.rindex(".") + 1
            return Span(span.file, span.start + cut, span.end)
        return span
    quoted = [q for q in re.findall(r"`([^`]+)`", diagnostic.message) if _WORDISH.fullmatch(q)]
    for word in quoted:
        hits = [m for m in re.finditer(rf"(?<![A-Za-z0-9_.-]){re.escape(word)}(?![A-Za-z0-9_-])", text)]
        if len(hits) == 1:
            return Span(span.file, span.start + hits[0].start(), span.start + hits[0].end())
    return None


def _is_size(index: Index | None, span: Span) -> bool:
    """Whether ``span`` is the SIZE of a `[START, +SIZE)` range (an address must not replace it)."""
    if index is None:
        return False
    return any(decl.range.relative and decl.range.end.span.start == span.start
               and decl.range.end.span.file is span.file for decl in index.regions().values())


def _editable(span: Span | None) -> bool:
    return span is not None and not span.file.name.startswith("<")


def _region(index: Index | None, diagnostic: Diagnostic, name: str) -> ast.RegionDecl | None:
    """The declaration of region ``name`` the diagnostic is about (its primary span is that region's range)."""
    if index is None or diagnostic.span is None:
        return None
    found = [decl for (_, _, n), decl in index.regions().items() if n == name]
    for decl in found:
        if decl.range.span.start == diagnostic.span.start and decl.range.span.file is diagnostic.span.file:
            return decl
    return found[0] if len(found) == 1 else None


def _add_to_body(decl: ast.RegionDecl, line: str) -> tuple[Span, str]:
    """An edit that adds ``line`` as the last item of a region's block (making the block if it has none)."""
    text = decl.span.file.text
    end = decl.span.end
    if text[end - 1: end] != "}":
        return Span(decl.span.file, end, end), f" {{ {line} }}"
    close = end - 1
    line_start = text.rfind("\n", 0, close) + 1
    if text[line_start:close].strip() == "":  # `}` on its own line: a new line above it, indented one more
        header_start = text.rfind("\n", 0, decl.span.start) + 1
        indent = re.match(r"[ \t]*", text[header_start:]).group()  # type: ignore[union-attr]
        return Span(decl.span.file, line_start, line_start), f"{indent}    {line}\n"
    last = close
    while last > 0 and text[last - 1] in " \t":
        last -= 1
    opened = text[last - 1] == "{"
    return Span(decl.span.file, last, last), (" " if opened else "; ") + line


def fixes(diagnostic: Diagnostic, index: Index | None, layout: Layout | None) -> list[Fix]:
    help_text = diagnostic.help or ""
    span = diagnostic.span
    out: list[Fix] = []
    match = _DID_YOU_MEAN.search(help_text)
    if match is not None and span is not None and _editable(span):
        target = _misspelt(diagnostic, span, match.group(1))
        if target is not None:
            out.append(Fix(f"Replace `{target.text}` with `{match.group(1)}`", ((target, match.group(1)),),
                           preferred=True))
    match = _DECLARE.search(help_text)
    if match is not None:
        decl = _region(index, diagnostic, match.group(2))
        if decl is not None and _editable(decl.span):
            out.append(Fix(f"Declare the overlap: `{match.group(1)}` in `{decl.name}`",
                           (_add_to_body(decl, match.group(1)),)))
    match = _MOVE.search(help_text)
    if match is not None:
        which, name, address = match.groups()
        decl = _region(index, diagnostic, name)
        if decl is not None:
            if which == "start":
                out.append(Fix(f"Start `{name}` at {address}", ((decl.range.start.span, address),)))
            elif not decl.range.relative:
                out.append(Fix(f"End `{name}` at {address}", ((decl.range.end.span, address),)))
            elif layout is not None:
                region = next((r for r in layout.regions() if r.name == name and r.span.start == decl.span.start), None)
                if region is not None and region.start is not None and int(address.replace("_", ""), 16) > region.start:
                    size = int(address.replace("_", ""), 16) - region.start
                    out.append(Fix(f"End `{name}` at {address} (size {size:#x})", ((decl.range.end.span, f"{size:#x}"),)))
    match = _EITHER.search(help_text)
    if match is not None and span is not None and _editable(span) and _LITERAL.fullmatch(span.text.strip()) \
            and not _is_size(index, span):
        for choice in match.groups():
            out.append(Fix(f"Replace `{span.text.strip()}` with {choice}", ((span, choice),)))
    return [fix for fix in out if all(_editable(s) for s, _ in fix.edits)]
