"""Hostile input: whatever the file holds, `layoutc check` ends with diagnostics (exit 0, 1 or 2),
never an internal error (exit 3) or an exception.

Property tests feed random text and bytes, and mutations of the shipped layouts (tokens and
characters deleted, duplicated, swapped, inserted); explicit cases cover deep nesting, a 10 MB
file, huge literals, include cycles and missing includes, a directory, non-UTF-8 bytes and an
empty file.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layoutc.cli import main
from layoutc.limits import MAX_DEPTH, MAX_LIST_ITEMS

# layoutc.cli.main raises the recursion limit for deeply nested input; hypothesis notices and warns.
pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted((REPO / "layouts").glob("**/*.kl"))

# Used when no layout is shipped yet, and always as one more seed: every statement form.
SEED = """\
layout seed { title = "seed"; arch = arm; bits = 32; page_size = 4K }
param kernel: version = 6.1 "release"
param vmsplit: choice(3G, 3G_OPT, 2G) = 3G
param highmem: bool = true
param ram: banks = 0x6000_0000:512M, 0xA000_0000:256M
const PAGE_OFFSET = match vmsplit { 3G => 0xC000_0000, 3G_OPT => 0xB000_0000, _ => 0x8000_0000 }
const PHYS_OFFSET = ram.base
const TASK_SIZE = PAGE_OFFSET - 16M
const high_memory = PAGE_OFFSET + min(ram[0].size, 768M)
space virtual bits 32 {
    hole [0, 4K) "null page"
    region user [4K, TASK_SIZE) { kind = user; access = user; perm = rwx }
    region pkmap [PAGE_OFFSET - 2M, +2M) if highmem { kind = pkmap; perm = rw }
    region lowmem [PAGE_OFFSET, high_memory) {
        kind = linear; perm = rw; maps = physical.ram
        region text [PAGE_OFFSET + 0x8000, +4M) { kind = image; perm = rx; label = ".text" }
        allow B305 "demo waiver"
    }
    region vectors [0xFFFF_0000, +4K) { perm = rx; overlaps lowmem "never" }
}
space physical bits 32 { region ram [ram.base, ram.end) { kind = ram } }
assert PAGE_OFFSET % 16M == 0 : "PAGE_OFFSET must be 16 MiB aligned\\n(see memory.h)"
assert kernel >= 4.4 || vmsplit != 3G_OPT : "3G_OPT needs 4.4"
"""

TOKEN = re.compile(r'"(?:\\.|[^"\\\n])*"|//[^\n]*|/\*.*?\*/|[A-Za-z_0-9.]+|\S', re.S)
KL_WORDS = ["layout", "param", "const", "set", "space", "region", "hole", "overlaps", "allow", "assert",
            "extends", "if", "then", "else", "match", "bits", "choice", "true", "false", "{", "}", "(", ")",
            "[", "]", ",", ":", ";", "=", "=>", "+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^", "~", "!",
            "&&", "||", "==", "<=", ".", "_", "x", "ram", "start", "end", "size", "0", "4K", "3G", "0xFFFF_0000",
            "6.1", '"s"', '"\\q"', "kind", "linear", "align_up", "min", "\n", "O401", "//", "/*", "*/", "\\"]

FORMATS = [[], ["--format", "json"], ["--format", "sarif"], ["--format", "github"],
           ["--matrix", "--max-variants", "8"]]


def check(path: Path, *extra: str) -> tuple[int, str, str]:
    """`layoutc check PATH` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", str(path), *extra])
    return code, out.getvalue(), err.getvalue()


def assert_handled(code: int, out: str, err: str, text: str | bytes) -> None:
    shown = text[:2000] if isinstance(text, str) else text[:2000].decode("utf-8", "replace")
    assert code in (0, 1, 2), f"exit {code}\n--- stderr:\n{err[-2000:]}\n--- input:\n{shown}"
    assert "Traceback" not in out + err


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> Path:
    """A copy of layouts/ so that mutated board files still find their (intact) base layout."""
    root = tmp_path_factory.mktemp("robust")
    if (REPO / "layouts").is_dir():
        shutil.copytree(REPO / "layouts", root / "layouts")
    else:
        (root / "layouts").mkdir()
    return root


