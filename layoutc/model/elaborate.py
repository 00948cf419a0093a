"""AST files (+ overrides) -> the Layout model.

Input: the parsed files of one layout, base first (``extends`` already
resolved by the session), and the ``-D`` overrides as parsed expressions.
Output: a frozen ``Layout`` and front-end diagnostics (names, types, cycles).

Steps: gather declarations (duplicates reported) -> apply ``set`` and ``-D``
-> order every definition by what it reads (cycles reported with the whole
path) -> evaluate in that order -> build the model.  This module reads the
AST only; it never touches lark or the file system.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..diagnostics import Diagnostic, Label, Sink
from ..frozen import field, frozen, record
from ..limits import MAX_ADDRESS_BITS, VA_BITS_RANGE
from ..source import Span
from ..suggest import did_you_mean
from ..syntax import ast
from ..syntax.build import parse_number
from .evaluate import EvalError, Evaluator, RegionIndex, RegionValue, Scope, literal_text, references
from .types import Assertion, Const, Hole, Layout, Operand, Origin, Param, Region, Relation, Space, Waiver
from .values import UNKNOWN, Bank, Banks, Choice, Unknown, Version, show, type_name

PARAM_TYPES = ("int", "size", "addr", "bool", "version", "string", "choice", "banks")
REGION_ATTRS = ("kind", "perm", "access", "align", "maps", "label", "doc")
HEADER_ATTRS = ("title", "arch", "bits", "page_size", "mmu", "va_bits", "doc")
KINDS = (
    "user", "linear", "vmalloc", "modules", "image", "pkmap", "fixmap", "vectors", "io", "vmemmap",
    "kasan", "guard", "ram", "reserved", "tcm", "dma", "firmware", "cpu_entry", "device", "other",
)


@frozen
class Override:
    """``-D NAME=VALUE``: the value parsed from its own small source."""

    name: str
    value: ast.Expr
    name_span: Span


@record(slots=True)  # one per region: no __dict__
class _RegionDecl:
    decl: ast.RegionDecl
    space: str
    parent: str | None
    depth: int


@record
class _Gathered:
    header: dict[str, ast.AttrStmt] = field(default_factory=dict)
    layout_name: str = ""
    defs: dict[str, ast.ParamDecl | ast.ConstDecl] = field(default_factory=dict)
    overrides: dict[str, list[tuple[str, ast.SetStmt | Override]]] = field(default_factory=dict)
    spaces: dict[str, ast.SpaceDecl] = field(default_factory=dict)
    space_bits: dict[str, ast.SpaceDecl] = field(default_factory=dict)
    regions: dict[tuple[str, str], _RegionDecl] = field(default_factory=dict)
    holes: list[tuple[str, ast.HoleDecl]] = field(default_factory=list)
    asserts: list[ast.AssertStmt] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)


def _gather(files: list[ast.File], overrides: list[Override], sink: Sink) -> _Gathered:
    g = _Gathered()
    for file in files:
        for item in file.items:
            if isinstance(item, ast.LayoutHeader):
                g.layout_name = item.name
                for attr in item.attrs:
                    if attr.name not in HEADER_ATTRS:
                        sink.emit("W002", f"unknown layout attribute `{attr.name}`", attr.name_span,
                                  help=did_you_mean(attr.name, HEADER_ATTRS) or "known: " + ", ".join(HEADER_ATTRS))
                    g.header[attr.name] = attr
            elif isinstance(item, (ast.ParamDecl, ast.ConstDecl)):
                first = g.defs.get(item.name)
                if first is not None:
                    sink.emit("N102", f"`{item.name}` is defined twice", item.name_span,
                              labels=(Label(first.name_span, "first defined here"),),
                              help="rename one; to change a param in a board file use `set NAME = VALUE`")
                    continue
                g.defs[item.name] = item
            elif isinstance(item, ast.SetStmt):
                g.overrides.setdefault(item.name, []).append(("set", item))
            elif isinstance(item, ast.SpaceDecl):
                _gather_space(g, item, sink)
            elif isinstance(item, ast.AssertStmt):
                g.asserts.append(item)
            elif isinstance(item, ast.Allow):
                g.waivers.append(Waiver(item.rule, item.reason, item.span, "file"))
    for override in overrides:
        g.overrides.setdefault(override.name, []).append(("-D", override))
    return g


def _gather_space(g: _Gathered, space: ast.SpaceDecl, sink: Sink) -> None:
    if space.name in g.spaces:
        # a board file may add regions to a space its base declared
        pass
    else:
        g.spaces[space.name] = space
    g.space_bits[space.name] = space
    for allow in space.allows:
        g.waivers.append(Waiver(allow.rule, allow.reason, allow.span, f"space:{space.name}"))
    for hole in space.holes:
        g.holes.append((space.name, hole))
    stack: list[tuple[ast.RegionDecl, str | None, int]] = [(decl, None, 0) for decl in reversed(space.regions)]
    while stack:
        decl, parent, depth = stack.pop()
        key = (space.name, decl.name)
        first = g.regions.get(key)
        if first is not None:
            sink.emit("N102", f"region `{decl.name}` is declared twice in space `{space.name}`", decl.name_span,
                      labels=(Label(first.decl.name_span, "first declared here"),))
            continue
        g.regions[key] = _RegionDecl(decl, space.name, parent, depth)
        for allow in decl.allows:
            g.waivers.append(Waiver(allow.rule, allow.reason, allow.span, f"region:{space.name}.{decl.name}"))
        stack.extend((child, decl.name, depth + 1) for child in reversed(decl.children))



class _Elaborator:
    def __init__(self, files: list[ast.File], overrides: list[Override]) -> None:
        self.files = files
        self.overrides = overrides
        self.sink = Sink()
        self.g = _gather(files, overrides, self.sink)
        region_index = RegionIndex()
        for space, name in self.g.regions:
            region_index.add(name, space)
        self.scope = Scope(set(self.g.defs), set(self.g.spaces), region_index)
        self.values: dict[str, object] = {}
        self.region_values: dict[tuple[str, str], RegionValue] = {}
        self.ev = Evaluator(self.scope, self.values, self.region_values, self.sink, self._demand)
        self._active: list[tuple] = []  # definitions being evaluated, outermost first
        self._active_set: set[tuple] = set()  # the same, for an O(1) cycle test (chains of thousands)
        self.used: set[str] = set()
        self.effective: dict[str, tuple[ast.Expr | None, tuple[Origin, ...]]] = {}

    # ---- overrides
    def _apply_overrides(self) -> None:
        for name, decl in self.g.defs.items():
            if isinstance(decl, ast.ParamDecl):
                default = decl.default
                origins: tuple[Origin, ...] = ()
                if default is not None:
                    origins = (Origin("default", default.span, default.span.text),)
                self.effective[name] = (default, origins)
        for name, entries in self.g.overrides.items():
            found = self.g.defs.get(name)
            value, origins = self.effective.get(name, (None, ()))
            chain = list(origins)  # one list per param: a tuple grown per `set` was quadratic (issue 10)
            for how, entry in entries:
                span = entry.name_span
                if found is None:
                    params = [n for n, d in self.g.defs.items() if isinstance(d, ast.ParamDecl)]
                    self.sink.emit("N103", f"unknown param `{name}`", span,
                                   help=did_you_mean(name, params) or ("params: " + ", ".join(sorted(params)) if params else None))
                    continue
                if isinstance(found, ast.ConstDecl):
                    self.sink.emit("N103", f"`{name}` is a constant; only params can be overridden", span,
                                   labels=(Label(found.name_span, "defined here"),),
                                   help="turn it into a `param` in the base layout if boards need to change it")
                    continue
                value = entry.value
                chain.append(Origin(how, value.span, value.span.text))
            if len(chain) > len(origins):
                self.effective[name] = (value, tuple(chain))

    # ---- dependency order
    def _nodes(self) -> dict[tuple, list[tuple] | tuple[()]]:
        deps: dict[tuple, list[tuple] | tuple[()]] = {}
        for name, decl in self.g.defs.items():
            if isinstance(decl, ast.ParamDecl):
                expr = self.effective[name][0]
                refs = references(expr, self.scope) if expr is not None else []
                if decl.type.name == "banks" and decl.type.arg:
                    if decl.type.arg in self.scope.names:
                        refs.append(("name", decl.type.arg, decl.type.span))
                        self.used.add(decl.type.arg)
                    else:
                        self.sink.emit("N101", f"unknown param `{decl.type.arg}` for the bank base", decl.type.span,
                                       help=did_you_mean(decl.type.arg, self.scope.names))
            else:
                refs = references(decl.expr, self.scope)
            deps[("name", name)] = self._keys(refs) or ()
        for key, rd in self.g.regions.items():
            d = rd.decl
            exprs = [d.range.start, d.range.end, d.cond] + [a.value for a in d.attrs if a.name == "align"]
            refs = [ref for e in exprs if e is not None for ref in references(e, self.scope)]
            keys = self._keys(refs)
            if rd.parent is not None:
                keys.append(("region", (rd.space, rd.parent)))
            deps[("region", key)] = keys or ()  # most regions of a large layout: one shared empty tuple
        return deps

    def _keys(self, refs) -> list[tuple]:
        keys = []
        for kind, key, span in refs:
            if kind == "name":
                self.used.add(key)
            keys.append((kind, key))
        return keys

    def _order(self, deps: dict[tuple, list[tuple] | tuple[()]]) -> list[tuple]:
        state: dict[tuple, int] = {}
        order: list[tuple] = []
        for root in deps:
            if root in state:
                continue
            state[root] = 1
            path = [root]
            stack = [iter(deps[root])]
            while stack:
                for dep in stack[-1]:
                    if dep not in deps:
                        continue
                    seen = state.get(dep)
                    if seen is None:  # a back edge (seen == 1) is only a possible cycle: see _demand
                        state[dep] = 1
                        path.append(dep)
                        stack.append(iter(deps[dep]))
                        break
                else:
                    stack.pop()
                    done = path.pop()
                    state[done] = 2
                    order.append(done)
        return order

    def _describe_node(self, node: tuple) -> tuple[str, Span]:
        kind, key = node
        if kind == "name":
            return key, self.g.defs[key].name_span
        return f"{key[0]}.{key[1]}", self.g.regions[key].decl.name_span

    def _report_cycle(self, cycle: list[tuple]) -> None:
        # start the cycle at the definition written first, whichever node evaluation reached first
        ring = cycle[:-1]
        files = {f.source.name: i for i, f in enumerate(self.files)}

        def written(node: tuple) -> tuple[int, int]:
            span = self._describe_node(node)[1]
            return files.get(span.file.name, len(files)), span.start

        first = min(range(len(ring)), key=lambda i: written(ring[i]))
        cycle = ring[first:] + ring[:first] + [ring[first]]
        names = [self._describe_node(node) for node in cycle]
        text = " -> ".join(name for name, _ in names)
        first_span = names[0][1]
        labels = tuple(Label(span, f"`{name}` is defined here") for name, span in names[1:-1])
        self.sink.emit("E202", f"dependency cycle: {text}", first_span, labels=labels,
                       notes=(f"each of these is computed from the next: {text}",),
                       help="break the cycle by computing one of them from independent values")

    # ---- evaluation
    def _coerce(self, decl: ast.ParamDecl, expr) -> object:
        kind = decl.type.name
        name = decl.name
        if expr is None:
            self.sink.emit("E201", f"param `{name}` has no default and no value was given", decl.name_span,
                           help=f"give a default (`= VALUE`) or pass `-D {name}=VALUE`")
            return UNKNOWN
        if kind == "choice":
            members = tuple(text for text, _ in decl.type.choices)
            text = literal_text(expr)
            if text is None or (isinstance(expr, ast.Name) and expr.name in self.scope.names):
                value = self.ev.eval(expr)
                if isinstance(value, Choice):
                    text = value.text
                elif isinstance(value, Unknown):
                    return UNKNOWN
                else:
                    text = str(value)
            if text not in members:
                self.sink.emit("E207", f"`{text}` is not a valid value for `{name}`", expr.span,
                               notes=(f"`{name}` is one of: " + ", ".join(members),),
                               help=did_you_mean(text, members))
                return UNKNOWN
            return Choice(text, parse_number(text), members)
        if isinstance(expr, ast.Name) and expr.name not in self.scope.names and kind in PARAM_TYPES:
            wanted = "true or false" if kind == "bool" else f"a {kind}"
            self.sink.emit("E207", f"`{expr.name}` is not a valid value for `{name}`", expr.span,
                           notes=(f"`{name}` is declared `{decl.type.span.text}`: it takes {wanted}",),
                           help=self.scope.suggest(expr.name, self.scope.names))
            return UNKNOWN
        value = self.ev.eval(expr)
        if isinstance(value, Unknown):
            return UNKNOWN
        if kind == "banks" and isinstance(value, int) and not isinstance(value, bool):
            base_name = decl.type.arg
            if base_name is None:
                self.sink.emit("E207", f"`{name}` needs banks written BASE:SIZE", expr.span,
                               help="write e.g. 0x80000000:512M, or declare the type as banks(PARAM) "
                                    "so that a bare size starts at PARAM")
                return UNKNOWN
            base = self.values.get(base_name, UNKNOWN)
            if not isinstance(base, int) or isinstance(base, bool):
                return UNKNOWN
            if value <= 0:
                self.sink.emit("E207", f"`{name}` must be a size > 0, found {show(value)}", expr.span)
                return UNKNOWN
            return Banks([Bank(base, value)])
        if kind == "version" and isinstance(value, int) and not isinstance(value, bool):
            return Version((value,))
        ok = {
            "int": isinstance(value, int) and not isinstance(value, bool),
            "size": isinstance(value, int) and not isinstance(value, bool) and value >= 0,
            "addr": isinstance(value, int) and not isinstance(value, bool) and value >= 0,
            "bool": isinstance(value, bool),
            "version": isinstance(value, Version),
            "string": isinstance(value, str),
            "banks": isinstance(value, Banks),
        }.get(kind)
        if ok is None:
            self.sink.emit("E201", f"unknown param type `{kind}`", decl.type.span,
                           help=did_you_mean(kind, PARAM_TYPES) or "types: " + ", ".join(PARAM_TYPES))
            return UNKNOWN
        if not ok:
            wanted = {"size": "a size >= 0", "addr": "an address >= 0"}.get(kind, f"a {kind}")
            self.sink.emit("E207", f"`{name}` needs {wanted}, found {type_name(value)} {show(value)}", expr.span,
                           notes=(f"`{name}` is declared `{decl.type.span.text}` at {decl.type.span.where()}",))
            return UNKNOWN
        return value

    def _demand(self, node: tuple) -> None:
        """Evaluate a definition out of order because another one needs it now."""
        if node in self._active_set:
            self._report_cycle(self._active[self._active.index(node):] + [node])
            raise EvalError()
        self._evaluate_node(node)

    def _evaluate(self, order: list[tuple]) -> None:
        for node in order:
            kind, key = node
            done = key in self.values if kind == "name" else key in self.region_values
            if not done:
                self._evaluate_node(node)

    def _evaluate_node(self, node: tuple) -> None:
        kind, key = node
        self._active.append(node)
        self._active_set.add(node)
        try:
            if kind == "name":
                decl = self.g.defs[key]
                if isinstance(decl, ast.ParamDecl):
                    self.values[key] = self._coerce(decl, self.effective[key][0])
                else:
                    self.values[key] = self.ev.eval(decl.expr)
            else:
                self._evaluate_region(key)
        finally:
            self._active_set.discard(self._active.pop())

    def _evaluate_region(self, key: tuple[str, str]) -> None:
        rd = self.g.regions[key]
        d = rd.decl
        present: bool | Unknown = True
        if rd.parent is not None:
            parent = self.region_values.get((rd.space, rd.parent))
            present = parent.present if parent is not None else UNKNOWN
        if present is True and d.cond is not None:
            present = self.ev.eval_bool(d.cond, "a region's `if`")
        if present is not True:
            self.region_values[key] = RegionValue(UNKNOWN, UNKNOWN, present)
            return
        start = self.ev.eval_int(d.range.start, "a region start")
        end = self.ev.eval_int(d.range.end, "a region size" if d.range.relative else "a region end")
        if d.range.relative and isinstance(start, int) and isinstance(end, int):
            end = start + end
        start, end = self._address(start, d.range.start.span), self._address(end, d.range.end.span)
        self.region_values[key] = RegionValue(start, end, True)

    def _address(self, value: int | Unknown, span) -> int | Unknown:
        """A region bound within [-2^128, 2^128] (L004), else unknown: no machine has wider addresses."""
        if isinstance(value, int) and abs(value) > 1 << MAX_ADDRESS_BITS:
            self.sink.emit("L004", f"address wider than {MAX_ADDRESS_BITS} bits ({value.bit_length()} bits)", span,
                           help=f"a space is at most {MAX_ADDRESS_BITS} bits wide; check the expression")
            return UNKNOWN
        return value

    # ---- model
    def _attr_symbol(self, attr: ast.AttrStmt) -> str | None:
        value = attr.value
        if isinstance(value, ast.Name):
            return value.name
        if isinstance(value, ast.Str):
            return value.value
        result = self.ev.eval(value)
        if isinstance(result, (str, Choice)):
            return str(result)
        if not isinstance(result, Unknown):
            self.sink.emit("E201", f"`{attr.name}` takes a word such as `linear`, found {type_name(result)}", value.span)
        return None

    def _attr_string(self, attr: ast.AttrStmt) -> str:
        result = self.ev.eval(attr.value)
        if isinstance(result, Unknown):
            return ""
        if not isinstance(result, str):
            self.sink.emit("E201", f"`{attr.name}` takes a string, found {type_name(result)}", attr.value.span)
            return ""
        return result

    def _region(self, key: tuple[str, str], children: dict[tuple[str, str], list[str]]) -> Region:
        rd = self.g.regions[key]
        d = rd.decl
        value = self.region_values.get(key, RegionValue(UNKNOWN, UNKNOWN, UNKNOWN))
        present = value.present is True
        kind, perm, access, align, maps, label, doc = "other", None, "kernel", None, None, "", ""
        for attr in d.attrs:
            name = attr.name
            if name == "kind":
                kind = self._attr_symbol(attr) or kind
                if kind not in KINDS:
                    self.sink.emit("W002", f"unknown region kind `{kind}`", attr.value.span,
                                   help=did_you_mean(kind, KINDS) or "kinds: " + ", ".join(KINDS))
            elif name == "perm":
                perm = self._attr_symbol(attr)
                if perm is not None:
                    perm = "" if perm == "none" else perm
                    if any(ch not in "rwx" for ch in perm) or len(set(perm)) != len(perm):
                        self.sink.emit("E201", f"`perm` is made of the letters r, w, x (or `none`), found `{perm}`",
                                       attr.value.span)
                        perm = None
            elif name == "access":
                access = self._attr_symbol(attr) or access
                if access not in ("user", "kernel"):
                    self.sink.emit("E201", f"`access` is `user` or `kernel`, found `{access}`", attr.value.span)
                    access = "kernel"
            elif name == "align":
                if present:
                    result = self.ev.eval_int(attr.value, "`align`")
                    if isinstance(result, int):
                        if result <= 0:
                            self.sink.emit("E204", f"`align` must be > 0, found {result}", attr.value.span)
                        else:
                            align = result
            elif name == "maps":
                maps = self._maps(attr)
            elif name == "label":
                label = self._attr_string(attr)
            elif name == "doc":
                doc = self._attr_string(attr)
            else:
                self.sink.emit("W002", f"unknown region attribute `{name}`", attr.name_span,
                               help=did_you_mean(name, REGION_ATTRS) or "attributes: " + ", ".join(REGION_ATTRS))
        relations = []
        for rel in d.overlaps:
            other = rel.path[-1]
            if (rd.space, other) not in self.g.regions:
                self.sink.emit("N101", f"unknown region `{'.'.join(rel.path)}` in `overlaps`", rel.span,
                               help=did_you_mean(other, [n for s, n in self.g.regions if s == rd.space]))
            relations.append(Relation(other, rel.reason, rel.span))
        waivers = tuple(self.waivers_by_scope.get(f"region:{rd.space}.{d.name}", ()))
        start = value.start if isinstance(value.start, int) else None
        end = value.end if isinstance(value.end, int) else None
        range_ = d.range
        return Region(
            space=rd.space, name=d.name, parent=rd.parent, depth=rd.depth, present=present,
            start=start, end=end, kind=kind, perm=perm, access=access, align=align, maps=maps,
            label=label, doc=doc, relations=tuple(relations), waivers=waivers, span=d.span,
            name_span=d.name_span, range_span=range_.span, start_span=range_.start.span,
            end_span=range_.end.span, children=tuple(children.get(key, ())),
        )

    def _maps(self, attr: ast.AttrStmt) -> tuple[str, ...] | None:
        node = attr.value
        parts: list[str] = []
        while isinstance(node, ast.Attr):
            parts.append(node.name)
            node = node.obj
        if not isinstance(node, ast.Name):
            self.sink.emit("E201", "`maps` takes a region, e.g. `physical.ram`", attr.value.span)
            return None
        parts.append(node.name)
        parts.reverse()
        if len(parts) == 2 and tuple(parts) in self.g.regions:
            return tuple(parts)
        if len(parts) == 1 and parts[0] in self.scope.region_index:
            return (self.scope.region_index[parts[0]][0], parts[0])
        self.sink.emit("N101", f"unknown region `{'.'.join(parts)}` in `maps`", attr.value.span,
                       help=did_you_mean(parts[-1], [n for _, n in self.g.regions]))
        return None

    def _assertion(self, stmt: ast.AssertStmt) -> Assertion:
        result = self.ev.eval_bool(stmt.cond, f"a `{stmt.keyword}` condition")
        operands: list[Operand] = []
        cond = stmt.cond
        if result is False:
            sides = [cond.left, cond.right] if isinstance(cond, ast.Binary) else [cond]
            for side in sides:
                if not isinstance(side, (ast.Num, ast.Ver, ast.Str, ast.Bool, ast.Word)):
                    silent = Evaluator(self.scope, self.values, self.region_values, Sink())
                    operands.append(Operand(side.span.text, silent.eval(side)))
        inputs = tuple(sorted({key for _, key, _ in references(cond, self.scope) if isinstance(key, str)}))
        return Assertion(stmt.message, result if isinstance(result, bool) else None, stmt.span, cond.span,
                         tuple(operands), inputs, stmt.keyword)

    def _header(self) -> dict[str, object]:
        header: dict[str, object] = {}
        for name, attr in self.g.header.items():
            for _, key, _ in references(attr.value, self.scope):
                if isinstance(key, str):
                    self.used.add(key)
            if name in ("arch", "mmu"):
                header[name] = self._attr_symbol(attr)
            elif name in ("title", "doc"):
                header[name] = self._attr_string(attr)
            elif name in ("bits", "page_size", "va_bits"):
                value = self.ev.eval_int(attr.value, f"`{name}`")
                if isinstance(value, int) and value <= 0:
                    self.sink.emit("E204", f"`{name}` must be > 0, found {value}", attr.value.span)
                    value = UNKNOWN
                header[name] = value if isinstance(value, int) else None
        self._header_widths(header)
        return header

    def _header_widths(self, header: dict[str, object]) -> None:
        """`bits` and `va_bits` within the architecture's range (L005); `page_size` within 2^128 (L004)."""
        from ..arch.spec import ARCHES

        arch = ARCHES.get(str(header.get("arch") or ""))
        widest = arch.bits if arch is not None else MAX_ADDRESS_BITS
        bits = header.get("bits")
        if isinstance(bits, int) and bits > widest:
            where = f"{arch.name} addresses are" if arch is not None else "an address is"
            self.sink.emit("L005", f"`bits = {_short(bits)}`: {where} at most {widest} bits wide",
                           self.g.header["bits"].value.span, help=f"use a width from 1 to {widest}")
            header["bits"] = bits = None
        va_bits = header.get("va_bits")
        if isinstance(va_bits, int):
            top = bits if isinstance(bits, int) and bits else widest
            low, high = VA_BITS_RANGE.get(arch.name if arch is not None else "", (1, top))
            if not low <= va_bits <= high:
                what = f"on {arch.name}" if arch is not None else "here"
                self.sink.emit("L005", f"`va_bits = {_short(va_bits)}`: {what} it is {low} to {high}",
                               self.g.header["va_bits"].value.span,
                               help="the kernel's VA_BITS: 39 or 48 (arm64 4K pages), 48 or 57 (x86_64)")
                header["va_bits"] = None
        page_size = header.get("page_size")
        if isinstance(page_size, int) and page_size > 1 << MAX_ADDRESS_BITS:
            self.sink.emit("L004", f"`page_size` wider than {MAX_ADDRESS_BITS} bits", self.g.header["page_size"].value.span,
                           help="4K, 16K or 64K")
            header["page_size"] = None

    def run(self) -> Layout:
        self._apply_overrides()
        self._evaluate(self._order(self._nodes()))  # the dependency graph goes before the model is built
        header = self._header()

        self.waivers_by_scope: dict[str, list[Waiver]] = {}  # one pass, not one scan of every waiver per region
        for waiver in self.g.waivers:
            self.waivers_by_scope.setdefault(waiver.scope, []).append(waiver)
        children: dict[tuple[str, str], list[str]] = {}
        for key, rd in self.g.regions.items():
            if rd.parent is not None:
                children.setdefault((rd.space, rd.parent), []).append(rd.decl.name)
        for key, rd in self.g.regions.items():
            for attr in rd.decl.attrs:
                for _, ref, _ in references(attr.value, self.scope):
                    if isinstance(ref, str):
                        self.used.add(ref)

        spaces: dict[str, Space] = {}
        for name, decl in self.g.spaces.items():
            bits_decl = self.g.space_bits[name]
            for _, ref, _ in references(bits_decl.bits, self.scope):
                if isinstance(ref, str):
                    self.used.add(ref)
            bits = self.ev.eval_int(bits_decl.bits, "a space's `bits`")
            if isinstance(bits, int) and not 1 <= bits <= MAX_ADDRESS_BITS:
                code = "L004" if bits > MAX_ADDRESS_BITS else "E204"
                self.sink.emit(code, f"a space is 1 to {MAX_ADDRESS_BITS} bits wide, found {_short(bits)}",
                               bits_decl.bits.span)
                bits = UNKNOWN
            regions = tuple(self._region(key, children) for key in self.g.regions if key[0] == name)
            holes = []
            for space_name, hole in self.g.holes:
                if space_name != name:
                    continue
                for e in (hole.range.start, hole.range.end):
                    for _, ref, _ in references(e, self.scope):
                        if isinstance(ref, str):
                            self.used.add(ref)
                start = self.ev.eval_int(hole.range.start, "a hole start")
                end = self.ev.eval_int(hole.range.end, "a hole end")
                if hole.range.relative and isinstance(start, int) and isinstance(end, int):
                    end = start + end
                start, end = self._address(start, hole.range.start.span), self._address(end, hole.range.end.span)
                holes.append(Hole(name, hole.name, start if isinstance(start, int) else None,
                                  end if isinstance(end, int) else None, hole.reason, hole.span))
            spaces[name] = Space(name, bits if isinstance(bits, int) else 64, regions, tuple(holes), decl.span)

        assertions = []
        for stmt in self.g.asserts:
            for _, ref, _ in references(stmt.cond, self.scope):
                if isinstance(ref, str):
                    self.used.add(ref)
            assertions.append(self._assertion(stmt))

        params: dict[str, Param] = {}
        consts: dict[str, Const] = {}
        for name, definition in self.g.defs.items():
            value = self.values.get(name, UNKNOWN)
            if isinstance(definition, ast.ParamDecl):
                choices = tuple(text for text, _ in definition.type.choices)
                params[name] = Param(name, definition.type.name, choices, value, definition.doc, definition.span,
                                     self.effective[name][1])
            else:
                read = references(definition.expr, self.scope)
                inputs = tuple(sorted({key for _, key, _ in read if isinstance(key, str)}))
                consts[name] = Const(name, value, definition.doc, definition.span, definition.expr.span.text, inputs)

        bits = _header_int(header, "bits") or max((s.bits for s in spaces.values()), default=32)
        root = self.files[-1].source if self.files else None
        return Layout(
            name=self.g.layout_name or (root.name if root else "layout"),
            title=str(header.get("title") or ""),
            arch=str(header.get("arch") or ""),
            bits=bits,
            page_size=_header_int(header, "page_size") or 4096,
            mmu=str(header.get("mmu") or ""),
            va_bits=_header_int(header, "va_bits"),
            header=header,
            params=params,
            consts=consts,
            spaces=spaces,
            assertions=tuple(assertions),
            waivers=tuple(self.g.waivers),
            files=tuple(f.source for f in self.files),
            overrides=tuple((o.name, o.value.span.text) for o in self.overrides),
            used_names=frozenset(self.used),
        )


def _short(value: int) -> str:
    """A number for a message: in full up to 20 digits, else its width (`a 4000-bit number`)."""
    return str(value) if abs(value) < 10 ** 20 else f"a {value.bit_length()}-bit number"


def _header_int(header: dict[str, object], name: str) -> int | None:
    value = header.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def elaborate(files: Sequence[ast.File], overrides: Sequence[Override] = ()) -> tuple[Layout, list[Diagnostic]]:
    """Evaluate a layout: ``files`` base first (the file the user named last)."""
    elaborator = _Elaborator(list(files), list(overrides))
    layout = elaborator.run()
    diagnostics = elaborator.sink.items
    # The evaluator calls back into the elaborator (`_demand`): a cycle that would keep every
    # intermediate table (per-region declarations, values, indexes: ~40 % of a check's memory) alive
    # through the rules, which run with the cyclic collector off.  Broken here, it is freed at once.
    del elaborator.ev
    return layout, diagnostics
