"""Emitter: the evaluated model as JSON (schema: layoutc/schemas/layout.schema.json), and its reader.

``emit`` writes every fact of the ``Layout``: spaces, regions (start/end/last/size as
hex strings -- JSON numbers cannot hold 2**64), holes, params with their values and
where each value came from, constants with their formulas, assertions, relations,
waivers.  Values carry their type, so ``read`` can rebuild the model::

    {"name": "vmsplit", "type": "choice", "choices": ["3G", ...], "value": "3G", ...}
    {"name": "PAGE_OFFSET", "type": "int", "value": "0xc0000000", ...}

Places are ``{"file", "line", "column"}`` with file names as the user gave them
(relative; see ``provenance``).  ``read`` gives back a ``Layout`` whose spans point
at the same file:line:column (the source text itself is not in the JSON).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Callable

from ..model.types import Assertion, Const, Hole, Layout, Operand, Origin, Param, Region, Relation, Space, Waiver
from ..model.values import UNKNOWN, Bank, Banks, Choice, Unknown, Version, format_address, type_name
from ..source import SourceFile, Span
from . import provenance
from .base import EmitOptions

FORMAT = "layoutc-layout"
VERSION = 1


# ------------------------------------------------------------------ writing


def _hex(value: int | None, bits: int | None = None) -> str | None:
    if value is None:
        return None
    if bits is not None:
        return format_address(value, bits)
    return f"-{-value:#x}" if value < 0 else f"{value:#x}"


def encode(value: object) -> tuple[str, object]:
    """(type, JSON value) of a model value."""
    kind = "unknown" if isinstance(value, Unknown) else type_name(value)
    if isinstance(value, Unknown):
        return kind, None
    if isinstance(value, bool):
        return kind, value
    if isinstance(value, int):
        return kind, _hex(value)
    if isinstance(value, (Version, Choice)):
        return kind, str(value)
    if isinstance(value, str):
        return kind, value
    if isinstance(value, Banks):
        return kind, [{"base": _hex(b.base), "size": _hex(b.size)} for b in value]
    if isinstance(value, Bank):
        return kind, {"base": _hex(value.base), "size": _hex(value.size)}
    return "unknown", None


class _Writer:
    """The document as Python data; with ``lazy``, its long lists (params, constants, regions, holes,
    assertions) are generators that make each item when it is written (``jsonpieces``)."""

    def __init__(self, layout: Layout, options: EmitOptions, lazy: bool = False) -> None:
        self.layout = layout
        self.many: Callable[[Iterator[Any]], Any] = iter if lazy else list
        shown = provenance.file_names(layout, options)
        # raw SourceFile name -> the name shown (root first in `shown`, files are base first)
        self.names = {source.name: name for source, name in zip(reversed(layout.files), shown)}

    def where(self, span: Span) -> dict:
        line, column = span.start_position()
        name = self.names.get(span.file.name, span.file.name)
        if name.startswith("<"):  # `-D` overrides are their own tiny sources
            name = span.file.name
        return {"file": name, "line": line, "column": column}

    def value(self, value: object, extra: dict | None = None) -> dict:
        kind, data = encode(value)
        out = {"type": kind, "value": data}
        if isinstance(value, Choice):
            out["choices"] = list(value.members)
        out.update(extra or {})
        return out

    def param(self, p: Param) -> dict:
        value_type, value = encode(p.value)
        return {"name": p.name, "type": p.type, "choices": list(p.choices), "value_type": value_type, "value": value,
                "doc": p.doc, "declared": self.where(p.span),
                "origins": [{"how": o.how, "text": o.text, **self.where(o.span)} for o in p.origins]}

    def const(self, c: Const) -> dict:
        kind, data = encode(c.value)
        out = {"name": c.name, "type": kind, "value": data}
        if isinstance(c.value, Choice):
            out["choices"] = list(c.value.members)
        out.update({"doc": c.doc, "formula": c.formula, "inputs": list(c.inputs), "declared": self.where(c.span)})
        return out

    def waiver(self, w: Waiver) -> dict:
        return {"rule": w.rule, "reason": w.reason, "scope": w.scope, "declared": self.where(w.span)}

    def region(self, r: Region, bits: int) -> dict:
        start, end = r.start, r.end
        known = start is not None and end is not None
        return {
            "name": r.name, "parent": r.parent, "depth": r.depth, "present": r.present,
            "start": _hex(start, bits), "end": _hex(end, bits),
            "last": _hex(end - 1, bits) if start is not None and end is not None and end > start else None,
            "size": _hex(r.size) if known else None,
            "kind": r.kind, "perm": r.perm, "access": r.access, "align": _hex(r.align),
            "maps": list(r.maps) if r.maps is not None else None, "label": r.label, "doc": r.doc,
            "relations": [{"other": x.other, "reason": x.reason, "declared": self.where(x.span)} for x in r.relations],
            "waivers": [self.waiver(w) for w in r.waivers], "children": list(r.children),
            "declared": self.where(r.span),
        }

    def space(self, s: Space) -> dict:
        return {"name": s.name, "bits": s.bits, "declared": self.where(s.span),
                "regions": self.many(self.region(r, s.bits) for r in s.regions),
                "holes": self.many({"name": h.name, "start": _hex(h.start, s.bits), "end": _hex(h.end, s.bits),
                                    "reason": h.reason, "declared": self.where(h.span)} for h in s.holes)}

    def assertion(self, a: Assertion) -> dict:
        return {"keyword": a.keyword, "message": a.message, "passed": a.passed, "condition": a.cond_span.text,
                "operands": [{"text": o.text, **self.value(o.value)} for o in a.operands],
                "inputs": list(a.inputs), "declared": self.where(a.span)}

    def document(self, options: EmitOptions) -> dict:
        layout = self.layout
        header = {key: self.value(value) for key, value in sorted(layout.header.items()) if value is not None}
        return {
            "format": FORMAT,
            "version": VERSION,
            "layout": {"name": layout.name, "title": layout.title, "arch": layout.arch, "bits": layout.bits,
                       "page_size": _hex(layout.page_size), "mmu": layout.mmu, "va_bits": layout.va_bits},
            "header": header,
            "source": provenance.root_name(layout, options),
            "files": provenance.file_names(layout, options),
            "overrides": [{"name": name, "value": value} for name, value in options.overrides],
            "params": self.many(self.param(p) for p in layout.params.values()),
            "consts": self.many(self.const(c) for c in layout.consts.values()),
            "spaces": self.many(self.space(s) for s in layout.spaces.values()),
            "assertions": self.many(self.assertion(a) for a in layout.assertions),
            "waivers": [self.waiver(w) for w in layout.waivers],
            "used_names": sorted(layout.used_names),
        }


def document(layout: Layout, options: EmitOptions) -> dict:
    """The JSON document as Python data."""
    return _Writer(layout, options).document(options)


def emit(layout: Layout, options: EmitOptions) -> str:
    return "".join(pieces(layout, options))


def pieces(layout: Layout, options: EmitOptions) -> Iterator[str]:
    """The document's text as it is made, each region when it is written (the registry's emitter)."""
    from ..jsonpieces import pieces as json_pieces

    yield from json_pieces(_Writer(layout, options, lazy=True).document(options), ensure_ascii=False)
    yield "\n"


# ------------------------------------------------------------------ reading


def _int(text: str | None) -> int | None:
    return None if text is None else _address(text)


def _address(text: str) -> int:
    return int(text, 16)


def decode(kind: str, data: Any, choices: list[str] | None = None) -> object:
    # ``data`` is parsed JSON that the schema validated; its shape follows from ``kind``.
    """The model value of a (type, JSON value) pair -- the inverse of ``encode``."""
    from ..syntax.build import parse_number

    if kind == "unknown" or data is None and kind != "string":
        return UNKNOWN
    if kind == "bool":
        return bool(data)
    if kind == "int":
        return _int(data)
    if kind == "string":
        return data
    if kind == "version":
        return Version(int(part) for part in data.split("."))
    if kind == "choice":
        return Choice(data, parse_number(data), tuple(choices or ()))
    if kind == "banks":
        return Banks(Bank(_address(b["base"]), _address(b["size"])) for b in data)
    if kind == "bank":
        return Bank(_address(data["base"]), _address(data["size"]))
    raise ValueError(f"unknown value type `{kind}`")


class _Reader:
    """Spans are rebuilt as positions in stand-in texts, so ``span.where()`` reads as before."""

    def __init__(self) -> None:
        self.files: dict[str, SourceFile] = {}

    def span(self, where: dict) -> Span:
        line, column = where["line"], where["column"]
        text = "\n" * (line - 1) + " " * (column - 1)
        source = SourceFile(where["file"], text)
        return Span(source, len(text), len(text))

    def value(self, item: dict) -> object:
        return decode(item["type"], item["value"], item.get("choices"))

    def waiver(self, w: dict) -> Waiver:
        return Waiver(w["rule"], w["reason"], self.span(w["declared"]), w["scope"])

    def region(self, space: str, r: dict) -> Region:
        span = self.span(r["declared"])
        return Region(
            space=space, name=r["name"], parent=r["parent"], depth=r["depth"], present=r["present"],
            start=_int(r["start"]), end=_int(r["end"]), kind=r["kind"], perm=r["perm"], access=r["access"],
            align=_int(r["align"]), maps=tuple(r["maps"]) if r["maps"] is not None else None,
            label=r["label"], doc=r["doc"],
            relations=tuple(Relation(x["other"], x["reason"], self.span(x["declared"])) for x in r["relations"]),
            waivers=tuple(self.waiver(w) for w in r["waivers"]),
            span=span, name_span=span, range_span=span, start_span=span, end_span=span,
            children=tuple(r["children"]),
        )

    def layout(self, data: dict) -> Layout:
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            raise ValueError(f"not a {FORMAT} version {VERSION} document")
        head = data["layout"]
        params = {}
        for p in data["params"]:
            origins = tuple(Origin(o["how"], self.span(o), o["text"]) for o in p["origins"])
            value = decode(p["value_type"], p["value"], p["choices"])
            params[p["name"]] = Param(p["name"], p["type"], tuple(p["choices"]), value, p["doc"],
                                      self.span(p["declared"]), origins)
        consts = {c["name"]: Const(c["name"], self.value(c), c["doc"], self.span(c["declared"]), c["formula"],
                                   tuple(c["inputs"])) for c in data["consts"]}
        spaces = {}
        for s in data["spaces"]:
            holes = tuple(Hole(s["name"], h["name"], _int(h["start"]), _int(h["end"]), h["reason"],
                               self.span(h["declared"])) for h in s["holes"])
            spaces[s["name"]] = Space(s["name"], s["bits"], tuple(self.region(s["name"], r) for r in s["regions"]),
                                      holes, self.span(s["declared"]))
        assertions = []
        for a in data["assertions"]:
            span = self.span(a["declared"])
            cond = SourceFile(span.file.name, a["condition"])
            assertions.append(Assertion(a["message"], a["passed"], span, Span(cond, 0, len(a["condition"])),
                                        tuple(Operand(o["text"], self.value(o)) for o in a["operands"]),
                                        tuple(a["inputs"]), a["keyword"]))
        return Layout(
            name=head["name"], title=head["title"], arch=head["arch"], bits=head["bits"],
            page_size=_address(head["page_size"]), mmu=head["mmu"], va_bits=head["va_bits"],
            header={key: self.value(item) for key, item in data["header"].items()},
            params=params, consts=consts, spaces=spaces, assertions=tuple(assertions),
            waivers=tuple(self.waiver(w) for w in data["waivers"]),
            files=tuple(SourceFile(name, "") for name in reversed(data["files"])),
            overrides=tuple((o["name"], o["value"]) for o in data["overrides"]),
            used_names=frozenset(data["used_names"]),
        )


def read(text: str) -> Layout:
    """Rebuild a ``Layout`` from ``emit``'s JSON (raises ValueError on another format)."""
    return _Reader().layout(json.loads(text))
