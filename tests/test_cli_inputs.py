"""What `layoutc check` reads and how loudly it ends: `-` (stdin) with --stdin-filename, folders
searched for *.kl, --quiet, --exit-zero, and --matrix progress (a real pty for the terminal case).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# vmalloc overlaps lowmem (O401 at line 3, an error)
OVERLAP = """\
space virtual bits 32 {
    region lowmem  [0xC000_0000, 0xF000_0000) { kind = linear }
    region vmalloc [0xEF80_0000, 0xFF80_0000) { kind = vmalloc }
}
"""
CLEAN = "space virtual bits 32 {\n    region low [0x1000, +4K)\n}\n"
BASE = "param size: size = 4K\nspace virtual bits 32 {\n    region low [0x1000, +size)\n}\n"


@pytest.fixture
def stdin(monkeypatch):
    def feed(text: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))

    return feed


@pytest.fixture
def here(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _findings(out: str) -> list[str]:
    return re.findall(r"^(\S+:\d+:\d+): \w+\[(\w\d{3})\]", out, re.MULTILINE)


# ------------------------------------------------------------------ stdin


def test_dash_reads_stdin(here, cli, stdin):
    stdin(OVERLAP)
    code, out, _ = cli("check", "-")
    assert code == 1
    assert _findings(out) == [("<stdin>:3:20", "O401")]


def test_stdin_filename_names_it(here, cli, stdin):
    stdin(OVERLAP)
    _, out, _ = cli("check", "-", "--stdin-filename", "boards/soc.kl")
    assert _findings(out) == [("boards/soc.kl:3:20", "O401")]


def test_stdin_extends_resolves_from_the_stdin_filename(here, cli, stdin):
    (here / "base.kl").write_text(BASE, encoding="utf-8")
    (here / "boards").mkdir()
    (here / "boards" / "base.kl").write_text(BASE.replace("+size", "+size * 0x10_0000"), encoding="utf-8")
    overlay = 'extends "base.kl"\nset size = 8K\n'
    stdin(overlay)  # no name: relative to the current directory -> ./base.kl, clean
    assert cli("check", "-")[0] == 0
    stdin(overlay)  # named boards/x.kl: boards/base.kl, whose region runs past 2^32 (B303)
    code, out, _ = cli("check", "-", "--stdin-filename", "boards/x.kl")
    assert code == 1 and [c for _, c in _findings(out)] == ["B303"] and "boards/base.kl:" in out


def test_stdin_config_from_the_stdin_filename(here, cli, stdin):
    (here / "proj").mkdir()
    (here / "proj" / "layoutc.toml").write_text('ignore = ["O401"]\n', encoding="utf-8")
    stdin(OVERLAP)
    assert cli("check", "-")[0] == 1
    stdin(OVERLAP)
    assert cli("check", "-", "--stdin-filename", "proj/soc.kl")[0] == 0


def test_stdin_usage_errors(here, cli, stdin):
    stdin(CLEAN)
    assert cli("check", "-", "-")[0] == 2
    (here / "a.kl").write_text(CLEAN, encoding="utf-8")
    code, _, err = cli("check", "a.kl", "--stdin-filename", "x.kl")
    assert code == 2 and "--stdin-filename" in err


def test_stdin_through_a_real_pipe(here):
    run = subprocess.run([sys.executable, "-m", "layoutc", "check", "-", "--stdin-filename", "piped.kl"],
                         input=OVERLAP.encode(), capture_output=True, check=False, cwd=here, timeout=120)
    assert run.returncode == 1 and b"piped.kl:3:20: error[O401]" in run.stdout


# ------------------------------------------------------------------ folders


def test_folder_is_searched_for_kl_files(here, cli):
    (here / "lay" / "boards" / "deep").mkdir(parents=True)
    (here / "lay" / "z.kl").write_text(OVERLAP, encoding="utf-8")
    (here / "lay" / "boards" / "a.kl").write_text(OVERLAP, encoding="utf-8")
    (here / "lay" / "boards" / "deep" / "m.kl").write_text(OVERLAP, encoding="utf-8")
    (here / "lay" / "notes.txt").write_text("not a layout", encoding="utf-8")
    code, out, _ = cli("check", "lay")
    files = [where.split(":")[0] for where, _ in _findings(out)]
    assert code == 1
    assert files == ["lay/boards/a.kl", "lay/boards/deep/m.kl", "lay/z.kl"]  # recursive, sorted
    assert "checked 3 files" in out


def test_empty_folder_is_a_usage_error(here, cli):
    (here / "empty").mkdir()
    code, _, err = cli("check", "empty")
    assert code == 2 and "empty" in err


# ------------------------------------------------------------------ --quiet, --exit-zero


def test_quiet_prints_only_the_findings(here, cli):
    (here / "bad.kl").write_text(OVERLAP, encoding="utf-8")
    (here / "good.kl").write_text(CLEAN, encoding="utf-8")
    code, loud, _ = cli("check", "bad.kl")
    code_quiet, quiet, _ = cli("check", "bad.kl", "--quiet")
    assert code == code_quiet == 1
    assert "checked 1 file" in loud and "checked" not in quiet
    assert _findings(quiet) == _findings(loud) != []
    assert cli("check", "-q", "good.kl")[:2] == (0, "")


def test_exit_zero_keeps_the_findings(here, cli):
    (here / "bad.kl").write_text(OVERLAP, encoding="utf-8")
    code, out, _ = cli("check", "bad.kl", "--exit-zero")
    assert code == 0 and _findings(out) == [("bad.kl:3:20", "O401")]
    assert cli("check", "bad.kl", "--exit-zero", "--werror")[0] == 0
    assert cli("check", "missing.kl", "--exit-zero")[0] == 2  # unreadable input is still a usage error
    assert cli("check", "bad.kl", "--exit-zero", "-D", "nope=1")[0] == 2


# ------------------------------------------------------------------ --matrix progress

MATRIX = "".join(f"param p{i}: bool = true\n" for i in range(4)) + CLEAN


def _run_on_pty(argv: list[str], cwd: Path) -> tuple[int, bytes, bytes]:
    """Run with stderr on a pseudo-terminal (stdout on a pipe): (code, stdout, what the terminal got)."""
    import pty
    import select

    leader, follower = pty.openpty()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            process.kill()
            raise AssertionError("no output from the pty in 60 s")
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    out = process.stdout.read()
    return process.wait(timeout=60), out, seen


def test_matrix_progress_on_a_terminal(here):
    (here / "m.kl").write_text(MATRIX, encoding="utf-8")
    argv = [sys.executable, "-m", "layoutc", "check", "--matrix", "m.kl"]
    code, out, terminal = _run_on_pty(argv, here)
    assert code == 0, terminal
    assert b"layoutc: m.kl: variant 1 of 16" in terminal
    assert terminal.endswith(b"\r\x1b[K")  # the line is wiped before the report
    assert b"16 variants" in out


def test_no_matrix_progress_on_a_pipe(here):
    (here / "m.kl").write_text(MATRIX, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "layoutc", "check", "--matrix", "m.kl"], cwd=here,
                         capture_output=True, timeout=120, check=False)
    assert run.returncode == 0 and run.stderr == b""
    assert b"16 variants" in run.stdout


def test_progress_is_throttled():
    from layoutc.cli import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = Progress("label", stream, interval=3600)
    for done in range(1, 1001):
        progress.update(f"variant {done} of 1000")
    progress.done()
    assert stream.getvalue() == "\r\x1b[Klabel: variant 1 of 1000\r\x1b[K"
    late = Terminal()  # a delay (the simulator's first second): a short run shows nothing
    progress = Progress("label", late, delay=3600)
    progress.update("step 64")
    progress.done()
    assert late.getvalue() == ""


# ------------------------------------------------------------------ `-` for every command that reads a layout


def test_show_emit_render_read_stdin(here, cli, stdin):
    stdin(CLEAN)
    code, out, _ = cli("show", "-")
    assert code == 0 and re.search(r"^00001000 \| 00001fff \| +4 kB \| low$", out, re.MULTILINE), out
    stdin(CLEAN)
    code, out, _ = cli("emit", "header", "-", "--stdin-filename", "soc.kl")
    assert code == 0 and "from soc.kl" in out and "LOW_START" in out
    stdin(CLEAN)
    code, out, _ = cli("render", "-")
    assert code == 0 and out.startswith("digraph")
    stdin(OVERLAP)
    code, _, err = cli("emit", "header", "-", "--stdin-filename", "boards/soc.kl")
    assert code == 1 and "boards/soc.kl:3:20: error[O401]" in err


def test_build_from_stdin_needs_a_name(here, cli, stdin):
    stdin(CLEAN)
    code, _, err = cli("build", "-", "-o", "out")
    assert code == 2 and "--stdin-filename" in err and not (here / "out").exists()
    stdin(CLEAN)
    code, _, err = cli("build", "-", "-o", "out", "--stdin-filename", "layouts/soc.kl")
    assert code == 0, err
    assert (here / "out" / "soc.h").is_file()


def test_stdin_filename_without_dash(here, cli):
    (here / "a.kl").write_text(CLEAN, encoding="utf-8")
    code, _, err = cli("show", "a.kl", "--stdin-filename", "x.kl")
    assert code == 2 and "--stdin-filename" in err
