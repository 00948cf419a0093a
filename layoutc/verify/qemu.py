"""``layoutc verify --qemu``: the simulator's page tables and MMU judged by QEMU's MMU emulation.

    Machine (booted layout) --export_tables--> table images + registers
            --probes.expectations--> [Probe(va, access, mmu.translate's answer)]
    guest sources + `layoutc emit header/ld` of the layout --cross gcc--> guest.bin (linked at the
            kernel image's virtual address, loaded at its physical address)
    qemu-system-* (TCG) + generic loader (guest, tables, control block) --QMP pmemsave--> raw answers
            --Backend.decode--> Answer (pa, or fault kind and level) --compare--> Report

The guest asks the emulated hardware: address-translation instructions and PAR on ARM, real
loads, stores and jumps under an exception handler, a unique token planted at the predicted
physical address and read back through the probed address.  Everything the guest reports is
raw (PAR, ESR, error codes); decoding is done here, per architecture (``arches.py``).
"""

from __future__ import annotations

import json
import random
import shutil
import socket
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..files import make_directory
from ..sim.export import export_tables
from ..sim.mmu import Fault
from ..sim.pagetable.format import Leaf
from .probes import KIND_CODES, Probe, expectations, probe_addresses

GUEST_DIR = Path(__file__).resolve().parent / "guest"
NO_PA = (1 << 64) - 1
K_NOPLANT = 0x100
K_PLANTED = 0x200
K_HOST = 0x400  # the host loaded the token at the predicted pa (the guest has no way there) and reads it after
S_OK, S_FAULT, S_SKIPPED = 1, 2, 3
DONE_MAGIC = 0x454E4F44
CTRL_MAGIC = 0x50434F5455414C
STACK_SIZE = 0x10000  # the guest's data area: its stack, then the control block, probes and results
GUEST_MAX = 0x40000  # the guest's code must end below this offset


class VerifyError(Exception):
    """The verification cannot run (no tool, unsupported layout, guest crash): a message for the user."""


@dataclass(frozen=True, slots=True)
class Answer:
    """What the hardware said: a physical address, or a fault (kind, architectural level)."""

    pa: int | None = None
    fault: str | None = None
    level: int | None = None
    how: str = ""  # the evidence: "token read back", "PAR", ...
    attr: int | None = None  # memory attribute byte from PAR (ARM long descriptors)
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class Mismatch:
    probe: Probe
    answer: Answer
    reason: str

    def __str__(self) -> str:
        p, a = self.probe, self.answer
        want = f"pa {p.expected:#x}" if isinstance(p.expected, int) else \
            f"{p.expected.kind} fault, level {p.expected.level}"
        got = f"pa {a.pa:#x}" if a.pa is not None else f"{a.fault} fault, level {a.level}"
        return (f"{p.va:#018x} {p.who} {'read' if p.access == 'r' else 'write' if p.access == 'w' else 'exec'}"
                f" ({p.why}): layoutc says {want}; QEMU says {got} [{a.how}]: {self.reason}")


@dataclass(frozen=True, slots=True)
class HardwareWrite:
    """A descriptor the page-table walker rewrote during the run (accessed/dirty bits set by the hardware)."""

    pa: int
    before: int
    after: int
    va: int | None = None  # the first address it translates, where the model's tables reach it
    level: int | None = None

    def __str__(self) -> str:
        where = f" (level {self.level} descriptor for {self.va:#018x})" if self.va is not None else ""
        return (f"descriptor at pa {self.pa:#x}{where}: loaded {self.before:#x}, the walker left {self.after:#x}"
                f" (bits {self.before ^ self.after:#x} set by the hardware: the tables were meant to need no update)")


@dataclass
class Report:
    config: str
    addresses: int = 0
    accesses: int = 0
    skipped: int = 0
    attrs_checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    answers: list[tuple[Probe, Answer]] = field(default_factory=list)  # every probe with QEMU's answer
    hardware_writes: list[HardwareWrite] = field(default_factory=list)
    seconds: float = 0.0
    qemu: str = ""

    def summary(self) -> str:
        writes = f", {len(self.hardware_writes)} descriptors rewritten by the walker" if self.hardware_writes else ""
        return (f"{self.config}: {self.addresses} probes, {self.accesses} accesses, {len(self.mismatches)} mismatches"
                f"{writes}"
                f" ({self.skipped} not attempted, {self.attrs_checked} memory types checked; {self.qemu},"
                f" {self.seconds:.1f}s)")


