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

# ARMv7 LPAE under Linux (proc-v7-3level.S): MAIR0 = 0xeeaa4400, MAIR1 = 0xff000004
LPAE_MAIR0, LPAE_MAIR1 = 0xEEAA_4400, 0xFF00_0004
LPAE_MT_WRITEALLOC, LPAE_MT_DEV_SHARED = 7, 4
# SCTLR with the MMU on (proc-v7.S v7_crval mmuset 0x10c03c7d: M, C, I, Z, SW, V, U, XP, TRE ...)
ARMV7_SCTLR = 0x10C0_3C7D
MT_NORMAL = 0  # arm64 MAIR index (arch/arm64/include/asm/memory.h, 6.x)
MT_DEVICE_nGnRE = 4
MEMTYPES = {0: "MEM/NORMAL", 1: "MEM/NORMAL-TAGGED", 2: "MEM/NORMAL-NC", 3: "DEVICE/nGnRnE", 4: "DEVICE/nGnRE"}


class LongDescriptorTable(RadixTable):
    oa_bits = 48
    has_dbm = True  # arm64 marks writable pages with DBM (PTE_WRITE)

    def __init__(self, alloc, user_split: bool = False) -> None:
        # OA[47:12] in place; 52-bit output addresses keep their top bits elsewhere (decode_oa)
        self.addr_mask = ((1 << min(self.oa_bits, 48)) - 1) & ~0xFFF
        super().__init__(alloc, user_split)

    @property
    def sh_bits(self) -> int:
        """The shareability field of a leaf (bits [9:8]): inner shareable."""
        return SH_INNER

    def encode_oa(self, pa: int) -> int:
        return pa

    def encode_table(self, level: int, pa: int, user: bool) -> int:
        desc = self.encode_oa(pa) | TYPE_TABLE | VALID
        if user:
            desc |= PXN_TABLE  # user tables: the kernel may never execute through them
        return desc

    def encode_leaf(self, level: int, pa: int, prot: Prot, block: bool) -> int:
        desc = self.encode_oa(pa) | VALID | (0 if block else TYPE_TABLE) | AF | self.sh_bits
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
        if not xn and (user or not self.el0_exec_needs_read):
            perm |= UX
        if not self.user_xn_only(desc, acc, user, ro):
            perm |= KX
        return perm, not desc & NG, bool(desc & AF)

    # arm64: EL0 may execute wherever UXN (and UXNTable) is clear, whatever AP[1] says of its data
    # accesses (Arm ARM DDI 0487, stage 1 execute permissions; QEMU get_S1prot: `xn` is UXN alone for EL0); ARMv7 PL0 needs PL0 read too
    el0_exec_needs_read = False

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


# MAIR_EL1 as arch/arm64/include/asm/sysreg.h MAIR_EL1_SET programs it (index -> attribute byte):
# MT_NORMAL 0xff, MT_NORMAL_TAGGED 0xff (0xf0 once MTE is enabled), MT_NORMAL_NC 0x44,
# MT_DEVICE_nGnRnE 0x00, MT_DEVICE_nGnRE 0x04
ARM64_MAIR = 0xFF | 0xFF << 8 | 0x44 << 16 | 0x00 << 24 | 0x04 << 32
# SCTLR_EL1 with the MMU on (INIT_SCTLR_EL1_MMU_ON without the optional-feature bits MTE/EPAN/BTI):
# M C SA SA0 SED EOS I DZE UCT nTWE IESB EIS UCI nTLSMD LSMAOE; SPAN clear: PAN is set on entry
ARM64_SCTLR = sum(1 << b for b in (0, 2, 3, 4, 8, 11, 12, 14, 15, 18, 21, 22, 26, 28, 29))
_TG0 = {12: 0b00, 14: 0b10, 16: 0b01}
_TG1 = {12: 0b10, 14: 0b01, 16: 0b11}


