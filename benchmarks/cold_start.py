"""Cold start: `layoutc check layouts/arm32.kl` as a new process, versus `python -c pass`, in a CLEAN venv.

The baseline is what users have: the benchmark makes a fresh venv (no system
site-packages, no .pth files of a developer's environment), installs this
tree into it as a user would (``pip install .``, not editable; dependencies
from PyPI) and times that venv's ``python -c pass`` and its ``layoutc`` console
script.  Each figure is the median of ``--runs`` fresh processes, the two
commands taking turns (after one unmeasured warm-up each); CPU time (user +
system) is shown beside wall time because it moves less when the machine is
shared.  Target: layoutc at most 6x bare Python (stretch 4x).  Then
``python -X importtime`` over the same command lists the modules that cost
the most to import, and flags heavy ones (jsonschema, graphviz, ...) that
should not be on the `check` path at all.

    python benchmarks/cold_start.py [--runs 15] [--layout layouts/arm32.kl] [--venv DIR]

``--venv DIR`` reuses a venv made earlier (it must have layoutc installed);
without it one is made in a temporary directory (about 20 s).  Run it under
``nice`` on a shared machine and compare figures from the same session.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, clean_env, fresh_venv, median, ms, runs_of, table, venv_bin, verdict

TARGET_RATIO = 6.0
STRETCH_RATIO = 4.0
ENTRY = "import sys; from layoutc.cli import main; sys.exit(main())"
# Modules a `check` has no use for; any of these on the import path is a finding.
HEAVY = ("jsonschema", "referencing", "rpds", "graphviz", "systemrdl", "hypothesis", "numpy", "pydoc",
         "email", "http", "xml", "json", "asyncio", "subprocess", "concurrent", "importlib.metadata",
         "tomllib", "tomli", "sqlite3", "ssl", "unittest", "pkgutil", "regex", "lark", "argcomplete")


def pick_layout(requested: str | None, scratch: Path) -> tuple[Path, str]:
    if requested:
        return Path(requested).resolve(), requested
    shipped = ROOT / "layouts" / "arm32.kl"
    if shipped.is_file():
        return shipped, "layouts/arm32.kl"
    from generate import generate

    path = scratch / "small.kl"
    path.write_text(generate(25).kl, encoding="utf-8")
    return path, f"{path} (FALLBACK: layouts/arm32.kl does not exist; a generated 25-region layout)"


def import_profile(python: Path, args: list[str]) -> list[tuple[int, int, int, str]]:
    """(self us, cumulative us, depth, module) for every import of one run of ``python -X importtime ARGS``.

    Lines come in the order imports finish: a module's own imports are listed
    just before it, one level deeper.
    """
    proc = subprocess.run([str(python), "-X", "importtime", *args], check=False, capture_output=True, text=True,
                          env=clean_env(), cwd=ROOT)
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


def run(runs: int = 15, layout: str | None = None, top: int = 15, venv: str | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="layoutc-cold-") as tmp:
        path, described = pick_layout(layout, Path(tmp))
        where = Path(venv) if venv else fresh_venv(Path(tmp))
        python, script = venv_bin(where, "python"), venv_bin(where, "layoutc")
        check = [str(script), "check", str(path)]
        bare, layoutc = runs_of([[str(python), "-c", "pass"], check], runs, ROOT)
        imports = import_profile(python, ["-c", ENTRY, "check", str(path)])
        baseline = {name for _, _, _, name in import_profile(python, ["-c", "pass"])}
    return {"layout": described, "venv": "reused " + str(venv) if venv else "fresh (made by this run)",
            "runs": runs, "python": [r.wall for r in bare], "layoutc": [r.wall for r in layoutc],
            "python_cpu": [r.cpu for r in bare], "layoutc_cpu": [r.cpu for r in layoutc],
            "exit": layoutc[-1].code, "imports": imports, "baseline": baseline, "top": top,
            "interpreter": sys.version.split()[0]}


def report(results: dict) -> None:
    py, lc = median(results["python"]), median(results["layoutc"])
    py_cpu, lc_cpu = median(results["python_cpu"]), median(results["layoutc_cpu"])
    ratio = lc / py
    print(f"cold start ({results['runs']} runs each, interleaved, median; warm-up run not counted)")
    print(f"  layout:  {results['layout']}")
    print(f"  venv:    {results['venv']}, Python {results['interpreter']}: only layoutc and its dependencies")
    print(table([
        ["python -c pass", ms(py), ms(min(results["python"])), ms(max(results["python"])), ms(py_cpu)],
        ["layoutc check", ms(lc), ms(min(results["layoutc"])), ms(max(results["layoutc"])), ms(lc_cpu)],
    ], ["", "median", "min", "max", "cpu median"]))
    print(f"  ratio layoutc / python: {ratio:.2f}x wall, {lc_cpu / py_cpu:.2f}x cpu "
          f"(target <= {TARGET_RATIO:.0f}x -> {verdict(ratio <= TARGET_RATIO)}; "
          f"stretch <= {STRETCH_RATIO:.0f}x -> {verdict(ratio <= STRETCH_RATIO)})")
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
    parser.add_argument("--venv", help="reuse this venv (layoutc installed) instead of making a fresh one")
    args = parser.parse_args(argv)
    report(run(args.runs, args.layout, args.top, args.venv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
