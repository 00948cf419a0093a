"""`--format concise`: one `path:line:col: severity: message [CODE]` line per finding, read by editors.

Proven with the readers themselves:

* VS Code's `$gcc` problem matcher.  It is contributed by Microsoft's C/C++ extension,
  microsoft/vscode-cpptools, `Extension/package.json` -> contributes.problemMatchers[name=gcc]
  (commit 92768bc058e121cb1a3ac8b913833b6d86c04244), with fileLocation ["autoDetect", "${cwd}"]
  and groups file 1, line 2, column 3, severity 4, message 5.  VS Code runs it as a JavaScript
  RegExp, so the test runs it in node, the same engine, as well as in Python's `re`.
* Vim's quickfix list, filled by the real `vim` from the output with
  errorformat `%f:%l:%c: %t%*[^:]: %m`.
* Emacs's compilation mode with its default `compilation-error-regexp-alist`: the real `emacs`
  runs `M-x compile` on a real `layoutc check` process, then `first-error` / `next-error` visit
  every finding; the test records the file, line, column and error/warning type of each visit.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from tools import require_tool

# VS Code's $gcc pattern, verbatim from vscode-cpptools (see the module docstring)
GCC_MATCHER = r"^(.*?):(\d+):(\d*):?\s+(?:fatal\s+)?(warning|error):\s+(.*)$"
VIM_ERRORFORMAT = r"%f:%l:%c: %t%*[^:]: %m"

# Emacs: `M-x compile` the command given after the script, wait for it, then visit each locus with
# first-error/next-error as a user does (M-g M-n) and write [file, line, column, type] per visit to
# emacs.json: the line and 0-based column where point lands in the visited file, and compile.el's
# message type (2 error, 1 warning, 0 info)
EMACS_VISITS = """\
(require 'compile)
(require 'json)
(let* ((buffer (compile (car command-line-args-left)))
       (visits '()))
  (while (get-buffer-process buffer)
    (accept-process-output (get-buffer-process buffer) 0.1))
  (condition-case nil
      (progn
        (first-error)
        (while t
          (let ((type (with-current-buffer buffer
                        (compilation--message->type
                         (get-text-property compilation-current-error 'compilation-message)))))
            (with-current-buffer (window-buffer (selected-window))
              (save-excursion
                (goto-char (window-point (selected-window)))
                (push (vector (buffer-file-name) (line-number-at-pos) (current-column) type) visits))))
          (next-error)))
    (user-error nil))
  (with-temp-file "emacs.json" (insert (json-encode (vconcat (nreverse visits))))))
"""

# line 3: vmalloc overlaps lowmem (O401, error, column 20); line 5: an unused constant (W001, warning)
LAYOUT = """\
space virtual bits 32 {
    region lowmem  [0xC000_0000, 0xF000_0000) { kind = linear }
    region vmalloc [0xEF80_0000, 0xFF80_0000) { kind = vmalloc }
}
const UNUSED = 1
assert 1 == 2 : "a message\\nover two lines"
"""
EXPECTED = [("error", 3, 20, "O401"), ("warning", 5, 1, "W001"), ("error", 6, 8, "U901")]


@pytest.fixture
def concise(tmp_path, monkeypatch, cli) -> tuple[Path, str]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir with space").mkdir()
    path = tmp_path / "dir with space" / "odd name.kl"
    path.write_text(LAYOUT, encoding="utf-8")
    code, out, err = cli("check", "dir with space/odd name.kl", "--format", "concise")
    assert code == 1
    assert err.startswith("checked 1 file"), err  # the coverage line: on stderr, out of the editors' way
    return tmp_path, out


def _code(message: str) -> str:
    return re.search(r"\[([A-Z]\d{3})\]$", message).group(1)


def test_one_line_per_finding(concise):
    _, out = concise
    lines = out.splitlines()
    assert [(int(line.split(":")[1]), int(line.split(":")[2])) for line in lines] == [(r, c) for _, r, c, _ in EXPECTED]
    for line, (severity, row, column, code) in zip(lines, EXPECTED):
        assert line.startswith(f"dir with space/odd name.kl:{row}:{column}: {severity}: ") and line.endswith(f"[{code}]")
    assert "a message over two lines" in out


def test_vscode_gcc_matcher_in_python(concise):
    root, out = concise
    for line in out.splitlines():
        match = re.match(GCC_MATCHER, line)
        assert match, line
        file, row, column, severity, message = match.groups()
        assert (root / file).is_file()  # fileLocation autoDetect relative to ${cwd}
        assert severity in ("error", "warning") and row.isdigit() and column.isdigit()
        assert _code(message)


def test_vscode_gcc_matcher_in_javascript(concise):
    node = require_tool("node")
    root, out = concise
    script = (
        "const re = new RegExp(process.argv[1]);"
        "const lines = require('fs').readFileSync(0, 'utf8').split('\\n').filter(l => l);"
        "console.log(JSON.stringify(lines.map(l => { const m = re.exec(l); return m && m.slice(1, 6); })));")
    done = subprocess.run([node, "-e", script, GCC_MATCHER], input=out, capture_output=True, text=True, check=True)
    matches = json.loads(done.stdout)
    assert None not in matches, out
    got = [(severity, int(line), int(col), _code(message)) for file, line, col, severity, message in matches]
    assert got == EXPECTED
    assert {file for file, *_ in matches} == {"dir with space/odd name.kl"}
    assert all((root / file).is_file() for file, *_ in matches)


def test_vim_quickfix_reads_every_line(concise, tmp_path):
    vim = require_tool("vim")
    root, out = concise
    report = root / "report.txt"
    report.write_text(out, encoding="utf-8")
    result = root / "qf.json"
    commands = [f"set errorformat={VIM_ERRORFORMAT.replace(' ', chr(92) + ' ')}", f"cgetfile {report}",
                "call writefile([json_encode(map(getqflist(), "
                "{_, e -> [bufname(e.bufnr), e.lnum, e.col, e.type, e.text, e.valid]}))], "
                f"'{result}')", "qall!"]
    argv = [vim, "-Nu", "NONE", "-i", "NONE", "-n", "-es"]
    for command in commands:
        argv += ["-c", command]
    subprocess.run(argv, cwd=root, capture_output=True, text=True, timeout=60, check=False)
    entries = json.loads(result.read_text(encoding="utf-8"))
    assert [e[5] for e in entries] == [1, 1, 1], entries  # every line a valid quickfix entry
    got = [({"e": "error", "w": "warning"}[kind.lower()], line, col, _code(text)) for _, line, col, kind, text, _ in entries]
    assert got == EXPECTED
    assert {name for name, *_ in entries} == {"dir with space/odd name.kl"}


def test_emacs_compile_visits_every_finding(concise):
    emacs = require_tool("emacs")
    root, _ = concise
    (root / "visits.el").write_text(EMACS_VISITS, encoding="utf-8")
    command = f"{shlex.quote(sys.executable)} -m layoutc check 'dir with space/odd name.kl' --format concise"
    subprocess.run([emacs, "-Q", "--batch", "-l", "visits.el", command], cwd=root, capture_output=True, text=True,
                   timeout=120, check=False)
    visits = json.loads((root / "emacs.json").read_text(encoding="utf-8"))
    # the coverage line after the findings ("checked 1 file, ...") is no locus: exactly one visit per finding
    got = [({2: "error", 1: "warning"}[kind], line, column + 1) for _, line, column, kind in visits]
    assert got == [(severity, row, col) for severity, row, col, _ in EXPECTED], visits
    assert {Path(file) for file, *_ in visits} == {(root / "dir with space" / "odd name.kl").resolve()}


def test_a_problem_in_an_override_names_no_file(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.kl").write_text(LAYOUT, encoding="utf-8")
    code, out, _ = cli("check", "a.kl", "-D", "nosuch=1", "--format", "concise")
    assert code == 2
    override = [line for line in out.splitlines() if "nosuch" in line]
    assert override and all(line.startswith("layoutc: error: ") for line in override)
    assert not any(re.match(GCC_MATCHER, line) for line in override)  # no file an editor would open


def test_quiet_drops_the_coverage_line(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.kl").write_text(LAYOUT, encoding="utf-8")
    _, _, err = cli("check", "a.kl", "--format", "concise", "--quiet")
    assert err == ""
