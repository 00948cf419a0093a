"""`layoutc build` / `layoutc emit` as a build system sees them: outputs, no needless rewrites, --check,
depfiles, atomic writes (with injected failures), refusing broken layouts, plug-in emitters."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from emit_support import DEMO, ROOT

from layoutc import files
from layoutc.emit import base

# every artefact `layoutc build` writes: the compiler outputs and the diagram (issue 4: build also draws)
KINDS = {"header": ".h", "ld": ".ld", "json": ".json", "markdown": ".md", "rst": ".rst", "dot": ".dot"}
OLD = 1_000_000_000  # a 2001 mtime: a rewrite could not keep it


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A copy of the shipped layouts, as a user's checkout; the current directory."""
    shutil.copytree(ROOT / "layouts", tmp_path / "layouts")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _stats(directory: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in sorted(directory.iterdir())}


def test_build_writes_every_artefact_equal_to_emit(cli, repo):
    code, _, err = cli("build", "layouts/arm32.kl", "-o", "out/")
    assert code == 0, err
    assert sorted(p.name for p in (repo / "out").iterdir()) == sorted(f"arm32{s}" for s in KINDS.values())
    for kind, suffix in KINDS.items():
        code, out, _ = cli("emit", kind, "layouts/arm32.kl")
        assert code == 0
        assert (repo / "out" / f"arm32{suffix}").read_text(encoding="utf-8") == out


def test_second_build_changes_no_file(cli, repo):
    assert cli("build", "layouts/boards/rpi3.kl", "-o", "out", "--depfile", "out/rpi3.d")[0] == 0
    for path in (repo / "out").iterdir():
        os.utime(path, ns=(OLD * 10**9, OLD * 10**9))
    before = _stats(repo / "out")
    code, _, err = cli("build", "layouts/boards/rpi3.kl", "-o", "out", "--depfile", "out/rpi3.d")
    assert code == 0
    assert _stats(repo / "out") == before
    assert f"0 written, {len(KINDS)} unchanged" in err


def test_a_changed_layout_rewrites_only_what_changed(cli, repo):
    assert cli("build", "layouts/arm32.kl", "-o", "out")[0] == 0
    for path in (repo / "out").iterdir():
        os.utime(path, ns=(OLD * 10**9, OLD * 10**9))
    code, _, _ = cli("build", "layouts/arm32.kl", "-o", "out", "-D", "text_size=8M")
    assert code == 0
    changed = {name for name, (mtime, _) in _stats(repo / "out").items() if mtime != OLD * 10**9}
    assert changed == {f"arm32{s}" for s in KINDS.values()}  # the -D is in every provenance line


def test_check_passes_when_current_and_writes_nothing(cli, repo):
    assert cli("build", "layouts/arm32.kl", "-o", "out")[0] == 0
    before = _stats(repo / "out")
    code, out, _ = cli("build", "layouts/arm32.kl", "-o", "out", "--check")
    assert code == 0 and out == ""
    assert _stats(repo / "out") == before


def test_check_fails_with_a_diff_on_a_stale_header(cli, repo):
    assert cli("build", "layouts/arm32.kl", "-o", "out")[0] == 0
    header = repo / "out" / "arm32.h"
    header.write_text(header.read_text().replace("ARM32_AC(0xc0000000, UL)", "ARM32_AC(0xb0000000, UL)", 1))
    stale = header.read_bytes()
    code, out, err = cli("build", "layouts/arm32.kl", "-o", "out", "--check")
    assert code == 1
    assert "--- out/arm32.h (committed)" in out and "+++ out/arm32.h (generated)" in out
    assert re.search(r"^-#define ARM32_PAGE_OFFSET\s+ARM32_AC\(0xb0000000, UL\)$", out, re.MULTILINE)
    assert re.search(r"^\+#define ARM32_PAGE_OFFSET\s+ARM32_AC\(0xc0000000, UL\)$", out, re.MULTILINE)
    assert f"1 of {len(KINDS)} generated files" in err
    assert header.read_bytes() == stale  # --check never writes