class Arm64Table(LongDescriptorTable):
    name = "arm64"
    # an address outside both TTBR ranges is a level 0 translation fault whatever the start level
    # (Arm ARM pseudocode AArch64.S1Translate; QEMU reports the same)
    range_fault_level = 0

    def __init__(self, alloc, page_shift: int, va_bits: int) -> None:
        self.va_bits = va_bits
        self.page_shift = page_shift
        self.levels = _arm64_levels(page_shift, va_bits)
        self.first_level = 4 - len(self.levels)  # the walk starts at level 0, 1, 2 (or -1 with LPA2)
        self.table_bytes = 1 << page_shift
        self.name = f"arm64 {1 << (page_shift - 10)}K granule, {len(self.levels)} levels, {va_bits}-bit VA"
        # FEAT_LPA2 (v6.9+): 52-bit VA and PA with 4K/16K granules, TCR_EL1.DS = 1
        self.lpa2 = va_bits == 52 and page_shift in (12, 14)
        if va_bits == 52:
            self.oa_bits = 52
        super().__init__(alloc, user_split=True)

    @property
    def sh_bits(self) -> int:
        # with DS = 1 the descriptor's bits [9:8] are OA[51:50]; shareability comes from TCR_EL1.SHx
        # (arch/arm64/include/asm/pgtable-prot.h: PTE_SHARED is 0 when lpa2_is_enabled())
        return 0 if self.lpa2 else SH_INNER

    def encode_oa(self, pa: int) -> int:
        """The output address as the descriptor holds it: 52-bit PAs move their top bits (LPA / LPA2)."""
        if self.oa_bits <= 48:
            return pa
        if self.lpa2:  # OA[49:12] in place, OA[51:50] in bits [9:8]
            return (pa & ((1 << 50) - 1)) | (pa >> 50 & 3) << 8
        return (pa & ((1 << 48) - 1)) | (pa >> 48 & 0xF) << 12  # 64K LPA: OA[51:48] in bits [15:12]

    def decode_oa(self, desc: int) -> int:
        if self.oa_bits <= 48:
            return desc & self.addr_mask
        if self.lpa2:
            return (desc & ((1 << 50) - 1) & ~((1 << self.page_shift) - 1)) | (desc >> 8 & 3) << 50
        return (desc & ((1 << 48) - 1) & ~0xFFFF) | (desc >> 12 & 0xF) << 48

    def registers(self) -> dict[str, int]:
        t_sz = 64 - self.va_bits
        # TCR_EL1 (arch/arm64/mm/proc.S __cpu_setup): TxSZ, write-back write-allocate inner and outer
        # walks (IRGNx = ORGNx = 01), inner shareable (SHx = 11), the granule, IPS, 16-bit ASIDs (AS),
        # top-byte-ignore for user addresses (TBI0).  HA stays 0: the tables are checked with the access
        # flag managed by software (a clear AF faults), as the simulator's MMU models it.
        tcr = t_sz | 0b01 << 8 | 0b01 << 10 | 0b11 << 12 | _TG0[self.page_shift] << 14
        tcr |= t_sz << 16 | 0b01 << 24 | 0b01 << 26 | 0b11 << 28 | _TG1[self.page_shift] << 30
        tcr |= (0b110 if self.oa_bits == 52 else 0b101) << 32 | 1 << 36 | 1 << 37
        if self.lpa2:
            tcr |= 1 << 59  # DS
        assert self.user_root is not None  # arm64 always has its TTBR0 root
        return {"TCR_EL1": tcr, "MAIR_EL1": ARM64_MAIR, "SCTLR_EL1": ARM64_SCTLR,
                "TTBR0_EL1": self.ttbr(self.user_root), "TTBR1_EL1": self.ttbr(self.root)}

    def ttbr(self, pa: int) -> int:
        """TTBRn_EL1.BADDR: with a 52-bit PA the table address bits [51:48] sit in bits [5:2]."""
        if self.oa_bits == 52:
            return (pa & ((1 << 48) - 1)) | (pa >> 48 & 0xF) << 2
        return pa

    def contexts(self) -> dict[str, dict[str, int]]:
        return {"kernel": {"PSTATE.PAN": 1}, "user": {"PSTATE.PAN": 0}}

    def memory_type(self, desc: int, level: int) -> str:
        return f"MAIR_EL1[{desc >> ATTR_SHIFT & 7}] = {ARM64_MAIR >> 8 * (desc >> ATTR_SHIFT & 7) & 0xFF:#04x}"

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

    def leaf_roots(self) -> list[tuple[int, int]]:
        roots = [(self.root, (1 << 64) - (1 << self.va_bits))]
        return roots + ([(self.user_root, 0)] if self.user_root is not None else [])


