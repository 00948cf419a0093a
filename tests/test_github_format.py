"""`--format github`: workflow-command paths relative to the repository root, as the Actions runner reads them.

The runner attaches `file=` to the checkout in GITHUB_WORKSPACE; outside Actions the root is the
git top level, and outside a repository the current directory.  A run from a subdirectory must
still name files from the root.  Also `layoutc.workspace` on its own.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tools import require_tool

from layoutc.workspace import Workspace, find_workspace, uri_path

# line 3: vmalloc overlaps lowmem (O401)
OVERLAP = """\
space virtual bits 32 {
    region lowmem  [0xC000_0000, 0xF000_0000) { kind = linear }
    region vmalloc [0xEF80_0000, 0xFF80_0000) { kind = vmalloc }
}
"""


def _files(out: str) -> list[str]:
    """The `file=` property of each annotation (the runner unescapes %2C and %3A in properties)."""
    found = []
    for line in out.splitlines():
        head = line[2:].partition("::")[0]
        props = dict(item.split("=", 1) for item in head.partition(" ")[2].split(","))
        if "file" in props:
            found.append(props["file"].replace("%3A", ":").replace("%2C", ",").replace("%25", "%"))
    return found


@pytest.fixture
def tree(tmp_path: Path, monkeypatch) -> Path:
    """repo/boards/b.kl, run from repo/boards; no repository above tmp_path, no Actions workspace."""
    repo = tmp_path / "repo"
    (repo / "boards").mkdir(parents=True)
    (repo / "boards" / "b.kl").write_text(OVERLAP, encoding="utf-8")
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(repo / "boards")
    return repo


def test_paths_are_relative_to_github_workspace(tree, cli, monkeypatch):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tree))
    code, out, _ = cli("check", "b.kl", "--format", "github")
    assert code == 1
    assert _files(out) == ["boards/b.kl"]
    assert out.startswith("::error file=boards/b.kl,line=3,col=20,")


def test_paths_are_relative_to_the_git_top_level_outside_actions(tree, cli):
    git = require_tool("git")
    subprocess.run([git, "init", "-q", str(tree)], check=True)
    code, out, _ = cli("check", "b.kl", "--format", "github")
    assert code == 1 and _files(out) == ["boards/b.kl"]
    code, out, _ = cli("check", str(tree / "boards" / "b.kl"), "--format", "github")  # an absolute name too
    assert _files(out) == ["boards/b.kl"]


def test_outside_a_repository_paths_are_relative_to_the_current_directory(tree, cli, monkeypatch):
    monkeypatch.chdir(tree)
    code, out, _ = cli("check", "boards/b.kl", "--format", "github")
    assert code == 1 and _files(out) == ["boards/b.kl"]


def test_a_file_outside_the_workspace_keeps_an_absolute_path(tree, cli, monkeypatch):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tree / "boards"))
    (tree / "other.kl").write_text(OVERLAP, encoding="utf-8")
    code, out, _ = cli("check", "../other.kl", "--format", "github")
    assert _files(out) == [str((tree / "other.kl").resolve())]


def test_an_override_problem_names_no_file(tree, cli, monkeypatch):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tree))
    code, out, _ = cli("check", "b.kl", "-D", "nosuch=1", "--format", "github")
    assert code == 2
    assert "<-D" not in "".join(_files(out))
    assert any(line.startswith("::error title=N103") for line in out.splitlines()), out


def test_find_workspace_order(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (tmp_path / "a" / "b").mkdir(parents=True)
    cwd = str(tmp_path / "a" / "b")
    assert find_workspace({}, cwd).root == os.path.realpath(cwd)
    assert find_workspace({"GITHUB_WORKSPACE": str(tmp_path)}, cwd).root == os.path.realpath(tmp_path)
    assert find_workspace({"GITHUB_WORKSPACE": ".."}, cwd).root == os.path.realpath(tmp_path / "a")
    git = require_tool("git")
    subprocess.run([git, "init", "-q", str(tmp_path / "a")], check=True)
    assert find_workspace({}, cwd).root == os.path.realpath(tmp_path / "a")
    assert find_workspace({"GITHUB_WORKSPACE": str(tmp_path)}, cwd).root == os.path.realpath(tmp_path)


def test_workspace_relative_and_uri_path(tmp_path):
    workspace = Workspace(os.path.realpath(tmp_path))
    assert workspace.relative(str(tmp_path / "x" / "y.kl")) == "x/y.kl"
    assert workspace.relative(str(tmp_path.parent / "z.kl")) is None
    assert workspace.relative(str(tmp_path) + "-sibling/z.kl") is None  # a common prefix is not inside
    assert workspace.root_uri.endswith("/") and workspace.root_uri.startswith("file:///")
    assert uri_path("a b/c#d/100%/ü") == "a%20b/c%23d/100%25/%C3%BC"
