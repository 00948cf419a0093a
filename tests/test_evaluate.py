"""Expression evaluation: operators, versions, choices, match, built-ins, banks, region references.

Each test evaluates KL through the whole front end (``session.load_layout``)
and compares values with numbers worked out by hand (or by C's rules), and
failures by code and position.
"""

from __future__ import annotations

import pytest

from layoutc.model.values import Bank, Version


@pytest.fixture
def const(load_kl):
    """``const(expr, prelude="")`` -> (value of X, diagnostics other than W001)."""

    def evaluate(expr: str, prelude: str = "", overrides=()):
        text = f"{prelude}\nconst X = {expr}\nassert X == X : \"uses X\"\n"
        result = load_kl(text, overrides)
        others = [d for d in result.diagnostics if d.code != "W001"]
        assert result.layout is not None, others
        return result.layout.consts["X"].value, others

    return evaluate


def _value(const, expr: str, prelude: str = ""):
    value, diagnostics = const(expr, prelude)
    assert diagnostics == [], [(d.code, d.message) for d in diagnostics]
    return value


def _error(const, expr: str, prelude: str = "") -> object:
    """The single diagnostic ``expr`` produces (its value must be unknown)."""
    value, diagnostics = const(expr, prelude)
    assert len(diagnostics) == 1, [(d.code, d.message) for d in diagnostics]
    return diagnostics[0]


# ---------------------------------------------------------------- operators

PRECEDENCE = [
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("10 - 4 - 3", 3),                 # left associative
    ("100 / 10 / 5", 2),
    ("2 * 3 % 4", 2),                  # (2 * 3) % 4
    ("1 << 2 + 1", 8),                 # shifts bind looser than +
    ("0x100 >> 4 - 2", 0x40),
    ("1 | 2 ^ 3 & 4", 3),              # & before ^ before |
    ("0xF0 | 0x0F & 0x3C", 0xFC),
    ("6 ^ 3 | 8", 13),
    ("-2 * -3", 6),
    ("-(2 + 3)", -5),
    ("~0 & 0xFF", 0xFF),
    ("~0x0F & 0xFF", 0xF0),
    ("1 + 2 == 3", True),              # comparison below arithmetic
    ("1 < 2 == true", True),           # relational before equality
    ("1 < 2 && 2 < 3 || false", True),
    ("false && true || true", True),   # && before ||
    ("true || false && false", True),
    ("!false && true", True),
    ("!(1 == 1)", False),
    ("if 1 < 2 then 10 else 20", 10),
    ("if false then 1 else if true then 2 else 3", 2),
    ("1 + (if true then 1 else 2) * 2", 3),
    ("3 & 1 == 1", None),              # C precedence: 3 & (1 == 1) is a type error, not 1
]


@pytest.mark.parametrize("expr, value", PRECEDENCE, ids=[e for e, _ in PRECEDENCE])
def test_operator_precedence(const, expr: str, value) -> None:
    if value is None:
        assert _error(const, expr).code == "E201"
    else:
        got = _value(const, expr)
        assert got == value and type(got) is type(value)


