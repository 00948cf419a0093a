"""The input families of the campaign, each a function ``rng -> Case`` registered with a weight.

To add a family (issue 15's hostile text in generated RST/Markdown/depfiles, say), write one
function and decorate it::

    @family("text-corpus", weight=5)
    def text_corpus(rng):
        return Case("text-corpus", {"t.kl": layout_with_hostile_strings(rng)}, ("emit", "rst", "{main}"))

``text_family(name, strings, verbs)`` builds such a family from a list of hostile strings.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any, Callable

from .cases import REPO, Case, repo_module
from .grammar import Generator, generate

SHIPPED = {str(p.relative_to(REPO / "layouts")): p.read_bytes() for p in sorted((REPO / "layouts").glob("**/*.kl"))}

FAMILIES: dict[str, tuple[Callable[[random.Random], Case], float]] = {}


def family(name: str, weight: float):
    def register(function):
        FAMILIES[name] = (function, weight)
        return function
    return register


# The verbs an input is run with: every reader of the model, so that every consumer meets it.
VERBS: list[tuple[str, ...]] = [
    ("check", "{main}"), ("check", "{main}"), ("check", "{main}", "--format", "json"),
    ("check", "{main}", "--format", "sarif"), ("check", "{main}", "--format", "github"),
    ("check", "{main}", "--matrix", "--max-variants", "8"),
    ("show", "{main}"), ("show", "{main}", "--format", "json"), ("show", "{main}", "--explain", "{name}"),
    ("emit", "header", "{main}"), ("emit", "ld", "{main}"), ("emit", "json", "{main}"),
    ("emit", "markdown", "{main}"), ("emit", "rst", "{main}"), ("emit", "dot", "{main}"),
    ("render", "{main}"), ("render", "{main}", "--scale", "log"), ("banner", "{main}"),
    ("build", "{main}", "-o", "{dir}/out"),
]
NAME = re.compile(rb"\b(?:param|const|region)\s+([A-Za-z_][A-Za-z0-9_]*)")


def verb(rng: random.Random, data: bytes) -> tuple[str, ...]:
    argv = rng.choice(VERBS)
    if "{name}" in argv:
        names = NAME.findall(data) or [b"x"]
        argv = tuple(a.replace("{name}", rng.choice(names).decode("ascii", "replace")) for a in argv)
    return argv


# ------------------------------------------------------------------ grammar-aware generation

@family("generated", weight=30)
def generated(rng: random.Random) -> Case:
    files = generate(rng)
    return Case("generated", files, verb(rng, next(iter(files.values()))))


# ------------------------------------------------------------------ mutation of the shipped layouts

TOKEN = re.compile(rb'"(?:\\.|[^"\\\n])*"|//[^\n]*|/\*.*?\*/|[A-Za-z_0-9.]+|\S', re.S)
INSERTS = [b"(", b")", b"{", b"}", b"[", b"+", b"-", b"<<", b"*", b":", b";", b",", b".", b'"', b"\\", b"0x",
           b"_", b"9" * 40, b"1 << 200", b"\n", b"\x00", b"\xff", b"\xe2\x80\xae", b"if", b"match", b"region",
           b"extends", b"=>", b"/*", b"//", b"\r", b"\t", b"\xef\xbb\xbf", b"\\u0000", b"E"]
HUGE = [b"0", b"1", b"4096", b"99999999999999999999", b"0x1" + b"0" * 30, b"(1 << 100)", b"-1", b"9" * 300,
        b"0xFFFFFFFFFFFFFFFF", b"0x10000000000000000"]


def _shipped(rng: random.Random) -> tuple[str, bytes]:
    return rng.choice(list(SHIPPED.items()))


def mutate_tokens(rng: random.Random, data: bytes, edits: int) -> bytes:
    for _ in range(edits):
        spans = [m.span() for m in TOKEN.finditer(data)] or [(0, 0)]
        a, b = rng.choice(spans)
        c, d = rng.choice(spans)
        op = rng.randrange(6)
        if op == 0:
            data = data[:a] + data[b:]
        elif op == 1:
            data = data[:b] + b" " + data[a:b] + data[b:]
        elif op == 2 and b <= c:
            data = data[:a] + data[c:d] + data[b:c] + data[a:b] + data[d:]
        elif op == 3:
            data = data[:a] + data[c:d] + b" " + data[a:]
        elif op == 4:
            data = data[:a] + rng.choice(INSERTS) + data[a:]
        else:
            numbers = [m.span() for m in re.finditer(rb"\b(?:0x[0-9A-Fa-f_]+|\d[\d_]*[KMGTPE]?)\b", data)]
            if numbers:
                a, b = rng.choice(numbers)
                data = data[:a] + rng.choice(HUGE) + data[b:]
    return data


def mutate_bytes(rng: random.Random, data: bytes, edits: int) -> bytes:
    buf = bytearray(data)
    for _ in range(edits):
        i = rng.randrange(len(buf) + 1)
        op = rng.randrange(4)
        if op == 0 and buf:
            del buf[min(i, len(buf) - 1)]
        elif op == 1 and buf:
            buf[min(i, len(buf) - 1)] = rng.randrange(256)
        elif op == 2:
            buf[i:i] = bytes([rng.randrange(256)])
        else:
            j = rng.randrange(len(buf) + 1)
            a, b = sorted((i, j))
            buf[a:a] = buf[a:min(b, a + 64)]
    return bytes(buf)


def _with_bases(name: str, data: bytes) -> dict[str, bytes]:
    """A mutated file at its shipped place, with the (intact) layouts it extends."""
    files = {name: data}
    for other, text in SHIPPED.items():
        if other != name:
            files[other] = text
    return files


@family("mutated-tokens", weight=25)
def mutated_tokens(rng: random.Random) -> Case:
    name, data = _shipped(rng)
    data = mutate_tokens(rng, data, rng.randrange(1, 6))
    return Case("mutated-tokens", _with_bases(name, data), verb(rng, data))


@family("mutated-bytes", weight=10)
def mutated_bytes(rng: random.Random) -> Case:
    name, data = _shipped(rng)
    data = mutate_bytes(rng, data, rng.randrange(1, 8))
    return Case("mutated-bytes", _with_bases(name, data), verb(rng, data))


@family("spliced", weight=3)
def spliced(rng: random.Random) -> Case:
    """Halves of two layouts (or a layout and a generated one) glued at token boundaries."""
    (_, a), (_, b) = rng.choice(list(SHIPPED.items())), rng.choice(list(SHIPPED.items()))
    if rng.random() < 0.5:
        b = Generator(rng).layout().encode()
    i, j = rng.randrange(len(a) + 1), rng.randrange(len(b) + 1)
    data = a[:i] + b"\n" + b[j:]
    return Case("spliced", {"splice.kl": data}, verb(rng, data))


# ------------------------------------------------------------------ pathological families

def _size(rng: random.Random) -> int:
    """Mostly small, sometimes large: a 10,000-line file costs ~1 s to parse, so it is rare."""
    return rng.choices([10, 100, 300, 1000, 3000, 10_000], weights=[25, 30, 25, 12, 6, 2])[0]


PATHOLOGICAL: dict[str, Callable[[random.Random, int], str]] = {
    "deep-parens": lambda r, n: f"const X = {'(' * n}4K{')' * n}\nspace s bits 32 {{ region r [0, X) }}\n",
    "deep-unary": lambda r, n: f"const X = {r.choice('-~!') * n}4K\nspace s bits 32 {{ region r [0, +4K) }}\n",
    "deep-if": lambda r, n: "const X = " + "if true then " * n + "1" + " else 0" * n + "\n",
    "deep-match": lambda r, n: "const X = " + "match 1 { 1 => " * n + "1" + " }" * n + "\n",
    "deep-call": lambda r, n: "const X = " + "max(1, " * n + "1" + ")" * n + "\n",
    "long-sum": lambda r, n: "const X = 1" + " + 1" * n + "\nconst Y = X << X\n",
    "long-shift": lambda r, n: "const X = 1" + " << 1" * min(n, 3000) + "\nspace s bits 64 { region r [X, +1) }\n",
    "squaring": lambda r, n: "const A0 = 3\n" + "".join(f"const A{i + 1} = A{i} * A{i}\n" for i in range(min(n, 60))),
    "shift-chain": lambda r, n: "const A0 = 2\n" + "".join(f"const A{i + 1} = A{i} << A{i}\n" for i in range(min(n, 40))),
    "pow-chain": lambda r, n: "const A0 = 1 << 100000\n" + "".join(f"const A{i + 1} = A{i} * A{i}\n" for i in range(min(n, 30))),
    "deep-regions": lambda r, n: ("space s bits 32 {\n" + "".join(f"region r{i} [0, 4K) {{\n" for i in range(n))
                                  + "}\n" * n + "}\n"),
    "unclosed-regions": lambda r, n: "space s bits 32 {\n" + "region r [0, 4K) {\n" * n,
    "wide-overlap": lambda r, n: ("space s bits 64 {\n" + "".join(f"region r{i} [0, 1G)\n" for i in range(n)) + "}\n"),
    "wide-nested-overlap": lambda r, n: ("space s bits 64 {\n region top [0, 1T) {\n"
                                         + "".join(f"  region r{i} [{i}, +1G)\n" for i in range(n)) + " }\n}\n"),
    "wide-holes": lambda r, n: ("space s bits 64 {\n" + "".join(f"hole [0, 1G) \"h{i}\"\n" for i in range(n))
                                + "".join(f"region r{i} [0, 4K)\n" for i in range(n // 10)) + "}\n"),
    "wide-consts": lambda r, n: "".join(f"const C{i} = C{i + 1} + 1\n" for i in range(n)) + f"const C{n} = 0\n",
    "const-cycle": lambda r, n: "".join(f"const C{i} = C{(i + 1) % n} + 1\n" for i in range(n)),
    "fan-out": lambda r, n: "const A = 1\n" + "".join(f"const B{i} = A + A + A\n" for i in range(n)),
    "diamond": lambda r, n: "const A0 = 1\n" + "".join(f"const A{i + 1} = A{i} + A{i} + A{i}\n" for i in range(n)),
    # findings in one space, many waivers of their rule scoped to another (found by an adversarial review)
    "wide-waivers": lambda r, n: ("space s bits 64 {" + "".join(f"region a{g}_{i}[{g}G,+4K);" for g in range(4)
                                                               for i in range(8)) + "}\nspace t bits 64 {\n"
                                  + 'allow O401 "x"\n' * n + "".join(f"region r{i}[{i}M,+4K);" for i in range(n)) + "}\n"),
    # holes under one long hole beside regions that meet none of them (B304 walked back over them all)
    "holes-beside-long-hole": lambda r, n: ("space s bits 64 {\nhole [0, 1 << 60) \"long\"\n"
                                            + "".join(f'hole [{i}, +1) ""\n' for i in range(1, n))
                                            + "".join(f"region e{i} [1 << 50, 1 << 50)\n" for i in range(n)) + "}\n"),
    # a hole between every two regions: the header restated each hole's neighbours by filtering them all
    "holes-between-regions": lambda r, n: ("space s bits 64 {\n" + "".join(f'region r{i}[{i * 2}M,+4K);hole[{i * 2 + 1}M,+4K)""\n'
                                                                          for i in range(n)) + "}\n"),
    # sets of a param quoted by every failing assert's note; pairs of region sets restated one by one;
    # asserts restated in C of long names (all found by an adversarial review)
    "sets-quoted": lambda r, n: "param p:int=1\n" + "set p=1\n" * n + "".join(f'assert p=={i + 2}:""\n' for i in range(100)),
    "linear-vmalloc-pairs": lambda r, n: ("space virtual bits 64 {\n" + "".join(
        f"region l{i} [{i}M, +4K) {{ kind = linear }}\nregion v{i} [1T + {i}M, +4K) {{ kind = vmalloc }}\n"
        for i in range(min(n, 600))) + "}\n"),
    "long-asserts": lambda r, n: (f"layout L{'x' * 127} {{}}\nconst X = 1\n" + "".join(
        "assert " + "max(" * 9 + "X" + ",X)" * 9 + f' == X : "{i}"\n' for i in range(min(n, 300)))),
    "wide-params": lambda r, n: "".join(f"param b{i}: bool = true\n" for i in range(min(n, 200))),
    "wide-choice": lambda r, n: f"param c: choice({', '.join(f'v{i}' for i in range(n))}) = v0\n",
    "many-banks": lambda r, n: "param ram: banks = " + ", ".join(f"{i}G:1G" for i in range(n)) + "\n",
    "wide-match": lambda r, n: "const X = match 7 { " + ", ".join(f"{i} => {i}" for i in range(n)) + " }\n",
    "wide-call": lambda r, n: "const X = max(" + ", ".join("1" for _ in range(n)) + ")\n",
    # asserts are restated in the header and linker script, where C repeats what `max`/`align_up` take
    "assert-wide-call": lambda r, n: (f"assert {r.choice(['max', 'min'])}(" + ", ".join(str(i) for i in range(n))
                                      + ') >= 0 : "wide"\nspace s bits 32 { region r [0, +4K) }\n'),
    "assert-nested-align": lambda r, n: ("assert " + "align_up(1, " * min(n, 255) + "4K" + ")" * min(n, 255)
                                         + ' == 4K : "deep"\nspace s bits 32 { region r [0, +4K) }\n'),
    "assert-long-sum": lambda r, n: ("assert 0" + " + 1" * n + f' == {n} : "sum"\n'
                                     "space s bits 32 { region r [0, +4K) }\n"),
    "long-escapes": lambda r, n: "const S = \"" + r.choice(["\\n", "\\\\", "\\q", "\\x41", "\\\""]) * n + "\"\n",
    "long-string": lambda r, n: "layout l { title = \"" + "x" * (n * 100) + "\" }\n",
    "long-name": lambda r, n: f"const {'a' * (n * 10)} = 1\n",
    "long-line": lambda r, n: "const X = 1" + " " * (n * 100) + "+ 2 // " + "c" * n + "\n",
    "many-lines": lambda r, n: "\n" * (n * 100) + "const X = )\n",
    "block-comment": lambda r, n: "/*" + "*" * (n * 10) + "\nconst X = 1\n",
    "huge-literal": lambda r, n: f"const X = {r.choice(['9', 'f'])}{'9' * n}\n",
    "huge-hex": lambda r, n: f"const X = 0x{'F' * n}\nspace s bits 64 {{ region r [X, +1) }}\n",
    "huge-bits": lambda r, n: f"layout l {{ bits = {r.choice(['1 << 95', '9' * n, '-1', '0', '65', '1 << 62'])} }}\n"
                              "space virtual bits 64 { region r [0, +4K) }\n",
    "huge-va-bits": lambda r, n: ("layout l { arch = " + r.choice(["arm64", "x86_64", "riscv64", "arm"])
                                  + f"; va_bits = {r.choice(['1 << 40', '9' * n, '-5', '0', '65', '128', '1 << 62'])} }}\n"
                                  "space virtual bits 64 { region r [0, +4K) }\n"),
    "huge-space-bits": lambda r, n: f"space s bits {r.choice(['1 << 95', '9' * n, '100000', '-1', '0'])} "
                                    "{ region r [0, +4K) }\n",
    "huge-page-size": lambda r, n: f"layout l {{ page_size = {r.choice(['1 << 95', '9' * n, '3', '-4K'])} }}\n"
                                   "space s bits 64 { region r [0, +4K) { align = 1 << 80 } }\n",
    "huge-address": lambda r, n: (f"space s bits 64 {{ region r [{r.choice(['1 << 4000', '-1', '9' * n, '1 << 64'])}, "
                                  f"+{r.choice(['4K', '1 << 300', '-1', '9' * n])}) {{ kind = linear; maps = p.m }} }}\n"
                                  "space p bits 32 { region m [0, 1G) }\n"),
    "huge-align": lambda r, n: f"const X = align_up(1, 1 << {r.choice([64, 1000, 100000])})\n"
                               f"const Y = log2({'9' * n})\nconst Z = align_down(3, 0)\n",
    "huge-version": lambda r, n: f"param kernel: version = 1.{'9' * n}\nconst X = if kernel >= 4.4 then 1 else 2\n",
    "huge-bank": lambda r, n: f"param ram: banks = {'9' * n}:{'9' * n}\nspace p bits 64 {{ region m [ram.base, ram.end) }}\n",
}


@family("pathological", weight=8)
def pathological(rng: random.Random) -> Case:
    name = rng.choice(sorted(PATHOLOGICAL))
    text = PATHOLOGICAL[name](rng, _size(rng))
    if rng.random() < 0.3:  # on top of a real layout, so that every emitter meets it
        base = rng.choice(["arm32.kl", "arm64.kl", "x86_64.kl", "riscv64.kl", "x86.kl"])
        text = SHIPPED[base].decode() + "\n" + text.replace("space s ", "space s9 ")
    data = text.encode()
    return Case("pathological", {"path.kl": data}, verb(rng, data), extra={"shape": name})


# ------------------------------------------------------------------ encodings

ENCODINGS: dict[str, Callable[[bytes], bytes]] = {
    "bom": lambda d: b"\xef\xbb\xbf" + d,
    "double-bom": lambda d: b"\xef\xbb\xbf\xef\xbb\xbf" + d,
    "crlf": lambda d: d.replace(b"\n", b"\r\n"),
    "cr": lambda d: d.replace(b"\n", b"\r"),
    "nul": lambda d: d.replace(b" ", b"\x00", 3),
    "utf16": lambda d: d.decode("utf-8", "replace").encode("utf-16"),
    "latin1": lambda d: d.replace(b"Linux", b"Lin\xfcx"),
    "overlong": lambda d: d.replace(b"/", b"\xc0\xaf", 2),
    "surrogate": lambda d: d.replace(b" ", b"\xed\xa0\x80", 1),
    "truncated-utf8": lambda d: d + b"\xe2\x82",
    "bidi": lambda d: d.replace(b'"', b'"\xe2\x80\xae', 2).replace(b"//", b"// \xe2\x81\xa6", 2),
    "zero-width": lambda d: d.replace(b"region", b"reg\xe2\x80\x8bion", 1),
    "fullwidth": lambda d: d.replace(b"=", b"\xef\xbc\x9d", 1),
    "nbsp": lambda d: d.replace(b" ", b"\xc2\xa0", 2),
    "form-feed": lambda d: d.replace(b"\n", b"\n\x0c", 3),
    "unicode-names": lambda d: d.replace(b"const ", "const \u00e9".encode(), 2),
    "nul-in-extends": lambda d: b'extends "base\x00.kl"\n' + d,
    "only-bom": lambda d: b"\xef\xbb\xbf",
    "empty": lambda d: b"",
}


@family("encodings", weight=5)
def encodings(rng: random.Random) -> Case:
    name, data = _shipped(rng)
    if rng.random() < 0.3:
        data = Generator(rng).layout().encode()
    how = rng.choice(sorted(ENCODINGS))
    data = ENCODINGS[how](data)
    return Case("encodings", _with_bases(name, data), verb(rng, data), extra={"encoding": how})


# ------------------------------------------------------------------ `extends` of odd things

@family("extends-targets", weight=2)
def extends_targets(rng: random.Random) -> Case:
    target = rng.choice(["/dev/null", "/dev/zero", "/dev/urandom", "/dev/stdin", "/proc/self/status", "/",
                         "fifo.kl", "base\x00.kl", "sub", "nothere.kl", "link.kl", "board.kl", "", "\\",
                         "../" * 50 + "x.kl", "a" * 5000 + ".kl", "base.kl\n"])
    escaped = target.replace("\\", "\\\\").replace("\n", "\\n").replace("\x00", "\\0")
    data = f'extends "{escaped}"\nset x = 1\n'.encode()
    return Case("extends-targets", {"board.kl": data, "base.kl": b"param x: int = 0\n"},
                verb(rng, data), extra={"target": target, "make": "fifo,dir,link"})


# ------------------------------------------------------------------ other inputs: -D, scenarios, import, outputs

D_VALUES = ["1", "0x" + "F" * 300, "9" * 5000, "1 << 100000", "", "=", "1G:1G," * 300, "(" * 3000 + "1" + ")" * 3000,
            "true", "3G_OPT", "6.12", "-1", "\x00", "\xff", "\"s\"", "1:2:3", "banks", "ram.base", "1/0", "if", "//",
            "é", "\u202e1", "0x6000_0000:1G", "1" + "0" * 50 + ":1", "4K" * 500]


@family("defines", weight=4)
def defines(rng: random.Random) -> Case:
    name, data = rng.choice([(n, d) for n, d in SHIPPED.items() if not n.startswith("boards/")])
    params = re.findall(rb"param\s+([A-Za-z_]\w*)", data) or [b"x"]
    argv = list(rng.choice([("check", "{main}"), ("show", "{main}"), ("emit", "header", "{main}"),
                            ("check", "{main}", "--matrix", "--max-variants", "4"), ("render", "{main}")]))
    for _ in range(rng.randrange(1, 4)):
        key = rng.choice(params).decode() if rng.random() < 0.8 else rng.choice(["nope", "", "1x", "ram.base"])
        argv += ["-D", f"{key}={rng.choice(D_VALUES)}"]
    if rng.random() < 0.1:
        argv += ["--vary", f"{rng.choice(params).decode()}={','.join(rng.choice(D_VALUES) for _ in range(3))}"]
    return Case("defines", _with_bases(name, data), tuple(argv))


def _scenario_step(rng: random.Random, depth: int) -> object:
    ops = ["task", "alloc_pages", "free_pages", "kmalloc", "kfree", "cache_alloc", "cache_free", "vmalloc", "vfree",
           "kmap", "kunmap", "touch", "hugemap", "phase", "isolation_sweep", "repeat", "expect", "bogus"]
    op = rng.choice(ops)
    step: dict[str, object] = {"op": op}
    wild = [-1, 0, 1, 10**30, 2**63, 1.5, "1", None, True, [], {}, 10**6]
    for key, good in (("count", rng.choice([1, 2, 64])), ("order", rng.randrange(0, 14)), ("tag", "t"),
                      ("task", "app"), ("comm", "app"), ("cache", rng.choice(["dentry", "kmalloc-64", "nope"])),
                      ("size", rng.choice([1, 4096, 10**7])), ("gfp", "GFP_KERNEL"), ("times", rng.choice([1, 3])),
                      ("until", "oom"), ("metric", "free_pages"), ("cmp", ">"), ("value", 0)):
        if rng.random() < 0.3:
            step[key] = good if rng.random() < 0.7 else rng.choice(wild)
    if op == "repeat" or rng.random() < 0.05:
        step["steps"] = [_scenario_step(rng, depth + 1) for _ in range(rng.randrange(0, 3))] if depth < 6 else []
        step.setdefault("times", rng.choice([1, 2, 10**9, 10**40]))
    return step


@family("scenarios", weight=1)
def scenarios(rng: random.Random) -> Case:
    shape = rng.random()
    if shape < 0.7:
        doc = {"name": "fz", "steps": [_scenario_step(rng, 0) for _ in range(rng.randrange(0, 6))]}
        if rng.random() < 0.3:
            doc["verdict"] = rng.choice(["oom", "none", "bogus", 3])
        text = json.dumps(doc).encode()
        if rng.random() < 0.2:
            text = mutate_bytes(rng, text, rng.randrange(1, 4))
    elif shape < 0.85:
        depth = rng.choice([100, 1000, 3000, 10_000, 100_000])  # 3,000-10,000: past json, into the validator
        text = ('{"name": "deep", "steps": [' + '{"op": "repeat", "times": 2, "steps": [' * depth
                + "]}" * depth + "]}").encode()
    else:
        text = rng.choice([b"", b"[]", b"null", b"\xff\xfe", b'{"name": 1}', b"{" * 50_000, b'"' + b"a" * 100000,
                          b'{"name":"t","steps":[{"op":"expect","metric":"free_pages","value":' + b"9" * 5000 + b"}]}",
                          b'{"name":"t","steps":[{"op":"expect","metric":"free_pages","value":NaN}]}',
                          b'{"name":"t","steps":[' + b",".join([b"{}"] * 50_000) + b"]}"])
    layout = rng.choice(["arm32.kl", "x86_64.kl", "arm64.kl"])
    files = {"scn.json": text, layout: SHIPPED[layout]}
    argv = ("sim", layout, "--scenario", "{main}", "--steps", str(rng.choice([50, 200])))
    return Case("scenarios", files, argv)


def _boot_log(rng: random.Random) -> bytes:
    banner = (b"[    0.000000] Virtual kernel memory layout:\n"
              b"[    0.000000]     vector  : 0xffff0000 - 0xffff1000   (   4 kB)\n"
              b"[    0.000000]     fixmap  : 0xffc00000 - 0xfff00000   (3072 kB)\n"
              b"[    0.000000]     vmalloc : 0xf0800000 - 0xff800000   ( 240 MB)\n"
              b"[    0.000000]     lowmem  : 0xc0000000 - 0xf0000000   ( 768 MB)\n"
              b"[    0.000000]     modules : 0xbf000000 - 0xc0000000   (  16 MB)\n"
              b"[    0.000000]       .text : 0xc0008000 - 0xc0800000   (8160 kB)\n")
    pick = rng.random()
    if pick < 0.08:  # shapes an adversarial review found: a run of blanks the line pattern split every
        # way (cubic), a flood of line breaks held as lists, a banner of thousands of lines (L016)
        n = rng.choice([1000, 4000])
        return rng.choice([b"a" + b" " * n + b"z\n", b"vector " + b" " * n + b": 0x1 - \n",
                           b"\n" * (n * 250), banner[:46] + banner[46:114] * (n // 2)])
    if pick < 0.4:
        return mutate_bytes(rng, banner, rng.randrange(1, 20))
    if pick < 0.6:
        return banner[: rng.randrange(len(banner))]
    if pick < 0.8:
        return mutate_tokens(rng, banner.replace(b"0xc0000000", rng.choice(HUGE)), rng.randrange(1, 5))
    return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 2000)))


@family("import", weight=3)
def import_logs(rng: random.Random) -> Case:
    data = _boot_log(rng)
    argv = rng.choice([("import", "{main}"), ("import", "{main}", "-o", "{dir}/board.kl"),
                       ("check", "arm32.kl", "--against", "{main}")])
    return Case("import", {"boot.log": data, "arm32.kl": SHIPPED["arm32.kl"]}, argv)


OUTPUTS = ["{dir}/arm32.kl/x.h", "{dir}/nodir/deeper/x.h", "{dir}", "{dir}/", "{dir}/ro/x.h", "", "-",
           "{dir}/arm32.kl", "{dir}/" + "n" * 300 + ".h", "{dir}/a\x00b.h"]


@family("outputs", weight=1)
def outputs(rng: random.Random) -> Case:
    target = rng.choice(OUTPUTS)
    argv = rng.choice([("emit", "header", "{main}", "-o", target), ("build", "{main}", "-o", target),
                       ("render", "{main}", "-o", target + ".dot"), ("import", "boot.log", "-o", target),
                       ("sim", "{main}", "--trace", target, "--steps", "5", "--scenario", "vmalloc-frag")])
    return Case("outputs", {"arm32.kl": SHIPPED["arm32.kl"], "boot.log": _boot_log(rng)}, argv,
                extra={"make": "ro"})


# ------------------------------------------------------------------ a text corpus, for emitters

def text_family(name: str, strings: list[str], verbs: list[tuple[str, ...]], weight: int = 2):
    """Register a family that puts hostile ``strings`` into a layout's titles, docs and labels."""

    def make(rng: random.Random) -> Case:
        hostile = [rng.choice(strings) for _ in range(4)]
        quoted = [json.dumps(s, ensure_ascii=False) for s in hostile]
        text = (f"layout l {{ title = {quoted[0]}; doc = {quoted[1]} }}\n"
                f"param p: int = 1 {quoted[2]}\n"
                f"space virtual bits 32 {{ region r [0, +4K) {{ label = {quoted[3]} }} }}\n")
        data = text.encode("utf-8", "surrogatepass")
        return Case(name, {"text.kl": data}, rng.choice(verbs))

    family(name, weight)(make)
    return make


