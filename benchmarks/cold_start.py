"""Cold start: `layoutc check layouts/arm32.kl` as a new process, versus `python3 -c pass`.

Each figure is the median wall time of ``--runs`` fresh processes, the two
commands taking turns (after one unmeasured warm-up each, which also fills
Lark's grammar cache as any second run would find it).  Target: layoutc at most 6x bare Python.  Then
``python3 -X importtime`` over the same command lists the modules that cost
the most to import, and flags heavy ones (jsonschema, graphviz, ...) that
should not be on the `check` path at all.

The command is the `layoutc` console script when one on PATH imports this
tree's package, else the same thing the script does:
``python3 -c "import sys; from layoutc.cli import main; sys.exit(main())"``.

    python3 benchmarks/cold_start.py [--runs 15] [--layout layouts/arm32.kl]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, median, ms, table, verdict

TARGET_RATIO = 6.0
ENTRY = "import sys; from layoutc.cli import main; sys.exit(main())"
# Modules a `check` has no use for; any of these on the import path is a finding.
HEAVY = ("jsonschema", "referencing", "rpds", "graphviz", "systemrdl", "hypothesis", "numpy", "pydoc",
         "email", "http", "xml", "json", "asyncio", "subprocess", "concurrent", "importlib.metadata",
         "tomllib", "tomli", "sqlite3", "ssl", "unittest", "pkgutil", "regex", "lark.tools", "argcomplete")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users' installs have .pyc files; measure with them
    env["NO_COLOR"] = "1"
    return env


def layoutc_command() -> tuple[list[str], str]:
    """The command to time, and how it was chosen."""
    script = shutil.which("layoutc")
    if script:
        probe = subprocess.run([script, "--version"], check=False, capture_output=True, text=True, env=_env(), cwd=ROOT)
        where = subprocess.run([sys.executable, "-c", "import layoutc; print(layoutc.__file__)"],
                               check=False, capture_output=True, text=True, env=_env(), cwd=ROOT).stdout.strip()
        if probe.returncode == 0 and where.startswith(str(ROOT)):
            return [script], f"console script {script}"
    return [sys.executable, "-c", ENTRY], "python3 -c '<console-script entry>' (no `layoutc` script on PATH)"


def pick_layout(requested: str | None, scratch: Path) -> tuple[Path, str]:
    if requested:
        return Path(requested), requested
    shipped = ROOT / "layouts" / "arm32.kl"
    if shipped.is_file():
        return shipped.relative_to(ROOT), "layouts/arm32.kl"
    from generate import generate

    path = scratch / "small.kl"
    path.write_text(generate(25).kl, encoding="utf-8")
    return path, f"{path} (FALLBACK: layouts/arm32.kl does not exist; a generated 25-region layout)"


def wall_times(commands: list[list[str]], runs: int) -> tuple[list[list[float]], list[int]]:
    """Wall times of ``runs`` fresh processes of each command, interleaved so load from other jobs hits all alike."""
    env = _env()
    for argv in commands:  # warm-up: .pyc files, Lark's grammar cache
        subprocess.run(argv, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    times: list[list[float]] = [[] for _ in commands]
    codes = [0] * len(commands)
    for _ in range(runs):
        for i, argv in enumerate(commands):
            start = time.perf_counter()
            proc = subprocess.run(argv, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
            times[i].append(time.perf_counter() - start)
            codes[i] = proc.returncode
    return times, codes


def import_profile(argv: list[str]) -> list[tuple[int, int, int, str]]:
    """(self us, cumulative us, depth, module) for every import of one run, from ``-X importtime``.

    Lines come in the order imports finish: a module's own imports are listed
    just before it, one level deeper.
    """
    if argv[0] != sys.executable:  # the console script: run its entry under the same interpreter
        argv = [sys.executable, "-c", ENTRY, *argv[1:]]
    proc = subprocess.run([sys.executable, "-X", "importtime", *argv[1:]], check=False, capture_output=True, text=True,
                          env=_env(), cwd=ROOT)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        parts = line[len("import time:"):].split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        field = parts[2][1:]  # one space, then two per nesting level
        depth = (len(field) - len(field.lstrip())) // 2
        rows.append((int(parts[0]), int(parts[1]), depth, field.strip()))
    return rows


def importer_chain(rows: list[tuple[int, int, int, str]], index: int) -> list[str]:
    """Who imported ``rows[index]``: the next line one level up, and so on to the top."""
    chain = []
    depth = rows[index][2]
    for _, _, d, name in rows[index + 1:]:
        if d < depth:
            chain.append(name)
            depth = d
            if d == 0:
                break
    return chain


def run(runs: int = 15, layout: str | None = None, top: int = 15) -> dict:
    with tempfile.TemporaryDirectory(prefix="layoutc-cold-") as tmp:
        path, described = pick_layout(layout, Path(tmp))
        command, how = layoutc_command()
        check = [*command, "check", str(path)]
        (python, layoutc), (_, code) = wall_times([[sys.executable, "-c", "pass"], check], runs)
        imports = import_profile(check)
        baseline = {name for _, _, _, name in import_profile([sys.executable, "-c", "pass"])}
    return {"layout": described, "command": how, "runs": runs, "python": python, "layoutc": layoutc,
            "exit": code, "imports": imports, "baseline": baseline, "top": top}


def report(results: dict) -> None:
    py, lc = median(results["python"]), median(results["layoutc"])
    ratio = lc / py
    print(f"cold start ({results['runs']} runs each, interleaved, median; warm-up run not counted)")
    print(f"  layout:  {results['layout']}")
    print(f"  command: {results['command']}")
    print(table([
        ["python3 -c pass", ms(py), ms(min(results["python"])), ms(max(results["python"]))],
        ["layoutc check", ms(lc), ms(min(results["layoutc"])), ms(max(results["layoutc"]))],
    ], ["", "median", "min", "max"]))
    print(f"  ratio layoutc / python: {ratio:.2f}x (target <= {TARGET_RATIO:.0f}x) -> {verdict(ratio <= TARGET_RATIO)}")
    if results["exit"] not in (0, 1):
        print(f"  WARNING: layoutc exited {results['exit']} (usage or internal error): the timing is not a real check")

    imports = results["imports"]
    if not imports:
        print("  (no -X importtime output)")
        return
    baseline = results["baseline"]
    added = [(i, row) for i, row in enumerate(imports) if row[3] not in baseline]
    total = sum(row[0] for _, row in added)
    print(f"\nimports a check adds to bare python: {len(added)} modules, {total / 1000:.1f} ms "
          f"(self times summed; -X importtime inflates them; {len(baseline)} modules python imports anyway)")
    top = results["top"]
    rows = [[name, f"{cumulative / 1000:.1f} ms"]
            for _, (_, cumulative, depth, name) in sorted(added, key=lambda e: -e[1][1]) if depth == 0][:top]
    print("imported at top level, by cumulative time:")
    print(table(rows, ["module", "cumulative"]))
    rows = [[name, f"{own / 1000:.1f} ms", f"{cumulative / 1000:.1f} ms", " <- ".join(importer_chain(imports, i)[:2])]
            for i, (own, cumulative, _, name) in sorted(added, key=lambda e: -e[1][0])[:top]]
    print(f"\ntop {top} modules by own import time:")
    print(table(rows, ["module", "self", "cumulative", "imported by"]))
    heavy = [(i, row) for i, row in added if row[3] in HEAVY]
    if heavy:
        print("\nwatched modules on the check path (not needed to check a layout?):")
        for i, (own, cumulative, _, name) in heavy:
            chain = " <- ".join(importer_chain(imports, i)) or "(top level: a function-level import)"
            print(f"  {name}: {cumulative / 1000:.1f} ms cumulative, imported by {chain}")
    watched = ", ".join(h for h in HEAVY if h not in {row[3] for _, row in heavy})
    print(f"not imported (watched): {watched}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--layout", help="layout to check (default layouts/arm32.kl)")
    parser.add_argument("--top", type=int, default=15, help="rows in the import tables")
    args = parser.parse_args(argv)
    report(run(args.runs, args.layout, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
