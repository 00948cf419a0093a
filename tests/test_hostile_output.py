"""What a hostile layout makes layoutc print stays bounded and inert (issue 10).

A new user's attack run found a 1 MB one-line file printing gigabytes (every finding reprinted the
whole line, and front-end findings were not capped), ESC sequences in a source line reaching the
terminal, and thousands of unknown names taking half a minute (each compared with every definition
for a did-you-mean).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from layoutc.limits import MAX_FINDINGS_PER_RULE
from layoutc.render import SNIPPET_WIDTH, terminal_safe
from layoutc.suggest import POOL, Suggester, did_you_mean

HEADER = "layout l { bits = 32; page_size = 4K }\n"


def test_a_long_line_is_shown_as_a_window_around_the_span(cli, tmp_path):
    path = tmp_path / "long.kl"
    path.write_text(HEADER + 'const A = "' + "x" * 100_000 + '" + zz\n', encoding="utf-8")
    code, out, _ = cli("check", str(path))
    assert code == 1
    assert max(len(line) for line in out.splitlines()) < SNIPPET_WIDTH + 100
    source, carets = next((a, b) for a, b in zip(out.splitlines(), out.splitlines()[1:]) if "zz" in a and "^" in b)
    # the carets stand under `zz`, at the same column as in the window shown
    assert source.index("zz") == carets.index("^") and source.startswith("2 | ...")


def test_findings_of_one_code_are_capped_with_a_count(cli, tmp_path):
    path = tmp_path / "attrs.kl"
    body = "".join(f"  bogus{i} = 1\n" for i in range(3 * MAX_FINDINGS_PER_RULE))
    path.write_text(HEADER + "space virtual bits 32 { region r [0, +4K) {\n" + body + "} }\n", encoding="utf-8")
    code, out, _ = cli("check", str(path))
    assert out.count("warning[W002]") == MAX_FINDINGS_PER_RULE
    assert f"note[L008]: more than {MAX_FINDINGS_PER_RULE} findings of W002" in out
    assert f"{2 * MAX_FINDINGS_PER_RULE} more are not reported" in out


def test_a_stage_keeps_the_first_findings_of_a_code_and_counts_the_rest():
    """One mistake per line of a 1 MB file was 100,000 diagnostics kept in memory (~100 bytes per byte of
    input): a stage's sink keeps the first ones of each code and one L008 note for the others."""
    from layoutc.diagnostics import Sink

    sink = Sink()
    for i in range(10 * MAX_FINDINGS_PER_RULE):
        sink.emit("S002", f"escape {i}", None)
    for _ in range(3):
        sink.emit("W001", "unused", None)
    items = sink.items
    assert [d.message for d in items if d.code == "S002"] == [f"escape {i}" for i in range(MAX_FINDINGS_PER_RULE)]
    assert [d.code for d in items].count("W001") == 3
    (note,) = [d for d in items if d.code == "L008"]
    assert f"{9 * MAX_FINDINGS_PER_RULE} more are not reported" in note.message
    assert len(items) == MAX_FINDINGS_PER_RULE + 3 + 1


def test_a_string_of_bad_escapes_is_counted_exactly(cli, tmp_path):
    path = tmp_path / "escapes.kl"
    path.write_text(HEADER + 'const A = "' + "\\q" * (3 * MAX_FINDINGS_PER_RULE) + '"\n', encoding="utf-8")
    code, out, _ = cli("check", str(path))
    assert code == 1
    assert out.count("error[S002]") == MAX_FINDINGS_PER_RULE
    assert f"{2 * MAX_FINDINGS_PER_RULE} more are not reported" in out


def test_control_characters_in_the_source_do_not_reach_the_terminal(cli, tmp_path):
    path = tmp_path / "esc.kl"
    path.write_bytes((HEADER + 'const A = "\x1b]0;PWNED\x07\x1b[2J\u202e" + 1\n').encode("utf-8"))
    code, out, _ = cli("check", str(path), "--color", "never")
    assert code == 1
    assert not set(out) & {"\x1b", "\x07", "\u202e"}
    assert "\u241b]0;PWNED\u2407" in out  # shown as Control Pictures, one column each


def test_terminal_safe_keeps_columns():
    text = "a\x00b\x1bc\x7fd\x85e\u2028f\u202eg"
    shown = terminal_safe(text)
    assert len(shown) == len(text) and shown.isprintable()
    assert shown == "a\u2400b\u241bc\u2421d\ufffde\ufffdf\ufffdg"


def test_many_unknown_names_get_suggestions_up_to_the_shown_findings(cli, tmp_path):
    """Each unknown name compared with every definition was quadratic (3000 of each: ~20 s CPU); only
    as many suggestions as findings are shown are made now."""
    path = tmp_path / "unknown.kl"
    path.write_text(HEADER + "".join(f"const A{i} = a{i}\n" for i in range(3 * MAX_FINDINGS_PER_RULE)),
                    encoding="utf-8")
    code, out, _ = cli("check", str(path))
    assert code == 1 and "did you mean `A0`?" in out
    assert out.count("did you mean") == MAX_FINDINGS_PER_RULE


