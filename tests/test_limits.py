"""Limits on input are features (docs/language.md, "Limits"): each is checked AT the limit (accepted)
and ONE PAST it (its own L code, exit 1 or 2, quickly).

Where the input at the real limit would take minutes to build (200,000 regions, 2,000,000 evaluated
nodes) the limit's constant is lowered with monkeypatch: the counting mechanism is the same, and a
separate assertion pins the documented number.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from layoutc import limits

ROOT = Path(__file__).resolve().parent.parent


def _codes(result) -> list[str]:
    return [d.code for d in result.diagnostics]


# ------------------------------------------------------------------ L001 file size, and what a file is


def test_the_documented_numbers():
    assert (limits.MAX_FILE_BYTES, limits.MAX_LOG_BYTES) == (16 << 20, 16 << 20)
    assert (limits.MAX_LITERAL_BITS, limits.MAX_VALUE_BITS, limits.MAX_ADDRESS_BITS) == (4096, 4096, 128)
    assert (limits.MAX_DEPTH, limits.MAX_REGIONS, limits.MAX_FINDINGS_PER_RULE) == (256, 200_000, 100)
    assert (limits.MAX_VARIANTS, limits.MATRIX_REGIONS, limits.MAX_EVAL_STEPS) == (1024, 32, 2_000_000)


def _comment_file(path, size: int):
    """A file of exactly ``size`` bytes that is one comment: cheap to lex at any size."""
    path.write_bytes(b"//" + b"x" * (size - 3) + b"\n")
    assert path.stat().st_size == size
    return path


def test_layout_file_at_the_size_limit_is_read(tmp_path, cli):
    path = _comment_file(tmp_path / "big.kl", limits.MAX_FILE_BYTES)
    code, out, err = cli("check", path)
    assert code == 0, out[-500:] + err
    assert "checked 1 file, 0 regions" in out


def test_layout_file_one_byte_past_the_limit_is_refused(tmp_path, cli):
    path = _comment_file(tmp_path / "big.kl", limits.MAX_FILE_BYTES + 1)
    started = time.perf_counter()
    code, out, err = cli("check", path)
    assert code == 2 and "error[L001]" in out, out[-500:]
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("size, refused", [(limits.MAX_FILE_BYTES, False), (limits.MAX_FILE_BYTES + 1, True)])
def test_a_layout_on_stdin_has_the_file_size_limit(tmp_path, size, refused):
    """`check - < /dev/zero` read without end (8.7 GB in 8 s): stdin is read to one byte past the limit."""
    import subprocess
    import sys

    path = _comment_file(tmp_path / "big.kl", size)
    with open(path, "rb") as stdin:
        done = subprocess.run([sys.executable, "-m", "layoutc", "check", "-"], stdin=stdin, capture_output=True,
                              text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert ("error[L001]" in done.stdout) is refused, done.stdout[-500:] + done.stderr[-500:]
    assert done.returncode == (2 if refused else 0)


@pytest.mark.parametrize("size, refused", [(limits.MAX_FILE_BYTES, False), (limits.MAX_FILE_BYTES + 1, True)])
def test_an_editor_s_buffer_has_the_file_size_limit(tmp_path, size, refused):
    from layoutc.session import parse_layout

    path = os.path.normpath(str(tmp_path / "open.kl"))
    text = "é" * (size // 2) + " " * (size % 2)  # the limit is on bytes: half as many characters
    parsed = parse_layout(path, texts={path: text})
    assert ("L001" in [d.code for d in parsed.diagnostics]) is refused


def test_extends_of_a_too_large_file(tmp_path, cli):
    _comment_file(tmp_path / "base.kl", limits.MAX_FILE_BYTES + 1)
    (tmp_path / "board.kl").write_text('extends "base.kl"\n')
    code, out, _ = cli("check", tmp_path / "board.kl")
    assert code == 1 and "board.kl:1:1: error[L001]" in out, out


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/null", "fifo.kl"])
def test_extends_of_a_non_regular_file_is_refused_without_reading_it(tmp_path, cli, target):
    if target == "fifo.kl":
        os.mkfifo(tmp_path / "fifo.kl")  # no writer: reading it would block for ever
    elif not os.path.exists(target):
        pytest.skip(f"no {target} here")
    (tmp_path / "board.kl").write_text(f'extends "{target}"\n')
    started = time.perf_counter()
    code, out, _ = cli("check", tmp_path / "board.kl")
    assert code == 1 and "error[N104]" in out and "not a regular file" in out, out
    assert time.perf_counter() - started < 5


def test_a_fifo_named_on_the_command_line_is_a_usage_error(tmp_path, cli):
    os.mkfifo(tmp_path / "fifo.kl")
    code, out, _ = cli("check", tmp_path / "fifo.kl")
    assert code == 2 and "error[N104]" in out


def test_extends_path_with_a_nul_byte(tmp_path, cli):
    (tmp_path / "board.kl").write_text('extends "base\\0.kl"\n')
    code, out, err = cli("check", tmp_path / "board.kl")
    assert code == 1 and "error[N104]" in out and "NUL" in out, out + err


def test_boot_log_size_limit(tmp_path, cli):
    log = tmp_path / "boot.log"
    log.write_bytes(b"x" * limits.MAX_LOG_BYTES)  # one long line: skipped cheaply as no banner line
    code, out, err = cli("import", log)
    assert code in (1, 2) and "L001" not in err, err[-500:]
    log.write_bytes(b"x" * (limits.MAX_LOG_BYTES + 1))
    code, out, err = cli("import", log)
    assert code == 2 and "error[L001]" in err, err[-500:]


def test_scenario_size_limit(tmp_path, cli):
    scenario = tmp_path / "s.json"
    scenario.write_bytes(b" " * (limits.MAX_FILE_BYTES + 1))
    code, out, err = cli("sim", "layouts/x86_64.kl", "--scenario", scenario)
    assert code == 2 and "L001" in err, err[-500:]


# ------------------------------------------------------------------ L005 bits and va_bits per architecture

RANGES = [("arm64", 36, 52), ("x86_64", 48, 57), ("riscv64", 39, 57)]


@pytest.mark.parametrize("arch, low, high", RANGES)
def test_va_bits_at_both_ends_and_one_past(load_kl, arch, low, high):
    for va_bits, fails in ((low, False), (high, False), (low - 1, True), (high + 1, True), (1 << 40, True)):
        result = load_kl(f"layout l {{ arch = {arch}; bits = 64; va_bits = {va_bits} }}\n")
        assert ("L005" in _codes(result)) is fails, (arch, va_bits, _codes(result))


@pytest.mark.parametrize("arch, widest", [("arm", 32), ("x86", 32), ("arm64", 64), ("x86_64", 64), ("", 128)])
def test_header_bits_at_the_limit_and_one_past(load_kl, arch, widest):
    header = f"arch = {arch}; " if arch else ""
    assert "L005" not in _codes(load_kl(f"layout l {{ {header}bits = {widest} }}\n"))
    assert "L005" in _codes(load_kl(f"layout l {{ {header}bits = {widest + 1} }}\n"))


@pytest.mark.parametrize("verb", [["check"], ["show"], ["show", "--explain", "r"], ["emit", "header"], ["render"]])
@pytest.mark.parametrize("header", ["bits = 1 << 95", "arch = arm64; va_bits = 1 << 40", "va_bits = 200",
                                    "page_size = 1 << 200"])
def test_absurd_widths_are_diagnostics_in_every_verb(tmp_path, cli, verb, header):
    path = tmp_path / "w.kl"
    path.write_text(f"layout l {{ {header} }}\nspace virtual bits 64 {{ region r [0, +4K) }}\n")
    code, out, err = cli(*verb, path)
    assert code in (1, 2), err
    assert "L00" in out + err and "internal error" not in err


# ------------------------------------------------------------------ L006 nesting in scenarios


def _nested_scenario(depth: int) -> str:
    steps: list = [{"op": "phase", "name": "inner"}]
    for _ in range(depth - 1):
        steps = [{"op": "repeat", "times": 1, "steps": steps}]
    return json.dumps({"name": "deep", "steps": steps})


def _as_the_cli_runs(function, *args):
    """``function(*args)`` on a thread with the stack and recursion limit ``layoutc.cli.main`` gives its work.
    On the main thread the test passed only after some earlier test's ``main()`` had raised the recursion
    limit (alone it was a RecursionError), and then 100,000 levels of JSON overflowed the 8 MB C stack:
    Debian's python3.11 died of a segmentation fault in json's scanner, taking the whole run with it."""
    import sys
    import threading

    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as error:  # noqa: BLE001 -- re-raised on the test's thread
            outcome["error"] = error

    limit, size = sys.getrecursionlimit(), threading.stack_size(512 * 1024 * 1024)
    sys.setrecursionlimit(max(limit, 60_000))
    try:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
    finally:
        sys.setrecursionlimit(limit)
        threading.stack_size(size)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.mark.parametrize("depth, ok", [(limits.MAX_DEPTH, True), (limits.MAX_DEPTH + 1, False), (3000, False),
                                       (10_000, False), (100_000, False)])
def test_scenario_nesting(tmp_path, depth, ok):
    from layoutc.sim.scenario import ScenarioError, load

    path = tmp_path / "s.json"
    path.write_text(_nested_scenario(depth) if depth <= 1000 else
                    '{"name": "d", "steps": [' + '{"op": "repeat", "steps": [' * depth + "]}" * depth + "]}")
    if ok:
        assert _as_the_cli_runs(load, str(path))["name"] == "deep"
    else:
        with pytest.raises(ScenarioError, match="L006|nested too deeply"):
            _as_the_cli_runs(load, str(path))


def test_a_deep_scenario_is_refused_before_the_schema_recurses_into_it(tmp_path, monkeypatch):
    """10,000 levels passed json's parser on the CLI's deep stack and ended in a RecursionError in the
    schema's validator (3,000: 2.9 s in it); the depth is measured first."""
    import jsonschema

    from layoutc.sim.scenario import ScenarioError, load

    monkeypatch.setattr(jsonschema, "Draft202012Validator", None)  # must not be reached
    path = tmp_path / "s.json"
    path.write_text('{"name": "d", "steps": [' + '{"op": "repeat", "times": 2, "steps": [' * 3000 + "]}" * 3000 + "]}")
    with pytest.raises(ScenarioError, match="L006"):
        _as_the_cli_runs(load, str(path))


