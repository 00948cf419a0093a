"""What the command line prints where: colour by --color and the environment, and --format per command.

Colour follows the conventions other tools taught users (precedence in render.colour_enabled):
`--color always|never`, then NO_COLOR (no-color.org), then FORCE_COLOR (force-color.org) and
CLICOLOR_FORCE (bixense.com/clicolors), then TERM=dumb / CLICOLOR=0, then "is it a terminal".
The terminal cases run layoutc on a real pseudo-terminal.

`--format` on a command that cannot write that format is a usage error (exit 2) before any
work is done, never a silent human report.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARM32 = REPO / "layouts" / "arm32.kl"
ESC = "\x1b["

# vmalloc overlaps lowmem: one error, so the report has something to colour
OVERLAP = """\
space virtual bits 32 {
    region lowmem  [0xC000_0000, 0xF000_0000) { kind = linear }
    region vmalloc [0xEF80_0000, 0xFF80_0000) { kind = vmalloc }
}
"""
COLOUR_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "CLICOLOR", "TERM")


@pytest.fixture
def layout(tmp_path) -> Path:
    path = tmp_path / "overlap.kl"
    path.write_text(OVERLAP, encoding="utf-8")
    return path


def _environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in COLOUR_VARIABLES}
    env["TERM"] = "xterm-256color"
    env.update(extra)
    return env


def run_on_pipe(layout: Path, *argv: str, **extra: str) -> str:
    done = subprocess.run([sys.executable, "-m", "layoutc", "check", str(layout), *argv], capture_output=True,
                          text=True, env=_environ(**extra), check=False, timeout=120)
    assert done.returncode == 1, done.stderr
    return done.stdout


def run_on_terminal(layout: Path, *argv: str, **extra: str) -> str:
    """stdout and stderr on a pseudo-terminal, as in an interactive shell."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "layoutc", "check", str(layout), *argv], stdin=subprocess.DEVNULL,
                               stdout=terminal, stderr=terminal, env=_environ(**extra))
    os.close(terminal)
    chunks = []
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(controller, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(controller)
    assert process.wait(timeout=60) == 1
    return b"".join(chunks).decode("utf-8", errors="replace")


# ------------------------------------------------------------------ colour


def test_a_terminal_gets_colour_and_a_pipe_does_not(layout):
    assert ESC in run_on_terminal(layout)
    assert ESC not in run_on_pipe(layout)


@pytest.mark.parametrize("env", [{"TERM": "dumb"}, {"NO_COLOR": "1"}, {"CLICOLOR": "0"}],
                         ids=["TERM=dumb", "NO_COLOR", "CLICOLOR=0"])
def test_on_a_terminal_these_suppress_colour(layout, env):
    out = run_on_terminal(layout, **env)
    assert "error[O401]" in out and ESC not in out


@pytest.mark.parametrize("env", [{"FORCE_COLOR": "1"}, {"CLICOLOR_FORCE": "1"}, {"FORCE_COLOR": "1", "TERM": "dumb"}],
                         ids=["FORCE_COLOR", "CLICOLOR_FORCE", "FORCE_COLOR-beats-TERM=dumb"])
def test_into_a_pipe_these_force_colour(layout, env):
    assert ESC in run_on_pipe(layout, **env)


@pytest.mark.parametrize("env", [{"CLICOLOR_FORCE": "0"}, {"FORCE_COLOR": ""}], ids=["CLICOLOR_FORCE=0", "empty"])
def test_these_force_nothing(layout, env):
    assert ESC not in run_on_pipe(layout, **env)


def test_no_color_beats_force_color(layout):
    assert ESC not in run_on_pipe(layout, NO_COLOR="1", FORCE_COLOR="1")


def test_the_command_line_beats_the_environment(layout):
    assert ESC not in run_on_pipe(layout, "--color", "never", FORCE_COLOR="1")
    assert ESC in run_on_pipe(layout, "--color", "always", NO_COLOR="1")
    assert ESC not in run_on_terminal(layout, "--color", "never")


def test_machine_formats_are_never_coloured(layout):
    for fmt in ("json", "sarif", "github", "concise"):
        assert ESC not in run_on_pipe(layout, "--format", fmt, FORCE_COLOR="1"), fmt


# ------------------------------------------------------------------ --format per command


@pytest.mark.parametrize("argv", [
    ("show", ARM32, "--format", "sarif"),
    ("show", ARM32, "--format", "github"),
    ("show", ARM32, "--format", "concise"),
    ("emit", "header", ARM32, "--format", "sarif"),
    ("build", ARM32, "-o", "{out}", "--format", "sarif"),
    ("sim", ARM32, "--format", "sarif"),
    ("sim", ARM32, "--format", "github"),
    ("banner", ARM32, "--format", "json"),
    ("import", "{out}/boot.log", "--format", "json"),
], ids=lambda a: " ".join(str(x) for x in a if not str(x).startswith(("/", "{"))))
def test_a_format_the_command_cannot_write_is_a_usage_error(argv, tmp_path, cli):
    out = tmp_path / "out"
    argv = [str(a).replace("{out}", str(out)) for a in argv]
    code, stdout, stderr = cli(*argv)
    assert code == 2
    assert stdout == ""
    assert f"--format {argv[argv.index('--format') + 1]} is not available" in stderr
    assert stderr.count("\n") == 1
    assert not out.exists()  # refused before any work


@pytest.mark.parametrize("argv", [("show", ARM32, "--format", "json"), ("check", ARM32, "--format", "concise"),
                                  ("emit", "header", ARM32, "--format", "json")], ids=["show", "check", "emit"])
def test_formats_the_command_writes_still_work(argv, cli):
    code, _, stderr = cli(*argv)
    assert code == 0, stderr