def test_the_suggester_stops_after_its_budget():
    suggest = Suggester(budget=2)
    assert suggest("rgion", ["region"]) == "did you mean `region`?"
    assert suggest("rgion", ["region"]) == "did you mean `region`?"
    assert suggest("rgion", ["region"]) is None


def test_a_large_pool_still_finds_a_close_name():
    pool = [f"name_{i}" for i in range(10 * POOL)] + ["vmalloc_start"]
    assert did_you_mean("vmalloc_strat", pool) == "did you mean `vmalloc_start`?"


def _shell(command: str):
    import subprocess
    import sys

    return subprocess.run(["bash", "-c", command.replace("LAYOUTC", f"{sys.executable} -m layoutc")],
                          capture_output=True, text=True, timeout=120, check=False)


ARM32 = str(Path(__file__).resolve().parent.parent / "layouts" / "arm32.kl")


@pytest.mark.parametrize("command, message", [
    (f"LAYOUTC emit header {ARM32} > /dev/full", "No space left on device"),
    (f"LAYOUTC check --format sarif {ARM32} > /dev/full", "No space left on device"),
    ("LAYOUTC check - <&-", "standard input, which is closed"),
    ("LAYOUTC rules >&-", "standard output is closed"),
], ids=["emit-to-full-disk", "sarif-to-full-disk", "stdin-closed", "stdout-closed"])
def test_standard_streams_that_fail_are_exit_2(command, message):
    done = _shell(command)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "internal error" not in done.stderr and "Traceback" not in done.stderr


def test_a_closed_standard_error_does_not_change_the_result():
    assert _shell(f"LAYOUTC check {ARM32} 2>&-").returncode == 0


def test_a_picture_graphviz_refuses_is_exit_2(cli, tmp_path):
    """5,000 regions in one space: Graphviz stopped with "Check for overwide node(s)" (1,000 draw fine);
    the picture is now refused before dot starts (L012, tests/test_limits_output.py)."""
    from tools import require_tool

    require_tool("dot")
    path = tmp_path / "big.kl"
    path.write_text("layout l { bits = 64; page_size = 4K }\nspace virtual bits 64 {\n"
                    + "".join(f"  region r{i} [{i * 0x1000:#x}, +4K)\n" for i in range(5000)) + "}\n",
                    encoding="utf-8")
    code, _, err = cli("render", str(path), "-o", str(tmp_path / "big.svg"))
    assert code == 2 and "error[L012]" in err and "--space" in err
    assert not (tmp_path / "big.svg").exists()


def test_a_link_loop_in_a_folder_is_not_walked(cli, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "z.kl").write_text(HEADER, encoding="utf-8")
    (tmp_path / "loop").symlink_to(".")
    code, out, _ = cli("check", str(tmp_path))
    assert code == 0, out
    assert "checked 1 file" in out and "loop" not in out


def test_main_leaves_the_callers_limits_as_they_were(cli):
    """main() raises the recursion limit and the thread stack size for its own worker thread only: a
    script that calls it and then recurses on its main thread must not be allowed to overflow the C stack."""
    import sys
    import threading

    limit, stack = sys.getrecursionlimit(), threading.stack_size()
    cli("rules")
    assert (sys.getrecursionlimit(), threading.stack_size()) == (limit, stack)


def test_verify_keep_in_a_place_that_cannot_hold_a_folder_is_exit_2(cli, tmp_path):
    from tools import require_tool

    require_tool("qemu-system-arm")
    require_tool("arm-linux-gnueabihf-gcc")
    code, _, err = cli("verify", ARM32, "--qemu", "--keep", "/proc/layoutc-keep")
    assert code == 2 and "/proc/layoutc-keep" in err and "internal error" not in err


def test_small_misuses_found_by_a_review_are_usage_errors(cli, tmp_path):
    """An adversarial review found these accepted or unclear: each is now a usage error or a short message."""
    arm32 = Path(__file__).resolve().parent.parent / "layouts" / "arm32.kl"
    for argv, said in [(("sim", arm32, "--steps", "0"), "--steps must be at least 1"),
                       (("sim", arm32, "--steps", "-1"), "--steps must be at least 1"),
                       (("sim", arm32, "--scenario", ""), "--scenario needs a name"),
                       (("render", arm32, "--matrix", "kernel=,,,", "-o", str(tmp_path / "out") + "/"),
                        "lists no value to draw")]:
        code, out, err = cli(*argv)
        assert code == 2 and said in err, (argv, out[-300:], err[-300:])
    token = tmp_path / "token.kl"
    token.write_text("x" * 1_000_000 + "\n")
    code, out, err = cli("check", token)
    assert code == 1 and "error[S001]" in out and len(out) < 2000, len(out)
    log = tmp_path / "nothing.log"
    log.write_text("no banner here\n")
    code, out, err = cli("import", log)
    assert "error[F103]" in err and "help: paste the boot log" in err, err