@pytest.mark.parametrize("value, message", [
    ("9" * 1234, None), ("9" * 5000, "L002"), ("-" + "9" * 5000, "L002"), ("NaN", "NaN"), ("-Infinity", "Infinity")])
def test_a_scenario_number_past_the_literal_limit_or_not_json_is_refused(tmp_path, value, message):
    """A number of 5,000 digits was an internal error (Python's int conversion limit); NaN was taken."""
    from layoutc.sim.scenario import ScenarioError, load

    path = tmp_path / "s.json"
    path.write_text('{"name": "t", "steps": [{"op": "expect", "metric": "free_pages", "value": %s}]}' % value)
    if message is None:
        assert load(str(path))["steps"][0]["value"] == int(value)
    else:
        with pytest.raises(ScenarioError, match=message):
            load(str(path))


def test_a_scenario_of_many_bad_steps_reports_a_few_briefly(tmp_path):
    """200,000 empty steps: every schema error was collected and sorted (748 MB), and the one for the
    list's length quoted the whole list (800 KB of message)."""
    from layoutc.sim.scenario import ScenarioError, load

    path = tmp_path / "s.json"
    path.write_text('{"name": "t", "steps": [' + ",".join(["{}"] * 200_000) + "]}")
    with pytest.raises(ScenarioError) as raised:
        load(str(path))
    lines = str(raised.value).splitlines()
    assert 1 <= len(lines) <= 5 and all(len(line) < 400 for line in lines), lines[:2]