text_family("text-corpus", ["*/", "#endif", "\\", "`", "|", "\n", "$(rm -rf)", "<script>", "..", ":", "\u202e",
                            "\t", "%s", "{}", "\r", "a" * 2000, "\"", "|---|", ".. raw::", "$", "%"],
            [("emit", k, "{main}") for k in ("header", "ld", "json", "markdown", "rst", "dot")]
            + [("build", "{main}", "-o", "{dir}/out")], weight=2)


def _hostile_corpus() -> list[str]:
    """The hostile strings of tests/hostile_text.py (issue 15), which the emitter tests prove with docutils,
    markdown-it-py, cmark-gfm and make: here every emitter and `build` meets them too."""
    return [text for _, text in repo_module("hostile_text", "tests/hostile_text.py").CORPUS]


text_family("hostile-text", _hostile_corpus(),
            [("emit", k, "{main}") for k in ("markdown", "rst", "header", "ld", "json", "dot")]
            + [("build", "{main}", "-o", "{dir}/out", "--depfile", "{dir}/out/deps.d"),
               ("render", "{main}"), ("show", "{main}")], weight=2)


# ------------------------------------------------------------------ large valid layouts

def _generator() -> Callable[..., Any]:
    """``benchmarks/generate.py``'s ``generate(n, seed)``: a layout of n regions that looks like a real one
    (params of every type, computed constants, regions placed one after the other, nesting, attributes,
    holes, asserts), only longer."""
    return repo_module("fuzz_benchmark_generate", "benchmarks/generate.py").generate


