"""Every file layoutc writes goes through one writer (layoutc/files.py): atomic, umask-respecting.

Each command that writes a file is run for real (in-process, through ``layoutc.cli.main``) under
umask 022 and 077; the file must get ``0o666 & ~umask``, as a file made by ``open()`` or by the
shell's ``>`` would.  A destination that cannot be written is a usage error (exit 2) with a
one-line message, never a traceback or a half-written file.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from layoutc import files
from layoutc.cli import main

ROOT = Path(__file__).resolve().parent.parent
ARM32 = str(ROOT / "layouts" / "arm32.kl")
BANNER = str(ROOT / "tests" / "data" / "banners" / "arm-bbb-4.19-ptrval.txt")


def _build(out: Path) -> tuple[list[str], Path]:
    return ["build", ARM32, "-o", str(out / "gen")], out / "gen" / "arm32.h"


def _emit(out: Path) -> tuple[list[str], Path]:
    return ["emit", "header", ARM32, "-o", str(out / "arm32.h")], out / "arm32.h"


def _render(out: Path) -> tuple[list[str], Path]:
    return ["render", ARM32, "--format", "dot", "-o", str(out / "arm32.dot")], out / "arm32.dot"


def _import(out: Path) -> tuple[list[str], Path]:
    return ["import", BANNER, "-o", str(out / "board.kl")], out / "board.kl"


def _trace(out: Path) -> tuple[list[str], Path]:
    return (["sim", ARM32, "--scenario", "vmalloc-frag", "--steps", "20", "--trace", str(out / "t.jsonl")],
            out / "t.jsonl")


WRITERS = {"build": _build, "emit": _emit, "render": _render, "import": _import, "sim-trace": _trace}


@pytest.fixture
def umask():
    """``umask(value)`` sets the process umask for the test and restores the old one after it."""
    old = os.umask(0o022)
    os.umask(old)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o077], ids=["022", "077"])
@pytest.mark.parametrize("command", WRITERS, ids=list(WRITERS))
def test_every_written_file_gets_the_umask_mode(tmp_path, capsys, umask, command, mask):
    argv, written = WRITERS[command](tmp_path)
    umask(mask)
    code = main(argv)
    umask(0o022)
    capsys.readouterr()
    assert code in (0, 1), f"layoutc {' '.join(argv)} -> {code}"
    assert written.is_file()
    assert stat.S_IMODE(written.stat().st_mode) == 0o666 & ~mask
    leftovers = [p.name for p in written.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


@pytest.mark.parametrize("command", WRITERS, ids=list(WRITERS))
def test_rewriting_keeps_the_existing_files_mode(tmp_path, capsys, command):
    argv, written = WRITERS[command](tmp_path)
    written.parent.mkdir(parents=True, exist_ok=True)
    written.write_bytes(b"stale\n")
    written.chmod(0o640)
    assert main(argv) in (0, 1)
    capsys.readouterr()
    assert written.read_bytes() != b"stale\n"
    assert stat.S_IMODE(written.stat().st_mode) == 0o640


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
@pytest.mark.parametrize("command", WRITERS, ids=list(WRITERS))
def test_an_unwritable_destination_is_a_usage_error(tmp_path, capsys, command):
    argv, written = WRITERS[command](tmp_path)
    written.parent.mkdir(parents=True, exist_ok=True)
    written.parent.chmod(0o500)
    try:
        code = main(argv)
    finally:
        written.parent.chmod(0o700)
    err = capsys.readouterr().err
    assert code == 2
    assert f"cannot write `{written}`" in err
    assert "Traceback" not in err and "internal error" not in err
    assert not written.exists()


@pytest.mark.parametrize("command", WRITERS, ids=list(WRITERS))
def test_permission_denied_is_a_usage_error_even_as_root(tmp_path, capsys, monkeypatch, command):
    """What a read-only directory gives a normal user (EACCES from creating the temporary file),
    injected so that the test also runs as root, which CI is."""
    import tempfile

    argv, written = WRITERS[command](tmp_path)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    code = main(argv)
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"cannot write `{written.parent}{os.sep}" in err and err.rstrip().endswith(": Permission denied")
    assert "Traceback" not in err and "internal error" not in err
    assert not written.exists()  # (build stops at its first output: none is half-made)


@pytest.mark.parametrize("command", WRITERS, ids=list(WRITERS))
def test_a_directory_in_the_way_is_a_usage_error(tmp_path, capsys, command):
    argv, written = WRITERS[command](tmp_path)
    written.mkdir(parents=True)
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert str(written) in err and "directory" in err
    assert "Traceback" not in err and "internal error" not in err
    assert written.is_dir() and not any(written.iterdir())


@pytest.mark.parametrize("command", WRITERS, ids=list(WRITERS))
def test_a_file_where_the_directory_should_be_is_a_usage_error(tmp_path, capsys, command):
    """Unwritable even for root: the destination's directory is a regular file."""
    argv, written = WRITERS[command](tmp_path / "blocker")
    (tmp_path / "blocker").write_bytes(b"not a directory\n")
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "cannot write" in err and "blocker" in err
    assert "Traceback" not in err and "internal error" not in err
    assert (tmp_path / "blocker").read_bytes() == b"not a directory\n"