@pytest.mark.parametrize("ram, booted", [("1T", True), ("1T+4K", False)])
def test_the_simulator_models_at_most_so_much_ram(cli, ram, booted):
    """-D ram=64T filled the memory of the machine (MemoryError, an internal error; 16T: 737 MB)."""
    assert limits.MAX_SIM_RAM == 1 << 40
    code, out, err = cli("sim", ROOT / "layouts" / "x86_64.kl", "-D", f"ram={ram}", "--steps", "5")
    assert (code == 0) is booted, (out + err)[-500:]
    assert ("models at most 1T of RAM" in err) is not booted


# ------------------------------------------------------------------ L016 banner lines

_VECTOR = "    vector  : 0xffff0000 - 0xffff1000   (   4 kB)\n"


@pytest.mark.parametrize("lines, refused", [(limits.MAX_BANNER_LINES, False), (limits.MAX_BANNER_LINES + 1, True)])
def test_a_banner_has_at_most_so_many_lines(tmp_path, cli, lines, refused):
    """300,000 banner lines (15 MB) were all read, compared and imported: 394 MB."""
    log = tmp_path / "boot.log"
    log.write_text("Virtual kernel memory layout:\n" + _VECTOR * lines + "Memory: 1K/1K available\n")
    for argv in (("import", log), ("check", ROOT / "layouts" / "arm32.kl", "--against", log)):
        code, out, err = cli(*argv)
        assert ("error[L016]" in out + err) is refused, (out + err)[-500:]
        if refused:
            assert code == 1 and f"{log}:{lines + 1}:5" in out + err  # the line after the 256th