def _find(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise VerifyError(f"`{tool}` not found on PATH (see docs/sim.md: layoutc verify needs QEMU and a cross gcc)")
    return path


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the guest lives: code at the kernel image's physical address, data in writable lowmem."""

    guest_pa: int  # the image's physical address: the landing page, then the code
    data_pa: int  # stack (grows down from data_pa + STACK_SIZE), then the control block
    ctrl_pa: int
    end: int  # end of the results

    @property
    def stack_top(self) -> int:
        return self.data_pa + STACK_SIZE


def place(m, images, probes: int, avoid: tuple[tuple[int, int], ...] = ()) -> Placement:
    """The first 2 MiB-aligned stretch after the kernel image that the kernel may write through the
    linear map and that holds no page table (ARM maps its text read-only in whole sections) and
    none of the ``avoid`` ranges (pages a workload mapped: their probes must be free to plant)."""
    from ..sim.pagetable import linear_ranges

    guest_pa, size = m.kernel_image[1], m.kernel_image[2]
    need = STACK_SIZE + 256 + 64 * probes
    tables = [(int(name.split("-")[1].split(".")[0], 16), len(data)) for name, data in images] + \
        [(lo, hi - lo) for lo, hi in avoid]
    step = 2 << 20
    candidate = -(-(guest_pa + max(size, GUEST_MAX)) // step) * step
    for _ in range(64):
        end = candidate + need
        inside = any(lo <= candidate and end <= hi for lo, hi in linear_ranges(m))
        clear = not any(pa < end and candidate < pa + n for pa, n in tables)
        if inside and clear and all(isinstance(m.mmu.translate(m.linear.va(pa), "w"), int)
                                    for pa in range(candidate, end, 4096)):
            return Placement(guest_pa, candidate, candidate + STACK_SIZE, end)
        candidate += step
    raise VerifyError("no writable lowmem after the kernel image for the probe guest's data")


def build_guest(backend, layout, m, place_: Placement, workdir: Path, overrides=()) -> Path:
    """Compile the probe guest on the layout's own header and linker-script fragment."""
    from ..emit import c_header, linker_script
    from ..emit.base import EmitOptions

    source = Path(layout.files[0].name).name if layout.files else ""
    options = EmitOptions(prefix="LAYOUT", source=source, overrides=tuple(tuple(o.split("=", 1)) for o in overrides))
    (workdir / "layout.h").write_text(c_header.emit(layout, options), encoding="utf-8")
    ld_options = EmitOptions(prefix=options.prefix, source=options.source, overrides=options.overrides,
                             extra=tuple(sorted(backend.ld_options)))
    (workdir / "layout.ld").write_text(linker_script.emit(layout, ld_options), encoding="utf-8")
    cc = _find(backend.cc)
    defines = {"CTRL_PA": place_.ctrl_pa, "STACK_VA": m.linear.va(place_.stack_top), **backend.defines(m, place_)}
    elf = workdir / "guest.elf"
    argv = [cc, "-O2", "-ffreestanding", "-nostdlib", "-fno-pic", "-fno-pie", "-no-pie", "-fno-stack-protector",
            "-fno-asynchronous-unwind-tables", "-fno-unwind-tables", "-fno-builtin", "-Wall", "-Werror",
            *backend.cflags, f"-I{GUEST_DIR}", f"-I{workdir}",
            *(f"-D{k}={v:#x}" for k, v in defines.items()),
            *backend.ldflags(workdir), "-Wl,--build-id=none", "-o", str(elf),
            *(str(GUEST_DIR / s) for s in backend.sources)]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise VerifyError(f"building the probe guest failed:\n$ {' '.join(argv)}\n{done.stderr.strip()}")
    if backend.firmware:
        backend.build_firmware(workdir, cc, defines)
    binary = workdir / "guest.bin"
    objcopy = _find(backend.cc.replace("gcc", "objcopy") if backend.cc != "gcc" else "objcopy")
    done = subprocess.run([objcopy, "-O", "binary", *backend.objcopy_flags, str(elf), str(binary)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise VerifyError(f"objcopy failed: {done.stderr.strip()}")
    if binary.stat().st_size > GUEST_MAX:
        raise VerifyError(f"the probe guest is {binary.stat().st_size} bytes, more than {GUEST_MAX}")
    return binary


def _disable_thp() -> None:
    """QEMU's guest RAM without transparent huge pages: touching a few pages of gigabytes stays cheap."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(41, 1, 0, 0, 0)  # PR_SET_THP_DISABLE
    except (OSError, AttributeError):
        pass


class _Qmp:
    def __init__(self, path: str, proc: subprocess.Popen, deadline: float) -> None:
        self.proc = proc
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                self.sock.close()
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise VerifyError(f"QEMU did not start: {self._stderr()}") from None
                time.sleep(0.01)
        self.buffer = b""
        self._read()  # greeting
        self.call("qmp_capabilities")

    def _stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        return ((self.proc.stderr.read() if self.proc.stderr else b"") or b"").decode(errors="replace").strip()

    def _read(self) -> dict:
        while True:
            while b"\n" not in self.buffer:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise VerifyError(f"QEMU closed its monitor: {self._stderr()}")
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\n", 1)
            message = json.loads(line)
            if "event" not in message:
                return message

    def call(self, command: str, **arguments) -> object:
        self.sock.sendall(json.dumps({"execute": command, "arguments": arguments}).encode() + b"\n")
        reply = self._read()
        if "error" in reply:
            raise VerifyError(f"QEMU monitor: {command}: {reply['error'].get('desc')}")
        return reply.get("return")

    def read(self, pa: int, size: int, path: str) -> bytes:
        self.call("pmemsave", val=pa, size=size, filename=path)
        return Path(path).read_bytes()


def run_guest(backend, m, place_: Placement, binary: Path, images, ctrl: bytes, result_size: int, workdir: Path,
              timeout: float = 120.0, reads: tuple[int, ...] = (),
              regions: tuple[tuple[int, int], ...] = ()) -> tuple[bytes, dict[int, int | bytes]]:
    """Boot the guest in QEMU with the tables loaded; return the results area once it is done, and the
    memory at ``reads`` (8-byte words) and ``regions`` ((pa, size): whole bytes objects) after the run."""
    qemu = _find(backend.qemu)
    guest_pa, ctrl_pa = place_.guest_pa, place_.ctrl_pa
    loads = [(binary, guest_pa), (workdir / "ctrl.bin", ctrl_pa)]
    (workdir / "ctrl.bin").write_bytes(ctrl)
    for name, data in images:
        path = workdir / name
        path.write_bytes(data)
        loads.append((path, int(name.split("-")[1].split(".")[0], 16)))
    sock = str(workdir / "qmp.sock")
    argv = [qemu, *backend.machine_args(m), "-accel", "tcg", "-nodefaults", "-display", "none", "-serial", "none",
            "-monitor", "none", "-no-reboot", "-qmp", f"unix:{sock},server=on,wait=off"]
    for path, pa in loads:
        argv += ["-device", f"loader,file={path},addr={pa:#x},force-raw=on"]
    argv += backend.start_args(m, guest_pa, workdir)
    deadline = time.monotonic() + timeout
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=_disable_thp)
    try:
        qmp = _Qmp(sock, proc, deadline)
        head = str(workdir / "head.bin")
        # an exception no probe expected ends in `fatal`, or loops on the vector when the vectors themselves
        # are unmapped: either way the guest cannot go on
        spins = [(a, a + n) for a, n in ((_symbol(backend, workdir / "guest.elf", "fatal"), 16),
                                         (_symbol(backend, workdir / "guest.elf", "vectors"), 0x800)) if a is not None]
        progress, still = -1, time.monotonic()
        while True:
            words = struct.unpack("<6Q", qmp.read(ctrl_pa, 48, head))
            if words[4] == DONE_MAGIC:
                break
            if words[5] != progress:
                progress, still = words[5], time.monotonic()
            stuck = time.monotonic() - still > 0.5 and any(lo <= (_pc(qmp) or -1) < hi for lo, hi in spins)
            if stuck or time.monotonic() > deadline or proc.poll() is not None:
                state = qmp.call("human-monitor-command", **{"command-line": "info registers"}) \
                    if proc.poll() is None else ""
                raise VerifyError(f"the probe guest did not finish ({words[5]} of {words[1]} probes answered)"
                                  f"\n{str(state)[:1500]}")
            time.sleep(0.02)
        results = qmp.read(words[3], result_size, str(workdir / "results.bin"))
        word = str(workdir / "word.bin")
        memory: dict[int, int | bytes] = {pa: int.from_bytes(qmp.read(pa, 8, word), "little") for pa in reads}
        for pa, size in regions:  # the tables as the walker left them (hardware A/D updates)
            memory[pa] = qmp.read(pa, size, str(workdir / "region.bin"))
        try:
            qmp.call("quit")
        except VerifyError:
            pass
        return results, memory
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stderr:
            proc.stderr.close()


def _symbol(backend, elf: Path, name: str) -> int | None:
    """The address of a guest symbol (the spin loop an unexpected exception ends in)."""
    nm = shutil.which(backend.cc.replace("gcc", "nm")) or shutil.which("nm")
    if nm is None:
        return None
    done = subprocess.run([nm, str(elf)], capture_output=True, text=True)
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16)
    return None


def _pc(qmp) -> int | None:
    text = str(qmp.call("human-monitor-command", **{"command-line": "info registers"}))
    for key in ("PC=", "RIP=", "pc "):
        at = text.find(key)
        if at >= 0:
            try:
                return int(text[at + len(key):].split()[0], 16)
            except ValueError:
                return None
    return None


def _protected(images, place_: Placement) -> list[tuple[int, int]]:
    """Physical ranges the guest must never plant a token in: the tables, its own code and data."""
    ranges = [(place_.guest_pa + 0x1000, place_.guest_pa + GUEST_MAX), (place_.data_pa, place_.end)]
    for name, data in images:  # whole pages: a loaded page of tokens must never overlap a table
        pa = int(name.split("-")[1].split(".")[0], 16)
        ranges.append((pa & ~0xFFF, -(-(pa + len(data)) // 0x1000) * 0x1000))
    return ranges


def _mapped_pages(m, mappings) -> tuple[tuple[int, int], ...]:
    """The physical ranges behind the mappings a workload made (pages, or the leaves of a vmap area)."""
    out = []
    for x in mappings:
        if not x.mapped:
            continue
        if x.pages:
            out += [(pa, pa + m.page_size) for pa in x.pages]
            continue
        va = x.va
        while va < x.va + x.size:
            leaf = m.pagetable.walk(va)
            if not isinstance(leaf, Leaf):
                va += m.page_size
                continue
            out.append((leaf.pa_base, leaf.pa_base + (1 << leaf.shift)))
            va = leaf.va_base + (1 << leaf.shift)
    return tuple(sorted(set(out)))


def _out_of_reach(m, va: int, ram, reach) -> bool:
    """The page at ``va`` is RAM QEMU has but the guest cannot plant in (ARM32 HighMem): host tokens."""
    leaf = m.pagetable.walk(va)
    if not isinstance(leaf, Leaf):
        return False
    pa = leaf.pa_base | (va & ((1 << leaf.shift) - 1))
    return any(lo <= pa < hi for lo, hi in ram) and not any(lo <= pa < hi for lo, hi in reach)


def verify(m, backend, config: str = "", overrides=(), random_count: int = 64, seed: int = 0,
           mutate=None, keep: str | None = None, timeout: float = 120.0, extra: tuple[int, ...] = (),
           workload: dict | None = None, boot_probes: bool = True) -> Report:
    """Probe ``m``'s page tables in QEMU -- the boot tables, or as a scenario (``workload``) left them;
    ``mutate(images) -> images`` alters the images (negative controls); ``boot_probes=False`` probes only
    the mappings made after boot and ``extra``."""
    from ..sim.mappings import after_boot

    started = time.monotonic()
    if m.pagetable is None or m.mmu is None or m.kernel_image is None:
        raise VerifyError("the layout boots without page tables or a kernel image: nothing to verify")
    backend.check(m)
    export = export_tables(m, tuple(overrides), workload)
    images = list(export.images)
    if mutate is not None:
        images = mutate(images)
    mappings = after_boot(m)
    addresses = probe_addresses(m, random_count, seed, extra=extra, mappings=mappings, boot=boot_probes)
    ram = backend.qemu_ram(m)
    reach = backend.plant_ranges(m)[:4]  # where the guest plants tokens itself
    # where the host loads the tokens (K_HOST), execute probes take the other half of the page
    apart = frozenset(va for va, _ in addresses if _out_of_reach(m, va, ram, reach)) if backend.host_tokens \
        else frozenset()
    probes = expectations(m, addresses, backend.exec_xor, apart, backend.accesses)
    place_ = place(m, export.images, len(probes), _mapped_pages(m, mappings))
    probes_pa = place_.ctrl_pa + 256
    results_pa = probes_pa + 32 * len(probes)
    protected = _protected(export.images, place_) + list(backend.reserved)
    rng = random.Random(seed ^ 0x5EED)
    tokens = []
    packed = bytearray()
    planted: dict[int, bytearray] = {}  # page pa -> contents: return instructions for the exec probes
    current: dict[int, int] = {}  # physical word -> the value it holds at this point of the run (physical tokens)
    expect_value: dict[int, int] = {}  # probe index -> the value its read must return
    last_write: dict[int, int] = {}  # physical word -> index of the probe that wrote it last
    exec_words: set[int] = set()
    for index, probe in enumerate(probes):
        token = rng.getrandbits(64) | 1
        tokens.append(token)
        plant = probe.expected if isinstance(probe.expected, int) else NO_PA
        walked = m.pagetable.walk(probe.va)
        where = plant if plant != NO_PA else (walked.pa_base | (probe.va & ((1 << walked.shift) - 1))
                                              if isinstance(walked, Leaf) else NO_PA)
        kind = KIND_CODES[(probe.who, probe.access)]
        in_ram = where != NO_PA and any(lo <= where and where + 8 <= hi for lo, hi in ram)
        # no AT instruction (x86): tokens loaded before boot, memory read after it; so too where the guest
        # cannot reach the predicted pa (ARM HighMem behind vmalloc and kmap: not in the linear map)
        physical = backend.physical_tokens or (backend.host_tokens and plant != NO_PA and in_ram and not any(
            lo <= plant and plant + 8 <= hi for lo, hi in reach))
        if where != NO_PA and place_.guest_pa <= where < place_.guest_pa + 0x1000 and probe.access == "x":
            kind |= K_PLANTED  # the guest's landing page: returns all the way
            plant = where
        elif where != NO_PA and any(lo <= where < hi for lo, hi in protected):
            kind |= K_NOPLANT
        elif physical and probe.access in "rw" and probe.who == "kernel" and plant != NO_PA and in_ram and \
                not place_.guest_pa <= plant < place_.guest_pa + 0x1000:  # nothing loads over the guest
            key = plant & ~7
            if key in exec_words:
                kind |= K_NOPLANT
            else:
                initial = current.setdefault(key, rng.getrandbits(64) | 1)
                page = planted.setdefault(key & ~0xFFF, bytearray(0x1000))
                if key not in last_write and page[key & 0xFFF:(key & 0xFFF) + 8] == bytes(8):
                    page[key & 0xFFF:(key & 0xFFF) + 8] = initial.to_bytes(8, "little")
                if probe.access == "r":
                    expect_value[index] = current[key]
                else:
                    current[key] = token
                    last_write[key] = index
                if not backend.physical_tokens:
                    kind |= K_HOST
        elif physical and probe.access in "rw":
            kind |= K_NOPLANT
        if probe.access == "x" and not kind & (K_PLANTED | K_NOPLANT) and where != NO_PA and in_ram and \
                (where & ~7) not in current:
            # the text may have no writable alias (ARM32 lowmem): load the return instruction with QEMU
            page = planted.setdefault(where & ~0xFFF, bytearray(0x1000))
            ret = backend.ret_insn
            page[where & 0xFFF:(where & 0xFFF) + len(ret)] = ret
            exec_words.add(where & ~7)
            kind |= K_PLANTED
            plant = where
        packed += struct.pack("<4Q", probe.va, kind, plant, token)
    regs = backend.registers(export.manifest, m, place_)
    if backend.user_page:  # x86: where the guest maps its ring-3 stub, where no probe looks
        regs[7] = backend.user_va(m, probes, export.manifest)
    ranges = [pa for lo_hi in reach for pa in lo_hi]
    regs += [0] * (18 - len(regs)) + ranges + [0] * (8 - len(ranges))
    ctrl = struct.pack("<6Q", CTRL_MAGIC, len(probes), probes_pa, results_pa, 0, 0) + struct.pack("<26Q", *regs)
    ctrl = ctrl.ljust(256, b"\0") + bytes(packed)
    with tempfile.TemporaryDirectory(prefix="layoutc-verify-") as tmp:
        workdir = Path(keep) if keep else Path(tmp)
        make_directory(workdir)  # --keep /proc/x: a WriteError (exit 2), not a FileNotFoundError
        binary = build_guest(backend, m.layout, m, place_, workdir, overrides)
        plants = [(f"planted-{pa:016x}.bin", bytes(data)) for pa, data in sorted(planted.items())]
        regions = tuple((int(name.split("-")[1].split(".")[0], 16), len(data)) for name, data in images) \
            if backend.hardware_ad else ()
        raw, memory = run_guest(backend, m, place_, binary, images + plants, ctrl, 32 * len(probes), workdir,
                                timeout, tuple(sorted(last_write)), regions)
    report = Report(config or m.layout.name, addresses=len(addresses), accesses=len(probes))
    leaves = _attr_map(export.manifest)
    for i, probe in enumerate(probes):
        status, a, b, c = struct.unpack_from("<4Q", raw, 32 * i)
        answer = backend.decode(probe, status, a, b, c, tokens[i])
        if (i in expect_value or probe.access == "w") and answer.pa is not None and isinstance(probe.expected, int):
            answer = _physical_check(probe, answer, i, b, expect_value, last_write, memory, current)
        report.answers.append((probe, answer))
        if answer.skipped:
            report.skipped += 1
            continue
        reason = compare(probe, answer, backend.reports_levels, backend.same_kind)
        if reason is None and answer.attr is not None and isinstance(probe.expected, int) and backend.normal_attr:
            # the boot tables map RAM only: every leaf is meant to be normal write-back memory (Linux's
            # MT_NORMAL / L_PTE_MT_WRITEALLOC, attribute 0xff), whatever index its descriptor selects
            report.attrs_checked += 1
            if answer.attr != backend.normal_attr:
                reason = (f"memory attributes {answer.attr:#04x}, RAM is meant to be normal write-back "
                          f"({backend.normal_attr:#04x}); the leaf selects {_attr_at(leaves, probe.va)}")
        if reason is not None:
            report.mismatches.append(Mismatch(probe, answer, reason))
    if backend.hardware_ad:
        skip = backend.guest_table_writes(m, regs)
        report.hardware_writes = [w for w in _hardware_writes(m, images, memory, skip)
                                  if not backend.emulator_write(m, w.pa, w.before, w.after)]
    report.seconds = time.monotonic() - started
    report.qemu = " ".join([backend.qemu, *backend.machine_args(m)[:2]])  # e.g. qemu-system-arm -M sabrelite
    return report


def _hardware_writes(m, images, memory, skip: set[int]) -> list[HardwareWrite]:
    """Every descriptor the walker changed while the guest ran (x86 and RISC-V set accessed and dirty bits
    themselves): Linux's boot tables set A and D on every kernel mapping, so a change means a bit the model
    counts on was clear in the tables QEMU ran on."""
    size = m.pagetable.entry_bytes if hasattr(m.pagetable, "entry_bytes") else 8
    changed = []
    for name, data in images:
        pa = int(name.split("-")[1].split(".")[0], 16)
        after = memory.get(pa)
        if not isinstance(after, bytes | bytearray) or after == data:
            continue
        for offset in range(0, len(data), size):
            if data[offset:offset + size] != after[offset:offset + size] and pa + offset not in skip:
                changed.append((pa + offset, int.from_bytes(data[offset:offset + size], "little"),
                                int.from_bytes(after[offset:offset + size], "little")))
    if not changed:
        return []
    where = _descriptor_vas(m.pagetable, {pa for pa, _, _ in changed})
    return [HardwareWrite(pa, before, after, *where.get(pa, (None, None))) for pa, before, after in changed]


def _descriptor_vas(table, wanted: set[int]) -> dict[int, tuple[int, int]]:
    """descriptor pa -> (first va it translates, architectural level), for the descriptors in ``wanted``."""
    found: dict[int, tuple[int, int]] = {}
    last = len(table.levels) - 1
    stack = [(key, base, 0) for key, base in table.leaf_roots()]
    while stack:
        key, base, index = stack.pop()
        shift, entries, _, _ = table.levels[index]
        start = table.table_pa(key)
        for slot, desc in enumerate(table.tables[key]):
            va = table.canonical(base + (slot << shift))
            if start + slot * table.entry_bytes in wanted:
                found[start + slot * table.entry_bytes] = (va, table.arch_level(index))
            if index < last and table.kind(desc, index) == 1:
                stack.append((desc & table.addr_mask, base + (slot << shift), index + 1))
    return found


def _physical_check(probe, answer, index, value, expect_value, last_write, memory, current) -> Answer:
    """A read must return the token at the predicted address; the last write to a word must be in memory."""
    from dataclasses import replace

    key = probe.expected & ~7
    if probe.access == "r" and index in expect_value:
        if value != expect_value[index]:
            return replace(answer, pa=None, fault="other memory",
                           how=f"read {value:#x}, not the token loaded at {key:#x}")
        return replace(answer, how="the token loaded at the predicted pa read back")
    if probe.access == "w" and last_write.get(key) == index:
        if memory.get(key) != current[key]:
            return replace(answer, pa=None, fault="other memory",
                           how=f"the predicted pa {key:#x} holds {memory.get(key, 0):#x} after the run, not the token")
        return replace(answer, how="the token written is in memory at the predicted pa")
    return answer


def compare(probe: Probe, answer: Answer, levels: bool, same_kind=lambda model, hardware: model == hardware) -> str | None:
    """None when QEMU agrees with the model; else why not."""
    want = probe.expected
    if isinstance(want, int):
        if answer.pa is None:
            return "the model maps it, the hardware faults"
        if answer.pa != want:
            return "a different physical address"
        return None
    assert isinstance(want, Fault)
    if answer.pa is not None:
        return "the model faults, the hardware translates"
    if not same_kind(want.kind, answer.fault):
        return "a different kind of fault"
    # an address outside both TTBR ranges faults before any walk: no level to compare (QEMU 7.2 reports
    # level 0 for the TTBR0 side and the start level, -1 with LPA2, for the TTBR1 side)
    if levels and answer.level != want.level and "outside both TTBR" not in want.detail:
        return "a fault at a different level"
    return None


def _attr_map(manifest: dict) -> list[tuple[int, int, str]]:
    return [(int(leaf["va"], 16), int(leaf["va"], 16) + leaf["size"], leaf["memory"]) for leaf in manifest["leaves"]]


def _attr_at(leaves, va: int) -> str:
    return next((memory for lo, hi, memory in leaves if lo <= va < hi), "?")


__all__ = ["Answer", "HardwareWrite", "Mismatch", "Report", "VerifyError", "build_guest", "compare", "verify"]
