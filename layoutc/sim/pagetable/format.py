"""Page-table formats: the common model every architecture's tables are read through.

Tables live in simulated physical memory: ``tables[pa]`` is an ``array`` of raw
descriptors (the exact bit patterns of SIM-REFERENCE §5) for the table whose
first byte is at physical address ``pa``.  A walk follows the addresses inside
the descriptors, exactly as the hardware walker would:

    root pa --desc[index(va, L0)]--> table pa --desc[index(va, L1)]--> ... --> leaf (pa base, perms)

Permissions are decoded into a 6-bit mask so the MMU's check is one AND:

    bit 0 kernel read   bit 1 kernel write   bit 2 kernel exec
    bit 3 user read     bit 4 user write     bit 5 user exec
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass

KR, KW, KX, UR, UW, UX = 1, 2, 4, 8, 16, 32
USER_BITS = UR | UW | UX


@dataclass(frozen=True, slots=True)
class Prot:
    """What a mapping asks for; each format turns it into its own descriptor bits."""

    read: bool = True
    write: bool = False
    execute: bool = False
    user: bool = False
    device: bool = False

    @classmethod
    def parse(cls, perm: str | None, user: bool = False) -> Prot:
        perm = "rw" if perm is None else perm
        return cls(read="r" in perm, write="w" in perm, execute="x" in perm, user=user)

    def mask(self) -> int:
        """The permission mask an ideal MMU would derive (formats may add architectural limits)."""
        k = (KR if self.read else 0) | (KW if self.write else 0) | (KX if self.execute else 0)
        return k | (k << 3 if self.user else 0)


PAGE_KERNEL = Prot(write=True)
PAGE_KERNEL_RO = Prot()
PAGE_KERNEL_ROX = Prot(execute=True)
PAGE_USER_RW = Prot(write=True, user=True)


@dataclass(frozen=True, slots=True)
class Leaf:
    """A successful walk: the mapped block and what it allows."""

    va_base: int
    pa_base: int
    shift: int  # log2 of the mapping size (12, 16, 20, 21, 24, 30, ...)
    perm: int  # KR..UX mask, after the architecture's rules
    level: int  # 0 = root
    steps: int  # descriptors read
    global_: bool
    domain_user: bool = False  # ARM short-descriptor: in DOMAIN_USER
    af: bool = True  # access flag (arm64/LPAE)


@dataclass(frozen=True, slots=True)
class WalkFault:
    kind: str  # "translation", "access flag", "permission", "domain"
    level: int
    steps: int
    detail: str = ""


@dataclass(frozen=True, slots=True)
class DumpEntry:
    """One leaf (or unmapped stretch) for ptdump: level name and attribute words."""

    va: int
    size: int
    level: str
    attrs: tuple[str, ...]
    mapped: bool = True


TableAlloc = Callable[[int], int]  # size in bytes -> physical address (memblock at boot, buddy later)


class PageTable:
    """Interface the MMU, vmalloc, ptdump and the table export use; one subclass per format.

    Levels are numbered as the architecture numbers them (``arch_level``): ARM counts up from
    the root's level (arm64 4K/48-bit: 0..3, 3 levels: 1..3, LPA2 52-bit 4K: -1..3; ARMv7
    short descriptors 1..2, LPAE 1..3); x86 names levels by depth to the page (PML5=5 ..
    PT=1) and RISC-V's translation process counts i = LEVELS-1 down to 0.  Faults and leaves
    carry these numbers, so a fault compares directly with what the hardware reports.
    """

    name = "?"
    va_bits = 32
    level_names: tuple[str, ...] = ()
    first_level = 0  # the architecture's number for the root level
    level_step = 1  # +1: numbers grow towards the page (ARM); -1: they shrink (x86, RISC-V)

    def __init__(self, alloc: TableAlloc) -> None:
        self.alloc = alloc
        self.tables: dict[int, array[int]] = {}  # pa -> the table's descriptors
        self.table_pages = 0  # pages of tables allocated so far
        self.dynamic_pages = 0  # of those, pages allocated after boot (meminfo PageTables)
        self.booting = True

    def _new_table(self, size: int, count: int, typecode: str) -> int:
        pa = self.alloc(size)
        self.tables[pa] = array(typecode, bytes(size))
        pages = max(1, size >> 12)
        self.table_pages += pages
        if not self.booting:
            self.dynamic_pages += pages
        return pa

    def arch_level(self, index: int) -> int:
        """The architecture's number for the level ``index`` steps below the root."""
        return self.first_level + self.level_step * index

    def table_pa(self, key: int) -> int:
        """Physical address of the table stored under ``key`` in ``tables`` (the key itself, but RISC-V)."""
        return key

    def roots(self) -> dict[str, int]:
        """Physical address of each root the hardware is pointed at: ``kernel`` and, where separate, ``user``."""
        root = getattr(self, "root", None)
        if root is None:
            root = getattr(self, "pgd")
        roots = {"kernel": self.table_pa(root)}
        user = getattr(self, "user_root", None)
        if user is not None:
            roots["user"] = self.table_pa(user)
        return roots

    def images(self) -> list[tuple[int, bytes]]:
        """The tables as little-endian memory images, one chunk per physically contiguous run."""
        import sys

        chunks: list[tuple[int, bytearray]] = []
        for key in sorted(self.tables, key=self.table_pa):
            table = self.tables[key]
            if sys.byteorder != "little":
                table = table.__copy__()
                table.byteswap()
            data = table.tobytes()
            pa = self.table_pa(key)
            if chunks and chunks[-1][0] + len(chunks[-1][1]) == pa:
                chunks[-1][1].extend(data)
            else:
                chunks.append((pa, bytearray(data)))
        return [(pa, bytes(data)) for pa, data in chunks]

    def registers(self) -> dict[str, int]:
        """The control-register values these tables are built for (what the kernel programs)."""
        return {}

    def contexts(self) -> dict[str, dict[str, int]]:
        """Register values that differ between kernel and user execution (PAN, SMAP, SUM, DACR, EPD0)."""
        return {"kernel": {}, "user": {}}

    def memory_type(self, desc: int, level: int) -> str:
        """The memory type a leaf descriptor selects, as the architecture names it."""
        return "normal"

    def leaves(self) -> Iterator[tuple[int, int, int, int]]:
        """Every leaf reachable from the roots: (va, size, architectural level, raw descriptor)."""
        return iter(())

    # subclasses implement:
    def map(self, va: int, pa: int, size: int, prot: Prot, user: bool = False, blocks: bool = True) -> None:
        raise NotImplementedError

    def unmap(self, va: int, size: int) -> None:
        raise NotImplementedError

    def walk(self, va: int) -> Leaf | WalkFault:
        raise NotImplementedError

    def dump(self, start: int, end: int) -> Iterator[DumpEntry]:
        raise NotImplementedError

    def check_invariants(self) -> None:
        """Every table descriptor points at a table we allocated."""
