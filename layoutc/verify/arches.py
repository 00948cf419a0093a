"""Per-architecture halves of ``layoutc verify --qemu``: how to build and boot the guest, and how to
read the hardware's raw answers (PAR, ESR, fault status codes) as "pa, or fault kind and level".

Sources for the encodings: Arm ARM (DDI 0487) D17 PAR_EL1, ESR_EL1 (EC 0x20/0x21 instruction abort,
0x24/0x25 data abort, DFSC/IFSC), Arm ARM v7-A (DDI 0406) B4.1.112 PAR, B3.13.3 fault status
encodings; Intel SDM vol. 3 4.7 (#PF error code); RISC-V privileged spec 3.1.15 (mcause).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..sim.pagetable.format import Leaf
from .probes import ACCESSES, USER_EXEC, Probe
from .qemu import NO_PA, S_FAULT, S_OK, S_SKIPPED, Answer, VerifyError

QEMU_ARM_RAM = 0x4000_0000  # -M virt: RAM starts at 1 GiB (hw/arm/virt.c)


def arm_long_fsc(fsc: int) -> tuple[str, int | None]:
    """Long-descriptor fault status (DFSC/IFSC/PAR.FST): (kind, level)."""
    if fsc == 0b101011:
        return "translation", -1
    if fsc == 0b101001:
        return "address size", -1
    kind = {0: "address size", 1: "translation", 2: "access flag", 3: "permission"}.get(fsc >> 2)
    if kind is None:
        return f"fault status {fsc:#04x}", None
    return kind, fsc & 3


def arm_short_fs(fs: int) -> tuple[str, int | None]:
    """Short-descriptor FSR/PAR FS[4:0] (B3.13.3): (kind, level)."""
    table = {0b00101: ("translation", 1), 0b00111: ("translation", 2), 0b00011: ("access flag", 1),
             0b00110: ("access flag", 2), 0b01001: ("domain", 1), 0b01011: ("domain", 2),
             0b01101: ("permission", 1), 0b01111: ("permission", 2)}
    return table.get(fs, (f"fault status {fs:#04x}", None))


@dataclass(frozen=True)
class Arm64:
    """ARMv8-A EL1 on qemu-system-aarch64 -M virt -cpu max (PAN, LPA2, 52-bit PA, every granule)."""

    qemu: str = "qemu-system-aarch64"
    cc: str = "aarch64-linux-gnu-gcc"
    sources: tuple[str, ...] = ("arm64/start.S", "arm64/probe.c")
    cflags: tuple[str, ...] = ("-mgeneral-regs-only", "-mcmodel=large")
    objcopy_flags: tuple[str, ...] = ()
    ld_options: tuple[tuple[str, str], ...] = ()
    reports_levels: bool = True
    same_kind = staticmethod(lambda model, hardware: model == hardware)
    ret_insn: bytes = bytes.fromhex("c0035fd6")  # ret (little-endian)
    normal_attr: int = 0xFF  # PAR.ATTR of normal inner/outer write-back read/write-allocate memory
    firmware: bool = False  # a -bios image to build (x86)
    user_page: bool = False  # the guest maps a ring-3 stub in an unused user slot (x86)
    exec_xor: int = 0  # exec probes at this offset in the page from the read/write ones (x86: no overlap)
    # physical memory QEMU or the firmware uses: -M virt puts its device tree at the start of RAM
    reserved: tuple[tuple[int, int], ...] = ((QEMU_ARM_RAM, QEMU_ARM_RAM + 0x10_0000),)
    physical_tokens: bool = False  # tokens loaded by the host before boot and read back after (no AT)
    host_tokens: bool = True  # so too where the guest cannot reach the predicted pa (K_HOST: ARM HighMem)
    # the access kinds probed: arm64 also runs the planted return at EL0 (UXN)
    accesses: tuple[tuple[str, str], ...] = (*ACCESSES, USER_EXEC)
    hardware_ad: bool = False  # the walker may set accessed/dirty bits in the tables (x86, RISC-V)

    def guest_table_writes(self, m, regs: list[int]) -> set[int]:
        """Physical addresses of the descriptors the guest itself writes in the tables under test."""
        return set()

    def emulator_write(self, m, pa: int, before: int, after: int) -> bool:
        """True for a descriptor write the emulator makes and the architecture does not (not a mismatch)."""
        return False

    def check(self, m) -> None:
        if min(lo for lo, _ in m.banks) < QEMU_ARM_RAM:
            raise VerifyError("QEMU's virt machine has RAM from 0x40000000 only: this layout's RAM starts below it")

    def machine_args(self, m) -> list[str]:
        top = max(hi for _, hi in m.banks)
        return ["-M", "virt", "-cpu", "max", "-m", f"{(top - QEMU_ARM_RAM) >> 20}M"]

    def qemu_ram(self, m) -> list[tuple[int, int]]:
        top = max(hi for _, hi in m.banks)
        return [(QEMU_ARM_RAM, top)]

    def start_args(self, m, guest_pa: int, workdir) -> list[str]:
        return ["-device", f"loader,addr={guest_pa + 0x1000:#x},cpu-num=0"]

    def ldflags(self, workdir) -> list[str]:
        return [f"-Wl,-T,{workdir / 'layout.ld'}", "-Wl,--no-warn-rwx-segments"]

    def defines(self, m, place) -> dict[str, int]:
        return {}

    def plant_ranges(self, m) -> list[tuple[int, int]]:
        return linear_banks(m)

    def registers(self, manifest: dict, m, place) -> list[int]:
        regs = {k: int(v, 16) for k, v in manifest["registers"].items()}
        pan = int(manifest["contexts"]["kernel"].get("PSTATE.PAN", "0x0"), 16) if m.mmu.pan else 0
        return [regs["TCR_EL1"], regs["MAIR_EL1"], regs["SCTLR_EL1"], regs["TTBR0_EL1"], regs["TTBR1_EL1"], pan]

    @staticmethod
    def par(par: int, va: int, how: str) -> Answer:
        if par & 1:
            kind, level = arm_long_fsc(par >> 1 & 0x3F)
            return Answer(fault=kind, level=level, how=how)
        return Answer(pa=(par & 0x000F_FFFF_FFFF_F000) | (va & 0xFFF), how=how, attr=par >> 56)

    @staticmethod
    def syndrome(esr: int) -> Answer:
        ec = esr >> 26 & 0x3F
        if ec in (0x20, 0x21, 0x24, 0x25):
            kind, level = arm_long_fsc(esr & 0x3F)
            return Answer(fault=kind, level=level, how=f"ESR_EL1 {esr:#x}")
        return Answer(fault=f"exception class {ec:#x}", how=f"ESR_EL1 {esr:#x}")

    def decode(self, probe: Probe, status: int, a: int, b: int, c: int, token: int) -> Answer:
        return decode_arm(self, probe, status, a, b, c, token)


def linear_banks(m) -> list[tuple[int, int]]:
    """The RAM the linear map reaches: where the guest may plant tokens through LIN()."""
    from ..sim.pagetable import linear_ranges

    return linear_ranges(m)


def decode_arm(backend, probe: Probe, status: int, a: int, b: int, c: int, token: int) -> Answer:
    """The ARM guests' results: (a) the AT answer, (b, c) the real access, see guest.h."""
    at = backend.par(a, probe.va, "PAR")
    if probe.who == "user" and probe.access != "x":
        return at
    if status == S_SKIPPED:
        if probe.access == "x" and not (at.pa is not None and isinstance(probe.expected, int) and
                                        at.pa != probe.expected):
            return Answer(skipped=True)  # not run (the pa holds tables, the guest or QEMU's device tree)
        return Answer(pa=at.pa, fault=at.fault, level=at.level, how="PAR (access not attempted)", attr=at.attr)
    if status == S_FAULT:
        return backend.syndrome(b)
    if status != S_OK:
        return Answer(fault=f"guest status {status}", how="guest")
    if probe.access == "x":
        return Answer(pa=c | (probe.va & 3), how="jumped to a planted return", attr=at.attr)
    if c == NO_PA:  # completed, nothing planted (tables or the guest's own memory there)
        return Answer(pa=at.pa, how="access completed; pa from PAR", attr=at.attr)
    if b != token:
        return Answer(pa=at.pa, how=f"value {b:#x} is not the token planted at {c:#x}; pa from PAR", attr=at.attr)
    if at.pa is not None and at.pa & ~7 != c:
        # the token went in through the linear map, which may be the probed mapping itself: AT decides
        return Answer(pa=at.pa, how=f"PAR (the token planted at {c:#x} was read back)", attr=at.attr)
    return Answer(pa=c | (probe.va & 7), how="token read back, PAR agrees", attr=at.attr)


