"""The one identifier sanitiser (layoutc/emit/names.py) and its diagnostic, G001."""

from __future__ import annotations

import pytest
from emit_support import ROOT, SHIPPED, load

from layoutc.diagnostics import Diagnostic
from layoutc.emit.names import NameTable, Owner, identifier, problem
from layoutc.emit.symbols import check_names
from layoutc.rules import lookup


@pytest.mark.parametrize("parts, expected", [
    (("arm32", "virtual", "user", "START"), "ARM32_VIRTUAL_USER_START"),
    (("", "PAGE_OFFSET"), "PAGE_OFFSET"),
    (("p", "3G_OPT"), "P_3G_OPT"),
    (("4.19",), "_4_19"),
    (("board-x", "ram"), "BOARD_X_RAM"),
])
def test_identifier(parts, expected):
    assert identifier(*parts) == expected


def test_identifier_can_keep_case_for_plugins():
    assert identifier("x", "lowMem", upper=False) == "x_lowMem"


@pytest.mark.parametrize("name, why", [
    ("int", "C or C++ keyword"), ("class", "C or C++ keyword"), ("_Bool", "C or C++ keyword"),
    ("ALIGN", "GNU ld keyword"), ("ORIGIN", "GNU ld keyword"),
    ("_X", "reserved"), ("__x", "reserved"), ("9A", "not a valid identifier"),
])
def test_problem(name, why):
    assert why in problem(name)


@pytest.mark.parametrize("name", ["ARM32_VIRTUAL_USER_START", "X", "_x", "PAGE_SIZE"])
def test_no_problem(name):
    assert problem(name) is None


def test_name_table_reports_both_owners():
    table = NameTable()
    assert table.claim("P_X", Owner("constant `x`", None))
    assert not table.claim("P_X", Owner("constant `X`", None))
    (diagnostic,) = table.diagnostics
    assert isinstance(diagnostic, Diagnostic) and diagnostic.code == "G001"
    assert "constant `X` and constant `x` would both be `P_X`" in diagnostic.message


@pytest.mark.parametrize("path", SHIPPED)
def test_shipped_layouts_have_no_clashes(path):
    layout = load(ROOT / path)
    assert check_names(layout, "LAYOUT") == []


def _clashes(load_kl, text: str, prefix: str = "P") -> list[Diagnostic]:
    result = load_kl(text)
    assert not result.errors, [d.message for d in result.errors]
    return check_names(result.layout, prefix)


@pytest.mark.parametrize("text, needle", [
    ("space x_a bits 32 { region b [0, 4K) }\nspace x bits 32 { region a_b [0, 4K) }\n", "P_X_A_B_START"),
    ("const VIRTUAL_USER_START = 1\nspace virtual bits 32 { region user [0, 4K) }\n", "P_VIRTUAL_USER_START"),
    ("const AC = 1\n", "a helper macro of the generated header"),
    ("param split: choice(A, B) = A\nparam split_a: bool = true\n", "P_PARAM_SPLIT_A"),
    ("layout l { page_size = 4K }\nconst PAGE_SIZE = 8K\n", "the layout's page size"),
], ids=["space-region-underscores", "const-vs-region", "helper-macro", "choice-member", "page-size-fact"])
def test_collisions_are_g001(load_kl, text, needle):
    found = _clashes(load_kl, text)
    assert [d.code for d in found] == ["G001"]
    assert needle in found[0].message + " ".join(label.message for label in found[0].labels) + " ".join(found[0].notes)


def test_the_same_fact_under_one_name_is_no_clash(load_kl):
    assert _clashes(load_kl, "layout l { page_size = 4K }\nconst PAGE_SIZE = 4K\nconst PAGE_SHIFT = 12\n") == []


@pytest.mark.parametrize("text, why", [
    ("const ALIGN = 1\n", "GNU ld keyword"),
    ("const _X = 1\n", "reserved"),
])
def test_keywords_with_an_empty_prefix(load_kl, text, why):
    found = _clashes(load_kl, text, prefix="")
    assert len(found) == 1 and why in found[0].message


def test_g001_is_registered_and_its_example_and_fix_behave(load_kl):
    """G001's docs example goes through the emitters' name check (it is a front-stage code: the
    symbol table, not `layoutc check`, reports it)."""
    rule = lookup("G001")
    assert rule is not None and rule.name == "generated-name-clash" and rule.stage == "front"
    assert [d.code for d in _clashes(load_kl, rule.section("Example"))] == ["G001"]
    assert _clashes(load_kl, rule.section("Fix")) == []
