"""ARMv7 LPAE and ARMv8 (arm64) long descriptors: the shared bit layout (SIM-REFERENCE §5.3).

    bits[1:0]  01 block (not at the last level), 11 table / page, x0 invalid
    [4:2] AttrIndx  5 NS  6 AP[1] (EL0/PL0 access: PTE_USER)  7 AP[2] (read-only: PTE_RDONLY)
    [9:8] SH (11 inner shareable)  10 AF  11 nG  51 DBM (Linux PTE_WRITE, arm64)
    52 Contiguous  53 PXN  54 UXN (arm64) / XN (LPAE)
    table descriptors: 59 PXNTable 60 UXNTable/XNTable [62:61] APTable 63 NSTable
"""

from __future__ import annotations

from ..errors import SimError
from .format import KR, KW, KX, UR, UW, UX, Prot, WalkFault
from .radix import BLOCK, INVALID, TABLE, RadixTable

VALID = 1 << 0
TYPE_TABLE = 1 << 1  # with VALID: table (upper levels) or page (last level)
ATTR_SHIFT = 2
AP_USER = 1 << 6
AP_RDONLY = 1 << 7
SH_INNER = 3 << 8
AF = 1 << 10
NG = 1 << 11
DBM = 1 << 51
CONT = 1 << 52
PXN = 1 << 53
UXN = 1 << 54  # "XN" on LPAE
PXN_TABLE = 1 << 59
UXN_TABLE = 1 << 60
AP_TABLE_NO_EL0 = 1 << 61
AP_TABLE_RO = 1 << 62

MT_NORMAL = 0  # arm64 MAIR index (arch/arm64/include/asm/memory.h, 6.x)
MT_DEVICE_nGnRE = 4
MEMTYPES = {0: "MEM/NORMAL", 1: "MEM/NORMAL-TAGGED", 2: "MEM/NORMAL-NC", 3: "DEVICE/nGnRnE", 4: "DEVICE/nGnRE"}


class LongDescriptorTable(RadixTable):
    oa_bits = 48
    has_dbm = True  # arm64 marks writable pages with DBM (PTE_WRITE)

    def __init__(self, alloc, user_split: bool = False) -> None:
        self.addr_mask = ((1 << self.oa_bits) - 1) & ~0xFFF
        super().__init__(alloc, user_split)

    def encode_table(self, level: int, pa: int, user: bool) -> int:
        desc = pa | TYPE_TABLE | VALID
        if user:
            desc |= PXN_TABLE  # user tables: the kernel may never execute through them
        return desc

    def encode_leaf(self, level: int, pa: int, prot: Prot, block: bool) -> int:
        desc = pa | VALID | (0 if block else TYPE_TABLE) | AF | SH_INNER
        desc |= (MT_DEVICE_nGnRE if prot.device else MT_NORMAL) << ATTR_SHIFT
        if prot.user:
            desc |= AP_USER | NG | PXN
            if not prot.execute:
                desc |= UXN
        else:
            desc |= UXN
            if not prot.execute:
                desc |= PXN
        if prot.write:
            desc |= DBM if self.has_dbm else 0
        else:
            desc |= AP_RDONLY
        return desc

    def kind(self, desc: int, level: int) -> int:
        if not desc & VALID:
            return INVALID
        if desc & TYPE_TABLE:
            return TABLE  # a page at the last level (the walk treats it as the leaf)
        if level == len(self.levels) - 1:
            return INVALID  # 01 at the last level is reserved/invalid
        return BLOCK

    def table_acc(self, desc: int, acc: int) -> int:
        return acc | (desc >> 59 & 0xF)  # PXNTable, UXNTable, APTable bits, accumulated

    def leaf_perm(self, desc: int, level: int, acc: int) -> tuple[int, bool, bool]:
        user = bool(desc & AP_USER) and not acc & 0b100  # APTable[0]: no EL0 access below
        ro = bool(desc & AP_RDONLY) or bool(acc & 0b1000)
        perm = KR | (0 if ro else KW)
        if user:
            perm |= UR | (0 if ro else UW)
        xn = bool(desc & UXN) or bool(acc & 0b10)
        if not xn and user:
            perm |= UX
        if not self.user_xn_only(desc, acc, user, ro):
            perm |= KX
        return perm, not desc & NG, bool(desc & AF)

    def user_xn_only(self, desc: int, acc: int, user: bool, ro: bool) -> bool:
        """True when the kernel may not execute: PXN, PXNTable, or (arm64) EL0-writable memory."""
        return bool(desc & PXN) or bool(acc & 0b1) or (user and not ro)

    def attrs(self, desc: int, level: int) -> tuple[str, ...]:
        last = level == len(self.levels) - 1
        return ("USR" if desc & AP_USER else "   ", "ro" if desc & AP_RDONLY else "RW",
                "NX" if desc & PXN else "x ", "SHD" if desc & SH_INNER == SH_INNER else "   ",
                "AF" if desc & AF else "  ", "NG" if desc & NG else "  ", "CON" if desc & CONT else "   ",
                "   " if last else "BLK", "UXN" if desc & UXN else "   ",
                MEMTYPES.get(desc >> ATTR_SHIFT & 7, "MEM/?"))


