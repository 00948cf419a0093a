"""The full QEMU matrix: `layoutc verify --qemu` on every shipped layout's page-table variants.

Prints one line per configuration (probes, accesses, mismatches, seconds) and the totals; the
configurations with no probe guest yet are listed as such; each line names the QEMU machine its RAM
picked (layoutc/verify/arches.py ARM_MACHINES for ARMv7).  Needs the QEMU system emulators and
the cross compilers docs/sim.md names.  Run: python benchmarks/verify_matrix.py [--random N] [--only boards/]
[--scenario S [--steps N]]: with a scenario (kernel-maps, vmalloc-frag ...), the tables it left.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from layoutc.session import load_layout  # noqa: E402
from layoutc.sim.boot import boot  # noqa: E402
from layoutc.sim.errors import SimError  # noqa: E402
from layoutc.sim.scenario import load, run_scenario  # noqa: E402
from layoutc.verify.arches import backend_for  # noqa: E402
from layoutc.verify.qemu import VerifyError, verify  # noqa: E402

MATRIX = {
    "arm64.kl": [(f"page_size={g}", f"va_bits={v}", f"kernel={k}") for g, vs in
                 (("4K", (39, 48, 52)), ("16K", (36, 47, 48, 52)), ("64K", (42, 48, 52))) for v in vs
                 for k in ("6.8", "6.9") if not (v == 52 and g != "64K" and k == "6.8")]
               + [("ram=0x40000000:1G,0x100000000:2G",), ("kernel=5.4",), ("kernel=4.19",)],
    "arm32.kl": [(), ("lpae=true",), ("vmsplit=2G",), ("vmsplit=2G", "lpae=true"), ("vmsplit=1G",),
                 ("ram=0x60000000:512M,0x90000000:512M",)],
    # the boards: RAM at 0 (raspi2b), 0x80000000 (virt), 0x10000000 (sabrelite; midway for LPAE)
    "boards/rpi3.kl": [(), ("lpae=true",)],
    "boards/beaglebone-black.kl": [(), ("lpae=true",)],
    "boards/wandboard-quad.kl": [(), ("lpae=true",)],
    "x86_64.kl": [(), ("paging_levels=5",)],
    "riscv64.kl": [("mode=sv39",), ("mode=sv48",), ("mode=sv57",)],
    "x86.kl": [(), ("pae=true",), ("vmsplit=2G",), ("vmsplit=2G", "pae=true"), ("vmsplit=1G",), ("ram=512M",),
               ("pae=true", "ram=6G"), ("kernel=4.19", "pae=true")],
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--random", type=int, default=256)
    parser.add_argument("--only", default="", metavar="TEXT", help="only the layouts whose file name contains TEXT")
    parser.add_argument("--scenario", help="run this scenario after boot and verify the tables it left")
    parser.add_argument("--steps", type=int, default=None, help="stop the scenario after N steps")
    args = parser.parse_args()
    scenario = load(args.scenario) if args.scenario else None
    totals = [0, 0, 0, 0.0]
    started = time.monotonic()
    for name, variants in MATRIX.items():
        if args.only not in name:
            continue
        for defines in variants:
            label = f"{name} {' '.join(defines)}".strip()
            result = load_layout(str(ROOT / "layouts" / name), list(defines))
            if result.layout is None or result.errors:
                print(f"{label:<60} layout does not check: {result.errors[0] if result.errors else '?'}")
                continue
            try:
                m = boot(result.layout)
                workload = None
                if scenario is not None:
                    run = run_scenario(m, scenario, max_steps=args.steps)
                    workload = {"scenario": scenario["name"], "seed": 0, "steps": run.steps}
                report = verify(m, backend_for(m), config=label, overrides=defines, random_count=args.random,
                                workload=workload)
            except (VerifyError, SimError) as error:
                print(f"{label:<60} not verified: {str(error).splitlines()[0]}")
                continue
            totals[0] += report.addresses
            totals[1] += report.accesses
            bad = len(report.mismatches) + len(report.hardware_writes)  # a rewritten descriptor is one too
            totals[2] += bad
            totals[3] += report.seconds
            print(f"{label:<60} {report.addresses:5} probes {report.accesses:6} accesses "
                  f"{bad:4} mismatches {report.seconds:5.1f}s  {report.qemu}")
    elapsed = time.monotonic() - started
    print(f"total: {totals[0]} probes, {totals[1]} accesses, {totals[2]} mismatches in {elapsed:.1f}s "
          f"({totals[1] / max(elapsed, 1e-9):.0f} accesses/s)")
    return 1 if totals[2] else 0


if __name__ == "__main__":
    sys.exit(main())