def _sources() -> list[tuple[str, str]]:
    found = [(str(p.relative_to(REPO / "layouts").parent), p.read_text(encoding="utf-8")) for p in SHIPPED]
    return found + [(".", SEED)]


SOURCES = _sources()


@st.composite
def mutants(draw) -> tuple[str, str]:
    """A shipped layout (or the seed) with 1-4 token or character edits."""
    folder, text = draw(st.sampled_from(SOURCES))
    for _ in range(draw(st.integers(1, 4))):
        spans = [m.span() for m in TOKEN.finditer(text)] or [(0, 0)]
        op = draw(st.sampled_from(["del-token", "dup-token", "swap-tokens", "move-token",
                                   "del-char", "dup-char", "ins-char", "replace-digits"]))
        a, b = spans[draw(st.integers(0, len(spans) - 1))]
        c, d = spans[draw(st.integers(0, len(spans) - 1))]
        i = draw(st.integers(0, len(text)))
        if op == "del-token":
            text = text[:a] + text[b:]
        elif op == "dup-token":
            text = text[:b] + " " + text[a:b] + text[b:]
        elif op == "swap-tokens" and b <= c:
            text = text[:a] + text[c:d] + text[b:c] + text[a:b] + text[d:]
        elif op == "move-token":
            text = text[:a] + text[c:d] + " " + text[a:]
        elif op == "del-char":
            text = text[:i] + text[i + 1:]
        elif op == "dup-char":
            text = text[:i] + text[i:i + 1] + text[i:]
        elif op == "ins-char":
            text = text[:i] + draw(st.sampled_from(list('()[]{}+-*/:;,."\\0x_9GKz\n!=<>&|^~#\t\x00é'))) + text[i:]
        elif op == "replace-digits":
            text = re.sub(r"\b\d+\b", lambda m: draw(st.sampled_from(["0", "1", "4096", "99999999999999999999"])),
                          text, count=3)
    return folder, text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutant=mutants(), fmt=st.sampled_from(FORMATS))
def test_mutated_layouts_give_diagnostics_not_crashes(sandbox, mutant, fmt):
    folder, text = mutant
    path = sandbox / "layouts" / folder / "mutant.kl"
    path.write_text(text, encoding="utf-8")
    assert_handled(*check(path, *fmt), text)


random_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(KL_WORDS), max_size=80).map(" ".join),
    st.lists(st.one_of(st.sampled_from(KL_WORDS), st.text(max_size=3)), max_size=60).map("".join),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=random_text, fmt=st.sampled_from(FORMATS))
def test_random_text_gives_diagnostics_not_crashes(sandbox, text, fmt):
    path = sandbox / "random.kl"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    assert_handled(*check(path, *fmt), text)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=300))
def test_random_bytes_give_diagnostics_not_crashes(sandbox, data):
    path = sandbox / "bytes.kl"
    path.write_bytes(data)
    assert_handled(*check(path), data)


# ------------------------------------------------------------------ explicit cases

DEPTH = 10_000
LIMIT = MAX_DEPTH  # nesting of expressions and regions (docs/language.md, "Limits"; L006)


def _write(tmp_path: Path, text: str | bytes, name: str = "case.kl") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _last_line(out: str) -> str:
    return out.rstrip("\n").splitlines()[-1]


NESTED = {
    "parentheses": lambda n: "(" * n + "4K" + ")" * n,
    "unary-minus": lambda n: "-" * n + "4K",
    "nested-if": lambda n: "if true then " * n + "4K" + " else 0" * n,
    "nested-call": lambda n: "max(1, " * n + "4K" + ")" * n,
    "nested-match": lambda n: "match 1 { 1 => " * n + "4K" + " }" * n,
}


@pytest.mark.parametrize("shape", sorted(NESTED))
def test_nested_expression_at_the_limit(tmp_path, shape):
    expr = NESTED[shape](LIMIT if shape != "unary-minus" else LIMIT - LIMIT % 2)  # an even number of minus signs
    text = f"const X = {expr}\nspace s bits 32 {{ region r [0, X) }}\n"
    code, out, err = check(_write(tmp_path, text))
    assert code == 0, out[-2000:]
    assert "1 region" in _last_line(out)


