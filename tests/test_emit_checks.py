"""The invariants the header and the linker fragment restate (layoutc/emit/checks.py).

The arithmetic model (64-bit unsigned, as C with the header's casts and GNU ld compute)
is tested directly; the translation of `assert` conditions is tested by compiling: each
restated assert must hold for the layout and fail when a `-D` makes its KL condition false.
"""

from __future__ import annotations

import pytest
from emit_support import HOST_C, ROOT, SHIPPED, compile_source, load, options

from layoutc.emit.c_header import emit
from layoutc.emit.checks import Lit, Op, Ref, checks, evaluate, render_c, render_ld, top
from layoutc.emit.symbols import Symbol, symbol_table

U64 = 1 << 64


def _sym(name: str, value: int) -> Ref:
    return Ref(Symbol(name, value, "hex", "const", ""))


@pytest.mark.parametrize("expr, value", [
    (Op("-", (Lit(1), Lit(2))), U64 - 1),
    (Op("+", (Lit(U64 - 1), Lit(1))), 0),
    (Op("*", (Lit(1 << 40), Lit(1 << 40))), 0),
    (Op("<<", (Lit(1), Lit(63))), 1 << 63),
    (Op("neg", (Lit(1),)), U64 - 1),
    (Op("~", (Lit(0),)), U64 - 1),
    (Op("!", (Lit(5),)), 0),
    (Op("<", (Lit(1 << 63), Lit(1))), 0),  # unsigned comparison
    (Op("?:", (Lit(0), Lit(1), Lit(2))), 2),
    (Op("%", (Lit(10), Lit(4))), 2),
    (Op("&&", (Lit(3), Lit(0))), 0),
    (Op("==", (_sym("NEG", -16), Lit(U64 - 16))), 1),
], ids=lambda x: "" if isinstance(x, int) else None)
def test_evaluate_is_64_bit_unsigned(expr, value):
    assert evaluate(expr) == value


@pytest.mark.parametrize("expr", [
    Op("/", (Lit(1), Lit(0))), Op("%", (Lit(1), Lit(0))), Op("<<", (Lit(1), Lit(64))), Op(">>", (Lit(1), Lit(70))),
])
def test_undefined_c_is_none(expr):
    assert evaluate(expr) is None


def test_ld_divides_as_signed_so_high_operands_are_refused():
    expr = Op("%", (Lit(0xFFFF_8000_0000_0000), Lit(0x1000)))
    assert evaluate(expr, "c") == 0
    assert evaluate(expr, "ld") is None
    assert evaluate(Op("%", (Lit(0x8000_0000), Lit(0x1000))), "ld") == 0


def test_render_c_widens_only_width_dependent_arithmetic():
    a, b = _sym("A", 0xC000_0000), _sym("B", 0x1000)
    assert top(render_c(Op("<=", (a, b)), "U64")) == "A <= B"
    assert top(render_c(Op("-", (a, b)), "U64")) == "U64(A) - U64(B)"
    assert top(render_c(Op("+", (Op("/", (a, b)), Lit(1))), "U64")) == "U64((A / B)) + 1ULL"
    assert top(render_c(Op("==", (_sym("N", -1), Lit(0))), "U64")) == "U64(N) == 0"  # negatives always widened
    assert top(render_ld(Op("-", (a, b)))) == "A - B"


@pytest.mark.parametrize("path", SHIPPED)
def test_every_check_of_the_shipped_layouts_is_restated(path):
    """Nothing of the shipped layouts is left out of the header or the fragment."""
    layout = load(ROOT / path)
    table = symbol_table(layout, "P")
    for dialect in ("c", "ld"):
        kept, skipped = checks(layout, table, dialect)
        assert kept and not skipped, [(s.message, s.reason) for s in skipped]
        assert all(evaluate(check.expr, dialect) for check in kept)


# ------------------------------------------------------------------ assert translation, proven by compiling