def _arm64_levels(page_shift: int, va_bits: int) -> tuple[tuple[int, int, str, bool], ...]:
    bits = page_shift - 3
    count = (va_bits - 4) // bits  # ARM64_HW_PGTABLE_LEVELS
    names = {4: ("PGD", "PUD", "PMD", "PTE"), 3: ("PGD", "PMD", "PTE"), 2: ("PGD", "PTE"),
             5: ("PGD", "P4D", "PUD", "PMD", "PTE")}[count]
    levels = []
    for i in range(count):
        shift = page_shift + bits * (count - 1 - i)
        entries = 1 << min(bits, va_bits - shift)
        # blocks: 4K granule at 1 GiB (PUD) and 2 MiB (PMD); 16K/64K at the PMD level only
        hw_level = 4 - count + i
        block = (hw_level == 2) or (hw_level == 1 and page_shift == 12)
        levels.append((shift, entries, names[i], block and i < count - 1))
    return tuple(levels)


class Arm64Table(LongDescriptorTable):
    name = "arm64"

    def __init__(self, alloc, page_shift: int, va_bits: int) -> None:
        self.va_bits = va_bits
        self.page_shift = page_shift
        self.levels = _arm64_levels(page_shift, va_bits)
        self.table_bytes = 1 << page_shift
        self.name = f"arm64 {1 << (page_shift - 10)}K granule, {len(self.levels)} levels, {va_bits}-bit VA"
        super().__init__(alloc, user_split=True)

    def root_bytes(self) -> int:
        return max(self.levels[0][1] * 8, 64)

    def _ttbr0(self) -> int:
        if self.user_root is None:  # built with user_split=True: never
            raise SimError("Arm64Table", "no TTBR0 table")
        return self.user_root

    def root_for(self, va: int) -> int | WalkFault:
        top = va >> self.va_bits
        if top == 0:
            return self._ttbr0()  # TTBR0
        if top == (1 << (64 - self.va_bits)) - 1:
            return self.root  # TTBR1
        return WalkFault("translation", 0, 0, f"address outside both TTBR0 and TTBR1 ranges ({self.va_bits}-bit VA)")

    def _root_table(self, va: int, user: bool) -> int:
        return self.root if va >> self.va_bits else self._ttbr0()

    def _base(self, va: int) -> int:
        return va & ~((1 << self.va_bits) - 1)


class LpaeTable(LongDescriptorTable):
    """ARMv7 LPAE (arch/arm/include/asm/pgtable-3level*.h): 4 x 1 GiB pgd, 2 MiB sections, 4K ptes."""

    name = "ARM LPAE"
    va_bits = 32
    oa_bits = 40
    has_dbm = False
    levels = ((30, 4, "PGD", False), (21, 512, "PMD", True), (12, 512, "PTE", False))

    def encode_leaf(self, level: int, pa: int, prot: Prot, block: bool) -> int:
        """Linux LPAE: L_PTE_XN (bit 54) for no-exec, L_PTE_USER, L_PTE_RDONLY; PXN only via tables."""
        desc = pa | VALID | (0 if block else TYPE_TABLE) | AF | SH_INNER
        if prot.user:
            desc |= AP_USER | NG
        if not prot.execute:
            desc |= UXN
        if not prot.write:
            desc |= AP_RDONLY
        return desc

    def root_for(self, va: int) -> int | WalkFault:
        if va >> 32:
            return WalkFault("translation", 0, 0, "address wider than 32 bits")
        return self.root

    def user_xn_only(self, desc: int, acc: int, user: bool, ro: bool) -> bool:
        # ARMv7: XN forbids every fetch; PXN (bit 53) and PXNTable only privileged ones
        return bool(desc & (UXN | PXN)) or bool(acc & 0b1)

    def attrs(self, desc: int, level: int) -> tuple[str, ...]:
        return ("USR" if desc & AP_USER else "   ", "ro" if desc & AP_RDONLY else "RW",
                "NX" if desc & UXN else "x ", "SHD" if desc & SH_INNER == SH_INNER else "   ",
                "MEM/CACHED/WBWA" if (desc >> ATTR_SHIFT & 7) != MT_DEVICE_nGnRE else "DEV/SHARED")