def test_check_reports_missing_files(cli, repo):
    code, out, err = cli("build", "layouts/arm32.kl", "-o", "nowhere", "--check")
    assert code == 1
    assert "--- /dev/null (committed)" in out
    assert f"{len(KINDS)} of {len(KINDS)}" in err
    assert not (repo / "nowhere").exists()


def test_check_catches_an_override_change(cli, repo):
    assert cli("build", "layouts/arm32.kl", "-o", "out", "-D", "vmsplit=2G")[0] == 0
    assert cli("build", "layouts/arm32.kl", "-o", "out", "-D", "vmsplit=2G", "--check")[0] == 0
    assert cli("build", "layouts/arm32.kl", "-o", "out", "--check")[0] == 1


def test_depfile_lists_every_kl_read(cli, repo):
    code, _, _ = cli("build", "layouts/boards/rpi3.kl", "-o", "build dir", "--depfile", "deps/rpi3.d")
    assert code == 0
    lines = (repo / "deps" / "rpi3.d").read_text().splitlines()
    targets, deps = lines[0].split(": ")
    assert re.split(r"(?<!\\) ", targets) == [f"build\\ dir/rpi3{s}" for s in sorted(KINDS.values())]
    assert [os.path.normpath(d) for d in deps.split()] == ["layouts/boards/rpi3.kl", "layouts/arm32.kl"]
    assert [os.path.normpath(line[:-1]) + ":" for line in lines[1:]] == ["layouts/boards/rpi3.kl:", "layouts/arm32.kl:"]
    for target in re.split(r"(?<!\\) ", targets):
        assert (repo / target.replace("\\ ", " ")).exists()


def test_depfile_works_with_make(cli, repo):
    from tools import require_tool

    make = require_tool("make")
    assert cli("build", "layouts/boards/rpi3.kl", "-o", "out", "--depfile", "out/rpi3.d")[0] == 0
    (repo / "Makefile").write_text("all: out/rpi3.h\n\t@true\nout/rpi3.h:\n\t@echo REBUILD\n-include out/rpi3.d\n")
    os.utime(repo / "out" / "rpi3.h", ns=(OLD * 10**9, OLD * 10**9))
    result = __import__("subprocess").run([make, "-s"], cwd=repo, capture_output=True, text=True)
    assert "REBUILD" in result.stdout  # arm32.kl, read through `extends`, is newer than the header


# ------------------------------------------------------------------ refusing to compile


def test_a_layout_with_errors_is_not_compiled(cli, repo):
    (repo / "bad.kl").write_text("space virtual bits 32 {\n    region a [0, 8K)\n    region b [4K, 12K)\n}\n")
    code, out, err = cli("build", "bad.kl", "-o", "out")
    assert code == 1
    assert "error[O401]" in err and "nothing was generated" in err
    assert not (repo / "out").exists()
    code, out, err = cli("emit", "header", "bad.kl")
    assert code == 1 and out == ""


def test_werror_refuses_warnings(cli, repo):
    (repo / "warn.kl").write_text("const UNUSED = 1\nspace virtual bits 32 { region a [0, 4K) }\n")
    assert cli("emit", "header", "warn.kl")[0] == 0
    code, out, err = cli("emit", "header", "warn.kl", "--werror")
    assert code == 1 and out == "" and "W001" in err


def test_name_clash_is_g001_and_nothing_is_written(cli, repo):
    (repo / "clash.kl").write_text("const page_size = 4K\nconst PAGE_SIZE = 4K\n"
                                   "space virtual bits 32 { region r [0, page_size + PAGE_SIZE) }\n")
    code, _, err = cli("build", "clash.kl", "-o", "out")
    assert code == 1
    assert "error[G001]" in err and "CLASH_PAGE_SIZE" in err
    assert "clash.kl:2:1" in err and "clash.kl:1:1" in err  # both declarations are shown
    assert not (repo / "out").exists()


