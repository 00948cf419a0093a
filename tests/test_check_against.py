"""`layoutc check FILE --against BOOTLOG`: the board bring-up CI gate."""

from __future__ import annotations

import json

from layoutc.cli import main

BOARD = "layouts/boards/beaglebone-black.kl"
LOG = "tests/data/banners/arm-bbb-4.14-continuation.txt"  # a real BeagleBone boot log (source in its header)


def test_matching_boot_log_is_clean(capsys):
    assert main(["check", BOARD, "-D", "kernel=4.14", "--against", LOG]) == 0


def test_wrong_ram_size_is_caught_line_by_line(capsys):
    code = main(["check", BOARD, "-D", "kernel=4.14", "-D", "ram=0x80000000:512M", "--against", LOG,
                 "--format", "json"])
    assert code == 1
    found = json.loads(capsys.readouterr().out)["diagnostics"]
    assert {(d["code"], d["file"]) for d in found} == {("F101", LOG)}
    lines = {d["line"] for d in found}
    assert len(lines) == 2  # the vmalloc and lowmem lines, each at its own line of the log


def test_unreadable_boot_log_is_a_usage_error(capsys, tmp_path):
    assert main(["check", BOARD, "--against", str(tmp_path / "missing.txt")]) == 2
    assert "cannot read boot log" in capsys.readouterr().err


def test_against_with_matrix_is_a_usage_error(capsys):
    assert main(["check", BOARD, "--matrix", "--against", LOG]) == 2
    assert "drop --matrix" in capsys.readouterr().err
