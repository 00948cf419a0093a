"""Definitions and references in one layout's files, read from the AST.

Names are resolved as the elaborator resolves them: a ``Scope`` built from the
same declarations, and ``model.evaluate.references`` to find what each
expression reads.  A symbol is keyed by what it is:

    ("name", NAME)            a param or a constant
    ("region", SPACE, NAME)   a region
    ("space", NAME)           an address space
    ("file", PATH)            the target of an `extends` (normalised absolute path)
    ("rule", RULE)            the rule an `allow` names, as written (code or name)
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Union

from ..model.evaluate import RegionIndex, Scope, references
from ..source import Span
from ..syntax import ast

Key = tuple[str, ...]
Decl = Union[ast.ParamDecl, ast.ConstDecl, ast.RegionDecl, ast.SpaceDecl, ast.LayoutHeader]


@dataclass(frozen=True, slots=True)
class Occurrence:
    key: Key
    span: Span
    role: str  # "definition", "reference", "set" (a board's `set NAME = ...`), "extends"


@dataclass
class Index:
    """Every occurrence of every symbol in a layout's files (base first)."""

    files: list[ast.File]
    definitions: dict[Key, Decl] = field(default_factory=dict)
    occurrences: list[Occurrence] = field(default_factory=list)
    _by_file: dict[str, list[Occurrence]] = field(default_factory=dict)

    def at(self, path: str, offset: int) -> Occurrence | None:
        """The innermost occurrence whose span holds ``offset`` (its end included: the cursor after a name)."""
        spans = self._by_file.get(norm(path), [])
        best: Occurrence | None = None
        for occurrence in spans[: bisect_right([o.span.start for o in spans], offset)]:
            span = occurrence.span
            if span.start <= offset <= span.end and (best is None or span.end - span.start < best.span.end - best.span.start):
                best = occurrence
        return best

    def of(self, key: Key) -> list[Occurrence]:
        return [o for o in self.occurrences if o.key == key]

    def definition(self, key: Key) -> Span | None:
        decl = self.definitions.get(key)
        return decl.name_span if decl is not None else None

    def names(self) -> dict[str, ast.ParamDecl | ast.ConstDecl]:
        return {key[1]: decl for key, decl in self.definitions.items()
                if key[0] == "name" and isinstance(decl, (ast.ParamDecl, ast.ConstDecl))}

    def regions(self) -> dict[Key, ast.RegionDecl]:
        return {key: decl for key, decl in self.definitions.items() if isinstance(decl, ast.RegionDecl)}

    def spaces(self) -> list[str]:
        return [key[1] for key in self.definitions if key[0] == "space"]


def norm(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


def _regions(decls: Iterable[ast.RegionDecl]) -> Iterator[ast.RegionDecl]:
    for decl in decls:
        yield decl
        yield from _regions(decl.children)


_ALLOW_RULE = re.compile(r"allow\s+([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)")
_OVERLAPS_PATH = re.compile(r"overlaps\s+([A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)")


def build_index(files: list[ast.File]) -> Index:
    index = Index(files)
    names: set[str] = set()
    spaces: set[str] = set()
    region_index = RegionIndex()
    for file in files:
        for item in file.items:
            if isinstance(item, (ast.ParamDecl, ast.ConstDecl)):
                names.add(item.name)
                index.definitions.setdefault(("name", item.name), item)
            elif isinstance(item, ast.SpaceDecl):
                spaces.add(item.name)
                index.definitions.setdefault(("space", item.name), item)
                for region in _regions(item.regions):
                    region_index.add(region.name, item.name)
                    index.definitions.setdefault(("region", item.name, region.name), region)
            elif isinstance(item, ast.LayoutHeader):
                index.definitions[("layout", item.name)] = item
    scope = Scope(names, spaces, region_index)
    add = index.occurrences.append

    def read(expr: ast.Expr | None) -> None:
        if expr is None:
            return
        for kind, key, span in references(expr, scope):
            if kind == "name":
                add(Occurrence(("name", str(key)), span, "reference"))
            else:
                assert isinstance(key, tuple)
                add(Occurrence(("region", key[0], key[1]), span, "reference"))

    def read_range(range_: ast.RangeSpec) -> None:
        read(range_.start)
        read(range_.end)

    def allows(items: Iterable[ast.Allow]) -> None:
        for allow in items:
            match = _ALLOW_RULE.match(allow.span.text)
            if match is not None:
                span = Span(allow.span.file, allow.span.start + match.start(1), allow.span.start + match.end(1))
                add(Occurrence(("rule", allow.rule), span, "reference"))

    for file in files:
        for item in file.items:
            if isinstance(item, ast.Extends):
                target = os.path.join(os.path.dirname(file.source.name), item.path)
                add(Occurrence(("file", norm(target)), item.span, "extends"))
            elif isinstance(item, ast.LayoutHeader):
                add(Occurrence(("layout", item.name), item.name_span, "definition"))
                for attr in item.attrs:
                    read(attr.value)
            elif isinstance(item, ast.ParamDecl):
                add(Occurrence(("name", item.name), item.name_span, "definition"))
                read(item.default)
            elif isinstance(item, ast.ConstDecl):
                add(Occurrence(("name", item.name), item.name_span, "definition"))
                read(item.expr)
            elif isinstance(item, ast.SetStmt):
                add(Occurrence(("name", item.name), item.name_span, "set"))
                read(item.value)
            elif isinstance(item, ast.AssertStmt):
                read(item.cond)
            elif isinstance(item, ast.Allow):
                allows([item])
            elif isinstance(item, ast.SpaceDecl):
                add(Occurrence(("space", item.name), item.name_span, "definition"))
                read(item.bits)
                allows(item.allows)
                for hole in item.holes:
                    read_range(hole.range)
                for region in _regions(item.regions):
                    add(Occurrence(("region", item.name, region.name), region.name_span, "definition"))
                    read_range(region.range)
                    read(region.cond)
                    allows(region.allows)
                    for attr in region.attrs:
                        read(attr.value)
                    for rel in region.overlaps:
                        match = _OVERLAPS_PATH.match(rel.span.text)
                        if match is not None and item.name in region_index.get(rel.path[-1], ()):
                            start = rel.span.start + match.start(1)
                            span = Span(rel.span.file, start, rel.span.start + match.end(1))
                            add(Occurrence(("region", item.name, rel.path[-1]), span, "reference"))
    for occurrence in index.occurrences:
        index._by_file.setdefault(norm(occurrence.span.file.name), []).append(occurrence)
    for spans in index._by_file.values():
        spans.sort(key=lambda o: o.span.start)
    return index
