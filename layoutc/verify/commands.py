"""`layoutc verify FILE --qemu [--scenario S]`: prove the simulator's page tables and MMU against QEMU.

Cheap to import: everything heavy is imported inside the handler.
"""

from __future__ import annotations

import sys


def add_parsers(sub, common) -> None:
    parser = sub.add_parser("verify", help="check the simulated page tables and MMU against QEMU's MMU (--qemu)")
    parser.add_argument("file", metavar="FILE", help="layout file")
    common(parser)
    parser.add_argument("--qemu", action="store_true",
                        help="boot a probe guest in qemu-system-* on the exported tables and compare every answer")
    parser.add_argument("--random", type=int, default=64, metavar="N", help="random probe addresses (default 64)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the random probes and tokens (default 0)")
    parser.add_argument("--scenario", metavar="NAME|FILE",
                        help="run a scenario first (built-in or file, as `layoutc sim --scenario`) and verify the tables "
                             "as it left them: vmalloc areas and their guard pages, kmap slots, vfree'd ranges")
    parser.add_argument("--steps", type=int, default=None, metavar="N", help="with --scenario: stop it after N steps")
    parser.add_argument("--keep", metavar="DIR", help="keep the guest, images and raw results in DIR")
    parser.add_argument("--timeout", type=float, default=120.0, metavar="S", help="QEMU run limit (default 120 s)")
    parser.set_defaults(handler=cmd_verify)


def cmd_verify(args) -> int:
    import json

    from ..cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, _colour
    from ..render import Human
    from ..session import load_layout

    if not args.qemu:
        raise UsageError("layoutc verify: say what to verify against: --qemu")
    if args.random < 0 or args.random > 100_000:
        raise UsageError("layoutc verify: --random must be between 0 and 100000")
    if args.steps is not None and (args.scenario is None or args.steps < 0):
        raise UsageError("layoutc verify: --steps N needs --scenario and N >= 0")
    scenario = None
    if args.scenario:
        from ..sim.scenario import ScenarioError, load

        try:
            scenario = load(args.scenario)
        except ScenarioError as error:
            sys.stderr.write(f"{error}\n")
            return EXIT_USAGE
    result = load_layout(args.file, args.defines, text=args.file_text)
    human = Human(_colour(args.color, sys.stderr))
    for d in result.errors:
        sys.stderr.write(human.diagnostic(d) + "\n")
    if result.layout is None or result.errors:
        return EXIT_USAGE if result.usage_error else EXIT_FINDINGS
    from ..sim.boot import BootError, boot
    from ..sim.errors import SimError
    from .arches import backend_for
    from .qemu import VerifyError, verify

    try:
        m = boot(result.layout)
        backend = backend_for(m)
    except (BootError, SimError) as error:
        sys.stderr.write(f"layoutc verify: cannot boot {args.file}: {error}\n")
        return EXIT_FINDINGS
    except VerifyError as error:
        sys.stderr.write(f"layoutc verify: {error}\n")
        return EXIT_USAGE
    config = " ".join([args.file, *(f"-D {d}" for d in args.defines)])
    workload = None
    if scenario is not None:
        from ..limits import MAX_SCENARIO_STEPS
        from ..sim.scenario import run_scenario

        try:
            run = run_scenario(m, scenario, seed=args.seed,
                               max_steps=args.steps if args.steps is not None else MAX_SCENARIO_STEPS)
        except SimError as error:
            sys.stderr.write(f"layoutc verify: scenario {scenario['name']}: {error}\n")
            return EXIT_FINDINGS
        workload = {"scenario": scenario["name"], "seed": args.seed, "steps": run.steps}
        if run.stopped:
            workload["stopped"] = run.stopped
        config += f" --scenario {scenario['name']} ({run.steps} steps)"
    try:
        report = verify(m, backend, config=config, overrides=tuple(args.defines), random_count=args.random,
                        seed=args.seed, keep=args.keep, timeout=args.timeout, workload=workload)
    except SimError as error:
        sys.stderr.write(f"layoutc verify: {args.file}: {error}\n")
        return EXIT_FINDINGS
    except VerifyError as error:
        sys.stderr.write(f"layoutc verify: {error}\n")
        return EXIT_USAGE
    if (args.format or "human") == "json":
        data = {"config": report.config, "probes": report.addresses, "accesses": report.accesses,
                "mismatches": [str(x) for x in report.mismatches],
                "hardware_writes": [str(x) for x in report.hardware_writes], "not_attempted": report.skipped,
                "memory_types_checked": report.attrs_checked, "emulator": report.qemu, "workload": workload}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        for mismatch in report.mismatches:
            sys.stdout.write(f"mismatch: {mismatch}\n")
        for write in report.hardware_writes:
            sys.stdout.write(f"mismatch: {write}\n")
        sys.stdout.write(report.summary() + "\n")
    return EXIT_FINDINGS if report.mismatches or report.hardware_writes else EXIT_OK
