"""`layoutc verify FILE --qemu`: prove the simulator's page tables and MMU against QEMU.

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
        config = " ".join([args.file, *(f"-D {d}" for d in args.defines)])
        report = verify(m, backend, config=config, overrides=tuple(args.defines), random_count=args.random,
                        seed=args.seed, keep=args.keep, timeout=args.timeout)
    except (BootError, SimError) as error:
        sys.stderr.write(f"layoutc verify: cannot boot {args.file}: {error}\n")
        return EXIT_FINDINGS
    except VerifyError as error:
        sys.stderr.write(f"layoutc verify: {error}\n")
        return EXIT_USAGE
    if (args.format or "human") == "json":
        data = {"config": report.config, "probes": report.addresses, "accesses": report.accesses,
                "mismatches": [str(x) for x in report.mismatches], "not_attempted": report.skipped,
                "memory_types_checked": report.attrs_checked, "emulator": report.qemu}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        for mismatch in report.mismatches:
            sys.stdout.write(f"mismatch: {mismatch}\n")
        sys.stdout.write(report.summary() + "\n")
    return EXIT_FINDINGS if report.mismatches else EXIT_OK
