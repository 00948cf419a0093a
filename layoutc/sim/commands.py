"""`layoutc sim`: boot the simulated kernel on a layout, print its reports, run scenarios.

Cheap to import: everything heavy is imported inside the handler.
"""

from __future__ import annotations

import sys


def add_parsers(sub, common) -> None:
    parser = sub.add_parser("sim", help="boot a simulated kernel on the layout; reports and scenarios")
    parser.add_argument("file", nargs="?", metavar="FILE", help="layout file")
    common(parser)
    parser.add_argument("--boot", action="store_true", help="boot and print the boot reports (the default)")
    parser.add_argument("--scenario", metavar="NAME|FILE", help="run a built-in scenario or a scenario file")
    parser.add_argument("--list", action="store_true", help="list the built-in scenarios")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--steps", type=int, default=None, metavar="N", help="stop after N scenario steps")
    parser.add_argument("--trace", metavar="F", help="write one JSON object per step to F (JSON Lines)")
    parser.add_argument("--ptdump", action="store_true", help="with --boot: also print the kernel page tables")
    parser.add_argument("--banner", action="store_true",
                        help="print the kernel's boot-time memory-layout banner for the layout's kernel version")
    parser.add_argument("--export-tables", metavar="DIR",
                        help="write the page tables as memory images at their physical addresses, with a JSON "
                             "manifest of the registers they are built for; with --scenario, as the scenario left "
                             "them (docs/sim.md)")
    parser.set_defaults(handler=cmd_sim)


def write_export(directory: str, export) -> None:
    """The images first, the manifest last (each atomically): a manifest always names complete files."""
    import json
    import os

    from ..files import output_directory, write_file

    with output_directory(directory):
        for name, data in export.images:
            write_file(os.path.join(directory, name), data)
        write_file(os.path.join(directory, "manifest.json"), json.dumps(export.manifest, indent=2) + "\n")


def _export(args, m, workload: dict | None) -> int:
    from ..cli import EXIT_OK, EXIT_USAGE
    from ..files import WriteError
    from .export import export_tables

    export = export_tables(m, tuple(args.defines or ()), workload)
    try:
        write_export(args.export_tables, export)
    except WriteError as error:
        sys.stderr.write(f"{error}\n")
        return EXIT_USAGE
    after = "" if workload is None else f" (after scenario {workload['scenario']}, {workload['steps']} steps)"
    sys.stdout.write(f"{args.export_tables}: {len(export.images)} table images, "
                     f"{sum(len(d) for _, d in export.images)} bytes, manifest.json{after}\n")
    return EXIT_OK


class _Progress:
    """`layoutc sim: N steps, T s` on a terminal's stderr, from the first second on (cli.Progress)."""

    def __init__(self) -> None:
        from ..cli import Progress

        self.line = Progress("layoutc sim", interval=0.2, delay=1.0)

    def __call__(self, steps: int) -> None:
        if not steps % 64:
            self.line.update(f"{steps} steps, {self.line.clock() - self.line.start:.1f}s")

    def done(self) -> None:
        self.line.done()