# every verb that writes what it makes, to files as `build` and editors' tasks do
LARGE_VERBS: list[tuple[str, ...]] = [
    ("check", "{main}"), ("check", "{main}", "--format", "sarif"), ("show", "{main}", "--format", "json"),
    ("render", "{main}", "--format", "dot", "-o", "{dir}/out.dot"), ("render", "{main}"),
    *[("emit", kind, "{main}", "-o", f"{{dir}}/out.{kind}") for kind in ("header", "ld", "json", "dot", "markdown", "rst")],
    ("build", "{main}", "-o", "{dir}/out"),
]


@family("large", weight=0.02)
def large(rng: random.Random) -> Case:
    """A valid layout of 5,000 to 100,000 regions (0.7 to 15 MB: within L001's 16 MiB and L014's 3 million
    tokens) through a verb that writes what it makes -- the inputs the other families, all under
    ~300 KB, never reach.  Rare (about 20 in 100,000 inputs): each takes seconds.  Each runs through
    `python -m layoutc` (a fresh process): a worker that has run one keeps hundreds of MB its allocator
    does not give back, which the next input's peak would count."""
    regions = int(5000 * 20 ** rng.random())  # log-uniform
    data = _generator()(regions, seed=rng.randrange(1 << 30)).kl.encode()
    argv = rng.choice(LARGE_VERBS)
    verb = " ".join(argv[:2] if argv[0] == "emit" else argv[:1])  # failures group by verb, not by size
    return Case("large", {"large.kl": data}, argv, cli=True, extra={"shape": verb, "regions": str(regions)})