# ------------------------------------------------------------------ L007 regions


@pytest.mark.parametrize("count, fails", [(50, False), (51, True)])
def test_region_count(load_kl, monkeypatch, count, fails):
    monkeypatch.setattr(limits, "MAX_REGIONS", 50)
    regions = "".join(f"    region r{i} [{i * 4096}, +4K)\n" for i in range(count - 10))
    holes = "".join(f'    hole [{(1 << 30) + i * 4096}, +4K) "h"\n' for i in range(5))
    nested = "    region outer [1G + 1M, +1M) {\n" + "".join(
        f"        region n{i} [1G + 1M + {i * 4096}, +4K)\n" for i in range(4)) + "    }\n"
    result = load_kl("space s bits 64 {\n" + regions + holes + nested + "}\n")
    assert ("L007" in _codes(result)) is fails, _codes(result)
    assert (result.layout is None) is fails


# ------------------------------------------------------------------ L008 findings per rule


@pytest.mark.parametrize("count, capped", [(limits.MAX_FINDINGS_PER_RULE, False), (limits.MAX_FINDINGS_PER_RULE + 1, True)])
def test_findings_per_rule(load_kl, count, capped):
    result = load_kl("space s bits 32 {\n" + "".join(f"    region e{i} [{i * 4096}, +0)\n" for i in range(count)) + "}\n")
    codes = _codes(result)
    assert codes.count("B301") == limits.MAX_FINDINGS_PER_RULE
    assert ("L008" in codes) is capped


def test_thousands_of_mutually_overlapping_regions_are_grouped(load_kl):
    text = "space s bits 64 {\n" + "".join(f"    region r{i} [0, 1G)\n" for i in range(10_000)) + "}\n"
    started = time.perf_counter()
    result = load_kl(text)
    elapsed = time.perf_counter() - started
    overlaps = [d for d in result.diagnostics if d.code == "O401"]
    assert len(overlaps) == limits.MAX_FINDINGS_PER_RULE
    assert overlaps[0].message == "`r0` overlaps 9,999 other regions"
    assert "L008" in _codes(result)
    assert elapsed < 60  # quadratic would be 50 million pairs; the figure is in the fuzz report