def test_unreadable_layout_is_a_usage_error(cli, repo):
    code, _, err = cli("build", "missing.kl", "-o", "out")
    assert code == 2
    assert "no such file" in err


@pytest.mark.parametrize("kind, option, says", [
    ("dot", "space=nowhere", "dot: no space `nowhere` (spaces: virtual, physical)"),
    ("ld", "placement=maybe", "ld: -O placement=maybe: expected yes or no")])
def test_a_bad_emitter_option_writes_nothing(cli, repo, kind, option, says):
    """Emitters make their text in pieces; the first is taken before anything is written, so an option
    an emitter refuses is a usage error with no output at all: no build file, nothing on stdout."""
    code, out, err = cli("build", "layouts/arm32.kl", "-o", "out", "-O", option)
    assert code == 2 and says in err and "internal error" not in err
    assert not (repo / "out").exists()  # not even the directory it would have made
    code, out, err = cli("emit", kind, "layouts/arm32.kl", "-O", option)
    assert code == 2 and out == "" and says in err


def test_a_build_that_fails_while_writing_leaves_every_old_output(cli, repo, monkeypatch):
    """All or nothing: every artefact goes to a temporary file first; a full disk on the fourth leaves
    the first three old too (they are renamed only once all are made), and no temporary file."""
    assert cli("build", "layouts/arm32.kl", "-o", "out")[0] == 0
    before = {p.name: p.read_bytes() for p in (repo / "out").iterdir()}
    calls = []
    real_fsync = os.fsync

    def full_on_fourth(descriptor):
        calls.append(descriptor)
        if len(calls) == 4:
            raise OSError(28, "No space left on device (injected)")
        return real_fsync(descriptor)

    monkeypatch.setattr("os.fsync", full_on_fourth)
    code, _, err = cli("build", "layouts/arm32.kl", "-o", "out", "-D", "vmsplit=2G")
    monkeypatch.undo()
    assert code == 2 and "No space left on device" in err
    assert len(calls) == 4  # three artefacts were made and written before the failure
    assert {p.name: p.read_bytes() for p in (repo / "out").iterdir()} == before


