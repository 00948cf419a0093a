"""The wheel is what users get: build it, install it into a fresh venv (no system site-packages),
and run the installed `layoutc` from a directory outside the repository.

This catches what in-repo tests cannot: a grammar or schema left out of the wheel, a missing
dependency in pyproject.toml, code that finds files through the repository layout.

Dependencies (and the build backend) come from the package registry or the local pip cache.
When the registry cannot be reached the test skips, unless LAYOUTC_REQUIRE_TOOLS=1 (CI), where it
fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    """This environment minus anything that would let the venv see the repository or another venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "LAYOUTC_DEBUG")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(argv: list[str | Path], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def _registry_unreachable(python: Path, scratch: Path) -> bool:
    probe = _run([python, "-m", "pip", "download", "--no-deps", "--dest", scratch / "probe", "graphviz"], scratch,
                 timeout=180)
    return probe.returncode != 0


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("LAYOUTC_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{reason} (LAYOUTC_REQUIRE_TOOLS=1)", pytrace=False)
    pytest.skip(reason)


def _bin(venv: Path, name: str) -> Path:
    folder = venv / ("Scripts" if os.name == "nt" else "bin")
    return folder / (name + (".exe" if os.name == "nt" else ""))


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(wheel, venv) with the wheel installed."""
    scratch = tmp_path_factory.mktemp("wheel")
    dist = scratch / "dist"
    build = _run([sys.executable, "-m", "build", "--wheel", "--outdir", dist, REPO], scratch)
    if build.returncode != 0:
        if "No module named build" in build.stderr:
            _skip_or_fail("the `build` package is not installed (pip install build)")
        if _registry_unreachable(Path(sys.executable), scratch):
            _skip_or_fail("cannot build the wheel: the package registry is unreachable for the build backend")
        pytest.fail(f"python -m build failed:\n{build.stdout[-3000:]}\n{build.stderr[-3000:]}", pytrace=False)
    (wheel,) = dist.glob("layoutc-*.whl")

    venv = scratch / "venv"
    made = _run([sys.executable, "-m", "venv", venv], scratch)
    assert made.returncode == 0, made.stderr
    config = (venv / "pyvenv.cfg").read_text(encoding="utf-8")
    assert "include-system-site-packages = false" in config
    python = _bin(venv, "python")
    install = _run([python, "-m", "pip", "install", wheel], scratch)
    if install.returncode != 0:
        if _registry_unreachable(python, scratch):
            _skip_or_fail("cannot install the wheel's dependencies: the package registry is unreachable")
        pytest.fail(f"pip install failed:\n{install.stdout[-3000:]}\n{install.stderr[-3000:]}", pytrace=False)
    return wheel, venv


def test_wheel_ships_the_grammar_and_schemas(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "layoutc/grammars/kl.lark" in names
    assert "layoutc/schemas/diagnostics.schema.json" in names
    assert "layoutc/schemas/tables.schema.json" in names
    # `layoutc verify --qemu` builds its probe guests from these sources: they must ship
    assert {"layoutc/verify/guest/guest.h", "layoutc/verify/guest/arm_probe.h", "layoutc/verify/guest/arm64/start.S",
            "layoutc/verify/guest/arm/probe.c", "layoutc/verify/guest/x86_64/bios.S", "layoutc/verify/guest/x86_64/bios.ld",
            "layoutc/verify/guest/riscv64/start.S", "layoutc/verify/guest/x86_32/bios.S",
            "layoutc/verify/guest/x86_32/bios.ld", "layoutc/verify/guest/x86_32/probe.c"} <= names
    assert "layoutc/cli.py" in names
    assert "layoutc/py.typed" in names  # PEP 561: type checkers read the package's own annotations
    assert not any("__pycache__" in name or name.startswith("tests/") for name in names)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "layoutc = layoutc.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_layoutc_checks_a_shipped_layout(installed, tmp_path):
    _, venv = installed
    work = tmp_path / "elsewhere"
    shutil.copytree(REPO / "layouts", work / "layouts")
    run = _run([_bin(venv, "layoutc"), "check", "layouts/arm32.kl"], work, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    last = run.stdout.rstrip("\n").splitlines()[-1]
    assert last.startswith("checked 1 file, ") and " 0 errors" in last
    assert "region" in last and "rule" in last


def test_installed_layoutc_runs_from_the_venv_not_the_repo(installed, tmp_path):
    _, venv = installed
    run = _run([_bin(venv, "python"), "-c",
                "import layoutc, jsonschema, graphviz; print(layoutc.__file__)"], tmp_path)
    assert run.returncode == 0, run.stderr
    location = Path(run.stdout.strip()).resolve()
    assert venv.resolve() in location.parents
    assert REPO not in location.parents


def test_installed_json_output_matches_the_installed_schema(installed, tmp_path):
    _, venv = installed
    (tmp_path / "overlap.kl").write_text(
        "space virtual bits 32 {\n    region a [0x1000, +8K)\n    region b [0x2000, +4K)\n}\n", encoding="utf-8")
    run = _run([_bin(venv, "layoutc"), "check", "overlap.kl", "--format", "json"], tmp_path)
    assert run.returncode == 1, run.stderr
    (tmp_path / "out.json").write_text(run.stdout, encoding="utf-8")
    script = (
        "import json, sys, jsonschema\n"
        "from importlib import resources\n"
        "schema = json.loads(resources.files('layoutc').joinpath('schemas/diagnostics.schema.json').read_text())\n"
        "data = json.load(open('out.json'))\n"
        "jsonschema.Draft202012Validator(schema).validate(data)\n"
        "print(data['diagnostics'][0]['code'])\n"
    )
    validate = _run([_bin(venv, "python"), "-c", script], tmp_path)
    assert validate.returncode == 0, validate.stderr
    assert validate.stdout.strip() == "O401"
    assert json.loads(run.stdout)["summary"]["regions"] == 2


def test_a_script_using_the_installed_package_is_type_checked_with_its_types(installed, tmp_path):
    """mypy (the test extra's) on a user's script, resolving `layoutc` in the wheel's venv: the
    py.typed marker makes it read our annotations, so the script sees real types, not Any."""
    _, venv = installed
    script = tmp_path / "script.py"
    script.write_text(
        "import layoutc\n"
        "result = layoutc.load('layouts/arm32.kl', {'vmsplit': '2G'})\n"
        "reveal_type(result)\n"
        "assert result.layout is not None\n"
        "reveal_type(result.layout.region('virtual', 'lowmem').start)\n"
        "reveal_type(layoutc.check('x.kl'))\n"
        "wrong: str = result.layout.bits\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "mypy", "--python-executable", str(_bin(venv, "python")),
                          "--no-incremental", "--cache-dir", os.devnull, "--config-file", os.devnull, str(script)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    out = run.stdout
    assert 'Revealed type is "layoutc.session.Result"' in out, out
    assert 'Revealed type is "int | None"' in out, out
    assert 'Revealed type is "list[layoutc.diagnostics.Diagnostic]"' in out, out
    assert 'script.py:7: error: Incompatible types in assignment (expression has type "int"' in out, out
    assert "missing library stubs or py.typed marker" not in out


# ---------------------------------------------------------------- declared lower bounds


def _lower_bounds() -> list[str]:
    """`name==X` (marker kept) for every `name>=X` among [project] dependencies; each must have one."""
    import re

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = []
    for requirement in project["dependencies"]:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*>=\s*([^,;\s]+)\s*(;.*)?", requirement)
        assert match, f"dependency {requirement!r} must declare its lower bound as `name>=X` (and nothing else)"
        name, version, marker = match.groups()
        pins.append(f"{name}=={version}{marker or ''}")
    return pins


@pytest.fixture(scope="module")
def lowest(installed, tmp_path_factory) -> Path:
    """A fresh venv with the wheel and every dependency at exactly its declared lower bound (from PyPI)."""
    wheel, _ = installed
    scratch = tmp_path_factory.mktemp("lowest")
    constraints = scratch / "lower-bounds.txt"
    constraints.write_text("\n".join(_lower_bounds()) + "\n", encoding="utf-8")
    venv = scratch / "venv"
    made = _run([sys.executable, "-m", "venv", venv], scratch)
    assert made.returncode == 0, made.stderr
    python = _bin(venv, "python")
    install = _run([python, "-m", "pip", "install", "--constraint", constraints, wheel], scratch)
    if install.returncode != 0:
        if _registry_unreachable(python, scratch):
            _skip_or_fail("cannot install the lower bounds: the package registry is unreachable")
        pytest.fail(f"the declared lower bounds do not install together:\n{install.stdout[-3000:]}\n"
                    f"{install.stderr[-3000:]}", pytrace=False)
    return venv


def test_lower_bounds_are_what_got_installed(lowest, tmp_path):
    pins = [pin.split(";")[0] for pin in _lower_bounds()]
    script = ("import sys\nfrom importlib.metadata import version, PackageNotFoundError\n"
              "for pin in sys.argv[1:]:\n"
              "    name, wanted = pin.split('==')\n"
              "    try:\n        print(name, version(name), wanted)\n"
              "    except PackageNotFoundError:\n        print(name, '-', wanted)\n")
    run = _run([_bin(lowest, "python"), "-c", script, *pins], tmp_path)
    assert run.returncode == 0, run.stderr
    rows = [line.split() for line in run.stdout.splitlines()]

    def release(version: str) -> tuple[int, ...]:  # 4.18 and 4.18.0 are the same release
        parts = [int(part) for part in version.split(".")]
        while parts and parts[-1] == 0:
            parts.pop()
        return tuple(parts)

    assert rows and all(have == "-" or release(have) == release(wanted) for _, have, wanted in rows), rows
    assert any(have != "-" for _, have, _ in rows)  # "-": the marker excludes it on this Python


def test_every_shipped_layout_checks_clean_with_the_lower_bounds(lowest, tmp_path):
    """Every command a dependency serves, at its lower bound: config (tomllib/tomli), JSON output validated by
    jsonschema, the DOT drawing (graphviz), a simulator scenario (jsonschema), every shipped layout."""
    work = tmp_path / "project"
    shutil.copytree(REPO / "layouts", work / "layouts")
    (work / "pyproject.toml").write_text('[tool.layoutc]\nignore = ["B301"]\n', encoding="utf-8")
    layouts = sorted(str(p.relative_to(work)) for p in (work / "layouts").rglob("*.kl"))
    assert len(layouts) >= 5
    layoutc = _bin(lowest, "layoutc")
    check = _run([layoutc, "check", *layouts], work, timeout=300)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
    assert f"checked {len(layouts)} files" in check.stdout and " 0 errors" in check.stdout, check.stdout[-2000:]

    findings = _run([layoutc, "check", "--format", "json", "layouts/arm32.kl"], work)
    assert findings.returncode == 0, findings.stderr
    (work / "out.json").write_text(findings.stdout, encoding="utf-8")
    validate = _run([_bin(lowest, "python"), "-c",
                     "import json, jsonschema\nfrom importlib import resources\n"
                     "schema = json.loads(resources.files('layoutc').joinpath('schemas/diagnostics.schema.json')"
                     ".read_text())\n"
                     "jsonschema.Draft202012Validator(schema).validate(json.load(open('out.json')))\n"], work)
    assert validate.returncode == 0, validate.stderr

    drawn = _run([layoutc, "render", "layouts/arm32.kl", "-o", "arm32.dot"], work)
    assert drawn.returncode == 0, drawn.stderr
    assert (work / "arm32.dot").read_text(encoding="utf-8").startswith("digraph")

    simulated = _run([layoutc, "sim", "layouts/arm32.kl", "-D", "ram=2G", "--scenario", "highmem-pressure"], work)
    assert simulated.returncode in (0, 1), simulated.stdout[-2000:] + simulated.stderr[-2000:]
    assert "internal error" not in simulated.stderr and simulated.stdout.strip()