def test_a_few_overlaps_are_still_reported_pair_by_pair(load_kl):
    text = "space s bits 64 {\n" + "".join(f"    region r{i} [0, 1G)\n" for i in range(9)) + "}\n"
    overlaps = [d for d in load_kl(text).diagnostics if d.code == "O401"]
    assert len(overlaps) == 36 and all(" and " in d.message for d in overlaps)


def test_grouping_leaves_declared_overlaps_out(load_kl):
    inner = "".join(f"    region r{i} [0, 1G) {{ overlaps big \"window\" }}\n" for i in range(20))
    text = "space s bits 64 {\n    region big [0, 2G)\n" + inner + "}\n"
    messages = [d.message for d in load_kl(text).diagnostics if d.code == "O401"]
    assert "`r0` overlaps 19 other regions" in messages
    assert not any(m.startswith("`big`") for m in messages), messages


# ------------------------------------------------------------------ L009 variants


def _bools(n: int) -> str:
    return "".join(f"param b{i}: bool = true\n" for i in range(n)) + "assert " + " || ".join(
        f"b{i}" for i in range(n)) + " || true : \"x\"\n"


@pytest.mark.parametrize("count, code", [(2, 0), (3, 2)])
def test_matrix_variants_at_the_limit_and_one_past(tmp_path, cli, count, code):
    path = tmp_path / "m.kl"
    path.write_text(_bools(count))
    got, out, err = cli("check", "--matrix", "--max-variants", "4", path)
    assert got == code, out + err
    assert ("error[L009]" in err) is (code == 2)


def test_matrix_default_limit(tmp_path, cli):
    path = tmp_path / "m.kl"
    path.write_text(_bools(11))  # 2048 combinations, refused before any is checked
    code, out, err = cli("check", "--matrix", path)
    assert code == 2 and "error[L009]" in err and "2,048" in err


def _space(regions: int) -> str:
    return "space s bits 32 {\n" + "".join(f"    region r{i} [{i}M, +4K)\n" for i in range(regions)) + "}\n"


@pytest.mark.parametrize("regions, code", [(32, 0), (33, 2)])
def test_matrix_combinations_times_regions_at_the_limit_and_one_past(tmp_path, cli, regions, code):
    """Each combination is a whole check: 4096 of 520 regions took 51 s and 598 MB (an adversarial
    review).  With --max-variants 4: 4 combinations of 32 regions are 128 region checks, the most."""
    path = tmp_path / "m.kl"
    path.write_text(_bools(2) + _space(regions))
    got, out, err = cli("check", "--matrix", "--max-variants", "4", path)
    assert got == code, out + err
    assert ("error[L009]" in err) is (code == 2)
    if code:
        assert "4 combinations of 33 regions (132 region checks, more than 4 x 32)" in err


def test_a_matrix_keeps_one_variant_s_layout_unless_asked(tmp_path):
    from layoutc.session import check_matrix

    path = tmp_path / "m.kl"
    path.write_text(_bools(3) + _space(4))
    assert len(check_matrix(str(path)).variants) == 8
    assert len(check_matrix(str(path)).results) == 1
    assert len(check_matrix(str(path), keep=True).results) == 8


# ------------------------------------------------------------------ L010 work per evaluation


@pytest.mark.parametrize("budget, fails", [(3, False), (2, True)])
def test_evaluation_budget(load_kl, monkeypatch, budget, fails):
    import layoutc.model.evaluate as evaluate

    monkeypatch.setattr(evaluate, "MAX_EVAL_STEPS", budget)
    result = load_kl("const X = 1 + 2\n")  # three nodes: `+` and its two operands
    assert ("L010" in _codes(result)) is fails, _codes(result)


# ------------------------------------------------------------------ L014 tokens


def test_the_documented_token_limit():
    assert limits.MAX_TOKENS == 3_000_000