class LpaeTable(LongDescriptorTable):
    """ARMv7 LPAE (arch/arm/include/asm/pgtable-3level*.h): 4 x 1 GiB pgd, 2 MiB sections, 4K ptes."""

    name = "ARM LPAE"
    va_bits = 32
    first_level = 1  # T0SZ = 0: the walk starts at level 1 (4 x 1 GiB entries)
    oa_bits = 40
    has_dbm = False
    levels = ((30, 4, "PGD", False), (21, 512, "PMD", True), (12, 512, "PTE", False))

    split = 0xC000_0000  # PAGE_OFFSET: TTBR1 translates from here (TTBCR.T1SZ) -- without TTBR0 PAN
    # CONFIG_CPU_TTBR0_PAN (arch/arm/include/asm/pgtable-3level-hwdef.h, uaccess-asm.h): T1SZ = 0 and
    # TTBR1 = swapper_pg_dir; the kernel runs with TTBCR.EPD0 | T0SZ = 7 | A1, so TTBR0 (walks disabled)
    # covers the first 32 MiB only and TTBR1 everything above it -- the modules area and pkmap below
    # PAGE_OFFSET included; uaccess_enable clears them again (TTBR0 for every address)
    ttbr0_pan = True
    PAN_T0SZ = 7

    def encode_leaf(self, level: int, pa: int, prot: Prot, block: bool) -> int:
        """Linux LPAE: L_PTE_XN (bit 54) for no-exec, L_PTE_USER, L_PTE_RDONLY; PXN only via tables.

        Memory: AttrIndx 7 (L_PTE_MT_WRITEALLOC, PMD_SECT_WBWA: MAIR1 byte 3 = 0xff, normal write-back
        write-allocate); devices AttrIndx 4 (L_PTE_MT_DEV_SHARED).  AttrIndx 0 would be MAIR0 byte 0,
        strongly-ordered memory (arch/arm/include/asm/pgtable-3level.h, proc-v7-3level.S).
        """
        desc = pa | VALID | (0 if block else TYPE_TABLE) | AF | SH_INNER
        desc |= (LPAE_MT_DEV_SHARED if prot.device else LPAE_MT_WRITEALLOC) << ATTR_SHIFT
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

    @property
    def kernel_ttbr0_end(self) -> int | None:
        """The end of TTBR0's range while the kernel runs (walks disabled there): None without TTBR0 PAN."""
        return 1 << (32 - self.PAN_T0SZ) if self.ttbr0_pan else None

    def registers(self) -> dict[str, int]:
        """proc-v7-3level.S v7_ttb_setup: EAE, TTB_FLAGS_SMP for both halves, T1SZ from PAGE_OFFSET
        (TTBR1_SIZE; 0 with TTBR0 PAN, and TTBR1 is then the whole swapper_pg_dir)."""
        t1sz = 0 if self.ttbr0_pan else max(0, (self.split >> 30) - 1)
        flags = 1 << 8 | 1 << 10 | 3 << 12  # IRGN WBWA, ORGN WBWA, inner shareable
        ttbcr = 1 << 31 | flags | flags << 16 | t1sz << 16
        if t1sz >= 2:  # TTBR1 starts at level 2: it points at the PMD table of the kernel's GiB
            ttbr1 = self.decode_oa(self.tables[self.root][self.split >> 30])
        else:  # start at level 1: the pgd entries from PAGE_OFFSET on (TTBR1_OFFSET)
            ttbr1 = self.root + 8 * (self.split >> 30 if t1sz else 0)
        return {"TTBCR": ttbcr, "TTBR0": self.root, "TTBR1": ttbr1, "MAIR0": LPAE_MAIR0, "MAIR1": LPAE_MAIR1,
                "SCTLR": ARMV7_SCTLR, "DACR": 0x5555_5555}

    def contexts(self) -> dict[str, dict[str, int]]:
        # CONFIG_CPU_TTBR0_PAN uaccess_disable: TTBR0 walks disabled (EPD0), its range cut to 32 MiB
        # (T0SZ = 7), the ASID from TTBR1 (A1)
        ttbcr = self.registers()["TTBCR"]
        if not self.ttbr0_pan:
            return {"kernel": {"TTBCR": ttbcr}, "user": {"TTBCR": ttbcr}}
        return {"kernel": {"TTBCR": ttbcr | 1 << 7 | self.PAN_T0SZ | 1 << 22}, "user": {"TTBCR": ttbcr}}

    def memory_type(self, desc: int, level: int) -> str:
        index = desc >> ATTR_SHIFT & 7
        mair = LPAE_MAIR0 | LPAE_MAIR1 << 32
        return f"MAIR[{index}] = {mair >> 8 * index & 0xFF:#04x}"

    el0_exec_needs_read = True  # ARMv7 (B3.7.2): PL0 execution needs PL0 read permission

    def user_xn_only(self, desc: int, acc: int, user: bool, ro: bool) -> bool:
        # ARMv7: XN forbids every fetch; PXN (bit 53) and PXNTable only privileged ones
        return bool(desc & (UXN | PXN)) or bool(acc & 0b1)

    def attrs(self, desc: int, level: int) -> tuple[str, ...]:
        index = desc >> ATTR_SHIFT & 7
        memtype = {LPAE_MT_WRITEALLOC: "MEM/CACHED/WBWA", LPAE_MT_DEV_SHARED: "DEV/SHARED", 0: "MEM/UNCACHED"}
        return ("USR" if desc & AP_USER else "   ", "ro" if desc & AP_RDONLY else "RW",
                "NX" if desc & UXN else "x ", "SHD" if desc & SH_INNER == SH_INNER else "   ",
                memtype.get(index, f"MEM/?{index}"))