def _truncate(text: str, limit: int = 40) -> str:
    lines = text.splitlines()
    if len(lines) <= limit:
        return text
    return "\n".join(lines[:limit // 2] + [f"... {len(lines) - limit} more lines ..."] + lines[-limit // 2:]) + "\n"


def _banner(args, layout, fmt: str) -> int:
    """The "Virtual kernel memory layout" banner the booting kernel prints (layoutc.banner)."""
    import json

    from ..banner import MissingValue, render_banner
    from ..cli import EXIT_FINDINGS, EXIT_OK, _colour
    from ..diagnostics import Diagnostic
    from ..render import Human
    from ..session import Policy, finish

    try:
        text = render_banner(layout)
    except MissingValue as missing:
        reported, _ = finish([Diagnostic("F104", f"no banner: {missing}", None)], layout, Policy())
        human = Human(_colour(args.color, sys.stderr))
        for d in reported:
            sys.stderr.write(human.diagnostic(d) + "\n")
        return EXIT_FINDINGS
    if fmt == "json":
        sys.stdout.write(json.dumps({"layout": layout.name, "banner": text.splitlines()}, indent=2) + "\n")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_sim(args) -> int:
    import json

    from ..cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, _colour
    from ..render import Human
    from . import report
    from .scenario import BUILTIN, ScenarioError, load, run_scenario, verdict

    if args.list:
        for name in BUILTIN:
            sys.stdout.write(f"{name:<18} {load(name).get('description', '')}\n")
        return EXIT_OK
    if not args.file:
        raise UsageError("layoutc sim: a layout FILE is required (or --list)")
    if args.steps is not None and args.steps < 1:
        raise UsageError(f"layoutc sim: --steps must be at least 1, not {args.steps}")
    if args.scenario is not None and not args.scenario.strip():
        raise UsageError("layoutc sim: --scenario needs a name (see --list) or a file")
    scenario = None
    if args.scenario:
        try:
            scenario = load(args.scenario)
        except ScenarioError as error:
            sys.stderr.write(f"{error}\n")
            return EXIT_USAGE
    from ..session import load_layout
    from .boot import BootError, boot
    from .errors import SimError

    result = load_layout(args.file, args.defines, text=args.file_text)
    human = Human(_colour(args.color, sys.stderr))
    for d in result.errors:
        sys.stderr.write(human.diagnostic(d) + "\n")
    if result.layout is None or result.errors:
        if result.layout is not None:
            sys.stderr.write("layoutc sim: the layout has errors; fix them before simulating\n")
        return EXIT_USAGE if result.usage_error else EXIT_FINDINGS
    if args.banner:  # printed by mem_init() from the layout alone: nothing to boot
        return _banner(args, result.layout, args.format or "human")
    try:
        m = boot(result.layout)
    except (BootError, SimError) as error:
        sys.stderr.write(f"layoutc sim: cannot boot {args.file}: {error}\n")
        return EXIT_FINDINGS
    fmt = args.format or "human"
    if args.export_tables and m.pagetable is None:
        sys.stderr.write(f"layoutc sim: {args.file}: no page tables to export\n")
        return EXIT_FINDINGS
    if args.export_tables and scenario is None:
        return _export(args, m, None)
    if scenario is None:
        if fmt == "json":
            data = {"layout": result.layout.name, "log": m.log, "meminfo": report.meminfo_values(m),
                    "zones": report.zones_json(m), "min_free_kbytes": m.min_free_kbytes,
                    "page_tables": ({"format": m.pagetable.name, "pages": m.pagetable.table_pages}
                                    if m.pagetable is not None else None),
                    "high_memory": hex(m.high_memory),
                    "windows": {k: {"start": hex(w.start), "end": hex(w.end)} for k, w in m.windows.items()}}
            if args.ptdump:
                data["ptdump"] = report.ptdump(m).splitlines()
            sys.stdout.write(json.dumps(data, indent=2) + "\n")
            return EXIT_OK
        out = ["\n".join(m.log), "", "# /proc/meminfo", report.meminfo(m), "# /proc/buddyinfo", report.buddyinfo(m),
               "# /proc/zoneinfo", report.zoneinfo(m), "# extfrag_index", report.extfrag_index(m)]
        if args.ptdump:
            out += ["# kernel_page_tables", report.ptdump(m)]
            checked = report.wx_check(m)
            if checked is not None:
                out.append(checked)
        sys.stdout.write("\n".join(out))
        return EXIT_OK
    trace: list | None = [] if args.trace else None
    progress = _Progress()
    try:
        from ..limits import MAX_SCENARIO_STEPS

        steps = args.steps if args.steps is not None else MAX_SCENARIO_STEPS
        run = run_scenario(m, scenario, seed=args.seed, max_steps=steps, trace=trace, progress=progress)
    except SimError as error:
        progress.done()
        sys.stderr.write(f"layoutc sim: scenario {scenario['name']}: {error}\n")
        return EXIT_FINDINGS
    progress.done()
    text, numbers = verdict(run, scenario)
    if trace is not None:
        from ..files import write_file

        write_file(args.trace, "".join(json.dumps(entry, sort_keys=True) + "\n" for entry in trace))
    if args.export_tables:  # the tables as the scenario left them (--steps N: as they were after N steps)
        workload = {"scenario": scenario["name"], "seed": args.seed, "steps": run.steps}
        if run.stopped:
            workload["stopped"] = run.stopped
        return _export(args, m, workload)
    reports = {}
    for name in scenario.get("reports", []):
        if name == "buddyinfo":
            reports[name] = report.buddyinfo(m)
        elif name == "meminfo":
            reports[name] = report.meminfo(m)
        elif name == "zoneinfo":
            reports[name] = report.zoneinfo(m)
        elif name == "extfrag":
            reports[name] = report.extfrag_index(m)
        elif name == "slabinfo" and m.slab is not None:
            from .slab import slabinfo

            reports[name] = slabinfo(m.slab, top=10)
        elif name == "dentry-state" and m.slab is not None:
            from .slab import dentry_state

            reports[name] = dentry_state(m.slab)
        elif name == "vmallocinfo" and m.vmalloc is not None:
            from .vmalloc import hole_histogram, vmallocinfo

            reports[name] = _truncate(vmallocinfo(m.vmalloc))
            reports["vmalloc holes"] = "".join(f"{k:>8} {v}\n" for k, v in hole_histogram(m.vmalloc).items())
        elif name == "ptdump":
            reports[name] = report.ptdump(m)
        elif name == "log":
            reports[name] = _truncate("\n".join(m.log) + "\n", 60)
    if fmt == "json":
        sys.stdout.write(json.dumps({"scenario": scenario["name"], "layout": result.layout.name, "seed": args.seed,
                                     "verdict": text, "numbers": numbers, "stopped": run.stopped,
                                     "reports": {k: v.splitlines() for k, v in reports.items()}}, indent=2) + "\n")
        return EXIT_OK
    out = [f"scenario {scenario['name']} on {result.layout.name} (seed {args.seed}): {scenario.get('description', '')}", ""]
    for name, body in reports.items():
        out += [f"# {name}", body]
    if scenario.get("verdict") == "isolation":
        out += [f"  {name:<48} {addr:>20}  {outcome}" for name, addr, outcome in run.isolation] + [""]
    out.append(f"Verdict: {text}")
    if run.stopped and run.stopped != "panic":
        out.append(f"(stopped: {run.stopped})")
    out.append("Numbers: " + ", ".join(f"{k}={v}" for k, v in numbers.items() if not isinstance(v, list)))
    sys.stdout.write("\n".join(out) + "\n")
    return EXIT_OK