@pytest.mark.parametrize("count, fails", [(40, False), (41, True)])
def test_token_count(load_kl, monkeypatch, count, fails):
    monkeypatch.setattr(limits, "MAX_TOKENS", 40)
    text = "// comments and blanks are not tokens\n"
    text += "".join(f"const X{i} = 1 /* four */\n" for i in range(10))  # 40 tokens
    text += "assert X0" if count > 40 else ""  # the 41st token
    result = load_kl(text)
    codes = _codes(result)
    if fails:
        assert codes == ["L014"], codes
        (diagnostic,) = result.diagnostics
        assert diagnostic.span.start_position() == (12, 1)  # at the first token past the limit
        assert result.layout is None
    else:
        assert "L014" not in codes and result.layout is not None, codes


def _shipped_and_generated():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted((root / "layouts").glob("**/*.kl"))}
    texts["rule names"] = 'allow region-overlap "a"\nallow O101 "b"\nconst allow = 1\nconst X = allow-1\n'
    texts["strings and comments"] = 'const S = "a\\"b" // c\n/* d */ const V = 1.2.3 + 0x1_000\n'
    texts["a param named hole"] = HOLE_INDEXED
    return texts


# `hole [` is a hole wherever no operand is awaited, and an index of the param `hole` where one is:
# after `=`, an operator, `(`, `,`, `if`.  The scan must count the three declarations only.
HOLE_INDEXED = """param hole: banks = 0:1G, 1G:1G
const A = hole[0].size
const B = max(1 + hole [1].size, hole[0].base)
space s bits 64 {
    region r [0, +hole[0].size) if hole[0].size > 0
    hole [2G, +1G) "after a condition"
    allow region-overlap "a rule name"
    hole [3G, +1G) "after a rule name"
    hole h [4G, +1G) "named"; hole [5G, +1G) "after a semicolon"
}
"""


@pytest.mark.parametrize("name, text", sorted(_shipped_and_generated().items()))
def test_the_count_before_the_parse_is_the_parse_s_count(name, text):
    """A file longer than the tokens it may have is counted before it is parsed: the count must be the
    parse's own, token for token (at the limit: accepted; one fewer allowed: refused at the last token)."""
    from layoutc.source import SourceFile
    from layoutc.syntax.grammar import _parser, parse

    tree, diagnostics = parse(SourceFile(name, text))
    assert tree is not None, diagnostics
    parser, _ = _parser()
    count = tree.tokens
    assert parser.lexer.first_past(text, count, parser.states) is None
    last = parser.lexer.first_past(text, count - 1, parser.states)
    tree, diagnostics = parse(SourceFile(name, text), max_tokens=count - 1)
    assert tree is None and [d.code for d in diagnostics] == ["L014"]
    assert ("tokens", diagnostics[0].span.start, diagnostics[0].span.end) == last


@pytest.mark.parametrize("name, text", sorted(_shipped_and_generated().items()))
def test_the_regions_counted_before_the_parse_are_the_parse_s(name, text):
    """The scan finds each region and hole declaration the parse finds, and no other."""
    from layoutc.session import _declarations
    from layoutc.source import SourceFile
    from layoutc.syntax.grammar import _parser, parse

    tree, _ = parse(SourceFile(name, text))
    declarations = list(_declarations([tree]))
    assert tree.declarations == len(declarations)
    parser, _ = _parser()
    assert parser.lexer.first_past(text, 10**9, parser.states, len(declarations)) is None
    if declarations:
        last = max(declarations, key=lambda r: r.span.start)
        kind, start, end = parser.lexer.first_past(text, 10**9, parser.states, len(declarations) - 1)
        assert kind == "regions"
        assert text[start:end] == text[last.span.start:last.span.start + len(text[start:end])]
        assert text[end:].lstrip().startswith("[")  # the keyword and the name, if any


def _region_lines(count: int, name: str = "r") -> str:
    return "".join(f"    region {name}{i} [{i * 4096}, +4K)\n" for i in range(count))


