"""Grammar-aware generation: random layouts that follow grammars/kl.lark's structure.

Every statement form (layout header, `param` of each type, `const`, `set`, `extends`,
`space`/`region`/`hole`/`overlaps`, `allow`, `assert`, `requires`), every expression form
(binary operators at every precedence, unary, `if`, `match`, calls of the built-ins, `.start` /
`[i]` postfixes, versions, strings with escapes) and nesting.  Most of what comes out parses;
names are drawn from a small pool so that references resolve often enough to reach the
elaborator, the rules and the emitters instead of stopping at N101.
"""

from __future__ import annotations

import random

BINOPS = ["||", "&&", "|", "^", "&", "==", "!=", "<", "<=", ">", ">=", "<<", ">>", "+", "-", "*", "/", "%"]
UNOPS = ["-", "~", "!"]
BUILTINS = ["align_up", "align_down", "min", "max", "log2", "is_pow2", "abs", "bit", "nope"]
SUFFIXES = ["", "K", "M", "G", "T", "P", "E", "KiB", "MiB", "GiB"]
ARCHES = ["arm", "arm64", "x86_64", "x86", "riscv64", "pdp11"]
MMUS = ["arm_short", "arm_lpae", "arm64", "arm64_4k", "arm64_16k", "arm64_64k", "x86_64", "x86_64_5level",
        "x86", "x86_pae", "sv39", "sv48", "sv57", "none"]
KINDS = ["linear", "user", "image", "ram", "pkmap", "fixmap", "vmalloc", "modules", "other", "io", "hole"]
PERMS = ["r", "rw", "rx", "rwx", "x", "none"]
ACCESS = ["user", "kernel"]
RULES = ["O401", "B305", "A501", "K601", "region-overlap", "W001", "U901", "P801", "C701", "X999"]
ESCAPES = ["\\n", "\\t", "\\\\", '\\"', "\\x41", "\\u00e9", "\\q", "\\0"]