@pytest.mark.parametrize("shape", sorted(NESTED))
@pytest.mark.parametrize("depth", [LIMIT + 1, DEPTH])
def test_nested_expression_past_the_limit(tmp_path, shape, depth):
    text = f"const X = {NESTED[shape](depth)}\nspace s bits 32 {{ region r [0, X) }}\n"
    started = time.perf_counter()
    code, out, err = check(_write(tmp_path, text))
    assert_handled(code, out, err, text[:200])
    assert code == 1 and out.count("error[L006]") == 1, out[-2000:]
    assert time.perf_counter() - started < 30  # a hang, not a benchmark


def test_long_operator_chain_is_not_nesting(tmp_path):
    # a chain of the most operands one expression may have (L015) is one level of nesting, and is evaluated
    text = "const X = 4K" + " + 0" * (MAX_LIST_ITEMS - 1) + "\nspace s bits 32 { region r [0, X) }\n"
    code, out, err = check(_write(tmp_path, text))
    assert code == 0, out[-2000:]


def _nested_regions(depth: int) -> str:
    opening = "".join(f"region r{i} [0, 4K) {{\n" for i in range(depth))
    return "space s bits 32 {\n" + opening + "}\n" * depth + "}\n"


def test_deeply_nested_regions_at_the_limit(tmp_path):
    path = _write(tmp_path, _nested_regions(LIMIT))
    code, out, err = check(path)
    assert code == 0, (out + err)[-2000:]
    assert f"{LIMIT} regions" in _last_line(out)
    code, out, err = check(path, "--format", "json")
    assert code == 0 and f'"regions": {LIMIT}' in out
    out_buffer, err_buffer = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out_buffer), contextlib.redirect_stderr(err_buffer):
        code = main(["show", str(path)])
    assert code == 0, err_buffer.getvalue()[-2000:]
    assert out_buffer.getvalue().count("| ") >= LIMIT


@pytest.mark.parametrize("depth", [LIMIT + 1, DEPTH])
def test_deeply_nested_regions_past_the_limit(tmp_path, depth):
    code, out, err = check(_write(tmp_path, _nested_regions(depth)))
    assert code == 1 and out.count("error[L006]") == 1, (out + err)[-2000:]


def test_deeply_nested_unclosed_blocks(tmp_path):
    text = "space s bits 32 {\n" + "region r [0, 4K) {\n" * DEPTH
    code, out, err = check(_write(tmp_path, text))
    assert code == 1
    assert "error[S001]" in out and "end of file" in out


@pytest.mark.slow
def test_ten_megabyte_file(tmp_path):
    """~180,000 regions in 10 MB, the last one overlapping its neighbour: one O401, in bounded time."""
    lines = ["layout big { page_size = 4K }", "space virtual bits 64 {"]
    size, count = 0, 0
    while size < 10 * 1024 * 1024:
        line = f"    region r{count:07d} [0x{count * 0x1000:012x}, +4K) {{ kind = other }}"
        lines.append(line)
        size += len(line) + 1
        count += 1
    lines.append(f"    region late [0x{(count - 1) * 0x1000:012x}, +8K)")
    lines.append("}")
    path = _write(tmp_path, "\n".join(lines) + "\n", "big.kl")
    assert path.stat().st_size >= 10 * 1024 * 1024
    started = time.perf_counter()
    code, out, err = check(path)
    elapsed = time.perf_counter() - started
    print(f"10 MB layout, {count + 1} regions: checked in {elapsed:.1f} s")
    assert code == 1, err[-2000:]
    assert out.count("error[O401]") == 1
    assert f"{count + 1} regions" in _last_line(out)
    assert elapsed < 300  # a hang, not a benchmark; the figure is printed above


def test_ten_thousand_digit_integer(tmp_path):
    text = "const X = 1\nconst Y = " + "9" * 10_000 + "\n"
    code, out, err = check(_write(tmp_path, text))
    assert_handled(code, out, err, text[:100])
    assert code == 1
    assert re.search(r"case\.kl:2:11: error\[L002\]", out), out[:1000]