@pytest.mark.parametrize("count, fails", [(50, False), (51, True)])
def test_a_file_past_the_region_limit_is_refused_before_it_is_parsed(load_kl, monkeypatch, count, fails):
    from layoutc.syntax.lalr import Parser

    monkeypatch.setattr(limits, "MAX_REGIONS", 50)
    calls = []
    real = Parser.parse
    monkeypatch.setattr(Parser, "parse", lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    result = load_kl("space s bits 64 {\n" + _region_lines(count) + "}\n")
    assert (_codes(result) == ["L007"]) is fails, _codes(result)
    assert calls == ([] if fails else [1])
    if fails:
        assert result.diagnostics[0].span.text == "region r50"


@pytest.mark.parametrize("count, fails", [(50, False), (51, True)])
def test_a_file_past_the_region_limit_with_holes_is_refused_before_it_is_parsed(load_kl, monkeypatch, count,
                                                                                 fails):
    from layoutc.syntax.lalr import Parser

    monkeypatch.setattr(limits, "MAX_REGIONS", 50)
    calls = []
    real = Parser.parse
    monkeypatch.setattr(Parser, "parse", lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    holes = "".join(f'hole[{i * 4096},+4K)""' for i in range(count - 20))  # the shortest holes there are
    result = load_kl("space s bits 64 {\n" + _region_lines(10) + holes + "\n" + _region_lines(10, "q") + "}\n")
    assert (_codes(result) == ["L007"]) is fails, _codes(result)
    assert calls == ([] if fails else [1])
    if fails:
        assert result.diagnostics[0].span.text == "region q9"


def test_holes_the_scan_cannot_tell_from_an_index_are_counted_after_the_parse(load_kl, monkeypatch):
    from layoutc.syntax.grammar import _parser

    monkeypatch.setattr(limits, "MAX_REGIONS", 2)
    text = 'space s bits 64 {\n    region r [0, +1G) if true\n    hole [2G, +1G) "a"\n    hole [3G, +1G) "b"\n}\n'
    parser, _ = _parser()
    assert parser.lexer.first_past(text, 10**9, parser.states, 2) is None  # after a keyword, `hole [` may be an index
    result = load_kl(text)
    assert _codes(result) == ["L007"], _codes(result)
    assert result.diagnostics[0].span.text == 'hole [3G, +1G) "b"'


def test_the_regions_of_a_base_count_with_the_overlay_s(write_kl, monkeypatch):
    from layoutc.session import load_layout

    monkeypatch.setattr(limits, "MAX_REGIONS", 50)
    write_kl("space base bits 64 {\n" + _region_lines(21, "b") + "}\n", "base.kl")
    board = write_kl('extends "base.kl"\nspace s bits 64 {\n' + _region_lines(30) + "}\n", "board.kl")
    result = load_layout(str(board))
    assert _codes(result) == ["L007"], _codes(result)
    (diagnostic,) = result.diagnostics
    assert diagnostic.span.text == "region b20" and diagnostic.span.file.name.endswith("base.kl")


def test_a_file_past_the_token_limit_is_refused_before_it_is_parsed(load_kl, monkeypatch):
    from layoutc.syntax.lalr import Parser

    monkeypatch.setattr(limits, "MAX_TOKENS", 40)
    calls = []
    real = Parser.parse
    monkeypatch.setattr(Parser, "parse", lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    assert _codes(load_kl("const X = 1\n" * 11)) == ["L014"]  # 44 tokens
    assert calls == []
    assert _codes(load_kl("const X = 1\n" * 10)) != ["L014"] and calls == [1]  # 40: parsed


@pytest.mark.parametrize("base_tokens, fails", [(20, False), (21, True)])
def test_tokens_count_over_all_files_of_a_layout(write_kl, monkeypatch, base_tokens, fails):
    from layoutc.session import load_layout

    monkeypatch.setattr(limits, "MAX_TOKENS", 40)
    base = "".join(f"const B{i} = 1\n" for i in range(5)) + ("set" if base_tokens == 21 else "")  # 20 (+1)
    write_kl(base, "base.kl")
    board = write_kl('extends "base.kl"\n' + "".join(f"const C{i} = {i}\n" for i in range(3)) + "const D = B0 - 1\n",
                     "board.kl")  # 2 + 12 + 6 = 20 tokens: the base may have 20
    result = load_layout(str(board))
    codes = _codes(result)
    assert ("L014" in codes) is fails, codes


# ------------------------------------------------------------------ L015 items of one list

N = limits.MAX_LIST_ITEMS


def test_the_documented_list_limit():
    assert N == 10_000


def _join(items: list[str], sep: str) -> str:
    return sep.join(items)


# each list at n items: (text, what the message calls them, the text of the item past the limit when n = N + 1)
LISTS = {
    "operands": lambda n: ("const X = " + _join(["1"] * n, " + ") + "\n", "operands in one expression", "1"),
    "operands, comparison included": lambda n: (
        "assert " + _join(["1"] * (n - 1), " + ") + f" == {n - 1} : \"sum\"\n", "operands in one expression", f"{n - 1}"),
    "arguments": lambda n: ("const X = max(" + _join([str(i) for i in range(n)], ", ") + ")\n",
                            "arguments in one call", f"{n - 1}"),
    "arms": lambda n: ("const X = match 0 { " + _join([f"{i} => {i}" for i in range(n)], ", ") + " }\n",
                       "arms in one `match`", f"{n - 1} => {n - 1}"),
    "patterns": lambda n: ("const X = match 0 { " + _join([str(i) for i in range(n)], " | ") + " => 1 }\n",
                           "patterns in one `match` arm", f"{n - 1}"),
    "members": lambda n: ("param c: choice(" + _join([f"v{i}" for i in range(n)], ", ") + ") = v0\n",
                          "members in one choice", f"v{n - 1}"),
    "banks": lambda n: ("param r: banks = " + _join([f"{i * 4096}:4K" for i in range(n)], ", ") + "\n",
                        "banks in one value", f"{(n - 1) * 4096}:4K"),
    "parts": lambda n: ("space s bits 32 { region a [0, 4K) { overlaps " + _join(["a"] * n, ".") + ' "x" } }\n',
                        "parts in one name", "a"),
}


@pytest.mark.parametrize("kind", sorted(LISTS))
def test_a_list_at_the_limit_is_read(load_kl, kind):
    text, _, _ = LISTS[kind](N)
    assert "L015" not in _codes(load_kl(text))


@pytest.mark.parametrize("kind", sorted(LISTS))
def test_a_list_one_past_the_limit_stops_the_parse_at_the_item_past_it(load_kl, kind):
    text, what, past = LISTS[kind](N + 1)
    started = time.process_time()
    result = load_kl(text)
    assert time.process_time() - started < 5  # a hang, not a benchmark
    assert _codes(result) == ["L015"], _codes(result)
    (diagnostic,) = result.diagnostics
    assert diagnostic.message == f"more than 10,000 {what}"
    assert diagnostic.span.text == past and diagnostic.help
    assert diagnostic.span.start == text.rindex(past)  # the last item of the list: the one past the limit
    assert result.layout is None


def test_lists_in_one_expression_are_counted_each_on_its_own(load_kl):
    # two chains of N operands joined by a call: each list is within the limit
    chain = _join(["1"] * (N - 1), " + ")
    result = load_kl(f"const X = max({chain}, {chain}) + 1\n")
    assert "L015" not in _codes(result), _codes(result)


def test_an_override_value_has_the_same_limit(write_kl, cli):
    path = write_kl("param r: banks = 0:4K\nspace s bits 64 { region x [0, 4K) }\n")
    banks = ",".join(f"{i * 4096}:4K" for i in range(N + 1))
    code, out, err = cli("check", str(path), "-D", f"r={banks}")
    assert code in (1, 2) and "L015" in out + err, (out + err)[-1000:]