ASSERTS = """\
layout t { bits = 32; page_size = 4K }
param v:   version = 5.10
param c:   choice(A, B) = A
param n:   int = 6
param ram: banks = 0x8000_0000:256M
const X = 0x1000
space s bits 32 { region r [X, +4K) }
assert v >= 5.4 : "m-version"
assert c == A : "m-choice-eq"
assert c != B : "m-choice-ne"
assert min(n, 10) == 6 && max(n, 3) == 6 : "m-min-max"
assert align_up(X + 1, 4K) == 2 * X : "m-align-up"
assert align_down(X + 1, 4K) == X : "m-align-down"
assert is_pow2(X) : "m-pow2"
assert clamp(n, 1, 4) == 4 : "m-clamp"
assert (if n > 5 then 1 else 2) == 1 : "m-if"
assert ram.size == 256M && ram.end == 0x9000_0000 : "m-banks"
assert s.r.end - r.start == 4K : "m-region"
assert log2(X) == 12 : "m-log2"
assert match c { A => true, B => false } : "m-match"
"""

# (a -D that makes the KL condition false, the assert that must then stop the build)
FALSIFY = [
    ("T_PARAM_V=0x050300", "m-version"),
    ("T_PARAM_C_A=0", "m-choice-eq"),
    ("T_PARAM_C_B=1", "m-choice-ne"),
    ("T_PARAM_N=7", "m-min-max"),
    ("T_X=0x2000UL", "m-align-up"),
    ("T_X=0x1800UL", "m-align-down"),
    ("T_X=0x1800UL", "m-pow2"),
    ("T_PARAM_N=3", "m-clamp"),
    ("T_PARAM_N=5", "m-if"),
    ("T_PARAM_RAM_SIZE=0x20000000UL", "m-banks"),
    ("T_S_R_END=0x3000UL", "m-region"),
]


@pytest.fixture
def header(load_kl, tmp_path):
    result = load_kl(ASSERTS)
    assert not result.errors, [d.message for d in result.errors]
    text = emit(result.layout, options(result.layout, "t.kl", prefix="T"))
    (tmp_path / "layout.h").write_text(text, encoding="utf-8")
    (tmp_path / "main.c").write_text('#include "layout.h"\nint main(void) { return 0; }\n')
    return tmp_path, text


def test_expressible_asserts_are_restated_and_the_rest_listed(header):
    _, text = header
    assertions, _, rest = text.partition("/* Not restated:")
    for message in {m for _, m in FALSIFY}:
        assert f'"U901: {message}"' in assertions
    assert "U901: m-log2 -- `log2()` has no C equivalent here" in rest
    assert "U901: m-match" in rest


def test_restated_asserts_hold(header):
    tmp_path, _ = header
    result = compile_source(HOST_C, tmp_path / "main.c")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("define, message", FALSIFY, ids=[f"{m}:{d}" for d, m in FALSIFY])
def test_restated_asserts_mean_what_the_layout_says(header, define, message):
    tmp_path, _ = header
    result = compile_source(HOST_C, tmp_path / "main.c", f"-D{define}")
    assert result.returncode != 0
    assert f"U901: {message}" in result.stderr


def _max_of(count: int) -> str:
    return "max(" + ", ".join(str(i) for i in range(1, count + 1)) + ")"


# (assert, restated?): max of k arguments repeats each partial result twice, 2^k terms in all
BOUNDS = {
    "max of 8": (f"{_max_of(8)} == 8", True),
    "max of 30": (f"{_max_of(30)} == 30", False),
    "align_up nested 12 deep": ("align_up(1, " * 12 + "4K" + ")" * 12 + " == 4K", False),
    "a sum of 60": (" + ".join(["1"] * 60) + " == 60", True),
    "a sum of 70": (" + ".join(["1"] * 70) + " == 70", False),
}


@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_an_assert_whose_c_text_would_blow_up_is_listed_instead(load_kl, tmp_path, name):
    condition, restated = BOUNDS[name]
    result = load_kl(f'assert {condition} : "bound"\nspace s bits 32 {{ region r [0, 4K) }}\n')
    assert not result.errors, [d.message for d in result.errors]
    text = emit(result.layout, options(result.layout, "t.kl", prefix="T"))
    assert len(text) < 64 * 1024, len(text)
    assertions, _, rest = text.partition("/* Not restated:")
    assert ('"U901: bound"' in assertions) is restated
    assert ("U901: bound -- it nests" in rest or "U901: bound -- its C text would have" in rest) is not restated
    (tmp_path / "layout.h").write_text(text, encoding="utf-8")
    (tmp_path / "main.c").write_text('#include "layout.h"\nint main(void) { return 0; }\n')
    compiled = compile_source(HOST_C, tmp_path / "main.c")
    assert compiled.returncode == 0, compiled.stderr


