"""RISC-V Sv39 / Sv48 / Sv57 paging (RISC-V privileged spec "Supervisor-level ISA", Sv39-Sv57;
arch/riscv/include/asm/pgtable-bits.h).

    bit 0 V  1 R  2 W  3 X  4 U  5 G  6 A  7 D  [9:8] RSW   PPN from bit 10 (PPN[0] = pa[20:12] ...)
    4 KiB pages, 512 x 8-byte entries per level; 3 (Sv39), 4 (Sv48), 5 (Sv57) levels.
A valid entry with none of R/W/X points at the next table; any of them makes it a leaf
(2 MiB megapage one level up, 1 GiB gigapage two levels up -- where aligned).
W without R is reserved, as are A/D/U on a pointer entry: both fault.  A superpage
whose PPN has low bits set is misaligned and faults.  There are no table-level
permissions: the leaf alone decides.  U pages are never executable in S-mode, and
S-mode reads/writes of them fault unless sstatus.SUM is set -- Linux sets SUM only
inside uaccess windows, so the kernel's normal state is SUM off (the MMU's PAN switch).
Addresses must be canonical: bits 63..VA_BITS-1 all equal (else a page fault).

Tables are keyed in ``tables`` by the PTE's PPN field (``pa >> 2``: PPN << 10), so a
descriptor masked with ``addr_mask`` names its child table as in the other formats;
``table_pa(desc)`` gives the physical address.
"""

from __future__ import annotations

from array import array

from ..errors import SimError
from .format import KR, KW, KX, UR, UW, UX, Leaf, Prot, WalkFault
from .radix import BLOCK, INVALID, TABLE, RadixTable

V, R, W, X, U, G, A, D = 1, 2, 4, 8, 16, 32, 64, 128
RWX = R | W | X
PPN_SHIFT = 10
PPN_MASK = ((1 << 44) - 1) << PPN_SHIFT  # PPN[53:10]
# Linux _PAGE_TABLE (pgtable-bits.h): a pointer entry is V alone
PAGE_TABLE = V
# the kernel's leaf bits: _PAGE_KERNEL = READ | WRITE | PRESENT | ACCESSED | DIRTY | GLOBAL
LEVEL_NAMES = {3: ("PGD", "PMD", "PTE"), 4: ("PGD", "PUD", "PMD", "PTE"), 5: ("PGD", "P4D", "PUD", "PMD", "PTE")}
MODES = {"riscv_sv39": 39, "riscv_sv48": 48, "riscv_sv57": 57}


def riscv_levels(va_bits: int) -> tuple[tuple[int, int, str, bool], ...]:
    count = {39: 3, 48: 4, 57: 5}[va_bits]
    levels = []
    for i in range(count):
        shift = 12 + 9 * (count - 1 - i)
        # Linux maps the linear map with PMD (2 MiB) and PUD (1 GiB) leaves only
        levels.append((shift, 512, LEVEL_NAMES[count][i], shift in (21, 30)))
    return tuple(levels)