def test_large_outputs_are_made_in_pieces():
    """What `build` and `emit` write comes from the emitters in pieces of about 64 KiB, never as one
    string: the text of a large layout is never held whole (issue 10; benchmarks/hostile.py measures
    the memory).  2,000 generated regions make 0.24 to 2 MB per artefact."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    from layoutc.emit.commands import _render, default_prefix
    from layoutc.session import load_layout

    result = load_layout("big.kl", text=generate(2000, seed=1).kl.encode())
    assert result.layout is not None and not result.errors
    options = base.EmitOptions(prefix=default_prefix(result.layout.name))
    for name in KINDS:
        runs = [len(run) for run in _render(base.emitters()[name], result.layout, options)]
        assert sum(runs) > 200_000, name
        assert max(runs) < 70_000 and len(runs) > 3, (name, max(runs), len(runs))


def test_output_that_is_a_file_is_a_usage_error(cli, repo):
    (repo / "out").write_text("")
    code, _, err = cli("build", "layouts/arm32.kl", "-o", "out")
    assert code == 2 and "not a directory" in err


# ------------------------------------------------------------------ emit


def test_emit_unknown_kind_suggests(cli, repo):
    code, _, err = cli("emit", "headr", "layouts/arm32.kl")
    assert code == 2
    assert "no emitter `headr`" in err and "header" in err


def test_emit_list(cli):
    code, out, _ = cli("emit", "--list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == sorted(base.emitters())
    assert set(KINDS) <= set(base.emitters())


def test_emit_to_a_file_and_to_stdout(cli, repo):
    code, out, _ = cli("emit", "markdown", "layouts/x86_64.kl", "-o", "map.md")
    assert code == 0 and out == ""
    code, again, _ = cli("emit", "markdown", "layouts/x86_64.kl", "-o", "-")
    assert (repo / "map.md").read_text(encoding="utf-8") == again


# ------------------------------------------------------------------ the writer


def test_writer_skips_identical_content(tmp_path):
    path = tmp_path / "f.h"
    assert files.write_file(path, b"one\n") is True
    os.utime(path, ns=(OLD * 10**9, OLD * 10**9))
    assert files.write_file(path, b"one\n") is False
    assert path.stat().st_mtime_ns == OLD * 10**9
    assert files.write_file(path, b"two\n") is True
    assert path.read_bytes() == b"two\n"


@pytest.mark.parametrize("failing", ["os.replace", "os.fsync", "os.chmod"])
def test_a_write_interrupted_at_any_step_leaves_the_old_file(tmp_path, monkeypatch, failing):
    path = tmp_path / "layout.h"
    path.write_bytes(b"old content\n")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device (injected)")

    monkeypatch.setattr(failing, boom)
    with pytest.raises(files.WriteError, match="injected"):
        files.write_file(path, b"new content\n" * 1000)
    monkeypatch.undo()
    assert path.read_bytes() == b"old content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["layout.h"]  # no temporary file left behind


def test_an_interrupted_build_leaves_the_old_outputs(cli, repo, monkeypatch):
    assert cli("build", "layouts/arm32.kl", "-o", "out")[0] == 0
    before = {p.name: p.read_bytes() for p in (repo / "out").iterdir()}
    calls = []

    def crash_on_second(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the build
        return real_replace(src, dst)

    real_replace = os.replace
    monkeypatch.setattr("os.replace", crash_on_second)
    code, _, _ = cli("build", "layouts/arm32.kl", "-o", "out", "-D", "vmsplit=2G")
    monkeypatch.undo()
    assert code == 130
    after = {p.name: p.read_bytes() for p in (repo / "out").iterdir()}
    assert set(after) == set(before)  # no temporary files
    changed = [name for name in before if after[name] != before[name]]
    assert len(changed) == 1  # the file renamed before the interrupt is complete and new; the rest are old
    assert b"-D vmsplit=2G" in after[changed[0]]


def test_writer_keeps_permissions(tmp_path):
    path = tmp_path / "f.ld"
    path.write_bytes(b"a")
    path.chmod(0o640)
    files.write_file(path, b"b")
    assert path.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "new.ld"
    files.write_file(fresh, b"c")
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask


# ------------------------------------------------------------------ plug-ins


def _doc_plugin() -> base.Emitter:
    """The example of docs/emitters.md, run as written."""
    text = (ROOT / "docs" / "emitters.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(# my_emitters/zephyr.py\n.*?)```", text, re.DOTALL).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/emitters.md", "exec"), namespace)  # noqa: S102 -- the documented example, verbatim
    return namespace["EMITTER"]


@pytest.fixture
def plugin(monkeypatch):
    emitter = _doc_plugin()

    class EntryPoint:
        name = "zephyr"

        def load(self):
            return emitter

    def entry_points(group=None, **_):
        return [EntryPoint()] if group == "layoutc.emitters" else []

    monkeypatch.setattr("importlib.metadata.entry_points", entry_points)
    monkeypatch.setattr(base, "_PLUGINS_LOADED", False)
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))
    return emitter


def test_plugin_emitter_from_the_docs_is_found_and_built(cli, repo, plugin):
    assert "zephyr" in base.emitters()
    code, _, err = cli("build", "layouts/arm32.kl", "-o", "out")
    assert code == 0, err
    conf = (repo / "out" / "arm32.conf").read_text()
    assert "ARM32_VIRTUAL_LOWMEM_ADDR = 0xc0000000" in conf
    code, out, _ = cli("emit", "zephyr", "layouts/arm32.kl")
    assert code == 0 and out == conf


def test_demo_layout_builds(cli, tmp_path):
    code, _, err = cli("build", DEMO, "-o", tmp_path)
    assert code == 0, err
    assert len(list(tmp_path.iterdir())) == len(KINDS)