def draw(rng: random.Random) -> Case:
    names = list(FAMILIES)
    weights = [FAMILIES[n][1] for n in names]
    chosen = rng.choices(names, weights)[0]
    return FAMILIES[chosen][0](rng)


# ------------------------------------------------------------------ output amplification

def _name(rng: random.Random, n: int) -> str:
    """A name of n + 1 characters, or (mostly) one at the name limit, 128 (L011), or one past it."""
    n = rng.choice([n, 127, 127, 128])
    return "n" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz_0123456789") for _ in range(n))


def _bools(k: int) -> str:
    return "".join(f"param b{i}: bool = false\n" for i in range(k))


# Each shape: (rng, n) -> (layout text, verbs).  The aim is many bytes out per byte in: a name quoted by
# every finding about its neighbours, a parent named by each of its children, a path repeated per level,
# a value printed in full by every message, a report repeated per --matrix variant or per picture.
AMPLIFIERS: dict[str, Callable[[random.Random, int], tuple[str, list[tuple[str, ...]]]]] = {
    "long-name-overlaps": lambda r, n: (
        "space s bits 64 {\n region " + _name(r, n * 20) + " [0, 1G)\n"
        + "".join(f" region r{i} [0, 4K)\n" for i in range(n)) + "}\n",
        [("check", "{main}"), ("check", "{main}", "--format", "sarif"), ("check", "{main}", "--format", "json"),
         ("show", "{main}"), ("render", "{main}"), ("emit", "header", "{main}")]),
    "long-parent": lambda r, n: (
        "space s bits 64 {\n region " + _name(r, n * 20) + " [0, 1T) {\n"
        + "".join(f"  region r{i} [{i}G, +4K)\n" for i in range(n)) + " }\n}\n",
        [("emit", k, "{main}") for k in ("header", "ld", "json", "markdown", "rst", "dot")]
        + [("show", "{main}"), ("show", "{main}", "--format", "json"), ("build", "{main}", "-o", "{dir}/out")]),
    "deep-long-names": lambda r, n: (
        "space s bits 64 {\n" + "".join(f"region {_name(r, min(n, 300))}{i} [0, 1T) {{\n" for i in range(min(n, 250)))
        + "}\n" * min(n, 250) + "}\n",
        [("emit", k, "{main}") for k in ("header", "ld", "json", "markdown", "rst", "dot")]
        + [("show", "{main}"), ("show", "{main}", "--format", "json"), ("build", "{main}", "-o", "{dir}/out"),
           ("render", "{main}"), ("check", "{main}", "--format", "sarif")]),
    "long-name-refs": lambda r, n: (
        (lambda name: f"const {name} = 1\n" + "".join(f"const C{i} = {name} + {i}\n" for i in range(2)))(_name(r, n * 20)),
        [("show", "{main}", "--explain", "C1"), ("check", "{main}"), ("emit", "header", "{main}")]),
    "huge-values": lambda r, n: (
        "".join(f"const C{i} = {r.choice(['1 << -(1 << 4000)', '(1 << 4000) / 0', 'align_up(1 << 4000, 3)', 'log2(-(1 << 4000))', '(1 << 4095) << 1'])}\n"
                for i in range(min(n, 300))),
        [("check", "{main}"), ("check", "{main}", "--format", "sarif"), ("show", "{main}"), ("emit", "json", "{main}")]),
    "huge-values-shown": lambda r, n: (
        "space s bits 128 {\n" + "".join(f" region r{i} [{i} << 100, +((1 << 99) + {i}))\n" for i in range(n))
        + "}\n" + "".join(f"const K{i} = (1 << 4000) + {i}\n" for i in range(min(n, 50))),
        [("show", "{main}"), ("show", "{main}", "--format", "json")]
        + [("emit", k, "{main}") for k in ("header", "ld", "json", "markdown", "rst", "dot")]
        + [("show", "{main}", "--explain", "K0"), ("build", "{main}", "-o", "{dir}/out")]),
    "matrix-findings": lambda r, n: (
        _bools(min(n, 10)) + "space s bits 64 {\n" + "".join(f" region r{i} [0, 1G) if b{i % 10} or true\n"
                                                            for i in range(min(n, 40))) + "}\n",
        [("check", "{main}", "--matrix"), ("check", "{main}", "--matrix", "--format", "json"),
         ("check", "{main}", "--matrix", "--format", "sarif")]),
    "render-matrix": lambda r, n: (
        "param p: int = 0\nspace s bits 32 {\n" + "".join(f" region r{i} [{i}M + p, +4K)\n" for i in range(min(n, 12))) + "}\n",
        [("render", "{main}", "--matrix", "p=" + ",".join(str(i) for i in range(min(n, 17))), "-o", "{dir}/g",
          "--format", "dot"),
         ("render", "{main}", "--matrix", "p=" + ",".join(str(i) for i in range(min(n, 400))), "-o", "{dir}/g")]),
    "explain-diamond": lambda r, n: (
        "const A0 = 1\n" + "".join(f"const A{i + 1} = A{i} + A{i} + A{i}\n" for i in range(min(n, 60)))
        + f"space s bits 64 {{ region r [0, +A{min(n, 60)} % 4G) }}\n",
        [("show", "{main}", "--explain", f"A{min(n, 60)}"), ("show", "{main}", "--explain", "r")]),
    "explain-chain": lambda r, n: (
        "const A0 = 1\n" + "".join(f"const A{i + 1} = A{i} + 1\n" for i in range(n))
        + f"space s bits 64 {{ region r [0, +A{n}) }}\n",
        [("show", "{main}", "--explain", f"A{n}"), ("show", "{main}", "--explain", "r")]),
    "escapes-everywhere": lambda r, n: (
        (lambda s: f"layout l {{ title = \"{s}\"; doc = \"{s}\" }}\nparam p: int = 1 \"{s}\"\n"
                   f"space virtual bits 32 {{ region r [0, +4K) {{ label = \"{s}\"; doc = \"{s}\" }} }}\n")(
            r.choice(["&", "<", "\\\"", "\\x01", "\\n", "\u202e", "\\\\", "'", "*", "`", "|", "%", "$"]) * n),
        [("emit", k, "{main}") for k in ("header", "ld", "json", "markdown", "rst", "dot")]
        + [("show", "{main}"), ("show", "{main}", "--format", "json"), ("render", "{main}"),
           ("build", "{main}", "-o", "{dir}/out"), ("check", "{main}", "--format", "sarif")]),
    "many-codes": lambda r, n: (
        _bools(3) + "".join(f"const U{i} = nope{i}\nconst D{i} = 1 / 0\nconst T{i} = b0 + 1\nconst S{i} = 1 << -1\n"
                            for i in range(min(n, 300)))
        + "space s bits 32 {\n" + "".join(f" region x{i} [{i}, +3) {{ knd = linear }}\n region y{i} [0, 1G)\n"
                                          for i in range(min(n, 300))) + "}\n",
        [("check", "{main}"), ("check", "{main}", "--format", "sarif"), ("check", "{main}", "--format", "json"),
         ("check", "{main}", "--format", "github"), ("show", "{main}"), ("render", "{main}")]),
}


@family("amplify", weight=4)
def amplify(rng: random.Random) -> Case:
    name = rng.choice(sorted(AMPLIFIERS))
    text, verbs = AMPLIFIERS[name](rng, rng.choice([1, 10, 100, 300, 1000, 3000]))
    data = text.encode("utf-8")
    return Case("amplify", {"amp.kl": data}, rng.choice(verbs), extra={"shape": name})