@dataclass(frozen=True)
class ArmMachine:
    """A qemu-system-arm machine the ARMv7-A guest boots on, picked by where the layout's RAM is."""

    name: str
    args: tuple[str, ...]  # -M (and -cpu where the machine lets us choose)
    cpu: str
    lpae: bool  # the CPU translates long descriptors too
    window: tuple[int, int]  # [lo, hi): where the machine has RAM that is RAM (no device window over it)
    size: int = 0  # the -m the machine insists on; 0: sized to the layout's RAM (from window[0])
    cores: int = 1  # cores running out of reset: all but the boot core are parked (start.S `park`)
    reserved: tuple[tuple[int, int], ...] = ()  # what QEMU itself puts into that RAM
    why: str = ""

    def ram(self, m) -> tuple[int, int]:
        """The RAM QEMU gives the guest that the layout may use: [window[0], end)."""
        if self.size:
            return self.window[0], min(self.window[1], self.window[0] + self.size)
        top = max(hi for _, hi in m.banks)
        return self.window[0], self.window[0] + (-(-(top - self.window[0]) // (1 << 20)) << 20)

    def covers(self, m) -> bool:
        lo, hi = self.window
        return (self.lpae or m.mmu_format != "arm_lpae") and all(lo <= a and b <= hi for a, b in m.banks)

    def describe(self) -> str:
        fmt = "short and LPAE" if self.lpae else "short descriptors only"
        return f"{self.name} ({self.cpu}, {fmt}): RAM {self.window[0]:#x}-{self.window[1]:#x}"


# The table `layoutc verify --qemu` picks an ARMv7 machine from: the first one whose RAM window holds every
# bank of the layout and whose CPU has its descriptor format.  Windows from `info mtree -f` of QEMU 7.2.
ARM_MACHINES = (
    ArmMachine("virt", ("-M", "virt,highmem=off", "-cpu", "cortex-a15"), "Cortex-A15", True,
               (QEMU_ARM_RAM, 1 << 32), reserved=((QEMU_ARM_RAM, QEMU_ARM_RAM + 0x10_0000),),
               why="hw/arm/virt.c: RAM from 1 GiB, 3 GiB at most with highmem=off; its device tree at the start"),
    ArmMachine("raspi2b", ("-M", "raspi2b"), "Cortex-A7", True, (0, 0x3F00_0000), size=1 << 30, cores=4,
               why="BCM2836: 1 GiB of RAM from 0, the peripherals at 0x3f000000 cover its top 16 MiB;"
                   " the four cores all start"),
    ArmMachine("sabrelite", ("-M", "sabrelite"), "Cortex-A9", False, (0x1000_0000, 1 << 32),
               why="i.MX6Q: the MMDC's DDR from 0x10000000, up to 3.75 GiB; the Cortex-A9 has no LPAE"),
    ArmMachine("midway", ("-M", "midway"), "Cortex-A15", True, (0, 0xFFE0_0000),
               why="Calxeda ECX-2000: RAM from 0 up to the device windows at 0xffe08000"),
)


def arm_machine_for(m) -> ArmMachine:
    """The first machine of ARM_MACHINES with the layout's RAM and descriptor format; else a VerifyError."""
    for machine in ARM_MACHINES:
        if machine.covers(m):
            return machine
    banks = ", ".join(f"{lo:#x}-{hi:#x}" for lo, hi in m.banks)
    fmt = "LPAE" if m.mmu_format == "arm_lpae" else "short descriptors"
    raise VerifyError(f"no QEMU machine has RAM where this layout's is ({banks}, {fmt}); the machines' RAM "
                      f"windows: {'; '.join(machine.describe() for machine in ARM_MACHINES)}")


@dataclass(frozen=True)
class Arm32(Arm64):
    """ARMv7-A PL1 (SVC) on qemu-system-arm: short descriptors and LPAE, on the ARM_MACHINES entry whose
    RAM is where the layout's is (-M virt -cpu cortex-a15 for RAM from 1 GiB).  virt's CPU has no EL3 and
    runs Non-secure; the boards' CPUs have the Security Extensions and leave reset Secure, so there the
    guest runs in Secure SVC: the same walk and PAR (Linux leaves the descriptors' NS bit 0, and the PA
    read from PAR leaves out its NS bit)."""

    qemu: str = "qemu-system-arm"
    cc: str = "arm-linux-gnueabihf-gcc"
    sources: tuple[str, ...] = ("arm/start.S", "arm/probe.c")
    cflags: tuple[str, ...] = ("-marm", "-march=armv7-a+fp", "-mgeneral-regs-only")
    ret_insn: bytes = bytes.fromhex("1eff2fe1")  # bx lr
    machine: ArmMachine | None = None  # None: chosen from the layout (for_layout)

    def for_layout(self, m) -> Arm32:
        machine = arm_machine_for(m)
        return replace(self, machine=machine, reserved=machine.reserved)

    def _machine(self, m) -> ArmMachine:
        return self.machine or arm_machine_for(m)

    def check(self, m) -> None:
        machine = self._machine(m)
        if not machine.covers(m):
            raise VerifyError(f"this layout's RAM or descriptor format does not fit {machine.describe()}")
    accesses: tuple[tuple[str, str], ...] = ACCESSES  # XN is one bit for PL0 and PL1: kernel exec tests it

    def machine_args(self, m) -> list[str]:
        machine = self._machine(m)
        lo, hi = machine.ram(m)
        return [*machine.args, "-m", f"{(machine.size or hi - lo) >> 20}M"]

    def qemu_ram(self, m) -> list[tuple[int, int]]:
        return [self._machine(m).ram(m)]

    def start_args(self, m, guest_pa: int, workdir) -> list[str]:
        park = guest_pa + 0x1004  # start.S: `park` follows the branch at _start
        return [*super().start_args(m, guest_pa, workdir),
                *(arg for core in range(1, self._machine(m).cores) for arg in
                  ("-device", f"loader,addr={park:#x},cpu-num={core}"))]

    def plant_ranges(self, m) -> list[tuple[int, int]]:
        return linear_banks(m)

    def registers(self, manifest: dict, m, place) -> list[int]:
        regs = {k: int(v, 16) for k, v in manifest["registers"].items()}
        kernel = {k: int(v, 16) for k, v in manifest["contexts"]["kernel"].items()}
        user = {k: int(v, 16) for k, v in manifest["contexts"]["user"].items()}
        pan = m.mmu.pan
        ttbcr, dacr = regs["TTBCR"], regs["DACR"]
        memory = (regs["MAIR0"], regs["MAIR1"]) if "MAIR0" in regs else (regs["PRRR"], regs["NMRR"])
        return [ttbcr, regs["TTBR0"], regs["TTBR1"], kernel.get("DACR", dacr) if pan else dacr,
                user.get("DACR", dacr), *memory, regs["SCTLR"], kernel.get("TTBCR", ttbcr) if pan else ttbcr,
                user.get("TTBCR", ttbcr)]

    @staticmethod
    def par(par: int, va: int, how: str) -> Answer:
        if par & 1 << 11:  # long-descriptor format (TTBCR.EAE)
            if par & 1:
                kind, level = arm_long_fsc(par >> 1 & 0x3F)
                return Answer(fault=kind, level=level, how=how)
            return Answer(pa=(par & 0xFF_FFFF_F000) | (va & 0xFFF), how=how, attr=par >> 56)
        if par & 1:
            kind, level = arm_short_fs(par >> 1 & 0x1F)
            return Answer(fault=kind, level=level, how=how)
        if par & 1 << 1:  # supersection
            return Answer(pa=(par & 0xFF00_0000) | (par >> 8 & 0xFF) << 32 | (va & 0xFF_FFFF), how=how)
        return Answer(pa=(par & 0xFFFF_F000) | (va & 0xFFF), how=how)

    @staticmethod
    def syndrome(fsr: int) -> Answer:
        fsr &= 0x7FFF_FFFF  # bit 31 only says "faulted"
        if fsr & 1 << 9:  # long-descriptor format
            kind, level = arm_long_fsc(fsr & 0x3F)
        else:
            kind, level = arm_short_fs((fsr >> 10 & 1) << 4 | (fsr & 0xF))
        return Answer(fault=kind, level=level, how=f"FSR {fsr:#x}")


def x86_page_fault(code: int) -> Answer:
    """The guest's fault code: 1 << 63 | vector << 32 | error code (#PF: P W U RSVD I/D)."""
    vector, error = code >> 32 & 0xFF, code & 0xFFFF_FFFF
    if vector == 14:
        kind = "reserved bit" if error & 8 else "permission" if error & 1 else "translation"
        return Answer(fault=kind, how=f"#PF error code {error:#x}")
    if vector == 13:
        return Answer(fault="translation", how="#GP (non-canonical address)")
    return Answer(fault=f"exception {vector}", how=f"vector {vector}, error code {error:#x}")


@dataclass(frozen=True)
class X86_64(Arm64):
    """x86_64 ring 0 on qemu-system-x86_64 -M pc -cpu max (NX, SMEP, SMAP, LA57), our own firmware."""

    qemu: str = "qemu-system-x86_64"
    cc: str = "gcc"
    sources: tuple[str, ...] = ("x86_64/start.S", "x86_64/probe.c")
    cflags: tuple[str, ...] = ("-m64", "-mcmodel=large", "-mno-red-zone", "-mgeneral-regs-only", "-mno-sse")
    reports_levels: bool = False  # #PF has no level
    ret_insn: bytes = b"\xc3"
    normal_attr: int = 0
    firmware: bool = True
    user_page: bool = True
    physical_tokens: bool = True
    host_tokens: bool = False
    exec_xor: int = 0x800
    reserved: tuple[tuple[int, int], ...] = ((0x1000, 0x5000),)  # bios.S TRAMPOLINE
    accesses: tuple[tuple[str, str], ...] = ACCESSES  # NX and US are shared by ring 0 and ring 3
    hardware_ad: bool = True

    def check(self, m) -> None:
        if min(lo for lo, _ in m.banks) != 0:
            raise VerifyError("QEMU's pc machine has RAM from 0: this layout's RAM starts elsewhere")

    def user_va(self, m, probes, manifest: dict) -> int:
        """Where the guest maps its ring-3 stub: a top-level slot of the user half no probe touches."""
        shift = 9 * (manifest["levels"]["count"] - 1) + 12
        used = {probe.va >> shift for probe in probes}
        return next(slot for slot in range(1, 256) if slot not in used) << shift

    def guest_table_writes(self, m, regs: list[int]) -> set[int]:
        # the root's slot where the guest maps its ring-3 stub (probe.c map_user_page)
        shift = 12 + 9 * (regs[4] - 1)
        return {(regs[1] & ~0xFFF) + 8 * (regs[7] >> shift & 511)}

    def qemu_ram(self, m) -> list[tuple[int, int]]:
        size = max(hi for _, hi in m.banks)
        low = size if size < 0xE000_0000 else 0xC000_0000  # hw/i386/pc_piix.c: the PCI hole below 4 GiB
        ranges = [(0, 0xA_0000), (0x10_0000, low)]
        if size > low:
            ranges.append((1 << 32, (1 << 32) + size - low))
        return ranges

    def machine_args(self, m) -> list[str]:
        size = max(hi for _, hi in m.banks)
        return ["-M", "pc", "-cpu", "max", "-m", f"{size >> 20}M"]

    def start_args(self, m, guest_pa: int, workdir) -> list[str]:
        return ["-bios", str(workdir / "bios.bin")]

    def ldflags(self, workdir) -> list[str]:
        return [f"-Wl,-T,{workdir / 'layout.ld'}", "-Wl,--no-warn-rwx-segments", "-Wl,-z,noexecstack"]

    def build_firmware(self, workdir, cc: str, defines: dict[str, int]) -> None:
        import subprocess

        from .qemu import GUEST_DIR

        elf = workdir / "bios.elf"
        folder = GUEST_DIR / self.sources[0].split("/")[0]
        argv = [cc, self.cflags[0], "-ffreestanding", "-nostdlib", "-static", "-no-pie", f"-I{GUEST_DIR}",
                *(f"-D{k}={v:#x}" for k, v in defines.items()), f"-Wl,-T,{folder / 'bios.ld'}",
                "-Wl,--build-id=none", "-o", str(elf), str(folder / "bios.S")]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            raise VerifyError(f"building the probe guest's firmware failed:\n{done.stderr.strip()}")
        done = subprocess.run(["objcopy", "-O", "binary", str(elf), str(workdir / "bios.bin")],
                              capture_output=True, text=True)
        if done.returncode != 0 or (workdir / "bios.bin").stat().st_size != 0x10000:
            raise VerifyError(f"the firmware is not 64 KiB: {done.stderr.strip()}")

    def plant_ranges(self, m) -> list[tuple[int, int]]:
        return []

    def registers(self, manifest: dict, m, place) -> list[int]:
        regs = {k: int(v, 16) for k, v in manifest["registers"].items()}
        levels = manifest["levels"]["count"]
        entry = m.kernel_image[0] + 0x1000
        return [regs["CR0"], regs["CR3"], regs["CR4"], regs["EFER"], levels, entry, place.data_pa, 0]

    def decode(self, probe: Probe, status: int, a: int, b: int, c: int, token: int) -> Answer:
        if status == S_SKIPPED:
            return Answer(skipped=True)
        if status == S_FAULT:
            return x86_page_fault(b)
        if isinstance(probe.expected, int):
            return Answer(pa=probe.expected, how="access completed")
        return Answer(pa=NO_PA, how="access completed (the model predicts no pa)")


@dataclass(frozen=True)
class X86_32(X86_64):
    """x86-32 ring 0 on qemu-system-i386 -M pc -cpu max: 2-level (PSE) or PAE (NX) paging, SMEP, SMAP; our own
    firmware leaves paging off and the guest turns it on with the tables under test (x86_32/start.S)."""

    qemu: str = "qemu-system-i386"
    sources: tuple[str, ...] = ("x86_32/start.S", "x86_32/probe.c")
    cflags: tuple[str, ...] = ("-m32", "-mgeneral-regs-only", "-mno-sse", "-march=i686")
    reserved: tuple[tuple[int, int], ...] = ()  # no trampoline: the firmware builds no table

    def registers(self, manifest: dict, m, place) -> list[int]:
        regs = {k: int(v, 16) for k, v in manifest["registers"].items()}
        levels = manifest["levels"]["count"]
        entry = m.kernel_image[1] + 0x1000  # physical: the firmware jumps there with paging off
        return [regs["CR0"], regs["CR3"], regs["CR4"], regs.get("EFER", 0), levels, entry, place.data_pa, 0]

    def user_va(self, m, probes, manifest: dict) -> int:
        """A 4 MiB stretch of the user half that no probe touches and the boot tables leave unmapped: the
        guest fills in the first empty entry on its walk (a PDPTE or a PDE) and builds the rest."""
        table = m.pagetable
        start = min(table.canonical(m.linear.va_start), 1 << 32)
        used = {probe.va >> 22 for probe in probes}
        for slot in range(1, start >> 22):
            if slot not in used and not isinstance(table.walk(slot << 22), Leaf):
                return slot << 22
        raise VerifyError("no unmapped 4 MiB of user space for the ring-3 probe page")

    def emulator_write(self, m, pa: int, before: int, after: int) -> bool:
        # QEMU 7.2 sets bit 5 (A) in the PAE PDPTEs it walks; a processor loads the four PDPTEs with CR3 and
        # bit 5 is reserved there (Intel SDM vol. 3 4.4.1), so Linux's pud (P alone) is right
        root = m.pagetable.table_pa(m.pagetable.root)
        return m.mmu_format == "x86_pae" and root <= pa < root + 32 and before ^ after == 1 << 5

    def guest_table_writes(self, m, regs: list[int]) -> set[int]:
        # the first empty entry on the user page's walk: the guest writes it (probe.c map_user_page)
        table = m.pagetable
        key = table.root
        for index, (shift, entries, _, _) in enumerate(table.levels):
            slot = regs[7] >> shift & (entries - 1)
            desc = table.tables[key][slot]
            if not desc & 1:
                return {table.table_pa(key) + slot * table.entry_bytes}
            key = desc & table.addr_mask
        return set()


RISCV_RAM = 0x8000_0000  # -M virt (hw/riscv/virt.c)


@dataclass(frozen=True)
class Riscv64(Arm64):
    """RISC-V M-mode on qemu-system-riscv64 -M virt -bios none: MPRV loads/stores as S or U, mret into S."""

    qemu: str = "qemu-system-riscv64"
    cc: str = "riscv64-linux-gnu-gcc"
    sources: tuple[str, ...] = ("riscv64/start.S", "riscv64/probe.c")
    cflags: tuple[str, ...] = ("-mcmodel=medany", "-march=rv64imac_zicsr_zifencei", "-mabi=lp64", "-mno-relax")
    reports_levels: bool = False  # a page fault has no level
    ret_insn: bytes = bytes.fromhex("73000000")  # ecall: traps back to M-mode
    normal_attr: int = 0
    host_tokens: bool = False  # M-mode reaches all RAM: the guest plants every token itself
    accesses: tuple[tuple[str, str], ...] = ACCESSES  # X and U: kernel exec and user reads test them
    hardware_ad: bool = True  # QEMU 7.2 sets A and D itself (get_physical_address: no Svade fault)

    def check(self, m) -> None:
        if min(lo for lo, _ in m.banks) < RISCV_RAM:
            raise VerifyError("QEMU's virt machine has RAM from 0x80000000 only: this layout's RAM starts below it")

    def qemu_ram(self, m) -> list[tuple[int, int]]:
        return [(RISCV_RAM, max(hi for _, hi in m.banks))]

    # riscv_compute_fdt_addr(): the device tree sits below min(RAM end, 3 GiB), 16 MiB aligned
    reserved: tuple[tuple[int, int], ...] = ((0xBF00_0000, 0xC000_0000),)

    def machine_args(self, m) -> list[str]:
        top = max(hi for _, hi in m.banks)
        return ["-M", "virt", "-cpu", "rv64", "-bios", "none", "-m", f"{(top - RISCV_RAM) >> 20}M"]

    def defines(self, m, place) -> dict[str, int]:
        return {"STACK_PA": place.stack_top}

    def plant_ranges(self, m) -> list[tuple[int, int]]:
        return self.qemu_ram(m)

    def registers(self, manifest: dict, m, place) -> list[int]:
        return [int(manifest["registers"]["satp"], 16)]

    @staticmethod
    def same_kind(model: str, hardware: str | None) -> bool:
        # the hardware says "page fault" for an invalid entry, missing rights and a clear A bit alike
        return hardware == "page fault" if model in ("translation", "permission", "access flag") else model == hardware

    def decode(self, probe: Probe, status: int, a: int, b: int, c: int, token: int) -> Answer:
        if status == S_SKIPPED:
            return Answer(skipped=True)
        if status == S_FAULT:
            cause = b & 0xFF
            kind = {12: "page fault", 13: "page fault", 15: "page fault", 1: "access fault", 5: "access fault",
                    7: "access fault"}.get(cause, f"exception {cause}")
            return Answer(fault=kind, how=f"mcause {cause}")
        if c == NO_PA:
            return Answer(pa=probe.expected if isinstance(probe.expected, int) else NO_PA,
                          how="access completed; nothing planted")
        if probe.access in "rw" and b != token:
            return Answer(fault="other memory", how=f"{b:#x}, not the token planted at {c:#x}")
        return Answer(pa=c | (probe.va & (3 if probe.access == "x" else 7)), how="token planted physically read back")


BACKENDS = {"arm64": Arm64(), "arm": Arm32(), "x86_64": X86_64(), "x86": X86_32(), "riscv64": Riscv64()}


def backend_for(m):
    if m.arch == "arm":  # the machine follows the layout's RAM
        return Arm32().for_layout(m)
    if m.arch in BACKENDS:
        return BACKENDS[m.arch]
    raise VerifyError(f"no QEMU probe guest for {m.arch} ({m.mmu_format}) yet")
