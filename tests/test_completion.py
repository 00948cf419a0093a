"""Shell completion, run in the real shells: bash completes through its completion function
(COMP_WORDS/COMP_CWORD set as readline would), fish through `complete -C`, zsh through its
completion system in an interactive zsh on a pty (TAB typed; the matches captured from compadd).  The scripts come from the argparse definition:
an option added to the parser completes without touching the generator.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest
from tools import require_tool

from layoutc.cli import FORMATS, build_parser
from layoutc.completion import script


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A folder as a user's project looks: layouts, another file, a subfolder."""
    (tmp_path / "arm32.kl").write_text("", encoding="utf-8")
    (tmp_path / "arm64.kl").write_text("", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    (tmp_path / "boards").mkdir()
    return tmp_path


def _path() -> str:
    """PATH with this Python's scripts folder first: the completions run `layoutc emit --list`."""
    import os
    import sysconfig

    return os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])


def _write(tmp_path: Path, shell: str, parser=None) -> Path:
    path = tmp_path / f"layoutc.{shell}"
    path.write_text(script(parser or build_parser(), shell), encoding="utf-8")
    return path


def _subcommands() -> set[str]:
    import argparse

    parser = build_parser()
    return {name for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for name in action.choices}


# ------------------------------------------------------------------ bash