class Generator:
    """One random layout; ``names`` are the params/consts defined so far, ``regions`` the regions."""

    def __init__(self, rng: random.Random, max_depth: int = 4) -> None:
        self.rng = rng
        self.max_depth = max_depth
        self.names: list[str] = []
        self.regions: list[str] = []
        self.params: dict[str, str] = {}

    # ---------------------------------------------------------------- literals

    def number(self) -> str:
        r = self.rng
        pick = r.random()
        if pick < 0.3:
            return str(r.choice([0, 1, 2, 4, 8, 12, 16, 32, 48, 64, 4096]))
        if pick < 0.55:
            return f"{r.randrange(1, 1024)}{r.choice(SUFFIXES)}"
        if pick < 0.8:
            width = r.choice([4, 8, 12, 16])
            digits = f"{r.getrandbits(width * 4):0{width}X}"
            return "0x" + "_".join(digits[i:i + 4] for i in range(0, width, 4))
        if pick < 0.88:
            return "0b" + "".join(r.choice("01") for _ in range(r.randrange(1, 20)))
        if pick < 0.94:  # huge: hundreds of digits, or a shift far past 64 bits
            return r.choice(["9" * r.randrange(20, 400), "0x" + "F" * r.randrange(17, 200), f"{r.randrange(1, 9)}E"])
        return r.choice(["0x", "1_", "0b2", "12Q", "0x_", "1KK"])

    def version(self) -> str:
        return ".".join(str(self.rng.randrange(0, 20)) for _ in range(self.rng.randrange(2, 4)))

    def string(self) -> str:
        r = self.rng
        parts = []
        for _ in range(r.randrange(0, 6)):
            parts.append(r.choice(ESCAPES) if r.random() < 0.3 else r.choice(["mem", "ram", " ", "é", "{x}", "*/"]))
        return '"' + "".join(parts) + '"'

    def name(self) -> str:
        r = self.rng
        if (self.names or self.regions) and r.random() < 0.85:
            return r.choice(self.names + self.regions)
        return r.choice(["x", "PAGE_OFFSET", "ram", "kernel", "undefined_thing", "_"])

    # ---------------------------------------------------------------- expressions

    def expr(self, depth: int = 0) -> str:
        r = self.rng
        if depth >= self.max_depth or r.random() < 0.35:
            return self.atom(depth)
        form = r.random()
        if form < 0.4:
            return f"{self.expr(depth + 1)} {r.choice(BINOPS)} {self.expr(depth + 1)}"
        if form < 0.5:
            return f"{r.choice(UNOPS)}{self.expr(depth + 1)}"
        if form < 0.6:
            return f"if {self.expr(depth + 1)} then {self.expr(depth + 1)} else {self.expr(depth + 1)}"
        if form < 0.7:
            arms = ", ".join(f"{self.pattern()} => {self.expr(depth + 1)}" for _ in range(r.randrange(1, 4)))
            return f"match {self.expr(depth + 1)} {{ {arms}, _ => {self.expr(depth + 1)} }}"
        if form < 0.85:
            args = ", ".join(self.expr(depth + 1) for _ in range(r.randrange(0, 3)))
            return f"{r.choice(BUILTINS)}({args})"
        if form < 0.92:
            return f"({self.expr(depth + 1)})"
        return f"{self.name()}{r.choice(['.start', '.end', '.size', '.base', '[0]', '[1]', '.nope'])}"

    def atom(self, depth: int) -> str:
        r = self.rng
        pick = r.random()
        if pick < 0.5:
            return self.number()
        if pick < 0.8:
            return self.name()
        if pick < 0.88:
            return self.version()
        if pick < 0.94:
            return r.choice(["true", "false"])
        return self.string()

    def pattern(self) -> str:
        return self.rng.choice([self.number(), self.version(), "3G", "3G_OPT", "true", self.string(), "x"])

    # ---------------------------------------------------------------- statements

    def header(self) -> str:
        r = self.rng
        attrs = [f'title = {self.string()}']
        if r.random() < 0.8:
            attrs.append(f"arch = {r.choice(ARCHES)}")
        if r.random() < 0.7:
            attrs.append(f"bits = {r.choice(['32', '64', '48', '0', '1 << 95', self.expr(2)])}")
        if r.random() < 0.6:
            attrs.append(f"page_size = {r.choice(['4K', '16K', '64K', '0', '3', self.expr(2)])}")
        if r.random() < 0.5:
            attrs.append(f"mmu = {r.choice(MMUS)}")
        if r.random() < 0.4:
            attrs.append(f"va_bits = {r.choice(['39', '48', '52', '57', '0', '1 << 40', '200', self.expr(2)])}")
        if r.random() < 0.2:
            attrs.append(f"doc = {self.string()}")
        if r.random() < 0.1:
            attrs.append("colour = blue")
        sep = r.choice(["\n    ", "; "])
        return f"layout l{r.randrange(100)} {{\n    {sep.join(attrs)}\n}}\n"

    def param(self) -> str:
        r = self.rng
        name = f"p{len(self.params)}"
        kind = r.choice(["int", "size", "addr", "bool", "version", "choice", "banks", "banks", "bogus"])
        if kind == "bool":
            default = r.choice(["true", "false", "1"])
            spec = "bool"
        elif kind == "version":
            default, spec = self.version(), "version"
        elif kind == "choice":
            items = r.sample(["3G", "3G_OPT", "2G", "1G", "4K", "16K", "a", "b", "6.1"], r.randrange(1, 5))
            default, spec = r.choice(items + ["zz"]), f"choice({', '.join(items)})"
        elif kind == "banks":
            banks = [f"{self.number()}:{self.number()}" for _ in range(r.randrange(1, 4))]
            default, spec = ", ".join(banks), "banks"
        else:
            default, spec = self.expr(2), kind
        self.params[name] = kind
        self.names.append(name)
        doc = f" {self.string()}" if r.random() < 0.5 else ""
        return f"param {name}: {spec} = {default}{doc}\n" if r.random() < 0.95 else f"param {name}: {spec}\n"

    def const(self) -> str:
        name = f"C{len(self.names)}"
        text = f"const {name} = {self.expr()}\n"
        self.names.append(name)
        return text

    def region(self, depth: int) -> str:
        r = self.rng
        name = f"r{len(self.regions)}"
        self.regions.append(name)
        start = self.expr(2) if r.random() < 0.5 else self.number()
        end = f"+{self.number()}" if r.random() < 0.5 else self.expr(2)
        cond = f" if {self.expr(2)}" if r.random() < 0.15 else ""
        pad = "    " * (depth + 1)
        lines = []
        for attr, values in (("kind", KINDS), ("perm", PERMS), ("access", ACCESS)):
            if r.random() < 0.4:
                lines.append(f"{attr} = {r.choice(values)}")
        if r.random() < 0.15:
            lines.append(f"align = {self.number()}")
        if r.random() < 0.15:
            lines.append(f"maps = {r.choice(['physical.ram', 'physical', self.name()])}")
        if r.random() < 0.15:
            lines.append(f"label = {self.string()}")
        if r.random() < 0.1 and self.regions:
            lines.append(f"overlaps {r.choice(self.regions)} {self.string()}")
        if r.random() < 0.1:
            lines.append(f"allow {r.choice(RULES)} {self.string()}")
        if depth < self.max_depth and r.random() < 0.25:
            for _ in range(r.randrange(1, 3)):
                lines.append(self.region(depth + 1).strip())
        body = ""
        if lines:
            body = " {\n" + "".join(f"{pad}    {line}\n" for line in lines) + pad + "}"
        return f"{pad}region {name} [{start}, {end}){cond}{body}\n"

    def space(self) -> str:
        r = self.rng
        name = r.choice(["virtual", "physical", "io", "virtual"])
        bits = r.choice(["32", "64", "48", "0", "128", "1 << 70", self.expr(2)])
        items = []
        for _ in range(r.randrange(0, 7)):
            pick = r.random()
            if pick < 0.8:
                items.append(self.region(0))
            elif pick < 0.92:
                items.append(f"    hole [{self.number()}, {self.number()}) {self.string()}\n")
            else:
                items.append(f"    allow {r.choice(RULES)} {self.string()}\n")
        return f"space {name} bits {bits} {{\n{''.join(items)}}}\n"

    def layout(self, overlay: bool = False) -> str:
        r = self.rng
        out = []
        if overlay:
            out.append('extends "base.kl"\n')
        if r.random() < 0.8:
            out.append(self.header())
        statements = []
        for _ in range(r.randrange(0, 5)):
            statements.append(self.param())
        for _ in range(r.randrange(0, 6)):
            statements.append(self.const())
        for _ in range(r.randrange(0, 3)):
            statements.append(self.space())
        for _ in range(r.randrange(0, 3)):
            keyword = r.choice(["assert", "requires"])
            statements.append(f"{keyword} {self.expr(1)} : {self.string()}\n")
        if overlay or r.random() < 0.2:
            for _ in range(r.randrange(0, 3)):
                target = r.choice(list(self.params) + ["ram", "nope"]) if self.params else "ram"
                statements.append(f"set {target} = {self.expr(2)}\n")
        if r.random() < 0.1:
            statements.append(f"allow {r.choice(RULES)} {self.string()}\n")
        if r.random() < 0.3:
            r.shuffle(statements)  # definitions in any order; cycles and forward references
        out.extend(statements)
        return "".join(out)


def generate(rng: random.Random) -> dict[str, bytes]:
    """A layout file, sometimes an overlay with its base: {path: text}."""
    if rng.random() < 0.15:
        base = Generator(rng).layout()
        overlay = Generator(rng)
        overlay.params = {f"p{i}": "int" for i in range(4)}
        overlay.names = list(overlay.params)
        return {"board.kl": overlay.layout(overlay=True).encode(), "base.kl": base.encode()}
    return {"gen.kl": Generator(rng, max_depth=rng.choice([2, 3, 4, 6])).layout().encode()}
