"""The pre-commit hooks, run by the real pre-commit against a throwaway git repository.

`pre-commit try-repo` installs layoutc from a snapshot of this working tree (pip, in pre-commit's
own environment) and runs `layoutc-check` on a good and on a bad layout; a user's
.pre-commit-config.yaml (the README's lines) runs `layoutc-build-check` on fresh and on stale
generated files.  try-repo keeps its own temporary store, so each try-repo installs once; the
config runs share one PRE_COMMIT_HOME for the session.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tools import require_tool

from layoutc import __version__

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"

GOOD = "space virtual bits 32 {\n    region low  [0x1000, +4K)\n    region high [0x8000_0000, +1M)\n}\n"
# vmalloc overlaps lowmem (O401 at 3:20)
BAD = """\
space virtual bits 32 {
    region lowmem  [0xC000_0000, 0xF000_0000) { kind = linear }
    region vmalloc [0xEF80_0000, 0xFF80_0000) { kind = vmalloc }
}
"""

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_NOSYSTEM": "1"}


def _git(*argv: str, cwd: Path) -> str:
    env = {**os.environ, **GIT_ENV, "HOME": str(cwd)}
    return subprocess.run(["git", *argv], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout.strip()


def _pre_commit() -> list[str]:
    try:
        import pre_commit  # noqa: F401  (the test extra installs it)
    except ModuleNotFoundError:
        if os.environ.get("LAYOUTC_REQUIRE_TOOLS") == "1":
            pytest.fail("pre-commit is not installed (the `test` extra has it)", pytrace=False)
        pytest.skip("pre-commit is not installed")
    return [sys.executable, "-m", "pre_commit"]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> tuple[Path, str]:
    """This working tree (committed or not) as a one-commit git repository: (path, commit)."""
    require_tool("git")
    target = tmp_path_factory.mktemp("layoutc-repo")
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    _git("init", "-q", cwd=target)
    _git("add", "-A", cwd=target)
    _git("commit", "-q", "-m", "snapshot", cwd=target)
    return target, _git("rev-parse", "HEAD", cwd=target)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A user's repository with a good and a bad layout."""
    (tmp_path / "good.kl").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.kl").write_text(BAD, encoding="utf-8")
    _git("init", "-q", cwd=tmp_path)
    _git("add", "-A", cwd=tmp_path)
    return tmp_path


def _run(argv: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("LAYOUTC_DEBUG", None)
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_manifest_is_valid(home):
    run = _run([*_pre_commit(), "validate-manifest", str(REPO / ".pre-commit-hooks.yaml")], REPO, home)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.slow
@pytest.mark.parametrize("layout, code", [("good.kl", 0), ("bad.kl", 1)])
def test_try_repo_layoutc_check(snapshot, project, home, layout, code):
    repo, rev = snapshot
    run = _run([*_pre_commit(), "try-repo", str(repo), "layoutc-check", "--ref", rev, "--files", layout],
               project, home)
    output = run.stdout + run.stderr
    assert run.returncode == code, output
    if code:
        assert "bad.kl:3:20: error[O401]: regions `lowmem` and `vmalloc` overlap" in output
        assert re.search(r"layoutc check\.+Failed", output)
    else:
        assert re.search(r"layoutc check\.+Passed", output)


def _readme_config() -> str:
    """The .pre-commit-config.yaml lines of the README."""
    text = README.read_text(encoding="utf-8").split("## pre-commit", 1)[1]
    return text.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_readme_names_this_version_and_the_hooks():
    import yaml  # pre-commit's own dependency

    config = yaml.safe_load(_readme_config())
    (entry,) = config["repos"]
    assert entry["rev"] == f"v{__version__}"  # tags are vX.Y.Z, the package version
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {hook["id"] for hook in entry["hooks"]} == {hook["id"] for hook in manifest}


@pytest.mark.slow
def test_build_check_hook_from_the_readme_config(snapshot, project, home):
    """The README's config, pointed at the snapshot, passes on fresh generated files and fails on stale."""
    import yaml

    repo, rev = snapshot
    config = yaml.safe_load(_readme_config())
    config["repos"][0].update(repo=str(repo), rev=rev)
    for hook in config["repos"][0]["hooks"]:
        if hook["id"] == "layoutc-build-check":
            hook["args"] = ["good.kl", "-o", "generated"]
        else:
            hook["exclude"] = "bad.kl"
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    build = _run([sys.executable, "-m", "layoutc", "build", "good.kl", "-o", "generated"], project, home)
    assert build.returncode == 0, build.stderr
    _git("add", "-A", cwd=project)
    run = _run([*_pre_commit(), "run", "--all-files"], project, home)
    assert run.returncode == 0, run.stdout + run.stderr
    (project / "good.kl").write_text(GOOD.replace("+1M", "+2M"), encoding="utf-8")
    _git("add", "-A", cwd=project)
    run = _run([*_pre_commit(), "run", "--all-files"], project, home)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert re.search(r"layoutc build --check\.+Failed", output)
    assert "generated files in generated are stale" in output
