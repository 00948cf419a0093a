"""A file name longer than the file system allows (ENAMETOOLONG) is a usage problem, never an internal error.

pathlib's ``is_dir()``/``is_file()`` raise on such a name (they only swallow "does not exist"); the
fuzzer's seeded sample found `render -o` crashing on one, and `check` did in the per-file configuration
lookup.  Every command that takes a path gets one here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARM32 = str(ROOT / "layouts" / "arm32.kl")
LONG = "n" * 300  # NAME_MAX is 255 on Linux file systems


@pytest.mark.parametrize("argv", [
    ["check", f"{LONG}.kl"],
    ["show", f"{LONG}.kl"],
    ["render", ARM32, "-o", f"{LONG}.svg"],
    ["render", ARM32, "-o", f"{LONG}.dot"],
    ["emit", "header", ARM32, "-o", f"{LONG}.h"],
    ["build", ARM32, "-o", LONG],
    ["check", ARM32, "--config", f"{LONG}.toml"],
], ids=lambda argv: "-".join(a for a in argv if LONG not in a and a != ARM32))
def test_a_name_too_long_is_exit_2(cli, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(*argv)
    assert code == 2, (out, err)
    assert "internal error" not in out + err
    assert "too long" in (out + err).lower() or "no such" in (out + err).lower()