# ------------------------------------------------------------------ every configuration, not just the defaults


@pytest.mark.parametrize("path", SHIPPED)
def test_every_variant_emits_and_its_header_compiles(tmp_path, path):
    """`check --matrix` variants (every bool/choice combination) that check clean: no name clash,
    every check restated, and all their headers (one prefix each) compile in one translation unit."""
    from layoutc.emit.base import as_text, emitters
    from layoutc.emit.symbols import check_names
    from layoutc.session import check_matrix

    clean = [r.layout for r in check_matrix(str(ROOT / path), keep=True).results if r.layout is not None and not r.errors]
    assert clean
    includes = []
    for index, layout in enumerate(clean):
        prefix = f"V{index}"
        assert check_names(layout, prefix) == []
        for dialect in ("c", "ld"):
            assert not checks(layout, symbol_table(layout, prefix), dialect)[1]
        for emitter in emitters().values():
            as_text(emitter.emit(layout, options(layout, path, prefix=prefix)))
        (tmp_path / f"v{index}.h").write_text(emit(layout, options(layout, path, prefix=prefix)), encoding="utf-8")
        includes.append(f'#include "v{index}.h"')
    source = tmp_path / "all.c"
    source.write_text("\n".join(includes) + "\nint main(void) { return 0; }\n", encoding="utf-8")
    result = compile_source(HOST_C, source)
    assert result.returncode == 0, result.stderr[:2000]


# ------------------------------------------------------------------ how many checks a layout may make


@pytest.mark.parametrize("each, restated", [(8, 64), (9, 64)])
def test_pairs_of_one_rule_are_restated_up_to_the_bound_then_counted(tmp_path, each, restated):
    """Found by an adversarial review: K608 restated one check per linear x vmalloc pair, so 300 of each
    made 25 MB of header from 27 KB.  8 x 8 pairs are the most restated; past them, one line."""
    from layoutc.emit.checks import MAX_PAIRS

    assert MAX_PAIRS == 64
    lines = [f"region l{i} [{i}M, +4K) {{ kind = linear }}" for i in range(each)]
    lines += [f"region v{i} [1T + {i}M, +4K) {{ kind = vmalloc }}" for i in range(each)]
    path = tmp_path / "pairs.kl"
    path.write_text("space virtual bits 64 {\n" + "\n".join(lines) + "\n}\n")
    layout = load(path)
    kept, skipped = checks(layout, symbol_table(layout, "P"), "c")
    assert sum(c.rule == "K608" for c in kept) == restated
    left = [s for s in skipped if s.rule == "K608"]
    assert [s.message for s in left] == ([] if each * each <= 64 else [f"{each * each - 64} more pairs of linear "
                                                                        "and vmalloc regions"])


def test_the_user_s_asserts_take_a_bounded_share_of_the_header(tmp_path):
    """200 asserts of nested `max` over a 128-character layout name made a 41 MB header from 16 KB; past
    MAX_ASSERT_TEXT characters the rest are listed as not restated."""
    from layoutc.emit.checks import MAX_ASSERT_TEXT, text_size

    name = "L" + "x" * 127
    expression = "X"
    for _ in range(9):
        expression = f"max({expression},X)"
    path = tmp_path / "asserts.kl"
    path.write_text(f"layout {name} {{}}\nconst X = 1\n"
                    + "".join(f'assert {expression} == X : "{i}"\n' for i in range(200)))
    layout = load(path)
    kept, skipped = checks(layout, symbol_table(layout, "P"), "c")
    restated = [c for c in kept if c.rule == "U901"]
    assert restated and sum(text_size(c.expr) for c in restated) <= MAX_ASSERT_TEXT
    assert len(restated) + sum(s.rule == "U901" for s in skipped) == 200
    from layoutc.cli import main

    for kind in ("header", "ld"):
        assert main(["emit", kind, str(path), "-o", str(tmp_path / f"out.{kind}")]) == 0
        assert (tmp_path / f"out.{kind}").stat().st_size < 2 * MAX_ASSERT_TEXT + 100_000