def test_long_chains_evaluate_without_a_stack_per_operand(const) -> None:
    """A chain of the most operands one expression may have (L015), mixing precedences, nested a few
    levels deep: evaluated at Python's default recursion limit (as through the API), with C's
    precedence for + - * (Python's too), and with `&&`/`||` still short-circuiting."""
    import random
    import sys

    from layoutc.limits import MAX_LIST_ITEMS

    pick = random.Random(10)
    operands = MAX_LIST_ITEMS // 4
    chain = "1" + "".join(f" {pick.choice('+-*')} {pick.randint(0, 3)}" for _ in range(operands - 1))
    expr = f"({chain}) - ({chain}) * 2 + ({chain})"
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        assert _value(const, expr) == eval(expr)  # noqa: S307 -- our own text, + - * only
        skipped = " && (1 / 0 == 1)" * (MAX_LIST_ITEMS // 2 - 1)
        assert _value(const, "false" + skipped) is False
        assert _value(const, "1 == 1 ||" + " (1 / 0 == 1) ||" * (MAX_LIST_ITEMS // 2 - 2) + " false") is True
    finally:
        sys.setrecursionlimit(limit)


C_DIVISION = [(7, 2), (-7, 2), (7, -2), (-7, -2), (1, 3), (-1, 3), (0, -5), (6, 3), (-6, 3)]


@pytest.mark.parametrize("a, b", C_DIVISION, ids=[f"{a}/{b}" for a, b in C_DIVISION])
def test_division_truncates_toward_zero_as_in_c(const, a: int, b: int) -> None:
    quotient = _value(const, f"({a}) / ({b})")
    remainder = _value(const, f"({a}) % ({b})")
    assert quotient == int(a / b)  # C99 6.5.5: truncation toward zero
    assert remainder == a - b * int(a / b)
    assert quotient * b + remainder == a
    assert remainder == 0 or (remainder < 0) == (a < 0)


def test_c_division_examples(const) -> None:
    assert _value(const, "-7 / 2") == -3
    assert _value(const, "-7 % 2") == -1
    assert _value(const, "7 % -2") == 1


@pytest.mark.parametrize("expr, divisor", [("1 / 0", "0"), ("5 % 0", "0"), ("1G / (2 - 2)", "(2 - 2)"), ("1 / n", "n"),
                                           ("(1 / n) + 1", "n")])
def test_division_by_zero(const, expr: str, divisor: str) -> None:
    diagnostic = _error(const, expr, "param n: int = 0")
    assert diagnostic.code == "E203"
    assert diagnostic.span.start_position()[0] == 2
    assert diagnostic.span.text == divisor
    assert f"`{divisor}` evaluates to 0" in diagnostic.notes


def test_shift_limits(const) -> None:
    assert _value(const, "1 << 4095") == 1 << 4095
    assert _value(const, "1 << 0") == 1
    assert _value(const, "5 >> 100") == 0
    assert _value(const, "-1 >> 100") == -1            # arithmetic shift
    assert _value(const, "-7 >> 1") == -4
    for expr in ("1 << 4096", "1 << 100000", "(1 << 4000) * (1 << 100)"):
        assert _error(const, expr).code == "L003", expr  # the value limit (docs/language.md, "Limits")
    for expr in ("1 << -1", "8 >> -1"):
        assert _error(const, expr).code == "E204", expr


def test_an_error_is_reported_once(load_kl) -> None:
    result = load_kl("const A = 1 / 0\nconst B = A + 1\nconst C = B * A\nassert C == 0 : \"c\"\n")
    assert [d.code for d in result.diagnostics] == ["E203"]
    assert result.layout.assertions[0].passed is None


@pytest.mark.parametrize("expr", ["true + 1", "!4", "1 && true", "if 1 then 2 else 3", "\"a\" < \"b\"",
                                  "\"a\" == 1", "true < false"])
def test_type_errors(const, expr: str) -> None:
    assert _error(const, expr).code == "E201"


def test_bool_and_string_equality(const) -> None:
    assert _value(const, '"a" == "a"') is True
    assert _value(const, '"a" != "b"') is True
    assert _value(const, "true == false") is False


# ---------------------------------------------------------------- versions


VERSIONS = [
    ("kernel >= 4.4", "4.4", True),
    ("kernel >= 4.4", "4.3", False),
    ("kernel >= 4.4", "4.10", True),      # numeric parts: 4.10 is after 4.9, not before 4.5
    ("kernel < 4.9", "4.10", False),
    ("kernel < 3.0", "2.6.35", True),
    ("kernel > 2.6.35", "2.6.36", True),
    ("kernel == 4.4.0", "4.4", True),     # 4.4 is release 4.4.0
    ("kernel >= 4.4.1", "4.4", False),
    ("kernel >= 5", "5.0", True),
    ("kernel < 5", "4.19", True),
    ("kernel != 6.12", "6.12", False),
]


@pytest.mark.parametrize("expr, kernel, value", VERSIONS, ids=[f"{k}:{e}" for e, k, _ in VERSIONS])
def test_version_comparisons(const, expr: str, kernel: str, value: bool) -> None:
    got, diagnostics = const(expr, f"param kernel: version = {kernel}")
    assert diagnostics == []
    assert got is value


def test_version_literals_compare_directly(const) -> None:
    assert _value(const, "2.6.35 < 3.0") is True
    assert _value(const, "3.0 < 2.6.35") is False
    assert _value(const, "2.6.35 < 2.6.4") is False


def test_version_parts(const) -> None:
    assert _value(const, "kernel.major * 100 + kernel.minor", "param kernel: version = 5.15") == 515


def test_version_override_and_match(const) -> None:
    prelude = "param kernel: version = 6.1"
    value, diagnostics = const("match kernel { 4.4 => 1, 5.10.0 => 2, _ => 0 }", prelude, ["kernel=5.10"])
    assert diagnostics == [] and value == 2


def test_version_does_not_compare_with_a_string(const) -> None:
    assert _error(const, 'kernel == "6.1"', "param kernel: version = 6.1").code == "E201"


def test_version_param_value(load_kl) -> None:
    result = load_kl("param kernel: version = 2.6.35\nassert kernel < 3.0 : \"k\"\n")
    assert result.diagnostics == []
    assert result.layout.params["kernel"].value == Version((2, 6, 35))


# ---------------------------------------------------------------- choices

VMSPLIT = "param vmsplit: choice(3G, 3G_OPT, 2G, 1G) = 3G_OPT"
PAGE = "param page: choice(4K, 16K, 64K) = 16K"


def test_choice_compares_by_spelling(const) -> None:
    assert _value(const, "vmsplit == 3G_OPT", VMSPLIT) is True
    assert _value(const, "vmsplit == 3G", VMSPLIT) is False
    assert _value(const, "vmsplit != 3G", VMSPLIT) is True


def test_choice_override_from_the_command_line(const) -> None:
    value, diagnostics = const("vmsplit == 3G", VMSPLIT, ["vmsplit=3G"])
    assert diagnostics == [] and value is True


def test_invalid_choice_member_suggests_the_closest(const) -> None:
    diagnostic = _error(const, "vmsplit == 3G_OTP", VMSPLIT)
    assert diagnostic.code == "E201"
    assert diagnostic.span.text == "3G_OTP"
    assert diagnostic.help == "did you mean `3G_OPT`?"


def test_invalid_choice_member_in_a_numeric_choice_equality(const) -> None:
    # equality is by spelling even for a numeric choice: 0x4000 is not one of 4K, 16K, 64K
    assert _error(const, "page == 0x4000", PAGE).code == "E201"


def test_numeric_choices_act_as_numbers(const) -> None:
    assert _value(const, "page * 2", PAGE) == 32 << 10
    assert _value(const, "log2(page)", PAGE) == 14
    assert _value(const, "page > 4K", PAGE) is True
    assert _value(const, "page < 64K", PAGE) is True
    assert _value(const, "page >= 8K", PAGE) is True   # ordering against any number
    assert _value(const, "page == 16K", PAGE) is True


def test_word_choices_are_not_numbers(const) -> None:
    assert _error(const, "vmsplit + 1", VMSPLIT).code == "E201"
    assert _error(const, "vmsplit < 2G", VMSPLIT).code == "E201"


# ---------------------------------------------------------------- match

MATCH_VMSPLIT = "match vmsplit { 3G => 0xC000_0000, 3G_OPT => 0xB000_0000, 2G => 0x8000_0000, 1G => 0x4000_0000 }"


@pytest.mark.parametrize("member, value", [("3G", 0xC000_0000), ("3G_OPT", 0xB000_0000), ("2G", 0x8000_0000),
                                           ("1G", 0x4000_0000)])
def test_match_on_a_choice(const, member: str, value: int) -> None:
    got, diagnostics = const(MATCH_VMSPLIT, VMSPLIT, [f"vmsplit={member}"])
    assert diagnostics == [] and got == value


def test_match_alternatives_and_default(const) -> None:
    text = "match vmsplit { 3G | 3G_OPT => 1, _ => 2 }"
    assert _value(const, text, VMSPLIT) == 1
    value, _ = const(text, VMSPLIT, ["vmsplit=1G"])
    assert value == 2
    assert _value(const, "match 5 { 1 => 10, 5 => 50, _ => 0 }") == 50
    assert _value(const, "match true { false => 0, true => 1 }") == 1
    assert _value(const, 'match "b" { "a" => 1, "b" => 2 }') == 2


def test_first_matching_arm_wins(const) -> None:
    assert _value(const, "match 1 { 1 => 10, 1 => 20, _ => 30 }") == 10


def test_match_without_an_arm_for_the_value(load_kl) -> None:
    result = load_kl("param vmsplit: choice(3G, 2G) = 2G\n"
                     "const PAGE_OFFSET = match vmsplit {\n    3G => 0xC000_0000\n}\n")
    assert [d.code for d in result.diagnostics] == ["E206"]
    diagnostic = result.diagnostics[0]
    assert diagnostic.span.start_position() == (2, 21)
    assert "2G" in diagnostic.message
    assert "_ =>" in diagnostic.help


def test_match_pattern_that_is_no_member(const) -> None:
    diagnostic = _error(const, "match vmsplit { 3G => 1, 2g => 2, _ => 3 }", VMSPLIT)
    assert diagnostic.code == "E201" and diagnostic.span.text == "2g"
    assert diagnostic.help == "did you mean `2G`?"


# ---------------------------------------------------------------- built-ins

BUILTINS = [
    ("align_up(0x1001, 4K)", 0x2000),
    ("align_up(0x2000, 4K)", 0x2000),
    ("align_up(0, 4K)", 0),
    ("align_down(0x1FFF, 4K)", 0x1000),
    ("align_down(0x2000, 4K)", 0x2000),
    ("align_down(0xC08F_0000 + 8M, 8M)", 0xC100_0000),   # VMALLOC_START = align_down(high_memory + 8M, 8M)
    ("min(3, 1, 2)", 1),
    ("max(3, 1, 2)", 3),
    ("min(7)", 7),
    ("log2(1)", 0),
    ("log2(4K)", 12),
    ("log2(5)", 2),
    ("log2(1 << 64)", 64),
    ("is_pow2(4K)", True),
    ("is_pow2(48)", False),
    ("is_pow2(0)", False),
    ("is_pow2(1)", True),
    ("clamp(10, 0, 5)", 5),
    ("clamp(-5, 0, 5)", 0),
    ("clamp(3, 0, 5)", 3),
    ("wrap(-4K, 32)", 0xFFFF_F000),
    ("wrap(-1, 64)", (1 << 64) - 1),
    ("wrap(1 << 32, 32)", 0),
]


@pytest.mark.parametrize("expr, value", BUILTINS, ids=[e for e, _ in BUILTINS])
def test_builtins(const, expr: str, value) -> None:
    got = _value(const, expr)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("expr, code", [
    ("align_up(5, 0)", "E204"), ("align_down(5, -4K)", "E204"), ("log2(0)", "E204"), ("wrap(1, 0)", "E204"),
    ("max()", "E201"), ("align_up(1)", "E201"), ("log2(true)", "E201"), ("algn_up(1, 2)", "N101"),
])
def test_builtin_errors(const, expr: str, code: str) -> None:
    assert _error(const, expr).code == code


def test_unknown_function_suggests_a_builtin(const) -> None:
    diagnostic = _error(const, "algn_up(1, 2)")
    assert diagnostic.span.text == "algn_up"
    assert diagnostic.help == "did you mean `align_up`?"


RAM = "param ram: banks = 0x6000_0000:512M, 0x8000_0000:1G"


@pytest.mark.parametrize("expr, value", [
    ("end_below(ram, 0x9000_0000)", 0x9000_0000),    # the second bank is cut at the limit
    ("end_below(ram, 0x7000_0000)", 0x7000_0000),
    ("end_below(ram, 0x8000_0000)", 0x8000_0000),
    ("end_below(ram, 0x5000_0000)", 0),              # nothing below the limit
    ("end_below(ram, 0xF000_0000)", 0xC000_0000),
    ("size_below(ram, 0x9000_0000)", 512 << 20 | 256 << 20),
    ("size_below(ram, 0x7000_0000)", 256 << 20),
    ("size_below(ram, 0xF000_0000)", (512 << 20) + (1 << 30)),
    ("size_below(ram, 0)", 0),
])
def test_bank_builtins(const, expr: str, value: int) -> None:
    assert _value(const, expr, RAM) == value


def test_bank_builtins_need_banks(const) -> None:
    assert _error(const, "end_below(5, 1G)").code == "E201"


# ---------------------------------------------------------------- banks


@pytest.mark.parametrize("expr, value", [
    ("ram.base", 0x6000_0000), ("ram.end", 0xC000_0000), ("ram.size", (512 << 20) + (1 << 30)),
    ("ram.span", 0x6000_0000), ("ram.count", 2),
    ("ram[0].base", 0x6000_0000), ("ram[0].size", 512 << 20), ("ram[0].end", 0x8000_0000),
    ("ram[1].base", 0x8000_0000), ("ram[1].end", 0xC000_0000), ("ram[ram.count - 1].size", 1 << 30),
])
def test_bank_attributes_and_indexing(const, expr: str, value: int) -> None:
    assert _value(const, expr, RAM) == value


def test_bank_errors(const) -> None:
    out_of_range = _error(const, "ram[2].base", RAM)
    assert out_of_range.code == "E204" and out_of_range.span.text == "2"
    typo = _error(const, "ram.bse", RAM)
    assert typo.code == "E201" and typo.help == "did you mean `base`?"
    assert _error(const, "5[0]").code == "E201"


def test_banks_from_a_bare_size_start_at_the_base_param(load_kl) -> None:
    result = load_kl("param phys: addr = 0x4000_0000\nparam ram: banks(phys) = 256M\nassert ram.end > 0 : \"r\"\n",
                     ["ram=512M"])
    assert result.diagnostics == []
    assert tuple(result.layout.params["ram"].value) == (Bank(0x4000_0000, 512 << 20),)


def test_banks_override_with_several_banks(load_kl) -> None:
    result = load_kl(f"{RAM}\nassert ram.count > 0 : \"r\"\n", ["ram=0x0:1G,0x8_0000_0000:2G"])
    assert result.diagnostics == []
    assert tuple(result.layout.params["ram"].value) == (Bank(0, 1 << 30), Bank(0x8_0000_0000, 2 << 30))


def test_a_bare_size_for_plain_banks_is_refused(load_kl) -> None:
    result = load_kl(f"{RAM}\nassert ram.count > 0 : \"r\"\n", ["ram=1G"])
    assert [d.code for d in result.diagnostics] == ["E207"]


# ---------------------------------------------------------------- regions

SPACES = """
param highmem: bool = false
param lowmem: size = 256M
space virtual bits 32 {
    region lowmem  [0xC000_0000, +lowmem)
    region vectors [0xFFFF_0000, +4K)
    region top     [0xFFFF_F000, +4K)
    region pkmap   [0xBFE0_0000, +2M) if highmem {
        region slot [0xBFE0_0000, +4K)
    }
}
space physical bits 32 {
    region ram    [0x6000_0000, +1G)
}
"""


@pytest.mark.parametrize("expr, value", [
    ("vectors.start", 0xFFFF_0000), ("vectors.end", 0xFFFF_1000), ("vectors.size", 4096), ("vectors.last", 0xFFFF_0FFF),
    ("virtual.vectors.end", 0xFFFF_1000), ("top.end", 1 << 32), ("top.last", 0xFFFF_FFFF),
    ("ram.end", 0xA000_0000), ("physical.ram.size", 1 << 30),
    ("virtual.lowmem.size", 256 << 20),       # the region: qualified with its space
    ("lowmem", 256 << 20),                    # the param: a param's name wins over a region's
])
def test_region_references(const, expr: str, value: int) -> None:
    assert _value(const, expr, SPACES) == value


def test_region_bounds_follow_the_params(const) -> None:
    value, diagnostics = const("virtual.lowmem.end", SPACES, ["lowmem=512M"])
    assert diagnostics == [] and value == 0xE000_0000


def test_param_shadowing_a_region_explains_the_qualified_form(const) -> None:
    diagnostic = _error(const, "lowmem.end", SPACES)
    assert diagnostic.code == "E201"
    assert "virtual.lowmem.end" in diagnostic.help


@pytest.mark.parametrize("expr", ["vectors", "vectors.sise", "vectors.start.end"])
def test_a_region_needs_one_bound(const, expr: str) -> None:
    assert _error(const, expr, SPACES).code == "E201"


def test_a_region_in_another_space_is_not_found(const) -> None:
    diagnostic = _error(const, "physical.vectors.start", SPACES)
    assert diagnostic.code == "N101"
    assert diagnostic.span.text == "vectors"
    assert diagnostic.help == "`vectors` is in space `virtual`"
    typo = _error(const, "physical.rma.end", SPACES)
    assert typo.code == "N101" and typo.help == "did you mean `ram`?"


def test_absent_region(load_kl) -> None:
    result = load_kl(SPACES + "const X = pkmap.start\nconst Y = slot.end\nassert X + Y > 0 : \"u\"\n")
    assert [(d.code, d.span.start_position()) for d in result.diagnostics] == [("E205", (15, 11)), ("E205", (16, 11))]
    assert "virtual.pkmap" in result.diagnostics[0].message
    present = load_kl(SPACES + "const X = pkmap.start\nconst Y = slot.end\nassert X + Y > 0 : \"u\"\n",
                      ["highmem=true"])
    assert present.diagnostics == []
    assert present.layout.consts["Y"].value == 0xBFE0_1000


# ---------------------------------------------------------------- order and cycles


def test_definitions_in_any_order(load_kl) -> None:
    result = load_kl("const C = B * 2\nconst B = A + 1\nconst A = r.size\n"
                     "space s bits 32 { region r [0, +4K) }\nassert C == 8194 : \"c\"\n")
    assert result.diagnostics == []
    assert result.layout.consts["C"].value == 2 * (4096 + 1)


def test_cycle_names_the_whole_cycle(load_kl) -> None:
    result = load_kl("const A = B + 1\nconst B = C\nconst C = A * 2\nconst D = A\nassert D == 0 : \"d\"\n")
    assert [d.code for d in result.diagnostics] == ["E202"]
    diagnostic = result.diagnostics[0]
    assert "A -> B -> C -> A" in diagnostic.message
    assert diagnostic.span.start_position() == (1, 7)
    assert sorted(label.span.start_position()[0] for label in diagnostic.labels) == [2, 3]


def test_cycle_entered_from_outside_names_only_the_cycle(load_kl) -> None:
    result = load_kl("const Z = A\nconst A = B\nconst B = A\nassert Z == 0 : \"z\"\n")
    assert [d.code for d in result.diagnostics] == ["E202"]
    assert "A -> B -> A" in result.diagnostics[0].message
    assert "Z" not in result.diagnostics[0].message


def test_self_reference(load_kl) -> None:
    result = load_kl("const A = A + 1\nassert A == 0 : \"a\"\n")
    assert [d.code for d in result.diagnostics] == ["E202"]
    assert "A -> A" in result.diagnostics[0].message


def test_cycle_through_a_region(load_kl) -> None:
    result = load_kl("const TOP = r.end\nspace s bits 32 {\n    region r [0, TOP)\n}\n")
    assert [d.code for d in result.diagnostics] == ["E202"]
    assert "TOP -> s.r -> TOP" in result.diagnostics[0].message


CONDITIONAL = """\
param big: bool = false
const A = if big then B else 1
const B = A + 1
assert A + B > 0 : "u"
"""


def test_a_cycle_through_a_branch_not_taken_is_no_cycle(load_kl) -> None:
    result = load_kl(CONDITIONAL)
    assert result.diagnostics == []
    assert (result.layout.consts["A"].value, result.layout.consts["B"].value) == (1, 2)


def test_the_same_cycle_when_its_branch_is_taken(load_kl) -> None:
    result = load_kl(CONDITIONAL, ["big=true"])
    assert [d.code for d in result.diagnostics] == ["E202"]
    assert "A -> B -> A" in result.diagnostics[0].message
    assert result.diagnostics[0].span.start_position() == (2, 7)