@pytest.mark.parametrize("command", WRITERS, ids=list(WRITERS))
def test_a_link_is_followed_and_stays_a_link(tmp_path, capsys, command):
    argv, written = WRITERS[command](tmp_path)
    written.parent.mkdir(parents=True, exist_ok=True)
    real = tmp_path / "real"
    real.write_bytes(b"old\n")
    written.symlink_to(real)
    assert main(argv) == 0, capsys.readouterr().err
    assert written.is_symlink() and os.readlink(written) == str(real)
    assert real.read_bytes() != b"old\n" and stat.S_ISREG(real.lstat().st_mode)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", WRITERS, ids=list(WRITERS))
def test_a_device_is_written_into_never_replaced(tmp_path, capsys, command):
    """`-o` naming a device (here through a link to /dev/full) writes into it: the replaced link, or, as
    root, a replaced /dev/null, was what the old writer did."""
    argv, written = WRITERS[command](tmp_path)
    written.parent.mkdir(parents=True, exist_ok=True)
    written.symlink_to("/dev/full")
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and "No space left on device" in err, err
    assert written.is_symlink() and stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert [p.name for p in written.parent.iterdir()] == [written.name]  # nothing else made, no temporary


@pytest.mark.parametrize("command", WRITERS, ids=list(WRITERS))
def test_a_fifo_no_process_reads_is_refused_not_waited_on(tmp_path, capsys, command):
    argv, written = WRITERS[command](tmp_path)
    written.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(written)
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and "FIFO no process reads" in err, err
    assert stat.S_ISFIFO(written.lstat().st_mode)


def test_a_fifo_being_read_gets_the_output(tmp_path, capsys):
    import threading

    argv, written = _emit(tmp_path)
    os.mkfifo(written)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(written.read_bytes()))
    reader.start()
    import time

    for _ in range(100):  # until the reader has the FIFO open
        if main(argv) == 0:
            break
        time.sleep(0.05)
    reader.join(timeout=10)
    assert got and got[0].startswith(b"/*") and b"#define" in got[0]
    assert stat.S_ISFIFO(written.lstat().st_mode)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, capsys, monkeypatch):
    """A full disk in the middle of `emit -o`: exit 2, the old file intact, nothing left beside it."""
    argv, written = _emit(tmp_path)
    written.write_bytes(b"old header\n")
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", full_disk)
    code = main(argv)
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == 2
    assert f"cannot write `{written}`: No space left on device" in err
    assert written.read_bytes() == b"old header\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arm32.h"]


def test_text_is_written_as_utf8_and_unchanged_content_is_not_rewritten(tmp_path):
    path = tmp_path / "t.kl"
    assert files.write_file(path, "title = \"Ünïcode\"\n") is True
    assert path.read_bytes() == "title = \"Ünïcode\"\n".encode("utf-8")
    os.utime(path, ns=(10**9, 10**9))
    assert files.write_file(path, "title = \"Ünïcode\"\n".encode("utf-8")) is False
    assert path.stat().st_mtime_ns == 10**9


# Modules that write only scratch files into a temporary directory of their own (never a user's path).
SCRATCH_WRITERS = {
    "layoutc/verify/qemu.py": "the QEMU guest's build inputs and loader images, in its own tempfile.TemporaryDirectory()",
}
_WRITES = re.compile(r"os\.replace\(|os\.rename\(|mkstemp\(|NamedTemporaryFile\(|\.write_text\(|\.write_bytes\("
                     r"|\b(?:fd)?open\([^)]*[\"'][wax]b?\+?[\"']")