def _bash(script_path: Path, line: str, cwd: Path) -> list[str]:
    """COMPREPLY for the command line ``line`` (the cursor at its end) from the real bash."""
    bash = require_tool("bash")
    words = shlex.split(line) + ([""] if line.endswith(" ") else [])
    program = (f"source {shlex.quote(str(script_path))}\n"
               f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
               f"COMP_CWORD={len(words) - 1}\nCOMP_LINE={shlex.quote(line)}\nCOMP_POINT={len(line)}\n"
               "_layoutc\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
    run = subprocess.run([bash, "--norc", "--noprofile", "-c", program], cwd=cwd, env={"PATH": _path()}, capture_output=True,
                         text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    return sorted(word for word in run.stdout.splitlines() if word)


def test_bash_completes_subcommands(tree):
    path = _write(tree, "bash")
    assert set(_bash(path, "layoutc ", tree)) >= _subcommands()
    assert _bash(path, "layoutc ch", tree) == ["check"]
    assert _bash(path, "layoutc --ver", tree) == ["--version"]


def test_bash_completes_options_of_the_subcommand(tree):
    path = _write(tree, "bash")
    assert {"--matrix", "--max-variants"} <= set(_bash(path, "layoutc check --ma", tree))
    assert "--matrix" not in _bash(path, "layoutc show --", tree)  # check's, not show's
    assert "--space" in _bash(path, "layoutc show --", tree)
    # and after the layout file too: options anywhere
    assert _bash(path, "layoutc emit header arm32.kl --pre", tree) == ["--prefix"]


def test_bash_completes_option_values(tree):
    path = _write(tree, "bash")
    assert _bash(path, "layoutc check --format ", tree) == sorted(FORMATS)
    assert _bash(path, "layoutc check -D ", tree) == []  # NAME=VALUE: nothing to offer
    assert "notes.txt" in _bash(path, "layoutc check --config ", tree)  # a path of any kind


def test_bash_completes_layout_files(tree):
    path = _write(tree, "bash")
    assert _bash(path, "layoutc check ", tree) == ["arm32.kl", "arm64.kl", "boards"]
    assert _bash(path, "layoutc check arm32.kl ar", tree) == ["arm32.kl", "arm64.kl"]  # nargs=+
    assert _bash(path, "layoutc check -D vmsplit=2G ", tree) == ["arm32.kl", "arm64.kl", "boards"]
    assert _bash(path, "layoutc emit header ", tree) == ["arm32.kl", "arm64.kl", "boards"]  # the 2nd positional
    assert _bash(path, "layoutc show arm32.kl ", tree) == []  # one FILE only
    assert _bash(path, "layoutc completion ", tree) == ["bash", "fish", "zsh"]


def _emitters() -> list[str]:
    from layoutc.emit.base import emitters

    return sorted(emitters())


def test_bash_completes_emitters_and_rules(tree):
    """Values a registry holds (plug-ins included) come from layoutc itself at completion time."""
    path = _write(tree, "bash")
    assert _bash(path, "layoutc emit ", tree) == _emitters()
    assert _bash(path, "layoutc emit -D x=1 hea", tree) == ["header"]
    assert _bash(path, "layoutc explain O4", tree) == ["O401"]


def test_bash_script_follows_the_parser(tree):
    """A new option completes without a change to the generator: the script is the parser's."""
    import argparse

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub.choices["check"].add_argument("--brand-new", choices=("one", "two"))
    path = _write(tree, "bash", parser)
    assert _bash(path, "layoutc check --brand", tree) == ["--brand-new"]
    assert _bash(path, "layoutc check --brand-new ", tree) == ["one", "two"]


# ------------------------------------------------------------------ fish


def _fish(script_path: Path, line: str, cwd: Path) -> list[str]:
    fish = require_tool("fish")
    program = f"source {shlex.quote(str(script_path))}; complete -C {shlex.quote(line)}"
    run = subprocess.run([fish, "--no-config", "-c", program], cwd=cwd, env={"PATH": _path(), "HOME": str(cwd)},
                         capture_output=True, text=True,
                         timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    return sorted(entry.split("\t")[0] for entry in run.stdout.splitlines() if entry)


def test_fish_script_parses_and_completes(tree):
    fish = require_tool("fish")
    path = _write(tree, "fish")
    assert subprocess.run([fish, "--no-config", "-n", str(path)], capture_output=True, check=False).returncode == 0
    assert set(_fish(path, "layoutc ", tree)) >= _subcommands()
    assert "--matrix" in _fish(path, "layoutc check --ma", tree)
    assert "--matrix" not in _fish(path, "layoutc show --", tree)
    assert _fish(path, "layoutc check --format=", tree) == sorted(f"--format={name}" for name in FORMATS)
    files = _fish(path, "layoutc check ", tree)
    assert "arm32.kl" in files and "arm64.kl" in files and "notes.txt" not in files
    assert set(_fish(path, "layoutc emit ", tree)) >= set(_emitters())
    assert _fish(path, "layoutc explain O4", tree) == ["O401"]


# ------------------------------------------------------------------ zsh

# Loaded into an interactive zsh before the completions: every match the completion system adds is
# also written to the file $HITS (compadd with -O lists the matches without adding them; then add them);
# nothing is listed, so there is no "see all possibilities?" to answer; _main_complete runs
# comppostfuncs when a completion is over, which marks it done.  (No comments inside: interactive.)
_ZSH_CAPTURE = r"""
autoload -U compinit && compinit -u -D
unsetopt AUTO_LIST LIST_AMBIGUOUS BEEP
source %(script)s
compadd() {
    if (( ${@[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi
    local -a found
    builtin compadd -O found "$@"
    (( $#found )) && print -rl -- $found >> $HITS
    builtin compadd "$@"
}
_capture_done() { : >> $HITS.done }
print -r -- READY
"""


def _zsh(script_path: Path, lines: list[str], cwd: Path) -> list[list[str]]:
    """For each of ``lines``, the matches zsh's completion system offers for it + TAB, typed into one
    real interactive zsh."""
    import os
    import pty
    import select
    import time

    zsh = require_tool("zsh")
    leader, follower = pty.openpty()
    process = subprocess.Popen([zsh, "-f", "-i"], stdin=follower, stdout=follower, stderr=follower, cwd=cwd,
                               env={"PATH": _path(), "TERM": "dumb", "HOME": str(cwd)})
    os.close(follower)
    seen = b""

    def wait_for(marker: bytes) -> None:
        nonlocal seen
        deadline = time.monotonic() + 30
        while marker not in seen:
            assert time.monotonic() < deadline, seen.decode(errors="replace")
            if select.select([leader], [], [], 1)[0]:
                seen += os.read(leader, 4096)

    try:
        os.write(leader, (_ZSH_CAPTURE % {"script": shlex.quote(str(script_path))}).encode())
        wait_for(b"\nREADY")
        for number, line in enumerate(lines):
            done = cwd / f".hits{number}.done"
            os.write(leader, f"HITS=.hits{number}; comppostfuncs=(_capture_done)\n".encode())
            os.write(leader, line.encode() + b"\t")  # TAB completes
            deadline = time.monotonic() + 30
            while not done.exists():
                assert time.monotonic() < deadline, seen.decode(errors="replace")
                if select.select([leader], [], [], 0.05)[0]:
                    seen += os.read(leader, 4096)
            os.write(leader, b"\x15")  # kill the line for the next one
        os.write(leader, b"exit\n")
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)
    hits = [cwd / f".hits{number}" for number in range(len(lines))]
    return [sorted(set(path.read_text(encoding="utf-8").split())) if path.exists() else [] for path in hits]


def test_zsh_script_parses_and_registers(tree):
    zsh = require_tool("zsh")
    path = _write(tree, "zsh")
    assert subprocess.run([zsh, "-n", str(path)], capture_output=True, check=False).returncode == 0
    program = f"autoload -U compinit && compinit -u -D && source {shlex.quote(str(path))} && print -r -- $_comps[layoutc]"
    run = subprocess.run([zsh, "-f", "-c", program], cwd=tree, capture_output=True, text=True, timeout=60,
                         check=False)
    assert run.returncode == 0 and run.stdout.strip() == "_layoutc", run.stderr


def test_zsh_completes(tree):
    path = _write(tree, "zsh")
    commands, options, other, values, layouts, paths, kinds = _zsh(path, [
        "layoutc ", "layoutc check --ma", "layoutc show arm32.kl --", "layoutc check --format ",
        "layoutc emit header ", "layoutc check --config ", "layoutc emit "], tree)
    assert set(commands) >= _subcommands()
    assert options == ["--matrix", "--max-variants"]
    assert "--space" in other and "--matrix" not in other  # show's options, after its FILE
    assert values == sorted(FORMATS)
    assert layouts == ["arm32.kl", "arm64.kl", "boards"]
    assert "notes.txt" in paths
    assert kinds == _emitters()


def test_completion_command_prints_each_script(cli):
    for shell in ("bash", "zsh", "fish"):
        code, out, _ = cli("completion", shell)
        assert code == 0 and out == script(build_parser(), shell) + ("" if out.endswith("\n") else "\n")
    assert cli("completion", "tcsh")[0] == 2