@pytest.mark.parametrize("literal", ["0x" + "f" * 10_000, "0b" + "1" * 10_000, "1" * 5_000 + "E"])
def test_huge_integer_literals_in_other_bases(tmp_path, literal):
    code, out, err = check(_write(tmp_path, f"const X = {literal}\n"))
    assert_handled(code, out, err, literal[:100])
    assert code == 1 and "error[L002]" in out


@pytest.mark.parametrize("text", [
    "param kernel: version = 1." + "9" * 10_000 + "\n",
    "param v: choice(1, " + "9" * 10_000 + ") = 1\n",
    "const X = 1 << 100000\n",
    "const X = (1 << 4000) * (1 << 4000)\n",
], ids=["version-component", "choice-member", "huge-shift", "huge-product"])
def test_other_huge_values(tmp_path, text):
    code, out, err = check(_write(tmp_path, text))
    assert_handled(code, out, err, text[:100])
    assert code == 1


def test_include_cycle(tmp_path):
    _write(tmp_path, 'extends "b.kl"\n', "a.kl")
    _write(tmp_path, 'extends "sub/c.kl"\n', "b.kl")
    _write(tmp_path, 'extends "../a.kl"\n', "sub/c.kl")
    code, out, err = check(tmp_path / "a.kl")
    assert code == 1
    assert "error[N105]" in out
    header = next(line for line in out.splitlines() if "error[N105]" in line)
    cycle = r".*c\.kl:1:1: error\[N105\]: include cycle: .*a\.kl -> .*b\.kl -> .*c\.kl -> .*a\.kl"
    assert re.match(cycle, header), header


def test_self_include(tmp_path):
    code, out, _ = check(_write(tmp_path, 'extends "case.kl"\n'))
    assert code == 1 and "error[N105]" in out


def test_missing_include(tmp_path):
    path = _write(tmp_path, '// a board overlay\nextends "../no-such-base.kl"\nset x = 1\n', "boards/board.kl")
    code, out, _ = check(path)
    assert code == 1
    assert re.search(r"board\.kl:2:1: error\[N104\]: cannot read `.*no-such-base\.kl`", out), out


def test_include_of_a_directory(tmp_path):
    (tmp_path / "base.kl").mkdir()
    code, out, _ = check(_write(tmp_path, 'extends "base.kl"\n', "board.kl"))
    assert code == 1
    assert "board.kl:1:1: error[N104]" in out and "directory" in out


def test_directory_passed_as_a_file(tmp_path, capsys):
    """`check DIR` searches DIR for *.kl (tests/test_cli_inputs.py): with none there, a usage error
    naming it; a command that reads one layout still reports N104 for a directory."""
    code, out, err = check(tmp_path)
    assert code == 2 and out == ""
    assert f"no .kl file in the folder `{tmp_path}`" in err
    assert main(["show", str(tmp_path)]) == 2
    assert "error[N104]" in capsys.readouterr().err


def test_non_utf8_bytes(tmp_path):
    path = _write(tmp_path, b"const X = 1\nconst \xff = 2 // \xfe\n")
    code, out, err = check(path)
    assert code == 2
    assert re.search(r"case\.kl:2:7: error\[S003\]: .*0xff", out), out


def test_non_utf8_in_an_included_file(tmp_path):
    _write(tmp_path, b"/* \xc3\x28 */\n", "base.kl")
    code, out, _ = check(_write(tmp_path, 'extends "base.kl"\n', "board.kl"))
    assert code in (1, 2)
    assert re.search(r"base\.kl:1:4: error\[S003\]", out), out


@pytest.mark.parametrize("text", ["", "\n\n", "// comment only\n", "/* block */", ";;;", "\ufeff"],
                         ids=["empty", "newlines", "line-comment", "block-comment", "semicolons", "bom"])
def test_empty_file_does_not_look_like_a_pass(tmp_path, text):
    code, out, err = check(_write(tmp_path, text))
    assert_handled(code, out, err, text)
    assert re.search(r"^checked 1 file, 0 regions, 0 param/constants, ", _last_line(out), re.M), out