def test_no_command_writes_files_on_its_own():
    """One writer: no other module of the package opens a file for writing or renames one into place."""
    offenders = []
    for module in sorted((ROOT / "layoutc").rglob("*.py")):
        name = str(module.relative_to(ROOT))
        if name == "layoutc/files.py" or name in SCRATCH_WRITERS:
            continue
        for number, line in enumerate(module.read_text(encoding="utf-8").splitlines(), 1):
            if _WRITES.search(line) and "os.devnull" not in line:  # the null device is no file written
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == []


def test_staged_files_are_renamed_together_or_not_at_all(tmp_path):
    """``Staged``: nothing is in place before ``commit``; leaving without it removes every temporary file."""
    one, two = tmp_path / "one.h", tmp_path / "two.h"
    one.write_bytes(b"old one\n")
    with pytest.raises(RuntimeError):
        with files.Staged() as staged:
            assert staged.add(one, [b"new ", b"one\n"]) is True
            assert staged.add(two, "new two\n") is True
            assert one.read_bytes() == b"old one\n" and not two.exists()
            raise RuntimeError("an emitter failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.h"] and one.read_bytes() == b"old one\n"
    with files.Staged() as staged:
        assert staged.add(one, iter([b"old ", b"one\n"])) is False  # the same bytes: nothing to rename
        assert staged.add(two, b"new two\n") is True
        assert staged.commit() == 1
    assert one.read_bytes() == b"old one\n" and two.read_bytes() == b"new two\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.h", "two.h"]


def test_stale_compares_pieces_with_the_file(tmp_path):
    path = tmp_path / "f.json"
    assert files.stale(path, [b"{}\n"]) == b"{}\n"  # missing
    path.write_bytes(b"{}\n")
    assert files.stale(path, [b"{", b"}\n"]) is None
    assert files.stale(path, [b"{", b"}"]) == b"{}"  # shorter
    assert files.stale(path, [b"[]\n"]) == b"[]\n"  # same size, other bytes
    assert files.stale(tmp_path, [b""]) == b""  # a directory holds no bytes
    with pytest.raises(files.WriteError, match="Not a directory"):
        files.stale(path / "x.h", [b""])  # build --check -o FILE: an internal error before


def test_in_runs_joins_pieces_into_encoded_runs():
    runs = list(files.in_runs(["ü"] * 10, size=4))
    assert runs == ["üüüü".encode()] * 2 + ["üü".encode()]
    assert list(files.in_runs([])) == []


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="needs /dev/stdout")
def test_dash_o_dev_stdout_writes_into_the_pipe():
    """/dev/stdout is a link to /proc/self/fd/1, then to a pipe: it is opened through its links."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "layoutc", "emit", "header", ARM32, "-o", "/dev/stdout"],
                          capture_output=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr.decode()[-500:]
    assert done.stdout.startswith(b"/*") and b"#define" in done.stdout


def test_a_failed_output_removes_the_directories_it_made_and_only_those(tmp_path):
    """A full disk under `render --matrix -o DIR/` or `sim --export-tables DIR` left an empty tree behind."""
    (tmp_path / "there").mkdir()
    with pytest.raises(files.WriteError):
        with files.output_directory(tmp_path / "there" / "new" / "deeper"):
            assert (tmp_path / "there" / "new" / "deeper").is_dir()
            raise files.WriteError(tmp_path / "there" / "new" / "deeper" / "x", "No space left on device")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["there"] and not any((tmp_path / "there").iterdir())
    with files.output_directory(tmp_path / "kept"):
        (tmp_path / "kept" / "x").write_bytes(b"")
    assert (tmp_path / "kept" / "x").exists()


def test_a_build_that_cannot_write_leaves_no_new_directory(tmp_path, capsys, monkeypatch):
    real = files.Staged.add

    def full(self, path, data):
        real(self, path, data)
        raise files.WriteError(path, "No space left on device")

    monkeypatch.setattr(files.Staged, "add", full)
    code = main(["build", ARM32, "-o", str(tmp_path / "out" / "gen")])
    assert code == 2 and "No space left" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