class RiscvTable(RadixTable):
    addr_mask = PPN_MASK
    level_step = -1  # the privileged spec's i: LEVELS-1 at the root .. 0 at the 4 KiB page

    def __init__(self, alloc, va_bits: int) -> None:
        if va_bits not in (39, 48, 57):
            raise SimError("paging_init", f"RISC-V paging has 39-, 48- or 57-bit VAs, not {va_bits}")
        self.va_bits = va_bits
        self.levels = riscv_levels(va_bits)
        self.first_level = len(self.levels) - 1
        self.name = f"riscv Sv{va_bits}"
        super().__init__(alloc)

    # tables are keyed by the PPN field (pa >> 2); the allocator still sees physical addresses
    def _new_table(self, size: int, count: int, typecode: str) -> int:
        pa = self.alloc(size)
        self.tables[pa >> 2] = array(typecode, bytes(size))
        pages = max(1, size >> 12)
        self.table_pages += pages
        if not self.booting:
            self.dynamic_pages += pages
        return pa >> 2

    def table_pa(self, key_or_desc: int) -> int:
        return (key_or_desc & PPN_MASK) << 2

    @property
    def satp_ppn(self) -> int:
        """satp.PPN: the root table's physical page number."""
        return self.table_pa(self.root) >> 12

    def registers(self) -> dict[str, int]:
        """satp: MODE (8 Sv39, 9 Sv48, 10 Sv57), ASID 0, PPN of the root."""
        return {"satp": {39: 8, 48: 9, 57: 10}[self.va_bits] << 60 | self.satp_ppn}

    def contexts(self) -> dict[str, dict[str, int]]:
        return {"kernel": {"sstatus.SUM": 0}, "user": {}}

    def memory_type(self, desc: int, level: int) -> str:
        return "PMA"  # no Svpbmt bits set: the platform's physical memory attributes decide

    def encode_table(self, level: int, pa: int, user: bool) -> int:
        return pa | PAGE_TABLE  # ``pa`` is the table's key: already PPN << 10

    def encode_leaf(self, level: int, pa: int, prot: Prot, block: bool) -> int:
        desc = (pa >> 12) << PPN_SHIFT | V | A
        if prot.read or prot.write:
            desc |= R  # W without R is reserved: a writable page is readable
        if prot.write:
            desc |= W | D
        if prot.execute:
            desc |= X
        if prot.user:
            desc |= U
        else:
            desc |= G
        if not desc & RWX:
            desc |= R  # PAGE_NONE-like prot would read as a pointer; keep it a leaf
        return desc

    def kind(self, desc: int, level: int) -> int:
        if not desc & V:
            return INVALID
        if desc & RWX:
            return BLOCK if level < len(self.levels) - 1 else TABLE
        return TABLE  # a pointer (at the last level: reserved, the walk faults)

    def root_for(self, va: int) -> int | WalkFault:
        top = va >> (self.va_bits - 1)
        if top not in (0, (1 << (65 - self.va_bits)) - 1):
            return WalkFault("translation", 0, 0, f"non-canonical address (Sv{self.va_bits})")
        return self.root

    def _base(self, va: int) -> int:
        return va & ~((1 << self.va_bits) - 1)

    def canonical(self, va: int) -> int:
        if va >> (self.va_bits - 1) & 1:
            return va | (((1 << 64) - 1) & ~((1 << self.va_bits) - 1))
        return va

    def walk(self, va: int) -> Leaf | WalkFault:
        """The privileged spec's translation process (4.3.2), permission bits read from the leaf alone."""
        root = self.root_for(va)
        if isinstance(root, WalkFault):
            return WalkFault(root.kind, self.arch_level(root.level), root.steps, root.detail)
        table = self.tables[root]
        steps = 0
        last = len(self.levels) - 1
        for level, (shift, entries, _, _) in enumerate(self.levels):
            desc = table[(va >> shift) & (entries - 1)]
            steps += 1
            if not desc & V:
                return WalkFault("translation", self.arch_level(level), steps)
            if desc & (R | W) == W:
                return WalkFault("translation", self.arch_level(level), steps, "reserved encoding: W without R")
            if not desc & RWX:
                if level == last:
                    return WalkFault("translation", self.arch_level(level), steps, "pointer entry at the last level")
                if desc & (A | D | U):
                    return WalkFault("translation", self.arch_level(level), steps, "A/D/U set on a pointer entry")
                table = self.tables[desc & PPN_MASK]
                continue
            mask = (1 << shift) - 1
            pa = self.table_pa(desc)
            if pa & mask:
                return WalkFault("translation", self.arch_level(level), steps, "misaligned superpage")
            perm, global_, accessed = self.leaf_perm(desc, level, 0)
            return Leaf(va & ~mask, pa, shift, perm, self.arch_level(level), steps, global_, False, accessed)
        raise SimError(f"{self.name}.walk", "ran past the last level")  # pragma: no cover

    def leaf_perm(self, desc: int, level: int, acc: int) -> tuple[int, bool, bool]:
        r, w, x = bool(desc & R), bool(desc & W), bool(desc & X)
        if desc & U:
            # U pages: user rights; S-mode may read/write them only with SUM (the MMU's PAN
            # switch removes that) and may never execute them
            perm = (UR if r else 0) | (UW if w else 0) | (UX if x else 0)
            perm |= (KR if r else 0) | (KW if w else 0)
        else:
            perm = (KR if r else 0) | (KW if w else 0) | (KX if x else 0)
        # A = 0: Linux's Svade behaviour is a page fault (reported as an access-flag fault)
        return perm, bool(desc & G), bool(desc & A)

    def attrs(self, desc: int, level: int) -> tuple[str, ...]:
        # arch/riscv/mm/ptdump.c pte_bits order: D A G U X W R V, "." when clear
        return tuple(name if desc & bit else "." for bit, name in
                     ((D, "D"), (A, "A"), (G, "G"), (U, "U"), (X, "X"), (W, "W"), (R, "R"), (V, "V")))
