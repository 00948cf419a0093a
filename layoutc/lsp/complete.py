"""Completion candidates from the text before the cursor and the layout's last good index.

The text is read, not parsed: while a line is being typed the file rarely
parses, so the context comes from the words before the cursor and the blocks
(`layout`, `space`, `region`, `match`) still open there.  Names, kinds,
attributes and types are the pipeline's own lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model.elaborate import HEADER_ATTRS, KINDS, PARAM_TYPES, REGION_ATTRS
from ..model.evaluate import BUILTINS
from ..model.types import Layout
from ..model.values import show
from ..syntax import ast
from ..syntax.lexer import code_only, strings_and_comments
from .index import Index


@dataclass(frozen=True, slots=True)
class Candidate:
    label: str
    kind: str  # keyword, param, const, region, space, attribute, value, function, type, rule
    detail: str = ""


TOP_KEYWORDS = ("extends", "layout", "param", "const", "set", "space", "assert", "requires", "allow")
SPACE_KEYWORDS = ("region", "hole", "allow")
REGION_KEYWORDS = ("region", "overlaps", "allow")
EXPRESSION_KEYWORDS = ("if", "then", "else", "match", "true", "false")
REGION_FIELDS = ("start", "end", "size", "last")
BANKS_FIELDS = ("base", "end", "size", "span", "count")
VERSION_FIELDS = ("major", "minor")
ATTR_VALUES = {"kind": KINDS, "access": ("user", "kernel"), "perm": ("r", "rw", "rx", "rwx", "x", "none")}

_WORD = r"[A-Za-z_][A-Za-z0-9_]*"


def _blocks(code: str) -> list[tuple[str, str]]:
    """The blocks open at the end of ``code``, outermost first: ("layout"|"space"|"region"|"match"|"", subject)."""
    stack: list[tuple[str, str]] = []
    for brace in re.finditer(r"[{}]", code):
        if brace.group() == "}":
            if stack:
                stack.pop()
            continue
        before = code[max(0, brace.start() - 400): brace.start()]
        opener = re.search(rf"\bmatch\s+({_WORD})\s*$", before)
        if opener is not None:
            stack.append(("match", opener.group(1)))
            continue
        heads = re.findall(rf"\b(layout|space|region)\s+({_WORD})", re.split(r"[{};]", before)[-1])
        stack.append(heads[-1] if heads else ("", ""))
    return stack


def _inside_text(before: str) -> bool:
    """Whether the cursor at the end of ``before`` is inside a comment or a string."""
    last = None
    for last in strings_and_comments(before):
        pass
    if last is None or last[1] != len(before):
        return False
    start, _, closed = last
    return before.startswith("//", start) or not closed


def _names(index: Index | None, layout: Layout | None) -> list[Candidate]:
    if index is None:
        return []
    out: list[Candidate] = []
    for name, decl in index.names().items():
        detail = decl.type.span.text if isinstance(decl, ast.ParamDecl) else "const"
        if layout is not None and layout.has(name):
            detail += " = " + show(layout.value(name), layout.bits)
        out.append(Candidate(name, "param" if isinstance(decl, ast.ParamDecl) else "const", detail))
    seen: set[str] = set()
    for (_, space, name) in index.regions():
        if name not in seen:
            seen.add(name)
            out.append(Candidate(name, "region", f"region in `{space}`"))
    out += [Candidate(space, "space", "space") for space in index.spaces()]
    return out


def _param_values(index: Index | None, name: str) -> list[Candidate] | None:
    decl = index.names().get(name) if index is not None else None
    if not isinstance(decl, ast.ParamDecl):
        return None
    if decl.type.name == "choice":
        return [Candidate(text, "value", f"{name}: choice") for text, _ in decl.type.choices]
    if decl.type.name == "bool":
        return [Candidate(text, "value", f"{name}: bool") for text in ("true", "false")]
    return None


def candidates(text: str, offset: int, index: Index | None, layout: Layout | None) -> list[Candidate]:
    before = text[:offset]
    code = code_only(before)
    line = code[code.rfind("\n") + 1:]
    if _inside_text(before):
        return []
    dotted = re.search(rf"({_WORD})\s*\.\s*({_WORD})?$", line)
    if dotted is not None:
        return _fields(dotted.group(1), index, layout)
    attr = re.search(rf"^\s*({_WORD})\s*=\s*({_WORD})?$", line)
    blocks = _blocks(code)
    block, subject = blocks[-1] if blocks else ("", "")
    if attr is not None and block == "region" and attr.group(1) in ATTR_VALUES:
        return [Candidate(v, "value", attr.group(1)) for v in ATTR_VALUES[attr.group(1)]]
    compared = re.search(rf"(?:\bset\s+)?({_WORD})\s*(?:==|!=|=)\s*({_WORD})?$", line)
    if compared is not None:
        values = _param_values(index, compared.group(1))
        if values is not None:
            return values
    if re.search(rf"\bset\s+({_WORD})?$", line):
        return [c for c in _names(index, layout) if c.kind == "param"]
    if re.search(rf"\boverlaps\s+({_WORD})?$", line):
        return [c for c in _names(index, layout) if c.kind == "region"]
    if re.search(r"\ballow\s+([A-Za-z0-9-]*)$", line):
        from ..rules import RULES

        return [Candidate(code, "rule", rule.name) for code, rule in RULES.items()] + \
               [Candidate(rule.name, "rule", code) for code, rule in RULES.items()]
    if re.search(rf"\bparam\s+{_WORD}\s*:\s*({_WORD})?$", line):
        return [Candidate(t, "type", "param type") for t in PARAM_TYPES]
    if block == "match" and re.search(rf"(?:^|[{{,|])\s*({_WORD}|[0-9][A-Za-z0-9_]*)?$", code[code.rfind("{"):]):
        values = _param_values(index, subject)
        if values is not None:
            return values
    if re.fullmatch(rf"\s*({_WORD})?", line):  # the start of a statement
        if block == "layout":
            return [Candidate(a, "attribute", "layout attribute") for a in HEADER_ATTRS]
        if block == "space":
            return [Candidate(k, "keyword") for k in SPACE_KEYWORDS]
        if block == "region":
            return ([Candidate(a, "attribute", "region attribute") for a in REGION_ATTRS]
                    + [Candidate(k, "keyword") for k in REGION_KEYWORDS])
        if not blocks:
            return [Candidate(k, "keyword") for k in TOP_KEYWORDS]
    return (_names(index, layout) + [Candidate(f, "function", "built-in") for f in BUILTINS]
            + [Candidate(k, "keyword") for k in EXPRESSION_KEYWORDS])


def _fields(obj: str, index: Index | None, layout: Layout | None) -> list[Candidate]:
    if index is None:
        return []
    if obj in index.spaces():
        return [Candidate(name, "region", f"region in `{space}`") for (_, space, name) in index.regions() if space == obj]
    if any(name == obj for (_, _, name) in index.regions()):
        return [Candidate(f, "attribute", f"{obj}.{f}") for f in REGION_FIELDS]
    decl = index.names().get(obj)
    if isinstance(decl, ast.ParamDecl) and decl.type.name == "banks":
        return [Candidate(f, "attribute", f"{obj}.{f}") for f in BANKS_FIELDS]
    if isinstance(decl, ast.ParamDecl) and decl.type.name == "version":
        return [Candidate(f, "attribute", f"{obj}.{f}") for f in VERSION_FIELDS]
    return []
